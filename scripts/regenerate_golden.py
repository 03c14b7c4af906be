"""Rewrite tests/golden/<scenario>.json: ``evaluate --json`` of every shipped example, as it is now.

    .venv/bin/python scripts/regenerate_golden.py

tests/test_golden.py compares the live output with these files. It is the one test that pins the
catalog's current figures on purpose: after a catalog update (or a deliberate model change) run
this script and review the diff (``git diff tests/golden``) as part of the change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pricing.catalog import default_catalog  # noqa: E402
from simulator.model.evaluate import evaluate  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def golden_output(path: Path) -> dict:
    """What ``crossover evaluate PATH --json`` prints, as a dict."""
    catalog = default_catalog()
    result = evaluate(load_scenario(path, catalog), catalog).to_dict()
    return json.loads(json.dumps(result, default=str))


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        target = GOLDEN / f"{path.stem}.json"
        target.write_text(json.dumps(golden_output(path), indent=1, sort_keys=True) + "\n")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

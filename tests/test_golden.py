"""The golden test: ``evaluate --json`` of each shipped example equals tests/golden/<name>.json.

This is the one test that pins live catalog figures, on purpose. It fails on a routine price
update as well as on a change in behaviour: regenerate with ``scripts/regenerate_golden.py`` and
review ``git diff tests/golden`` to see which numbers the change moved. Every other test pins the
figures it computes with by overrides. The comparison is scripts/compare_evaluate.py's (numbers
equal within 1e-12 relative).
"""

import json
import sys

import pytest

from conftest import ROOT, SHIPPED_SCENARIOS

sys.path.insert(0, str(ROOT / "scripts"))
from compare_evaluate import differences  # noqa: E402
from regenerate_golden import GOLDEN, golden_output  # noqa: E402


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_evaluate_json_matches_the_golden_file(path):
    golden = json.loads((GOLDEN / f"{path.stem}.json").read_text())
    changed = differences(golden, golden_output(path), ignore=set())
    assert not changed, ("evaluate --json moved; if intended, run scripts/regenerate_golden.py and review "
                         "git diff tests/golden:\n" + "\n".join(changed[:40]))


def test_the_comparison_sees_a_moved_number_and_ignores_rounding():
    assert differences({"a": [1.0, {"b": 2.0}]}, {"a": [1.0, {"b": 2.0 * (1 + 1e-6)}]}, set()) == [
        "a[1].b: 2.0 -> 2.000002"]
    assert differences({"a": 1.0}, {"a": 1.0 * (1 + 1e-14)}, set()) == []
    assert differences({"a": 1.0}, {}, set()) == ["a: 1.0 -> (absent)"]

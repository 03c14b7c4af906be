"""The golden test: ``evaluate --json`` of each shipped example equals tests/golden/<name>.json.

This is the one test that pins live catalog figures, on purpose. It fails on a routine price
update as well as on a change in behaviour: regenerate with ``scripts/regenerate_golden.py`` and
review ``git diff tests/golden`` to see which numbers the change moved. Every other test pins the
figures it computes with by overrides.
"""

import json
import math
import sys

import pytest

from conftest import ROOT, SHIPPED_SCENARIOS

sys.path.insert(0, str(ROOT / "scripts"))
from regenerate_golden import GOLDEN, golden_output  # noqa: E402

REL_TOL = 1e-9  # float rounding between machines, not a change


def differences(old, new, path=""):
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in sorted(set(old) | set(new))
                for d in (differences(old[k], new[k], f"{path}.{k}") if k in old and k in new
                          else [f"{path}.{k}: only in {'golden' if k in old else 'output'}"])]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(old, float) and isinstance(new, (int, float)) and not isinstance(new, bool):
        return [] if math.isclose(old, new, rel_tol=REL_TOL, abs_tol=1e-12) else [f"{path}: {old!r} -> {new!r}"]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_evaluate_json_matches_the_golden_file(path):
    golden = json.loads((GOLDEN / f"{path.stem}.json").read_text())
    changed = differences(golden, golden_output(path))
    assert not changed, ("evaluate --json moved; if intended, run scripts/regenerate_golden.py and review "
                         "git diff tests/golden:\n" + "\n".join(changed[:40]))


def test_the_comparison_sees_a_moved_number():
    assert differences({"a": [1.0, {"b": 2.0}]}, {"a": [1.0, {"b": 2.0 * (1 + 1e-6)}]}) == [".a[1].b: 2.0 -> 2.000002"]
    assert differences({"a": 1.0}, {"a": 1.0 * (1 + 1e-12)}) == []

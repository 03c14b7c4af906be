"""Compare ``evaluate --json`` of every shipped scenario between a git commit and the working tree.

    .venv/bin/python scripts/compare_evaluate.py <commit> [--draws N] [--ignore KEY ...]

The commit's code is checked out into a temporary git worktree and run with this interpreter on the
working tree's scenario files, so only the code differs. Prints one line per changed JSON leaf
(``scenario: path: old -> new``; numbers equal within 1e-12 relative count as equal) and a count
per scenario; keys named by ``--ignore`` (default:
``figures_used``, which the layout change added) are left out of the comparison. Exits 1 when
anything differs, so it can gate a refactor that must not move a number.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REL_TOL = 1e-12  # float rounding (a constant computed instead of typed moves the 16th digit)


def run_evaluate(code_dir: Path, scenario: Path, draws: int | None) -> dict:
    command = [sys.executable, "-m", "simulator", "evaluate", str(scenario), "--json"]
    if draws:
        command += ["--draws", str(draws)]
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    done = subprocess.run(command, cwd=code_dir, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{scenario.name} at {code_dir}: exit {done.returncode}\n{done.stderr}")
    return json.loads(done.stdout)


def differences(old, new, ignore: set[str], path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            if key in ignore:
                continue
            where = f"{path}.{key}" if path else key
            if key not in old:
                out.append(f"{where}: (absent) -> {_short(new[key])}")
            elif key not in new:
                out.append(f"{where}: {_short(old[key])} -> (absent)")
            else:
                out += differences(old[key], new[key], ignore, where)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, ignore, f"{path}[{i}]")]
    if isinstance(old, float) and isinstance(new, float):
        same = math.isclose(old, new, rel_tol=REL_TOL, abs_tol=1e-300) or (math.isnan(old) and math.isnan(new))
        return [] if same else [f"{path}: {old!r} -> {new!r}"]
    if old == new:
        return []
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 160:
        return [f"{path}: {_word_changes(old, new)}"]
    return [f"{path}: {_short(old)} -> {_short(new)}"]


def _word_changes(old: str, new: str) -> str:
    """What a long message gained and lost, word by word (lists of catalog keys, mostly)."""
    split = lambda text: [w.strip(",:;") for w in text.split()]
    before, after = split(old), split(new)
    added = [w for w in after if w not in before]
    removed = [w for w in before if w not in after]
    return f"{_short(new[:60])}... gained {added or 'nothing'}, lost {removed or 'nothing'}"


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 160 else text[:157] + "..."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit")
    parser.add_argument("--draws", type=int, default=None, help="also compare the Monte Carlo output")
    parser.add_argument("--ignore", nargs="*", default=["figures_used"])
    args = parser.parse_args()
    scenarios = sorted((ROOT / "scenarios").glob("*.yaml"))
    if not scenarios:
        raise SystemExit("no scenarios/*.yaml found")
    changed = 0
    with tempfile.TemporaryDirectory() as tmp:
        old_dir = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(old_dir), args.commit],
                       check=True)
        try:
            for scenario in scenarios:
                old = run_evaluate(old_dir, scenario, args.draws)
                new = run_evaluate(ROOT, scenario, args.draws)
                lines = differences(old, new, set(args.ignore))
                changed += len(lines)
                print(f"{scenario.stem}: {len(lines)} differences")
                for line in lines:
                    print(f"  {scenario.stem}: {line}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_dir)], check=False)
    print(f"{len(scenarios)} scenarios, {changed} differences (ignoring {', '.join(args.ignore) or 'nothing'})")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

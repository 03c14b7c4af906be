"""The layout's rules hold: import-linter's contracts in pyproject.toml, the installed command, sizes.

``lint-imports`` runs in the test command before pytest; here it also runs on a copy of the tree
with one deliberately wrong import, to show the contract is not one that cannot fail.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHIPPED_SCENARIOS

BIN = Path(sys.executable).parent
PACKAGES = ("app_pages", "ui", "simulator", "pricing")
MAX_MODULE_LINES = 400


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache", "--config", str(tree / "pyproject.toml")],
                          cwd=tree, env={"PYTHONPATH": str(tree), "PATH": str(BIN)}, capture_output=True, text=True)


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_the_layers_hold():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "broken" not in run.stdout.split("Contracts:")[-1].split(",")[0]


@pytest.mark.parametrize("module, line, broken", [
    ("simulator/model/curves.py", "from ui import fmt", "simulator.model is not allowed to import ui"),
    ("pricing/listing.py", "from simulator.model import curves", "pricing is not allowed to import simulator.model"),
    ("simulator/analysis/quality.py", "from simulator.storage import uploads",
     "simulator.analysis is not allowed to import simulator.storage"),
    ("ui/fmt.py", "import streamlit", "ui is not allowed to import streamlit"),
])
def test_a_wrong_import_breaks_the_contract(tmp_path, module, line, broken):
    tree = copy_of_the_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{line}  # deliberately wrong\n")
    run = lint_imports(tree)
    assert run.returncode == 1, run.stdout
    assert broken in run.stdout


def test_the_crossover_command_works_from_any_directory(tmp_path):
    command = BIN / "crossover"
    assert command.exists(), "not installed: bash scripts/dev.sh setup installs Crossover editable (pip install -e .)"
    run = subprocess.run([str(command), "evaluate", str(SHIPPED_SCENARIOS[0]), "--json"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    shim = subprocess.run([sys.executable, "-m", "simulator", "evaluate", str(SHIPPED_SCENARIOS[0]), "--json"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert shim.stdout == run.stdout


def test_no_module_is_long_without_saying_why():
    long = []
    for package in ("simulator", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text()
            if text.count("\n") > MAX_MODULE_LINES and "Longer than 400 lines because" not in text:
                long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
    assert not long, long


def test_the_public_api_is_importable_from_the_package(catalog):
    import simulator
    from simulator import evaluate, load_scenario, simulate

    ev = evaluate(load_scenario(SHIPPED_SCENARIOS[0], catalog), catalog)
    assert simulate(ev, draws=100).draws == 100
    assert all(getattr(simulator, name) is not None for name in simulator.__all__)
    with pytest.raises(AttributeError, match="no attribute 'evaluat'"):
        simulator.evaluat  # noqa: B018

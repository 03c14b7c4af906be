"""How fast a full scenario library is on this machine: 5,000 saved scenarios (MAX_SAVED) written
as the file store kept them, imported into a new SQLite database (the app's one-time import),
listed, one rename into the full store, and the library page's rerun through Streamlit's AppTest.
Figures, not pass/fail. Everything is in a temporary folder, never in the user's data folder.

    bash scripts/dev.sh bench        (or: .venv/bin/python scripts/benchmark_library.py [count])
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pricing.catalog import default_catalog  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402
from simulator.storage.database import Actor, DatabaseStore  # noqa: E402
from simulator.storage.importing import import_folder  # noqa: E402
from simulator.storage.store import MAX_SAVED  # noqa: E402

WARM_TARGET_S = 1.0


def fill(folder: Path, count: int) -> None:
    """``count`` valid scenario files with distinct names, written directly (as the file store
    wrote them, without going through 5,000 locked saves)."""
    base = load_scenario(ROOT / "scenarios" / "support-bot.yaml", default_catalog())
    text = base.to_yaml()
    name_line = f"name: {base.name}\n"
    assert name_line in text, "the shipped example's YAML starts differently than this script expects"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"plan-{n:05d}.yaml").write_text(text.replace(name_line, f"name: Plan {n:05d}\n", 1))


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_rerun_s(url: str, repeat: int = 3) -> float:
    from streamlit.testing.v1 import AppTest
    os.environ["CROSSOVER_DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app_pages/library.py").run()
    if at.exception:
        raise SystemExit(f"the library page failed: {at.exception}")
    return timed(at.run, repeat)


def main(count: int = MAX_SAVED) -> None:
    work = Path(tempfile.mkdtemp(prefix="crossover-library-"))
    os.environ["CROSSOVER_DATA_DIR"] = str(work / "data")  # the page's other folders: never the user's
    os.environ["CROSSOVER_SCENARIO_DIR"] = str(work / "saved")
    fill(work / "saved", count)
    url = f"sqlite:///{work / 'crossover.db'}"
    store = DatabaseStore(url)
    imported = timed(lambda: import_folder(store, work / "saved", actor=Actor("benchmark")))
    warm = timed(store.entries, repeat=5)
    listed = len([e for e in store.entries() if not e.read_only and not e.problem])
    assert listed == count, f"listed {listed} of {count}"
    entry = store.entries()[-1]
    save = timed(lambda: store.rename(entry.ref, "Renamed once", replaces=entry.version,
                                      actor=Actor("benchmark")))  # its owner: the importer
    page = page_rerun_s(url)
    verdict = "ok" if warm < WARM_TARGET_S else "SLOWER THAN TARGET"
    print(f"Scenario library, {count:,} saved scenarios (SQLite):")
    print(f"  the one-time import of {count:,} files {imported:7.2f} s")
    print(f"  entries() {warm:6.3f} s   (target < {WARM_TARGET_S:g} s: {verdict})")
    print(f"  one rename into the full store (lock, check, new version, audit) {save:6.3f} s")
    print(f"  library page rerun (AppTest, warm, median of 3) {page:6.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else MAX_SAVED)

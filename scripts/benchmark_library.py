"""How fast a full scenario library is on this machine: 5,000 saved scenarios (MAX_SAVED) in a
temporary folder, listed without the index (every file parsed: the first listing, or one after the
index was lost) and with it, one save into the full store, and the library page's rerun through
Streamlit's AppTest. Figures, not pass/fail.

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
from simulator.storage import index  # noqa: E402
from simulator.storage.store import MAX_SAVED, ScenarioStore  # noqa: E402

WARM_TARGET_S = 1.0


def fill(store: ScenarioStore, count: int) -> None:
    """``count`` valid scenario files with distinct names, written directly (as the store writes
    them, without going through 5,000 locked saves)."""
    base = load_scenario(ROOT / "scenarios" / "support-bot.yaml", default_catalog())
    text = base.to_yaml()
    name_line = f"name: {base.name}\n"
    assert name_line in text, "the shipped example's YAML starts differently than this script expects"
    store.root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (store.root / f"plan-{n:05d}.yaml").write_text(text.replace(name_line, f"name: Plan {n:05d}\n", 1))


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_rerun_s(folder: Path, repeat: int = 3) -> float:
    from streamlit.testing.v1 import AppTest
    os.environ["CROSSOVER_SCENARIO_DIR"] = str(folder)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("app_pages/library.py").run()
    if at.exception:
        raise SystemExit(f"the library page failed: {at.exception}")
    return timed(at.run, repeat)


def main(count: int = MAX_SAVED) -> None:
    folder = Path(tempfile.mkdtemp(prefix="crossover-library-")) / "saved"
    store = ScenarioStore(folder)
    fill(store, count)
    cold = timed(store.entries)  # no index yet: every file parsed, the index written
    warm = timed(store.entries, repeat=5)
    listed = len([e for e in store.entries() if not e.read_only and not e.problem])
    assert listed == count, f"listed {listed} of {count}"
    (folder / "plan-00007.yaml").write_text((folder / "plan-00007.yaml").read_text().replace("Plan 00007", "Changed"))
    one_changed = timed(store.entries)
    entry = store.entries()[-1]
    save = timed(lambda: store.rename(entry.slug, "Renamed once", replaces=entry.version))
    (folder / index.INDEX_FILE).write_bytes(b"{broken")
    rebuilt = timed(store.entries)
    page = page_rerun_s(folder)
    verdict = "ok" if warm < WARM_TARGET_S else "SLOWER THAN TARGET"
    print(f"Scenario library, {count:,} saved scenarios:")
    print(f"  entries(): cold (no index, every file parsed) {cold:7.2f} s   warm (index) {warm:6.3f} s"
          f"   (target < {WARM_TARGET_S:g} s: {verdict})")
    print(f"  entries() after one file changed by hand   {one_changed:6.3f} s   "
          f"after the index was corrupted {rebuilt:6.2f} s (rebuilt)")
    print(f"  one rename into the full store (lock, check, write, index, audit) {save:6.3f} s")
    print(f"  library page rerun (AppTest, warm, median of 3) {page:6.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else MAX_SAVED)

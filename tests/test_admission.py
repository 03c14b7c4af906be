"""The Monte Carlo gate: a bounded number of runs at once, a heavy lane, a bounded wait, a budget per
session (issue 16.5: six heavy links took 126 s and 2.4 GB and slowed everyone's pages 3.5x)."""

import itertools
import threading
import time

import pytest

from app_pages import admission
from app_pages.admission import HEAVY_WORK, Gate, Refused
from conftest import break_even_svg, open_app

SMALL, HEAVY = 2_000 * 4, HEAVY_WORK + 1


SESSIONS = itertools.count()


def hold(gate: Gate, cost: int, release: threading.Event, started: list, errors: list) -> threading.Thread:
    """A thread of its own session that takes a slot and keeps it until ``release`` is set."""
    session = f"session-{next(SESSIONS)}"

    def run():
        try:
            with gate.slot(session, cost):
                started.append(cost)
                release.wait(10)
        except Refused as exc:
            errors.append(str(exc))
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_work_is_draws_times_ranged_inputs():
    assert admission.work(100_000, 24) == 2_400_000  # the link of issue 16.5
    assert admission.work(2_000, 0) == 2_000  # no ranges: the draws still run


def test_at_most_two_runs_at_once_the_rest_wait_their_turn():
    gate, release, started, errors = Gate(), threading.Event(), [], []
    threads = [hold(gate, SMALL, release, started, errors) for _ in range(5)]
    wait_until(lambda: gate.status() == (2, 3))
    assert len(started) == 2
    release.set()
    for t in threads:
        t.join(5)
    assert len(started) == 5 and not errors and gate.status() == (0, 0)


def test_a_heavy_run_waits_for_the_heavy_lane_while_small_runs_pass_it():
    gate, release, started, errors = Gate(running=3), threading.Event(), [], []
    hold(gate, HEAVY, release, started, errors)
    wait_until(lambda: gate.status() == (1, 0))
    hold(gate, HEAVY, release, started, errors)
    wait_until(lambda: gate.status() == (1, 1))
    hold(gate, SMALL, release, started, errors)  # arrives after the waiting heavy run, starts before it
    wait_until(lambda: gate.status() == (2, 1))
    assert started == [HEAVY, SMALL]
    release.set()
    wait_until(lambda: len(started) == 3)


def test_a_full_line_is_refused_at_once_with_a_message():
    gate, release, started, errors = Gate(running=1, waiting=1), threading.Event(), [], []
    hold(gate, SMALL, release, started, errors)
    wait_until(lambda: gate.status() == (1, 0))
    hold(gate, SMALL, release, started, errors)
    wait_until(lambda: gate.status() == (1, 1))
    with pytest.raises(Refused, match="the server is busy: 1 Monte Carlo runs are going and 1 are waiting"):
        with gate.slot("another", SMALL):
            pass
    release.set()


def test_a_run_that_waits_too_long_is_refused_and_leaves_the_line():
    gate, release, started, errors = Gate(running=1, max_wait_s=0.3), threading.Event(), [], []
    hold(gate, SMALL, release, started, errors)
    wait_until(lambda: gate.status() == (1, 0))
    with pytest.raises(Refused, match="busy with other Monte Carlo runs for 0 s"):
        with gate.slot("late", SMALL):
            pass
    assert gate.status() == (1, 0)
    release.set()


def test_a_waiting_run_whose_page_moved_on_leaves_the_line_and_the_next_one_runs():
    """Streamlit stops a rerun's old script by raising inside its next st call: here, on_wait."""
    gate, release, started, errors = Gate(running=1), threading.Event(), [], []
    hold(gate, SMALL, release, started, errors)
    wait_until(lambda: gate.status() == (1, 0))

    def page_moved_on(ahead):
        assert ahead == 1
        raise KeyboardInterrupt  # stands for Streamlit's StopException (a BaseException too)

    with pytest.raises(KeyboardInterrupt):
        with gate.slot("moved-on", SMALL, page_moved_on):
            pass
    assert gate.status() == (1, 0)
    release.set()
    wait_until(lambda: gate.status() == (0, 0))
    with gate.slot("next", SMALL):
        assert gate.status() == (1, 0)


def test_a_failing_run_gives_its_slot_back():
    gate = Gate(running=1)
    with pytest.raises(ZeroDivisionError):
        with gate.slot("s", SMALL):
            1 / 0
    assert gate.status() == (0, 0)
    with gate.slot("s", SMALL):
        pass


def test_a_session_may_start_two_heaviest_runs_a_minute_then_waits_for_its_budget():
    now = [1000.0]
    gate = Gate(clock=lambda: now[0])
    heaviest = admission.work(100_000, 24)
    for _ in range(2):
        with gate.slot("tab", heaviest):
            pass
    with pytest.raises(Refused, match=r"this session started 4,800,000 draw-inputs .* Try again in 60 s"):
        with gate.slot("tab", SMALL):
            pass
    with gate.slot("another tab", heaviest):  # the budget is per session
        pass
    now[0] += 60.5
    with gate.slot("tab", heaviest):
        pass


def test_a_refused_run_shows_point_values_and_says_why(monkeypatch):
    """The page draws the lines without bands and tells the user, instead of waiting or failing."""
    from app_pages import state

    monkeypatch.setattr(state, "_GATE", Gate(waiting=0))
    at = open_app(s="support-bot", lo="1", hi="1000")  # the chart range is not part of the cache key
    at.number_input(key="mc_seed").set_value(12345).run()  # a seed no other test has cached
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("No uncertainty bands this time: the server is busy") for w in warnings), warnings
    assert any(i.value.startswith("The Monte Carlo did not run") for i in at.info)
    assert at.number_input(key="mc_seed").value == 12345  # the settings stay, to make the run lighter
    figure = break_even_svg(at)
    assert "P10–P90" not in figure and "Prompt-only" in figure

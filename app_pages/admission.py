"""How many Monte Carlo runs one server process does at once, and how much one session may start.

One link can ask for 100,000 draws of 24 ranged inputs: about 25 s of a core and ~350 MB at its
peak. Without a bound, six such links (different seeds defeat the result cache) took 126 s and
2.4 GB, and everyone else's pages slowed from 2.8 s to 9.7 s. So every run that is not already
cached passes this gate:

- at most ``RUNNING`` runs at once in the process, of which at most ``HEAVY_RUNNING`` heavy ones, so
  a heavy link never blocks the small runs of everyone else;
- at most ``WAITING`` runs wait; the page shows the wait and its place in the line; a run that
  waits longer than ``MAX_WAIT_S`` (or finds the line full) is refused with a message, and the
  page shows its point values without bands;
- a session may start at most ``SESSION_WORK_PER_MINUTE`` of work in any 60 s (two of the heaviest
  runs), so one tab cannot keep the heavy lane busy for good.

Work is draws x ranged inputs, what a run's time and memory grow with. Plain Python, no Streamlit:
``state.simulation`` uses one gate for the process, tests drive their own with threads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

from simulator.scenario.schema import MAX_DRAWS

RUNNING = 2
HEAVY_RUNNING = 1
WAITING = 8
MAX_WAIT_S = 120.0
HEAVY_WORK = 200_000  # draws x ranged inputs: 20,000 draws of 10 inputs take ~4 s on one core
SESSION_WORK_PER_MINUTE = 2 * MAX_DRAWS * 24  # two runs of the heaviest link seen (24 ranges)
WINDOW_S = 60.0
POLL_S = 0.5  # how often a waiting run updates its message (and notices that its page moved on)


def work(draws: int, ranged_inputs: int) -> int:
    """What a run costs: its time and memory grow with draws x ranged inputs."""
    return int(draws) * max(1, int(ranged_inputs))


class Refused(Exception):
    """The run was not started; the message says why and what the page shows instead."""


@dataclass(eq=False)
class _Ticket:
    heavy: bool


@dataclass
class Gate:
    running: int = RUNNING
    heavy_running: int = HEAVY_RUNNING
    waiting: int = WAITING
    max_wait_s: float = MAX_WAIT_S
    session_work_per_minute: float = SESSION_WORK_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _line: deque = field(default_factory=deque, repr=False)  # waiting tickets, oldest first
    _active: list = field(default_factory=list, repr=False)  # tickets running now
    _spent: dict = field(default_factory=dict, repr=False)  # session -> deque of (time, work)

    @contextlib.contextmanager
    def slot(self, session: str, cost: int, on_wait: Callable[[int], None] = lambda ahead: None) -> Iterator[None]:
        """Run the body once a slot is free. ``on_wait(runs_ahead)`` is called while waiting, about
        every ``POLL_S`` s, outside the lock: an exception it raises (Streamlit stopping a run
        whose page moved on) leaves the line cleanly."""
        ticket = _Ticket(heavy=cost > HEAVY_WORK)
        with self._lock:
            self._check_budget(session, cost)
            if len(self._line) >= self.waiting:
                raise Refused(f"the server is busy: {len(self._active)} Monte Carlo runs are going and "
                              f"{len(self._line)} are waiting. Try again in a minute.")
            self._line.append(ticket)
        try:
            self._wait_for_turn(ticket, on_wait)
        except BaseException:
            with self._lock:
                if ticket in self._line:
                    self._line.remove(ticket)
                    self._lock.notify_all()
            raise
        with self._lock:
            self._spent.setdefault(session, deque()).append((self.clock(), cost))
        try:
            yield
        finally:
            with self._lock:
                self._active.remove(ticket)
                self._lock.notify_all()

    def _wait_for_turn(self, ticket: _Ticket, on_wait: Callable[[int], None]) -> None:
        deadline = self.clock() + self.max_wait_s
        while True:
            with self._lock:
                if self._first_admissible() is ticket:
                    self._line.remove(ticket)
                    self._active.append(ticket)
                    return
                left = deadline - self.clock()
                if left <= 0:
                    raise Refused(f"the server was busy with other Monte Carlo runs for {self.max_wait_s:.0f} s. "
                                  "Try again in a minute.")
                self._lock.wait(min(POLL_S, left))
                ahead = len(self._active) + self._line.index(ticket)
            on_wait(ahead)

    def _first_admissible(self) -> _Ticket | None:
        """The oldest waiting run that may start now: a heavy run waits for the heavy lane, a small
        one only for a free slot (so small runs pass a heavy one that waits)."""
        if len(self._active) >= self.running:
            return None
        heavy_free = sum(t.heavy for t in self._active) < self.heavy_running
        return next((t for t in self._line if heavy_free or not t.heavy), None)

    def _check_budget(self, session: str, cost: int) -> None:
        now = self.clock()
        for name in list(self._spent):
            spent = self._spent[name]
            while spent and spent[0][0] <= now - WINDOW_S:
                spent.popleft()
            if not spent:
                del self._spent[name]
        spent = self._spent.get(session, ())
        used = sum(c for _, c in spent)
        if used and used + cost > self.session_work_per_minute:
            wait = spent[0][0] + WINDOW_S - now
            raise Refused(f"this session started {used:,} draw-inputs of Monte Carlo in the last minute "
                          f"(the limit is {self.session_work_per_minute:,.0f}). Try again in {wait:.0f} s, "
                          "or use fewer draws or ranges.")

    def status(self) -> tuple[int, int]:
        """Runs going and runs waiting now."""
        with self._lock:
            return len(self._active), len(self._line)

"""What the database store may grow to (rows.py): a scenario keeps its newest versions within a
count and a size, the audit log its newest rows, and two new scenarios at the 5,000 cap on
PostgreSQL are counted one after the other, so the cap is not passed. SQLite and PostgreSQL."""

import threading
import time

import pytest
from sqlalchemy import func, select

from simulator.storage import database, rows
from simulator.storage.database import Actor, StoreError
from simulator.storage.tables import audit, versions
from test_database_store import bot, postgres_database, renamed, store, url  # noqa: F401 (fixtures)

ANA = Actor(user="ana")


def save_versions(store, bot, count: int):
    entry = store.save(renamed(bot, "Plan"), actor=ANA)
    for i in range(count - 1):
        entry = store.save(renamed(bot, "Plan", queries_per_month=1_000 + i), entry.ref,
                           replaces=entry.version, actor=ANA)
    return entry


def test_a_scenario_keeps_its_newest_versions_and_says_which_are_gone(store, bot, monkeypatch):
    monkeypatch.setattr(rows, "MAX_VERSIONS", 3)
    entry = save_versions(store, bot, 5)
    assert [v.number for v in store.history(entry.ref, viewer=ANA)] == [5, 4, 3]
    assert store.load(entry.ref, viewer=ANA)[1] == entry.version  # the one shown is the newest, kept
    with pytest.raises(StoreError, match="no version 1 .it has versions 3 to 5; a scenario keeps its newest 3"):
        store.version(entry.ref, 1, viewer=ANA)
    restored = store.restore_version(entry.ref, 3, replaces=entry.version, actor=ANA)
    assert [v.number for v in store.history(restored.ref, viewer=ANA)] == [6, 5, 4]


def test_a_history_keeps_older_versions_only_within_its_size(store, bot, monkeypatch):
    entry = save_versions(store, bot, 1)
    one = len(store.version(entry.ref, 1, viewer=ANA))
    monkeypatch.setattr(rows, "MAX_HISTORY_CHARS", int(2.5 * one))  # room for two versions, not three
    entry = save_versions(store, bot, 4)
    assert len(store.history(entry.ref, viewer=ANA)) == 2
    monkeypatch.setattr(rows, "MAX_HISTORY_CHARS", one // 2)  # not even the newest: it is kept all the same
    entry = store.save(renamed(bot, "Plan", queries_per_month=7), entry.ref, replaces=entry.version, actor=ANA)
    assert [v.sha256 for v in store.history(entry.ref, viewer=ANA)] == [entry.version]


def test_the_audit_log_keeps_its_newest_rows(store, bot, monkeypatch):
    monkeypatch.setattr(rows, "MAX_AUDIT_ROWS", 4)
    save_versions(store, bot, 7)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(audit)).scalar_one() == 4
        assert connection.execute(select(func.count()).select_from(versions)).scalar_one() == 7  # versions stay
    assert len(store.audit_log(20)) == 4


def test_new_scenarios_at_the_cap_are_counted_one_after_the_other(store, url):
    """Two changes that each add a scenario must not both count 4,999: the first holds the count until
    it commits (PostgreSQL: an advisory lock; SQLite: its one writer at a time)."""
    if not url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE), tested with the concurrent saves")
    counted = []
    with store.engine.connect() as first:
        with first.begin():
            rows.count_before_creating(first)

            def second():
                with store.engine.connect() as other, other.begin():
                    rows.count_before_creating(other)
                    counted.append(time.monotonic())

            waiting = threading.Thread(target=second)
            waiting.start()
            time.sleep(0.5)
            assert not counted  # the second waits while the first could still insert
            released = time.monotonic()
    waiting.join(10)
    assert counted and counted[0] >= released


def test_the_cap_refuses_a_new_scenario_and_not_a_new_version(store, bot, monkeypatch):
    monkeypatch.setattr(database, "MAX_SAVED", 2)
    a = store.save(renamed(bot, "A"), actor=ANA)
    store.save(renamed(bot, "B"), actor=ANA)
    with pytest.raises(StoreError, match="holds 2 scenarios already"):
        store.save(renamed(bot, "C"), actor=ANA)
    with pytest.raises(StoreError, match="holds 2 scenarios already"):
        store.duplicate(a.ref, actor=ANA)
    store.save(renamed(bot, "A", queries_per_month=9), a.ref, replaces=a.version, actor=ANA)

"""The database store on SQLite and PostgreSQL: the file store's rules (versions, conflicts, trash,
names, audit), history, migrations, concurrent writers and a writer killed inside its transaction.

PostgreSQL: the server at CROSSOVER_TEST_POSTGRES_URL (default the local one, as user postgres);
each run creates its own database and each test its own schema in it, and drops them after. Without
a server the PostgreSQL cases are skipped with that reason.
"""

import datetime as dt
import difflib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text

from conftest import ROOT
from simulator.scenario import load_scenario, parse_scenario
from simulator.storage import database, engines, location, trash
from simulator.storage.database import (Actor, AlreadyExists, ChangedElsewhere, DatabaseStore, StoreError,
                                        alembic_config)
from simulator.storage.tables import audit, metadata, scenarios, versions

SERVER = os.environ.get("CROSSOVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_database():
    """A database of this run's own on the server, dropped at the end; None when no server answers."""
    try:
        admin = create_engine(SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach a server means: skip those cases
        yield None, f"no PostgreSQL server answers at {SERVER} ({type(exc).__name__}); set CROSSOVER_TEST_POSTGRES_URL"
        return
    name = f"crossover_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False), None
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path, postgres_database):
    """An empty database: a SQLite file, or a schema of its own in the run's PostgreSQL database."""
    if request.param == "sqlite":
        made = f"sqlite:///{tmp_path / 'crossover.db'}"
        yield made
    else:
        base, why_not = postgres_database
        if base is None:
            pytest.skip(why_not)
        schema = f"t_{uuid.uuid4().hex[:12]}"
        owner = create_engine(base, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        made = f"{base}?options=-csearch_path%3D{schema}"
        yield made
        with owner.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.dispose()
    if made in engines._ENGINES:
        engines._ENGINES.pop(made).dispose()  # no connection outlives its test (PostgreSQL has a limit)


@pytest.fixture
def store(url):
    return DatabaseStore(url)


@pytest.fixture
def bot(catalog):
    return load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)


def renamed(scenario, name, **workload):
    data = scenario.model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return type(scenario).model_validate(data)


def count(store, table):
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


# --- The file store's rules (tests/test_store.py), on both databases ---------------------------------------
def test_save_load_round_trip(store, bot, catalog):
    entry = store.save(renamed(bot, "My bot"))
    assert entry.slug == "my-bot"
    loaded, version, read_only = store.load("my-bot", catalog)
    assert loaded.name == "My bot" and version == entry.version and not read_only
    assert [e.slug for e in store.entries() if not e.read_only] == ["my-bot"]
    assert entry.version == database.version_of(loaded.to_yaml().encode("utf-8"))  # as the file store's version


def test_examples_are_read_only(store, bot):
    assert store.is_example("support-bot")
    with pytest.raises(AlreadyExists, match="read-only"):
        store.save(bot, "support-bot")
    with pytest.raises(StoreError, match="cannot be deleted"):
        store.delete("support-bot", replaces="x")


def test_a_new_scenario_never_overwrites(store, bot):
    store.save(renamed(bot, "Plan A"))
    with pytest.raises(AlreadyExists, match="already exists"):
        store.save(renamed(bot, "plan a"))


def test_a_stale_version_is_refused_naming_who_and_when_and_nothing_is_lost(store, bot, catalog):
    first = store.save(renamed(bot, "Plan"))
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    theirs = store.save(renamed(bot, "Plan", queries_per_month=777), "plan", replaces=first.version,
                        actor=Actor(user="ana@example.com"))
    with pytest.raises(ChangedElsewhere) as info:
        store.save(renamed(bot, "Plan", queries_per_month=999), "plan", replaces=first.version)
    said = re.match(r"'plan' was changed by ana@example.com at (\S+ \S+) UTC since you opened it", str(info.value))
    when = dt.datetime.strptime(said[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    assert before <= when <= dt.datetime.now(dt.timezone.utc)
    loaded, version, _ = store.load("plan", catalog)
    assert loaded.workload.queries_per_month == 777 and version == theirs.version
    assert len(store.history("plan")) == 2  # the refused save left no version


def test_an_anonymous_change_is_someone_else(store, bot):
    first = store.save(renamed(bot, "Plan"))
    store.save(renamed(bot, "Plan", queries_per_month=777), "plan", replaces=first.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else at"):
        store.save(renamed(bot, "Plan", queries_per_month=999), "plan", replaces=first.version)


def test_delete_goes_to_trash_and_restores_with_its_history(store, bot, catalog):
    entry = store.save(renamed(bot, "Gone"))
    second = store.save(renamed(bot, "Gone", queries_per_month=5), "gone", replaces=entry.version)
    with pytest.raises(ChangedElsewhere):
        store.delete("gone", replaces="not-the-version")
    trashed = store.delete("gone", replaces=second.version, actor=Actor(user="bo"))
    with pytest.raises(StoreError, match="no saved scenario"):
        store.load("gone", catalog)
    with pytest.raises(ChangedElsewhere, match="'gone' was deleted by bo at"):
        store.save(renamed(bot, "Gone", queries_per_month=6), "gone", replaces=second.version)
    [item] = store.trash()
    assert (item.slug, item.file_name) == ("gone", trashed.file_name) and item.path is None
    assert store.restore(item.file_name) == "gone"
    assert store.load("gone", catalog)[1] == second.version and len(store.history("gone")) == 2


def test_rename_moves_the_history_and_trashes_nothing(store, bot, catalog):
    entry = store.save(renamed(bot, "Old"))
    new = store.rename("old", "New name", replaces=entry.version)
    assert new.slug == "new-name" and store.load("new-name", catalog)[0].name == "New name"
    assert [v.message for v in store.history("new-name")] == ["renamed from old", None]
    assert not store.trash()
    with pytest.raises(StoreError, match="no saved scenario or example is called 'old'"):
        store.load("old")


@pytest.mark.parametrize("bad", ["/passwd", "..", "", "x" * 65, "Upper_", "a\x00b", "a/", "a/b/../.."])
def test_names_that_are_not_ids_are_refused(store, bad, catalog):
    with pytest.raises(StoreError, match="is not a scenario name"):
        store.load(bad, catalog)


def test_rename_checks_the_version_before_writing_anything(store, bot, catalog):
    seen = store.save(renamed(bot, "Old"))
    theirs = store.save(renamed(bot, "Old", queries_per_month=777), seen.slug, replaces=seen.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else"):
        store.rename(seen.slug, "New name", replaces=seen.version)
    assert [e.slug for e in store.entries() if not e.read_only] == ["old"]
    assert store.load("old", catalog)[1] == theirs.version and len(store.history("old")) == 2


def test_delete_refuses_a_version_the_user_did_not_see(store, bot, catalog):
    seen = store.save(renamed(bot, "Plan"))
    store.save(renamed(bot, "Plan", queries_per_month=777), seen.slug, replaces=seen.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else"):
        store.delete(seen.slug, replaces=seen.version)
    assert store.load("plan", catalog)[0].workload.queries_per_month == 777 and not store.trash()


def test_restore_acts_on_the_trashed_copy_named(store, bot):
    for name in ("First", "Second"):
        entry = store.save(renamed(bot, name))
        store.delete(entry.slug, replaces=entry.version)
    first = next(t for t in store.trash() if t.slug == "first")
    assert store.restore(first.file_name) == "first"
    assert [t.slug for t in store.trash()] == ["second"]
    with pytest.raises(StoreError, match="no longer in the trash"):
        store.restore(first.file_name)
    for bad in ("../first.yaml", "/etc/passwd", "first--20260101T000000000000.yaml", None):
        with pytest.raises(StoreError, match="no longer in the trash"):
            store.restore(bad)


def test_restore_is_refused_when_the_id_or_the_name_is_taken_again(store, bot):
    gone = store.save(renamed(bot, "Gone"))
    item = store.delete(gone.slug, replaces=gone.version)
    occupant = store.save(renamed(bot, "Occupant"), "gone")  # the deleted one freed its id
    with pytest.raises(AlreadyExists, match="'gone' exists again; rename it before restoring"):
        store.restore(item.file_name)
    other = store.save(renamed(bot, "GONE"))  # and its name
    assert other.slug == "gone-2"
    store.delete(occupant.slug, replaces=occupant.version)
    with pytest.raises(AlreadyExists, match="a scenario called 'GONE' already exists"):
        store.restore(item.file_name)
    store.delete(other.slug, replaces=other.version)
    assert store.restore(item.file_name) == "gone"


@pytest.mark.parametrize("first, second", [("A b", "a-b"), ("Café", "Cafè"), ("x" * 70 + " one", "x" * 70 + " two")])
def test_names_that_make_the_same_id_are_both_saved(store, bot, catalog, first, second):
    a = store.save(renamed(bot, first))
    b = store.save(renamed(bot, second))
    assert a.slug != b.slug and len(b.slug) <= 64
    assert [store.load(e.slug, catalog)[0].name for e in (a, b)] == [first, second]


@pytest.mark.parametrize("name", ["Отчёт за квартал", "季度计划", "!!!", "ﷺ" * 200])
def test_any_unicode_name_can_be_saved(store, bot, catalog, name):
    entry = store.save(renamed(bot, name))  # "ﷺ" is 18 characters under NFKC: the index keeps a hash
    assert store.load(entry.slug, catalog)[0].name == name
    other = store.save(renamed(bot, name[:199] + "2"))
    assert other.slug != entry.slug


def test_the_same_name_is_refused_by_name_and_names_the_other_scenario(store, bot):
    plan = store.save(renamed(bot, "Plan  A"))
    with pytest.raises(AlreadyExists, match="already exists") as info:
        store.save(renamed(bot, "plan a", queries_per_month=9))
    assert (info.value.slug, info.value.version) == (plan.slug, plan.version)
    assert store.save(renamed(bot, "plan-a")).slug == "plan-a-2"


def test_saving_the_same_scenario_twice_is_not_refused(store, bot):
    first = store.save(renamed(bot, "Mine"))
    again = store.save(renamed(bot, "Mine"))
    assert again == first and len(store.history("mine")) == 1


def test_replace_keeps_the_replaced_version_in_the_history_and_leaves_the_other_alone(store, bot, catalog):
    long = "y" * 64
    other = store.save(renamed(bot, long + " other"))
    mine = store.save(renamed(bot, long + " mine"))
    with pytest.raises(AlreadyExists) as info:
        store.save(renamed(bot, long + " mine", queries_per_month=5))
    assert info.value.slug == mine.slug
    store.save(renamed(bot, long + " mine", queries_per_month=5), info.value.slug,
               replaces=info.value.version, trash_previous=True)
    assert store.load(other.slug, catalog)[1] == other.version
    assert [v.sha256 for v in store.history(mine.slug)][1] == mine.version
    assert store.audit_log(1)[0]["action"] == "replace"


def test_duplicate_of_a_long_name_makes_copies(store, bot, catalog):
    source = store.save(renamed(bot, "z" * 200))
    copies = [store.duplicate(source.slug) for _ in range(3)]
    names = [store.load(c.slug, catalog)[0].name for c in copies]
    assert names == ["z" * 193 + " (copy)", "z" * 191 + " (copy 2)", "z" * 191 + " (copy 3)"]
    assert len({c.slug for c in copies} | {source.slug}) == 4


def test_an_example_wins_over_a_saved_scenario_with_its_id(url, bot, catalog, tmp_path):
    (tmp_path / "no-examples").mkdir()
    before = DatabaseStore(url, examples=tmp_path / "no-examples")  # an example shipped after this save
    before.save(renamed(bot, "Shadow"), "support-bot")
    store = DatabaseStore(url)
    assert store.load("support-bot", catalog)[0].name == bot.name and store.load("support-bot")[2]
    [conflict] = [e for e in store.entries() if e.problem]
    assert conflict.slug == "support-bot" and "shipped example" in conflict.problem
    store.delete("support-bot", replaces=conflict.version)
    assert not [e for e in store.entries() if e.problem] and store.is_example("support-bot")
    assert store.save(renamed(bot, "support bot")).slug == "support-bot-2"


def test_the_trash_expires_after_30_days_and_keeps_the_newest_500(store, bot):
    now = dt.datetime.now(dt.timezone.utc)
    rows = [("old", now - dt.timedelta(days=31))] + [(f"n{n}", now - dt.timedelta(minutes=n + 1))
                                                    for n in range(trash.MAX_TRASHED)]
    with store.engine.begin() as connection:
        for slug, deleted in rows:
            scenario_id = connection.execute(scenarios.insert().values(
                slug=slug, name=slug, name_key=slug, description="", author="t", created_at=deleted,
                modified_at=deleted, current=1, deleted_at=deleted)).inserted_primary_key[0]
            connection.execute(versions.insert().values(scenario_id=scenario_id, number=1, yaml="x", sha256="0" * 64,
                                                        author="t", created_at=deleted))
    store.save(renamed(bot, "Any write"))  # every write expires
    left = store.trash()
    assert len(left) == trash.MAX_TRASHED and "old" not in {t.slug for t in left}
    entry = store.save(renamed(bot, "Deleted now"))
    store.delete(entry.slug, replaces=entry.version)
    left = store.trash()
    assert len(left) == trash.MAX_TRASHED and left[0].slug == "deleted-now" and left[-1].slug == "n498"
    assert count(store, versions) == trash.MAX_TRASHED + 1  # the expired ones' versions went with them


def test_every_change_is_in_the_audit_log(store, bot):
    who = Actor(user="ana@example.com", client="10.0.0.7")
    a = store.save(renamed(bot, "A"), actor=who)
    a2 = store.save(renamed(bot, "A", queries_per_month=5), a.slug, replaces=a.version, actor=who)
    b = store.rename(a.slug, "B\nforged line", replaces=a2.version, actor=who)  # its owner: may rename
    c = store.duplicate(b.slug, actor=who)
    store.delete(c.slug, replaces=c.version, actor=who)
    store.restore(store.trash()[0].file_name, actor=who)
    log = store.audit_log(20)
    assert [r["action"] for r in log] == ["restore", "delete", "duplicate", "rename", "save", "save"]
    assert log[-1] | {"time": "t"} == {"time": "t", "action": "save", "slug": "a", "name": "A", "old_version": None,
                                       "new_version": a.version, "user": "ana@example.com", "client": "10.0.0.7"}
    assert (log[-2]["old_version"], log[-2]["new_version"]) == (a.version, a2.version)
    assert log[3]["name"] == "B\nforged line" and log[3]["from_slug"] == "a" and log[3]["user"] == "ana@example.com"
    assert log[2]["source"] == b.slug and log[0]["trashed"].startswith(f"{c.slug}--")
    assert dt.datetime.fromisoformat(log[0]["time"]).utcoffset() == dt.timedelta(0)
    assert len(store.audit_log(2)) == 2


def test_a_name_in_capitals_opens_the_same_scenario(store, bot):
    entry = store.save(renamed(bot, "Mine"))
    assert store.load("MINE")[1] == entry.version and store.load("Support-Bot")[2]


# --- History ---------------------------------------------------------------------------------------------
def test_history_lists_every_version_newest_first_with_author_and_message(store, bot):
    before = dt.datetime.now(dt.timezone.utc)
    v1 = store.save(renamed(bot, "Plan"), actor=Actor(user="ana"), message="first draft")
    v2 = store.save(renamed(bot, "Plan", queries_per_month=5), "plan", replaces=v1.version, actor=Actor(user="bo"))
    history = store.history("plan")
    assert [(v.number, v.author, v.message, v.sha256) for v in history] == [
        (2, "bo", None, v2.version), (1, "ana", "first draft", v1.version)]
    assert before <= history[1].time <= history[0].time <= dt.datetime.now(dt.timezone.utc)
    with pytest.raises(StoreError, match="'support-bot' is a shipped example: it has no saved versions"):
        store.history("support-bot")
    with pytest.raises(StoreError, match="no saved scenario is called 'nothing'"):
        store.history("nothing")


def test_versions_are_diffable_text(store, bot):
    v1 = store.save(renamed(bot, "Plan"))
    store.save(renamed(bot, "Plan", queries_per_month=123_456), "plan", replaces=v1.version)
    diff = [line for line in difflib.unified_diff(store.version("plan", 1).splitlines(),
                                                  store.version("plan", 2).splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert diff == [f"-  queries_per_month: {bot.workload.queries_per_month}", "+  queries_per_month: 123456.0"]
    with pytest.raises(StoreError, match=r"'plan' has no version 3 \(it has versions 1 to 2\)"):
        store.version("plan", 3)


def test_an_old_version_is_restored_as_a_new_one(store, bot, catalog):
    v1 = store.save(renamed(bot, "Plan"))
    v2 = store.save(renamed(bot, "Plan", queries_per_month=5), "plan", replaces=v1.version)
    with pytest.raises(ChangedElsewhere):
        store.restore_version("plan", 1, replaces=v1.version)  # the user saw version 1, not the current 2
    back = store.restore_version("plan", 1, replaces=v2.version, actor=Actor(user="ana"))
    assert back.version == v1.version and store.load("plan", catalog)[0].workload.queries_per_month == \
        bot.workload.queries_per_month
    assert [(v.number, v.author, v.message) for v in store.history("plan")][0] == (3, "ana", "restored version 1")
    assert store.version("plan", 3) == store.version("plan", 1)
    assert store.audit_log(1)[0] | {"time": "t"} == {
        "time": "t", "action": "restore_version", "slug": "plan", "from_version": "1", "name": "Plan",
        "old_version": v2.version, "new_version": v1.version, "user": "ana", "client": "unknown"}
    with pytest.raises(StoreError, match="'plan' has no version 9"):
        store.restore_version("plan", 9, replaces=v1.version)


def test_restoring_an_old_name_is_refused_if_another_scenario_has_it_now(store, bot):
    v1 = store.save(renamed(bot, "Plan"))
    v2 = store.rename("plan", "Better plan", replaces=v1.version)
    store.save(renamed(bot, "Plan"))  # someone took the old name
    with pytest.raises(AlreadyExists, match="a scenario called 'Plan' already exists"):
        store.restore_version(v2.slug, 1, replaces=v2.version)


# --- Migrations ------------------------------------------------------------------------------------------
def test_an_empty_database_is_migrated_to_head_down_to_base_and_up_again(url, bot):
    store = DatabaseStore(url)  # opening migrates
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
        assert {"scenarios", "versions", "audit"} <= set(inspect(connection).get_table_names())
    store.save(renamed(bot, "Plan"))
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with store.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    database.migrate(store.engine)
    assert store.save(renamed(bot, "Plan")).slug == "plan" and len(store.history("plan")) == 1


def test_the_initial_revision_builds_exactly_the_tables_the_store_uses(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path):
    assert location.database_url({"CROSSOVER_DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / 'crossover.db'}"
    assert location.database_url({"CROSSOVER_DATABASE_URL": "postgresql+psycopg://db/x"}) == "postgresql+psycopg://db/x"


def test_open_store_uses_one_engine_per_url(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CROSSOVER_DATABASE_URL", raising=False)
    first, second = database.open_store(), database.open_store()
    try:
        assert first.engine is second.engine and (tmp_path / "data" / "crossover.db").is_file()
    finally:
        engines._ENGINES.pop(first.url).dispose()


# --- Concurrent writers ----------------------------------------------------------------------------------
def _hammer(args):
    """One process's saves: each round a save of the scenario both processes change (refused when
    the other saved since this one loaded it) and a save of this process's own scenario."""
    url, worker, rounds = args
    from pricing.catalog import default_catalog
    from simulator.scenario import load_scenario
    from simulator.storage.database import AlreadyExists, ChangedElsewhere, DatabaseStore
    store = DatabaseStore(url)
    base = load_scenario("scenarios/support-bot.yaml", default_catalog())
    saved, refused, own_version = [], 0, None
    for i in range(rounds):
        volume = worker * 1_000_000 + i + 1
        try:
            _, version, _ = store.load("shared")
        except Exception:
            version = None
        try:
            store.save(renamed(base, "shared", queries_per_month=volume), "shared", replaces=version)
            saved.append(volume)
        except (AlreadyExists, ChangedElsewhere):
            refused += 1
        own_version = store.save(renamed(base, f"own {worker}", queries_per_month=volume),
                                 None if own_version is None else f"own-{worker}", replaces=own_version).version
    store.engine.dispose()
    return saved, refused


def test_two_processes_x_200_saves_lose_nothing_and_every_version_parses(url):
    rounds = 100  # x 2 saves per round: 200 saves per process
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_hammer, [(url, 1, rounds), (url, 2, rounds)])
    store = DatabaseStore(url)
    landed = sorted(v for saved, _ in results for v in saved)
    assert len(landed) + sum(refused for _, refused in results) == 2 * rounds  # landed or refused, never lost
    history = store.history("shared")
    assert len(history) == len(landed)
    texts = [store.version("shared", v.number) for v in history]
    volumes = sorted(parse_scenario(t.encode(), "shared").workload.queries_per_month for t in texts)
    assert volumes == landed  # exactly the saves that were reported as saved, each once
    for worker in (1, 2):
        own = store.history(f"own-{worker}")
        assert [v.number for v in own] == list(range(rounds, 0, -1))  # no one else changes it: none refused
        parse_scenario(store.version(f"own-{worker}", rounds).encode(), "own")
    assert count(store, versions) == len(landed) + 2 * rounds


# --- A writer killed inside its transaction ---------------------------------------------------------------
_WRITER = """
import sys
from pricing.catalog import default_catalog
from simulator.storage.database import DatabaseStore
store = DatabaseStore(sys.argv[1])
scenario, version, _ = store.load("plan", default_catalog())
data = scenario.model_dump()
data["workload"]["queries_per_month"] = 42
store.save(type(scenario).model_validate(data), "plan", replaces=version)
"""


def test_a_writer_killed_inside_its_transaction_leaves_the_previous_version_whole(store, url, bot, catalog, tmp_path):
    before = store.save(renamed(bot, "Plan"))
    flag = tmp_path / "paused"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, url], cwd=ROOT,
                              env={**os.environ, database.PAUSE_ENV: str(flag), "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert writer.poll() is None, "the writer ended before it reached the pause point"
            assert time.monotonic() < deadline, "the writer never reached the pause point"
            time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
    scenario, version, _ = store.load("plan", catalog)
    assert version == before.version and scenario.workload.queries_per_month == bot.workload.queries_per_month
    assert [v.number for v in store.history("plan")] == [1]
    assert (count(store, versions), count(store, audit)) == (1, 1)  # no half-written version, no audit line
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    after = store.save(renamed(bot, "Plan", queries_per_month=7), "plan", replaces=before.version)  # lock released
    assert [v.sha256 for v in store.history("plan")] == [after.version, before.version]


# --- Opening -----------------------------------------------------------------------------------------------
def test_a_postgresql_server_is_given_connect_timeout_seconds_to_answer_unless_the_url_says():
    """A host that drops packets would hold every page that reads the store for the system's TCP
    timeout; a wrong URL is a message without the URL (it may hold a password)."""
    from sqlalchemy import event

    def tried(url):
        made, seen = engines._connect(url), {}

        def capture(dialect, record, cargs, cparams):
            seen.update(cparams)
            raise ConnectionRefusedError("not really connecting")
        event.listen(made, "do_connect", capture)
        with pytest.raises(Exception):
            made.connect()
        return seen.get("connect_timeout")

    assert tried("postgresql+psycopg://u@192.0.2.1/x") == engines.CONNECT_TIMEOUT_S
    assert tried("postgresql+psycopg://u@192.0.2.1/x?connect_timeout=3") == "3"
    with pytest.raises(StoreError, match="CROSSOVER_DATABASE_URL is not an address it can use") as info:
        database.open_store("postgresql+psycopg//u:hunter2@db/x").entries()  # a colon missing
    assert "hunter2" not in str(info.value)


def test_only_the_owner_or_an_admin_renames_or_deletes(store, bot):
    alice, bob = Actor("alice@example.com", "10.0.0.1"), Actor("bob@example.com", "10.0.0.2")
    admin = Actor("root@example.com", "10.0.0.3", admin=True)
    entry = store.save(renamed(bot, "Alice's plan"), actor=alice)
    for refused in (lambda: store.rename(entry.slug, "Bob's now", replaces=entry.version, actor=bob),
                    lambda: store.delete(entry.slug, replaces=entry.version, actor=bob)):
        with pytest.raises(StoreError, match="only alice@example.com or an admin can (rename|delete) \"?'?Alice"):
            refused()
    assert [e.name for e in store.entries() if e.slug == entry.slug] == ["Alice's plan"]  # nothing changed
    # A teammate may still save a new version of it and duplicate it; the owner stays the owner.
    newer = store.save(renamed(bot, "Alice's plan", queries_per_month=5e5), entry.slug, replaces=entry.version, actor=bob)
    copy = store.duplicate(entry.slug, actor=bob)
    store.delete(copy.slug, replaces=copy.version, actor=bob)  # the copy is bob's
    moved = store.rename(entry.slug, "Alice's plan v2", replaces=newer.version, actor=alice)
    store.delete(moved.slug, replaces=moved.version, actor=admin)
    # An anonymous visitor's scenario belongs to nobody: anyone renames or deletes it, as before sign-in.
    free = store.save(renamed(bot, "Open plan"))
    store.delete(free.slug, replaces=free.version, actor=bob)


def test_what_the_first_import_brought_in_belongs_to_nobody(store, bot):
    from simulator.storage.importing import IMPORTER
    entry = store.save(renamed(bot, "From the old folder"), actor=IMPORTER)
    store.delete(entry.slug, replaces=entry.version, actor=Actor("bob@example.com", "10.0.0.2"))

"""Private and shared scenarios, owners' own names and ids, and links that name one scenario (issue
15), in the database store on SQLite and PostgreSQL; and migration 0002 up from 0001 and down again.

alice and bob are signed-in users; root is an admin; a visitor is anonymous (Actor()).
"""

import datetime as dt

import pytest
from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from conftest import ROOT
from simulator.scenario import load_scenario
from simulator.storage import engines
from simulator.storage.database import Actor, AlreadyExists, DatabaseStore, NotShared, StoreError
from simulator.storage.importing import IMPORTER
from simulator.storage.tables import audit, scenarios
from test_database_store import postgres_database, url  # noqa: F401 - the fixtures: a database per test

ALICE = Actor("alice@example.com", "10.0.0.1")
BOB = Actor("bob@example.com", "10.0.0.2")
ROOT_ADMIN = Actor("root@example.com", "10.0.0.3", admin=True)
VISITOR = Actor()


@pytest.fixture
def store(url):  # noqa: F811
    return DatabaseStore(url)


@pytest.fixture
def bot(catalog):
    return load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)


def named(scenario, name, **workload):
    data = scenario.model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return type(scenario).model_validate(data)


def listed(store, viewer) -> list[str]:
    return [e.ref for e in store.entries(viewer) if not e.read_only]


# --- Private and shared -------------------------------------------------------------------------------------
def test_a_new_save_is_shared_and_a_private_one_is_seen_by_its_owner_and_admins_only(store, bot, catalog):
    shared = store.save(named(bot, "Team plan"), actor=ALICE)
    secret = store.save(named(bot, "Secret plan", queries_per_month=123_456), actor=ALICE, private=True)
    assert (shared.visibility, secret.visibility) == ("shared", "private")
    assert (secret.owner, secret.ref) == ("alice@example.com", "alice@example.com/secret-plan")
    assert listed(store, ALICE) == listed(store, ROOT_ADMIN) == [secret.ref, shared.ref]
    assert listed(store, BOB) == listed(store, VISITOR) == [shared.ref]
    assert store.load(secret.ref, catalog, viewer=ALICE)[0].workload.queries_per_month == 123_456
    assert store.load(secret.ref, catalog, viewer=ROOT_ADMIN)[1] == secret.version
    for viewer in (BOB, VISITOR):
        with pytest.raises(NotShared) as info:
            store.load(secret.ref, catalog, viewer=viewer)
        assert str(info.value) == "'alice@example.com/secret-plan' is not shared with you"
        assert "Secret plan" not in str(info.value) and "123" not in str(info.value)
    with pytest.raises(NotShared):
        store.load("secret-plan", viewer=BOB)  # the old form of its link: refused alike


def test_every_way_in_refuses_someone_elses_private_scenario_and_changes_nothing(store, bot):
    secret = store.save(named(bot, "Secret"), actor=ALICE, private=True)
    refused = [
        lambda: store.history(secret.ref, viewer=BOB),
        lambda: store.version(secret.ref, 1, viewer=BOB),
        lambda: store.duplicate(secret.ref, actor=BOB),
        lambda: store.rename(secret.ref, "Mine now", replaces=secret.version, actor=BOB),
        lambda: store.delete(secret.ref, replaces=secret.version, actor=BOB),
        lambda: store.restore_version(secret.ref, 1, replaces=secret.version, actor=BOB),
        lambda: store.save(named(bot, "Secret", queries_per_month=1), secret.ref, replaces=secret.version, actor=BOB),
        lambda: store.set_visibility(secret.ref, "shared", actor=BOB),
    ]
    for attempt in refused:
        with pytest.raises(NotShared, match="is not shared with you"):
            attempt()
    assert [v.author for v in store.history(secret.ref, viewer=ALICE)] == ["alice@example.com"]
    assert listed(store, ALICE) == [secret.ref]
    assert not any("Secret" in r["name"] for r in store.audit_log(20, viewer=BOB))
    assert [r["name"] for r in store.audit_log(20, viewer=ALICE)] == ["Secret"]
    assert [r["name"] for r in store.audit_log(20, viewer=ROOT_ADMIN)] == ["Secret"]


def test_a_private_scenario_in_the_trash_is_its_owners_to_see_and_restore(store, bot):
    secret = store.save(named(bot, "Secret"), actor=ALICE, private=True)
    store.delete(secret.ref, replaces=secret.version, actor=ALICE)
    assert store.trash(BOB) == [] and store.trash(VISITOR) == []
    [item] = store.trash(ALICE)
    with pytest.raises(StoreError, match="no longer in the trash"):
        store.restore(item.file_name, actor=BOB)
    assert store.restore(item.file_name, actor=ALICE) == secret.ref
    assert listed(store, BOB) == []


def test_only_the_owner_or_an_admin_makes_it_private_or_shared_and_it_is_audited(store, bot):
    plan = store.save(named(bot, "Plan"), actor=ALICE)
    with pytest.raises(StoreError, match="only alice@example.com or an admin can make private 'Plan'"):
        store.set_visibility(plan.ref, "private", actor=BOB)
    assert store.set_visibility(plan.ref, "private", actor=ALICE).visibility == "private"
    assert listed(store, BOB) == []
    assert store.set_visibility(plan.ref, "shared", actor=ROOT_ADMIN).visibility == "shared"
    assert listed(store, BOB) == [plan.ref]
    log = store.audit_log(3, viewer=ALICE)
    assert [(r["action"], r["visibility"], r["user"]) for r in log[:2]] == [
        ("share", "shared", "root@example.com"), ("make_private", "private", "alice@example.com")]
    assert log[0]["old_version"] == log[0]["new_version"] == plan.version  # no new version: the content is unchanged
    assert len(store.history(plan.ref)) == 1
    with pytest.raises(StoreError, match="is not a visibility"):
        store.set_visibility(plan.ref, "secret", actor=ALICE)


def test_a_scenario_of_nobody_is_always_shared(store, bot):
    with pytest.raises(StoreError, match="a scenario of nobody is shared with everyone: it cannot be private"):
        store.save(named(bot, "Visitor's plan"), actor=VISITOR, private=True)
    assert listed(store, ROOT_ADMIN) == []  # nothing was saved
    free = store.save(named(bot, "Visitor's plan"), actor=VISITOR)
    imported = store.save(named(bot, "Imported plan"), actor=IMPORTER)
    for entry in (free, imported):
        assert entry.owner is None and entry.ref == entry.slug
        for who in (VISITOR, ALICE, ROOT_ADMIN):
            with pytest.raises(StoreError, match="cannot be private"):
                store.set_visibility(entry.ref, "private", actor=who)
    assert set(listed(store, BOB)) == {free.ref, imported.ref}


def test_anyone_who_sees_a_scenario_duplicates_it_as_their_own(store, bot):
    shared = store.save(named(bot, "Plan"), actor=ALICE)
    copy = store.duplicate(shared.ref, actor=BOB)
    assert (copy.owner, copy.name, copy.ref, copy.visibility) == ("bob@example.com", "Plan (copy)",
                                                                 "bob@example.com/plan-copy", "shared")
    store.delete(copy.ref, replaces=copy.version, actor=BOB)  # it is bob's
    secret = store.save(named(bot, "Secret"), actor=ALICE, private=True)
    admins = store.duplicate(secret.ref, actor=ROOT_ADMIN)
    assert (admins.owner, admins.visibility) == ("root@example.com", "private")  # a copy does not publish it
    assert admins.ref not in listed(store, ALICE)
    example = store.duplicate("support-bot", actor=BOB)
    assert example.owner == "bob@example.com" and example.visibility == "shared"
    visitors = store.duplicate(shared.ref, actor=VISITOR)
    assert visitors.owner is None and visitors.visibility == "shared"


# --- Names and ids per owner, links -------------------------------------------------------------------------
def test_two_authors_may_use_the_same_name_and_each_link_names_one(store, bot, catalog):
    alices = store.save(named(bot, "Plan", queries_per_month=1_000), actor=ALICE)
    bobs = store.save(named(bot, "Plan", queries_per_month=2_000), actor=BOB)
    assert (alices.slug, bobs.slug) == ("plan", "plan")
    assert (alices.ref, bobs.ref) == ("alice@example.com/plan", "bob@example.com/plan")
    for entry, volume in ((alices, 1_000), (bobs, 2_000)):
        assert store.load(entry.ref, catalog)[0].workload.queries_per_month == volume
    with pytest.raises(AlreadyExists, match="a scenario called 'Plan' already exists \\(`alice@example.com/plan`\\)"):
        store.save(named(bot, "  PLAN "), actor=ALICE)  # unique per owner, case and spacing aside
    other = store.save(named(bot, "Other"), actor=BOB)
    with pytest.raises(AlreadyExists, match="already exists"):
        store.rename(other.ref, "plan", replaces=other.version, actor=BOB)  # his own "Plan" has it
    store.delete(bobs.ref, replaces=bobs.version, actor=BOB)
    assert store.rename(other.ref, "Plan", replaces=other.version, actor=BOB).ref == "bob@example.com/plan"


def test_an_old_link_of_a_bare_id_opens_the_oldest_scenario_the_viewer_may_see(store, bot, catalog):
    oldest = store.save(named(bot, "Plan", queries_per_month=1_000), actor=ALICE, private=True)
    bobs = store.save(named(bot, "Plan", queries_per_month=2_000), actor=BOB)
    store.save(named(bot, "Plan", queries_per_month=3_000), actor=Actor("carol@example.com"))
    assert store.open("plan", catalog, viewer=ALICE).ref == oldest.ref
    assert store.open("plan", catalog, viewer=ROOT_ADMIN).ref == oldest.ref
    opened = store.open("plan", catalog, viewer=BOB)  # alice's is not his to see: the next oldest
    assert (opened.ref, opened.scenario.workload.queries_per_month) == (bobs.ref, 2_000)
    assert store.open("PLAN", catalog, viewer=VISITOR).ref == bobs.ref


def test_a_bare_id_names_the_scenario_of_nobody_which_never_takes_an_id_in_use(store, bot, catalog):
    alices = store.save(named(bot, "Plan"), actor=ALICE)
    free = store.save(named(bot, "Plan", queries_per_month=5_000), actor=VISITOR)
    assert free.ref == "plan-2"  # "plan" is alice's: an old link to it keeps opening it
    assert store.open("plan", catalog).ref == alices.ref
    later = store.save(named(bot, "Other"), actor=VISITOR)
    bobs = store.save(named(bot, "Other"), actor=BOB)  # an owner's id may be one nobody's scenario has
    assert (later.ref, bobs.ref) == ("other", "bob@example.com/other")
    assert store.open("other", catalog, viewer=BOB).ref == "other"


@pytest.mark.parametrize("ref", ["etc/passwd", "a/b", "alice@example.com/nothing", "nobody@example.com/plan"])
def test_a_ref_with_an_owner_that_names_nothing_is_unknown(store, bot, ref):
    store.save(named(bot, "Plan"), actor=ALICE)
    with pytest.raises(StoreError, match="no saved scenario or example is called"):
        store.load(ref)


@pytest.mark.parametrize("ref", ["../etc/passwd", "../../etc/passwd", "a/./b", "/b", "a/b/.."])
def test_a_path_is_not_a_ref(store, ref):
    with pytest.raises(StoreError, match="is not a scenario name"):
        store.load(ref)


def test_an_owner_cannot_save_under_someone_elses_name_nor_an_examples_id(store, bot):
    with pytest.raises(StoreError, match="would be someone else's"):
        store.save(named(bot, "Plan"), "bob@example.com/plan", actor=ALICE)
    with pytest.raises(AlreadyExists, match="shipped example and read-only"):
        store.save(named(bot, "Plan"), "alice@example.com/support-bot", actor=ALICE)
    assert store.is_example("alice@example.com/support-bot")
    assert store.open("alice@example.com/support-bot").read_only  # an example's id opens the example


# --- Migration 0002 -----------------------------------------------------------------------------------------
def _at_0001(url):  # noqa: F811
    """A database at revision 0001 with what the store saved then: alice's scenario, a visitor's, an
    import's, a trashed one, and the log's lines."""
    made = engines._connect(url)
    engines.migrate(made, "0001")
    yesterday = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")  # not expired
    rows = [("plan", "Plan", "k1", "alice@example.com", None), ("free", "Free", "k2", "anonymous", None),
            ("old", "Old", "k3", "file-store import", None), ("gone", "Gone", "k4", "bob", yesterday)]
    with made.begin() as connection:
        for slug, name, key, author, deleted in rows:
            connection.execute(text(
                "INSERT INTO scenarios (slug, name, name_key, description, author, created_at, modified_at, "
                "current, deleted_at) VALUES (:slug, :name, :key, '', :author, '2026-11-01 00:00:00', "
                "'2026-11-01 00:00:00', 1, :deleted)"),
                dict(slug=slug, name=name, key=key, author=author, deleted=deleted))
            id_ = connection.execute(text("SELECT id FROM scenarios WHERE slug = :slug"), dict(slug=slug)).scalar_one()
            connection.execute(text(
                "INSERT INTO versions (scenario_id, number, yaml, sha256, author, created_at) VALUES "
                "(:id, 1, 'name: x', :sha, :author, '2026-11-01 00:00:00')"), dict(id=id_, sha=key * 32, author=author))
            connection.execute(text(
                "INSERT INTO audit (time, actor, client, action, slug, detail) VALUES "
                "('2026-11-01 00:00:00', :author, 'x', 'save', :slug, '{}')"), dict(author=author, slug=slug))
    return made


def _revision(made) -> str:
    with made.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_0002_makes_every_scenario_shared_owned_by_its_first_author_and_downgrades(url, bot):  # noqa: F811
    made = _at_0001(url)
    engines.migrate(made, "head")
    assert _revision(made) == "0002"
    with made.connect() as connection:
        found = connection.execute(select(scenarios.c.slug, scenarios.c.owner, scenarios.c.visibility)
                                   .order_by(scenarios.c.id)).all()
        ids = dict(connection.execute(select(scenarios.c.slug, scenarios.c.id)).all())
        logged = dict(connection.execute(select(audit.c.slug, audit.c.scenario_id)).all())
    assert [tuple(r) for r in found] == [("plan", "alice@example.com", "shared"), ("free", "", "shared"),
                                         ("old", "", "shared"), ("gone", "bob", "shared")]
    assert logged == ids and len(ids) == 4
    store = DatabaseStore(url)
    assert [e.ref for e in store.entries() if not e.read_only] == ["free", "old", "alice@example.com/plan"]
    store.save(named(bot, "Plan"), actor=BOB)  # possible from 0002 on: bob's own "Plan"
    with made.begin() as connection, pytest.raises(RuntimeError, match="share the id 'plan'"):
        command.downgrade(engines.alembic_config(connection), "0001")
    store.delete("bob@example.com/plan", replaces=store.entries(BOB)[-1].version, actor=BOB)
    with made.begin() as connection:
        command.downgrade(engines.alembic_config(connection), "0001")
    assert _revision(made) == "0001"
    with made.connect() as connection:
        assert {c["name"] for c in inspect(connection).get_columns("scenarios")}.isdisjoint({"owner", "visibility"})
        assert "scenario_id" not in {c["name"] for c in inspect(connection).get_columns("audit")}
        assert connection.execute(text("SELECT COUNT(*) FROM versions")).scalar_one() == 5  # nothing lost
    engines.migrate(made, "head")
    assert _revision(made) == "0002"
    assert [e.ref for e in store.entries() if not e.read_only] == ["free", "old", "alice@example.com/plan"]
    made.dispose()

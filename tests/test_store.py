"""The scenario store: versions, conflicts, trash, names that cannot escape the folder."""

import datetime as dt
import errno
import multiprocessing
import os

import pytest

from conftest import ROOT
from simulator.scenario import load_scenario
from simulator.storage import index, store as store_module
from simulator.storage.store import Actor, AlreadyExists, ChangedElsewhere, ScenarioStore, StoreError, slugify


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(tmp_path / "saved")


@pytest.fixture
def bot(catalog):
    return load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)


def renamed(scenario, name, **workload):
    data = scenario.model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return type(scenario).model_validate(data)


def test_save_load_round_trip(store, bot, catalog):
    entry = store.save(renamed(bot, "My bot"))
    assert entry.slug == "my-bot"
    loaded, version, read_only = store.load("my-bot", catalog)
    assert loaded.name == "My bot" and version == entry.version and not read_only
    assert [e.slug for e in store.entries() if not e.read_only] == ["my-bot"]


def test_examples_are_read_only(store, bot):
    assert store.is_example("support-bot")
    with pytest.raises(AlreadyExists, match="read-only"):
        store.save(bot, "support-bot")
    with pytest.raises(StoreError, match="cannot be deleted"):
        store.delete("support-bot", replaces="x")


def test_a_new_scenario_never_overwrites(store, bot):
    store.save(renamed(bot, "Plan A"))
    with pytest.raises(AlreadyExists, match="already exists"):
        store.save(renamed(bot, "plan a"))  # same file name


def test_a_stale_version_is_refused_and_nothing_is_lost(store, bot, catalog):
    first = store.save(renamed(bot, "Plan"))
    theirs = store.save(renamed(bot, "Plan", queries_per_month=777), "plan", replaces=first.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else"):
        store.save(renamed(bot, "Plan", queries_per_month=999), "plan", replaces=first.version)
    loaded, version, _ = store.load("plan", catalog)
    assert loaded.workload.queries_per_month == 777 and version == theirs.version


def test_delete_goes_to_trash_and_restores(store, bot, catalog):
    entry = store.save(renamed(bot, "Gone"))
    with pytest.raises(ChangedElsewhere):
        store.delete("gone", replaces="not-the-version")
    store.delete("gone", replaces=entry.version)
    with pytest.raises(StoreError, match="no saved scenario"):
        store.load("gone", catalog)
    [item] = store.trash()
    assert item.slug == "gone"
    assert store.restore(item.file_name) == "gone"
    assert store.load("gone", catalog)[0].name == "Gone"


def test_rename(store, bot, catalog):
    entry = store.save(renamed(bot, "Old"))
    new = store.rename("old", "New name", replaces=entry.version)
    assert new.slug == "new-name" and store.load("new-name", catalog)[0].name == "New name"
    assert [t.slug for t in store.trash()] == ["old"]


@pytest.mark.parametrize("bad", ["../etc/passwd", "/etc/passwd", "a/b", "..", "", "x" * 65, "Upper", "a\x00b"])
def test_names_cannot_reach_outside_the_folder(store, bad, catalog):
    with pytest.raises(StoreError):
        store.load(bad, catalog)


def test_symlinks_are_not_followed(store, bot, catalog, tmp_path):
    store.root.mkdir(parents=True)
    secret = tmp_path / "secret.yaml"
    secret.write_text(bot.to_yaml())
    os.symlink(secret, store.root / "link.yaml")
    with pytest.raises(StoreError):
        store.load("link", catalog)
    assert all(e.slug != "link" for e in store.entries())


def test_slugify():
    assert slugify("  Q3 plan: RAG vs FT!  ") == "q3-plan-rag-vs-ft"
    with pytest.raises(StoreError, match="needs a name"):
        slugify("   ")


def _hammer(args):
    root, worker, rounds = args
    from pricing.catalog import default_catalog
    from simulator.scenario import load_scenario
    from simulator.storage.store import AlreadyExists, ChangedElsewhere, ScenarioStore
    store = ScenarioStore(root)
    base = load_scenario("scenarios/support-bot.yaml", default_catalog())
    outcomes = {"saved": 0, "refused": 0}
    for i in range(rounds):
        data = base.model_dump()
        data["name"] = "shared"
        data["workload"]["queries_per_month"] = worker * 1_000_000 + i + 1
        scenario = type(base).model_validate(data)
        try:
            _, version, _ = store.load("shared")
        except Exception:
            version = None
        try:
            store.save(scenario, "shared", replaces=version)
            outcomes["saved"] += 1
        except (AlreadyExists, ChangedElsewhere):
            outcomes["refused"] += 1
        own = type(base).model_validate({**data, "name": f"own {worker} {i}"})
        store.save(own)
        outcomes["saved"] += 1
    return outcomes


def test_two_processes_x_200_saves_lose_and_corrupt_nothing(tmp_path, catalog):
    root = tmp_path / "saved"
    rounds = 200
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_hammer, [(root, 1, rounds), (root, 2, rounds)])
    store = ScenarioStore(root)
    entries = [e for e in store.entries() if not e.read_only]
    assert len(entries) == len(list(root.glob("*.yaml")))  # every file on disk parses
    own = [e for e in entries if e.name.startswith("own ")]
    assert len(own) == 2 * rounds  # every save of a different scenario is there
    shared, _, _ = store.load("shared", catalog)  # the contended file parses
    assert shared.name == "shared"
    total_shared = sum(r["saved"] for r in results) - 2 * rounds + sum(r["refused"] for r in results)
    assert total_shared == 2 * rounds  # each contended save either landed or was refused, never lost silently
    assert not list(root.glob(".*.tmp"))


def test_a_full_disk_is_a_message_and_keeps_the_saved_version(store, bot, catalog, monkeypatch):
    entry = store.save(renamed(bot, "My bot"))

    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_atomic_write", disk_full)
    with pytest.raises(StoreError, match=r"cannot be written \(No space left on device\); nothing was changed"):
        store.save(renamed(bot, "My bot", queries_per_month=9), entry.slug, replaces=entry.version)
    with pytest.raises(StoreError, match="No space left on device"):
        store.save(renamed(bot, "Another"))
    scenario, version, _ = store.load(entry.slug, catalog)
    assert version == entry.version and scenario.workload.queries_per_month == bot.workload.queries_per_month


def test_a_read_only_store_is_a_message_that_names_no_path(store, bot, monkeypatch):
    real_open = open

    def read_only(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    with pytest.raises(StoreError) as info:
        store.save(renamed(bot, "My bot"))
    assert "Read-only file system" in str(info.value) and str(store.root) not in str(info.value)


def test_a_file_deleted_while_listing_is_skipped(store, bot, monkeypatch):
    kept = store.save(renamed(bot, "Kept"))
    gone = store.save(renamed(bot, "Gone"))
    (store.root / index.INDEX_FILE).unlink()  # so that both files are read
    real_scan = index.scan

    def scan_then_vanish(root):
        found = real_scan(root)
        (root / f"{gone.slug}.yaml").unlink()  # a colleague deletes it between the scan and the read
        return found

    monkeypatch.setattr(index, "scan", scan_then_vanish)
    slugs = [e.slug for e in store.entries() if not e.read_only]
    assert slugs == [kept.slug]


# --- Issue 16.6: act on exactly the version the user saw ----------------------------------------------
def test_rename_checks_the_version_before_writing_anything(store, bot, catalog):
    seen = store.save(renamed(bot, "Old"))
    theirs = store.save(renamed(bot, "Old", queries_per_month=777), seen.slug, replaces=seen.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else"):
        store.rename(seen.slug, "New name", replaces=seen.version)
    assert sorted(p.name for p in store.root.glob("*.yaml")) == ["old.yaml"]  # no second copy was written
    assert store.load("old", catalog)[1] == theirs.version and not store.trash()


def test_a_rename_whose_second_step_fails_leaves_exactly_one_copy(store, bot, catalog, monkeypatch):
    seen = store.save(renamed(bot, "Old"))
    before = (store.root / "old.yaml").read_bytes()
    real_replace = os.replace

    def trash_refuses(src, dst):
        if ".trash" in str(dst):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", trash_refuses)
    with pytest.raises(StoreError, match="Input/output error"):
        store.rename(seen.slug, "New name", replaces=seen.version)
    assert sorted(p.name for p in store.root.glob("*.yaml")) == ["old.yaml"]
    assert (store.root / "old.yaml").read_bytes() == before


def test_delete_refuses_a_version_the_user_did_not_see(store, bot, catalog):
    seen = store.save(renamed(bot, "Plan"))
    store.save(renamed(bot, "Plan", queries_per_month=777), seen.slug, replaces=seen.version)
    with pytest.raises(ChangedElsewhere, match="changed by someone else"):
        store.delete(seen.slug, replaces=seen.version)
    assert store.load("plan", catalog)[0].workload.queries_per_month == 777 and not store.trash()


def test_restore_acts_on_the_trashed_copy_named(store, bot, catalog):
    for name in ("First", "Second"):
        entry = store.save(renamed(bot, name))
        store.delete(entry.slug, replaces=entry.version)
    first = next(t for t in store.trash() if t.slug == "first")
    assert store.restore(first.file_name) == "first"
    assert [t.slug for t in store.trash()] == ["second"]
    with pytest.raises(StoreError, match="no longer in the trash"):
        store.restore(first.file_name)  # a second click, or someone else's: a message
    for bad in ("../first.yaml", "/etc/passwd", str(first.path)):
        with pytest.raises(StoreError):
            store.restore(bad)


# --- Issue 16.7: names, not ids, are unique; any name can be saved -------------------------------------
@pytest.mark.parametrize("first, second", [("A b", "a-b"), ("Café", "Cafè"), ("x" * 70 + " one", "x" * 70 + " two")])
def test_names_that_make_the_same_id_are_both_saved(store, bot, catalog, first, second):
    a = store.save(renamed(bot, first))
    b = store.save(renamed(bot, second))
    assert a.slug != b.slug and len(b.slug) <= 64
    assert [store.load(e.slug, catalog)[0].name for e in (a, b)] == [first, second]


@pytest.mark.parametrize("name", ["Отчёт за квартал", "季度计划", "!!!", "Plan Москва"])
def test_any_unicode_name_can_be_saved(store, bot, catalog, name):
    entry = store.save(renamed(bot, name))
    assert store.load(entry.slug, catalog)[0].name == name
    other = store.save(renamed(bot, name + " 2"))
    assert other.slug != entry.slug  # the hash of the whole name keeps them apart


def test_the_same_name_is_refused_by_name_and_names_the_other_scenario(store, bot):
    plan = store.save(renamed(bot, "Plan  A"))
    with pytest.raises(AlreadyExists, match="already exists") as info:
        store.save(renamed(bot, "plan a", queries_per_month=9))  # same name: case and spaces differ
    assert (info.value.slug, info.value.version) == (plan.slug, plan.version)
    assert store.save(renamed(bot, "plan-a")).slug == "plan-a-2"  # another name that makes the same id


def test_saving_the_same_file_twice_is_not_refused(store, bot):
    first = store.save(renamed(bot, "Mine"))
    again = store.save(renamed(bot, "Mine"))  # a second click on Save before the page redrew
    assert again == first and len(list(store.root.glob("*.yaml"))) == 1


def test_replace_trashes_only_the_scenario_with_that_name(store, bot, catalog):
    long = "y" * 64
    other = store.save(renamed(bot, long + " other"))
    mine = store.save(renamed(bot, long + " mine"))
    with pytest.raises(AlreadyExists) as info:
        store.save(renamed(bot, long + " mine", queries_per_month=5))
    assert info.value.slug == mine.slug
    store.save(renamed(bot, long + " mine", queries_per_month=5), info.value.slug,
               replaces=info.value.version, trash_previous=True)
    assert store.load(other.slug, catalog)[1] == other.version  # the other one is untouched
    assert [t.slug for t in store.trash()] == [mine.slug]


def test_a_saved_id_never_changes_on_save(store, bot, catalog):
    old_style = "x" * 64  # what the old slugify made of a long name
    store.root.mkdir(parents=True)
    (store.root / f"{old_style}.yaml").write_text(renamed(bot, "x" * 80).to_yaml())
    _, version, _ = store.load(old_style, catalog)
    saved = store.save(renamed(bot, "x" * 80, queries_per_month=5), old_style, replaces=version)
    assert saved.slug == old_style


def test_duplicate_of_a_long_name_makes_copies(store, bot, catalog):
    source = store.save(renamed(bot, "z" * 200))
    copies = [store.duplicate(source.slug) for _ in range(3)]
    names = [store.load(c.slug, catalog)[0].name for c in copies]
    assert names == ["z" * 193 + " (copy)", "z" * 191 + " (copy 2)", "z" * 191 + " (copy 3)"]
    assert len({c.slug for c in copies} | {source.slug}) == 4


# --- Issue 16.8: the index ----------------------------------------------------------------------------
def count_parses(monkeypatch):
    parsed = []
    real = index.parse_scenario
    monkeypatch.setattr(index, "parse_scenario", lambda data, origin, *a: parsed.append(origin) or real(data, origin, *a))
    return parsed


def test_the_listing_parses_only_changed_files(store, bot, monkeypatch):
    for n in range(5):
        store.save(renamed(bot, f"Plan {n}"))
    parsed = count_parses(monkeypatch)
    assert len([e for e in store.entries() if not e.read_only]) == 5
    assert parsed == []  # every save kept the index current
    (store.root / "plan-3.yaml").write_text(renamed(bot, "Plan three").to_yaml())  # changed by hand
    assert "Plan three" in [e.name for e in store.entries()] and parsed == ["plan-3.yaml"]
    store.entries()
    assert parsed == ["plan-3.yaml"]


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"format": 1, "entries": []}', b"[1, 2]",
                                     b'{"format": 1, "entries": {"plan-0": {"name": 5}}}'])
def test_a_corrupt_index_is_rebuilt_from_the_files(store, bot, garbage):
    for n in range(3):
        store.save(renamed(bot, f"Plan {n}"))
    (store.root / index.INDEX_FILE).write_bytes(garbage)
    assert [e.name for e in store.entries() if not e.read_only] == ["Plan 0", "Plan 1", "Plan 2"]
    assert index.load(store.root).keys() == {"plan-0", "plan-1", "plan-2"}


def test_an_index_record_is_not_trusted_once_its_file_changed(store, bot):
    entry = store.save(renamed(bot, "Plan"))
    records = index.load(store.root)
    records["plan"] = index.Record((1, 2, 3), "Forged", "", entry.version, 0.0)
    index.write(store.root, records)
    assert [e.name for e in store.entries() if not e.read_only] == ["Plan"]


def test_every_change_keeps_the_index_current(store, bot, monkeypatch):
    parsed = count_parses(monkeypatch)
    a = store.save(renamed(bot, "A"))
    b = store.rename(a.slug, "B", replaces=a.version)
    c = store.duplicate(b.slug)
    store.delete(c.slug, replaces=c.version)
    store.restore(store.trash()[0].file_name)
    parsed.clear()
    listed = [(e.slug, e.name) for e in store.entries() if not e.read_only]
    assert listed == [("b", "B"), ("b-copy", "B (copy)")] and parsed == []


# --- Issue 16.9: broken files, examples, trash limits, audit ---------------------------------------------
def test_a_corrupt_file_is_listed_with_its_problem_and_can_be_trashed(store, bot):
    store.save(renamed(bot, "Good"))
    (store.root / "broken.yaml").write_text("name: [unclosed\n")
    [bad] = [e for e in store.entries() if e.problem]
    assert bad.file_name == "broken.yaml" and "not valid YAML" in bad.problem
    store.delete(bad.slug, replaces=bad.version)
    assert not [e for e in store.entries() if e.problem] and [t.slug for t in store.trash()] == ["broken"]


def test_an_example_wins_over_a_saved_file_with_its_id(store, bot, catalog):
    store.root.mkdir(parents=True)
    (store.root / "support-bot.yaml").write_text(renamed(bot, "Shadow").to_yaml())
    assert store.load("support-bot", catalog)[0].name == bot.name and store.load("support-bot")[2]
    [conflict] = [e for e in store.entries() if e.problem]
    assert conflict.slug == "support-bot" and "shipped example" in conflict.problem
    assert [e.name for e in store.entries() if e.slug == "support-bot" and not e.problem] == [bot.name]
    store.delete("support-bot", replaces=conflict.version)  # the saved file goes; the example stays
    assert not (store.root / "support-bot.yaml").exists() and store.is_example("support-bot")
    assert store.save(renamed(bot, "support bot")).slug == "support-bot-2"  # a new save never takes its id


def test_the_trash_expires_after_30_days_and_keeps_the_newest_500(store, bot):
    from simulator.storage import trash
    folder = store.root / trash.FOLDER
    folder.mkdir(parents=True)
    now = dt.datetime.now(dt.timezone.utc)
    old = folder / f"old--{(now - dt.timedelta(days=31)):%Y%m%dT%H%M%S%f}.yaml"
    old.write_text("x")
    for n in range(trash.MAX_TRASHED):
        (folder / f"n{n}--{(now - dt.timedelta(minutes=n + 1)):%Y%m%dT%H%M%S%f}.yaml").write_text("x")
    store.save(renamed(bot, "Any write"))  # every write expires
    left = store.trash()
    assert len(left) == trash.MAX_TRASHED and not old.exists()
    entry = store.save(renamed(bot, "Deleted now"))
    store.delete(entry.slug, replaces=entry.version)
    left = store.trash()
    assert len(left) == trash.MAX_TRASHED and left[0].slug == "deleted-now" and left[-1].slug == "n498"


def test_every_change_is_in_the_audit_log(store, bot):
    who = Actor(user="ana@example.com", client="10.0.0.7")
    a = store.save(renamed(bot, "A"), actor=who)
    a2 = store.save(renamed(bot, "A", queries_per_month=5), a.slug, replaces=a.version, actor=who)
    b = store.rename(a.slug, "B\nforged line", replaces=a2.version)
    c = store.duplicate(b.slug, actor=who)
    store.delete(c.slug, replaces=c.version, actor=who)
    store.restore(store.trash()[0].file_name, actor=who)
    log = store.audit_log(20)
    assert [r["action"] for r in log] == ["restore", "delete", "duplicate", "rename", "save", "save"]
    assert log[-1] | {"time": "t"} == {"time": "t", "action": "save", "slug": "a", "name": "A", "old_version": None,
                                       "new_version": a.version, "user": "ana@example.com", "client": "10.0.0.7"}
    assert (log[-2]["old_version"], log[-2]["new_version"]) == (a.version, a2.version)
    assert log[3]["name"] == "B\nforged line" and log[3]["from_slug"] == "a" and log[3]["user"] == "anonymous"
    assert len((store.root / ".audit.jsonl").read_text().splitlines()) == 6  # the newline did not split a line
    assert dt.datetime.fromisoformat(log[0]["time"]).utcoffset() == dt.timedelta(0)


def test_a_name_in_capitals_opens_the_same_scenario_and_a_bad_one_says_what_a_name_is(store, bot):
    """Issue 13: ?s=Support-Bot said it was "not a scenario name (letters, digits and dashes only)"."""
    scenario, _, read_only = store.load("Support-Bot")
    assert read_only and scenario.name == store.load("support-bot")[0].name
    with pytest.raises(StoreError, match=r"'support_bot' is not a scenario name \(letters, digits and dashes, "
                                         r"starting with a letter or digit, at most 64\)"):
        store.load("support_bot")

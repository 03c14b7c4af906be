"""The scenario store: versions, conflicts, trash, names that cannot escape the folder."""

import errno
import multiprocessing
import os

import pytest

from conftest import ROOT
from simulator.scenario import load_scenario
from simulator.storage import store as store_module
from simulator.storage.store import AlreadyExists, ChangedElsewhere, ScenarioStore, StoreError, slugify


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
    assert [e.slug for e in store.entries(catalog) if not e.read_only] == ["my-bot"]


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
    [(slug, path)] = store.trash()
    assert slug == "gone"
    assert store.restore(path) == "gone"
    assert store.load("gone", catalog)[0].name == "Gone"


def test_rename(store, bot, catalog):
    entry = store.save(renamed(bot, "Old"))
    new = store.rename("old", "New name", replaces=entry.version, catalog=catalog)
    assert new.slug == "new-name" and store.load("new-name", catalog)[0].name == "New name"
    assert [s for s, _ in store.trash()] == ["old"]


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
    assert all(e.slug != "link" for e in store.entries(catalog))


def test_slugify():
    assert slugify("  Q3 plan: RAG vs FT!  ") == "q3-plan-rag-vs-ft"
    with pytest.raises(StoreError):
        slugify("!!!")


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
    entries = [e for e in store.entries(catalog) if not e.read_only]
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
    real_read = ScenarioStore._read

    def read_then_vanish(self, path, catalog):
        result = real_read(self, path, catalog)
        if path.stem == gone.slug:
            path.unlink()  # a colleague deletes it between the read and the listing's stat
        return result

    monkeypatch.setattr(ScenarioStore, "_read", read_then_vanish)
    slugs = [e.slug for e in store.entries() if not e.read_only]
    assert slugs == [kept.slug]

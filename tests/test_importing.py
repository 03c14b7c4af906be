"""The one-time import of a file store's folder into the database store (issue 15), on SQLite and
PostgreSQL: everything comes across once, nothing in the folder changes, nothing in the database is
overwritten, and what cannot be imported is named with its problem."""

import datetime as dt
import os

from conftest import ROOT
from simulator.scenario import load_scenario
from simulator.storage import trash
from simulator.storage.database import Actor, DatabaseStore
from simulator.storage.importing import first_import, import_folder
from simulator.storage.store import ScenarioStore
from test_data_folder import snapshot
from test_database_store import postgres_database, url  # noqa: F401 - fixtures: both databases

WHO = Actor(user="importer")


def named(catalog, name, **workload):
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump()
    data["name"] = name
    data["workload"].update(workload)
    return type(load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)).model_validate(data)


def file_store(folder, catalog):
    """A file store as Crossover left it: two saves (one replaced once, its old version in the
    trash), a deleted one, a file that does not parse, and the audit log of all that."""
    files = ScenarioStore(folder)
    a = files.save(named(catalog, "Plan A"), actor=Actor(user="ann"))
    files.save(named(catalog, "Plan A", queries_per_month=5_000), "plan-a", replaces=a.version,
               trash_previous=True, actor=Actor(user="ann"))
    files.save(named(catalog, "Plan B"))
    gone = files.save(named(catalog, "Gone"))
    files.delete("gone", replaces=gone.version, actor=Actor(user="bo"))
    (folder / "broken.yaml").write_text("name: [unclosed\n")
    return files


def test_a_folder_is_imported_with_its_trash_and_log_and_left_as_it_was(url, tmp_path, catalog):
    folder = tmp_path / "files"
    files = file_store(folder, catalog)
    before = snapshot(folder)
    store = DatabaseStore(url)

    report = import_folder(store, folder, actor=WHO)

    assert [(i.file_name, i.slug, i.note) for i in report.imported] == [("plan-a.yaml", "plan-a", ""),
                                                                       ("plan-b.yaml", "plan-b", "")]
    assert sorted(i.slug for i in report.trashed) == ["gone", "plan-a"]  # the deleted one, the replaced version
    [(bad, why)] = report.refused
    assert bad == "broken.yaml" and "not valid YAML" in why
    assert report.audit_lines == 5 and not report.skipped
    assert snapshot(folder) == before  # nothing moved, changed or deleted
    assert store.load("plan-a", catalog)[0].workload.queries_per_month == 5_000
    assert store.load("plan-a")[1] == files.load("plan-a")[1]  # the same version as the file's
    [version] = store.history("plan-a")
    assert (version.author, version.message) == ("importer", "imported from plan-a.yaml")
    deleted = {t.slug: t.deleted for t in files.trash()}
    assert {t.slug: t.deleted for t in store.trash()} == deleted  # trashed when the file store trashed them
    log = store.audit_log(20)
    assert [r["action"] for r in log][-5:] == ["delete", "save", "save", "replace", "save"]  # the file's, oldest last
    assert log[-1]["user"] == "ann" and log[-1]["name"] == "Plan A"
    gone = next(t for t in store.trash() if t.slug == "gone")
    assert store.restore(gone.file_name) == "gone" and store.load("gone", catalog)[0].name == "Gone"

    again = import_folder(store, folder, actor=WHO)  # a second run imports nothing
    assert (again.imported, again.trashed, again.audit_lines) == ([], [], 0)
    assert sorted(again.skipped) == sorted(["plan-a.yaml", "plan-b.yaml", *(f".trash/{t.file_name}" for t in files.trash())])
    assert len(store.history("plan-a")) == 1 and len(store.audit_log(100)) == len(log) + 1  # + the restore


def test_a_name_the_database_has_with_other_content_becomes_its_newest_version(url, tmp_path, catalog):
    store = DatabaseStore(url)
    theirs = store.save(named(catalog, "Plan A", queries_per_month=9), "their-plan")
    folder = tmp_path / "files"
    ScenarioStore(folder).save(named(catalog, "Plan A", queries_per_month=7))

    [imported] = import_folder(store, folder, actor=WHO).imported

    assert imported.slug == "their-plan" and "new version of `their-plan`" in imported.note
    history = store.history("their-plan")
    assert [v.sha256 for v in history][1] == theirs.version  # theirs is kept, one version back
    assert "other content under this name" in history[0].message
    assert store.load("their-plan", catalog)[0].workload.queries_per_month == 7
    assert import_folder(store, folder, actor=WHO).skipped == ["plan-a.yaml"]


def test_a_scenario_deleted_in_the_database_is_not_brought_back(url, tmp_path, catalog):
    folder = tmp_path / "files"
    ScenarioStore(folder).save(named(catalog, "Plan"))
    store = DatabaseStore(url)
    import_folder(store, folder, actor=WHO)
    store.delete("plan", replaces=store.load("plan")[1], actor=WHO)  # its owner
    assert import_folder(store, folder, actor=WHO).skipped == ["plan.yaml"]
    assert not [e for e in store.entries() if not e.read_only]


def test_an_id_in_use_gets_a_new_one_and_an_examples_name_is_refused(url, tmp_path, catalog):
    store = DatabaseStore(url)
    store.save(named(catalog, "Someone else's"), "plan")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "plan.yaml").write_text(named(catalog, "My plan").to_yaml())
    (folder / "support-bot.yaml").write_text(named(catalog, "Shadow").to_yaml())  # an example's id
    bot = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)
    (folder / "my-bot.yaml").write_text(bot.to_yaml())  # an example's name

    report = import_folder(store, folder, actor=WHO)

    assert {(i.file_name, i.slug) for i in report.imported} == {("plan.yaml", "my-plan"),
                                                               ("support-bot.yaml", "shadow")}
    assert all("its id is taken" in i.note for i in report.imported)
    [(bad, why)] = report.refused
    assert bad == "my-bot.yaml" and "name of a shipped example" in why
    assert store.load("plan", catalog)[0].name == "Someone else's"


def test_trashed_copies_older_than_the_trash_keeps_them_are_not_imported(url, tmp_path, catalog):
    folder = tmp_path / "files"
    (folder / trash.FOLDER).mkdir(parents=True)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=trash.KEEP_DAYS + 1)
    name = trash.file_name("old", old)
    (folder / trash.FOLDER / name).write_text(named(catalog, "Old").to_yaml())
    report = import_folder(DatabaseStore(url), folder, actor=WHO)
    assert report.refused == [(f".trash/{name}", report.refused[0][1])] and "30 days" in report.refused[0][1]


def test_the_first_import_runs_only_into_a_database_never_used(url, tmp_path, catalog):
    folder = tmp_path / "files"
    assert first_import(DatabaseStore("sqlite:////nonexistent/never-opened.db"), folder) is None  # no files: no database
    ScenarioStore(folder).save(named(catalog, "Plan"))
    store = DatabaseStore(url)
    assert [i.slug for i in first_import(store, folder).imported] == ["plan"]
    store.delete("plan", replaces=store.load("plan")[1])
    with store.engine.begin() as connection:  # the trash expired: no scenario is left, only the log
        connection.exec_driver_sql("DELETE FROM versions")
        connection.exec_driver_sql("DELETE FROM scenarios")
    assert first_import(store, folder) is None
    assert os.listdir(folder) and not store.trash()


def test_a_folder_holding_only_trashed_copies_is_imported_too(url, tmp_path, catalog):
    folder = tmp_path / "files"
    files = ScenarioStore(folder)
    gone = files.save(named(catalog, "Gone"))
    files.delete("gone", replaces=gone.version)
    store = DatabaseStore(url)
    assert [t.slug for t in first_import(store, folder).trashed] == ["gone"]
    assert [t.slug for t in store.trash()] == ["gone"]

"""Issue 13: saved work lives in one data folder that does not depend on the working directory, and
the saves of the folder used before (scenarios/saved in the checkout) are copied there once."""

import os
from pathlib import Path

import pytest

from conftest import ROOT, open_app
from simulator.scenario import load_scenario
from simulator.storage import audit, location
from simulator.storage.store import Actor, ScenarioStore


def test_the_data_folder_follows_crossover_data_dir_then_xdg_then_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert location.data_dir({}) == tmp_path / "home" / ".local" / "share" / "crossover"
    assert location.data_dir({"XDG_DATA_HOME": "/srv/xdg"}) == Path("/srv/xdg/crossover")
    # The XDG specification: a relative path is invalid and ignored (it would follow the cwd).
    assert location.data_dir({"XDG_DATA_HOME": "rel"}) == tmp_path / "home" / ".local" / "share" / "crossover"
    assert location.data_dir({"CROSSOVER_DATA_DIR": "/srv/c", "XDG_DATA_HOME": "/srv/xdg"}) == Path("/srv/c")


def test_scenarios_sit_in_the_data_folder_unless_crossover_scenario_dir_names_one():
    assert location.scenario_dir({"CROSSOVER_DATA_DIR": "/srv/c"}) == Path("/srv/c/scenarios")
    assert location.scenario_dir({"CROSSOVER_DATA_DIR": "/srv/c", "CROSSOVER_SCENARIO_DIR": "/t/s"}) == Path("/t/s")


def test_the_default_store_is_the_same_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("CROSSOVER_SCENARIO_DIR")
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    roots = set()
    for cwd in (tmp_path, ROOT, Path("/")):
        monkeypatch.chdir(cwd)
        roots.add(ScenarioStore().root)
    assert roots == {tmp_path / "data" / "scenarios"}


def fill_legacy(folder: Path, catalog) -> dict[str, bytes]:
    """A store in the old place with two saves, one trashed copy and an audit log; its bytes by file."""
    bot = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)
    old = ScenarioStore(folder)
    for name in ("Plan A", "Plan B", "Gone"):
        old.save(type(bot).model_validate({**bot.model_dump(), "name": name}), actor=Actor("ann"))
    old.delete("gone", replaces=old.load("gone")[1])
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def moved_env(tmp_path, monkeypatch):
    """The default folders: no CROSSOVER_SCENARIO_DIR, a data folder of the test's own."""
    monkeypatch.delenv("CROSSOVER_SCENARIO_DIR")
    return {"CROSSOVER_DATA_DIR": str(tmp_path / "data")}


def test_old_saves_are_copied_once_with_their_trash_and_log_and_the_old_folder_is_untouched(
        tmp_path, catalog, moved_env):
    legacy = tmp_path / "checkout" / "scenarios" / "saved"
    before = fill_legacy(legacy, catalog)
    old_times = {p.name: p.stat().st_mtime_ns for p in legacy.glob("*.yaml")}

    copied = location.copy_legacy_saves(moved_env, legacy)

    target = tmp_path / "data" / "scenarios"
    assert (copied.scenarios, copied.trashed, copied.source, copied.target) == (2, 1, legacy, target)
    assert str(legacy) in copied.sentence() and str(target) in copied.sentence()
    assert snapshot(legacy) == before  # nothing moved, changed or deleted
    new = ScenarioStore(target)
    assert [e.name for e in new.entries() if not e.read_only] == ["Plan A", "Plan B"]
    assert {p.name: p.stat().st_mtime_ns for p in target.glob("*.yaml")} == old_times  # "modified" stays
    assert [t.slug for t in new.trash()] == ["gone"]
    assert [r["action"] for r in new.audit_log()] == ["delete", "save", "save", "save"]
    # Once: deleting every copied save does not bring the old ones back on the next start.
    for slug in ("plan-a", "plan-b"):
        new.delete(slug, replaces=new.load(slug)[1])
    assert location.copy_legacy_saves(moved_env, legacy) is None
    assert not list(target.glob("*.yaml"))


def test_nothing_is_copied_into_a_folder_that_has_saves_or_one_crossover_scenario_dir_names(
        tmp_path, catalog, moved_env):
    legacy = tmp_path / "legacy"
    fill_legacy(legacy, catalog)
    named = tmp_path / "named"
    assert location.copy_legacy_saves({**moved_env, "CROSSOVER_SCENARIO_DIR": str(named)}, legacy) is None
    assert not named.exists()
    target = tmp_path / "data" / "scenarios"
    bot = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)
    ScenarioStore(target).save(type(bot).model_validate({**bot.model_dump(), "name": "Mine"}))
    assert location.copy_legacy_saves(moved_env, legacy) is None
    assert sorted(p.name for p in target.glob("*.yaml")) == ["mine.yaml"]
    assert location.copy_legacy_saves(moved_env, tmp_path / "missing") is None  # a fresh install


def test_the_app_says_once_that_old_saves_were_copied_and_lists_them(tmp_path, catalog, moved_env,
                                                                      monkeypatch, capfd):
    legacy = tmp_path / "checkout" / "scenarios" / "saved"
    fill_legacy(legacy, catalog)
    monkeypatch.setattr(location, "LEGACY_DIR", legacy)
    monkeypatch.setenv("CROSSOVER_DATA_DIR", moved_env["CROSSOVER_DATA_DIR"])

    at = open_app()
    [notice] = [w.value for w in at.warning if "copied" in w.value]
    assert notice.startswith("2 saved scenarios were copied from where Crossover kept them before")
    assert str(tmp_path) not in notice  # no server path reaches the browser
    assert "copied 2 saved scenarios and 1 trashed copy from " + str(legacy) in capfd.readouterr().err
    at.switch_page("app_pages/library.py").run()
    assert {"Plan A (plan-a)", "Plan B (plan-b)"} <= set(at.selectbox(key="lib_choice").options)

    again = open_app()
    assert not [w for w in again.warning if "copied" in w.value]
    assert "copied" not in capfd.readouterr().err


def test_the_legacy_folder_is_found_from_the_package_not_the_working_directory():
    assert location.LEGACY_DIR == ROOT / "scenarios" / "saved"
    assert os.path.isabs(location.LEGACY_DIR)


def test_a_copy_that_fails_is_said_once_and_the_app_still_opens(tmp_path, catalog, monkeypatch):
    legacy = tmp_path / "checkout" / "scenarios" / "saved"
    fill_legacy(legacy, catalog)
    monkeypatch.setattr(location, "LEGACY_DIR", legacy)
    monkeypatch.delenv("CROSSOVER_SCENARIO_DIR")
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "a-file" / "data"))  # cannot be made

    at = open_app()
    [notice] = [w.value for w in at.warning if "could not be copied" in w.value]
    assert "they are still there" in notice and str(tmp_path) not in notice
    at.number_input(key="sidebar_volume").set_value(500_000).run()
    assert not [w for w in at.warning if "could not be copied" in w.value]  # once per session
    assert snapshot(legacy)  # untouched

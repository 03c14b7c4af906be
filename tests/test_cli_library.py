"""``crossover library``: list, save, export, history and restore from scripts, on SQLite and on
PostgreSQL; authors recorded (--as, else the server's administrator); bad input exits 2."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import ROOT, cli
from test_database_store import postgres_database, url  # noqa: F401 - the fixtures: a database per test

BOT = ROOT / "scenarios" / "support-bot.yaml"


@pytest.fixture
def db(url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CROSSOVER_DATABASE_URL", url)
    return url


def plan(tmp_path, volume: int, name: str = "Team plan"):
    data = yaml.safe_load(BOT.read_text())
    data["name"] = name
    data["workload"]["queries_per_month"] = volume
    path = tmp_path / f"plan-{volume}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(*args: str) -> dict | list:
    result = cli("library", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_save_history_export_and_restore_a_scenario(db, tmp_path):
    first = run("save", str(plan(tmp_path, 400_000)), "--as", "alice", "-m", "first estimate")
    assert first["number"] == 1 and first["id"] == "team-plan" and first["author"] == "alice"
    second = run("save", str(plan(tmp_path, 4_000_000)), "--as", "bob", "-m", "10x after the sales call")
    assert second["number"] == 2
    history = run("history", "Team plan")  # by name, or by id
    assert [(v["number"], v["author"], v["message"]) for v in history] == [
        (2, "bob", "10x after the sales call"), (1, "alice", "first estimate")]
    assert history[0]["sha256"] == second["version"]
    old = yaml.safe_load(run("export", "team-plan", "--version", "1")["yaml"])
    assert old["workload"]["queries_per_month"] == 400_000
    restored = run("restore", "team-plan", "1", "--as", "carol")
    assert restored["number"] == 3 and restored["version"] == first["version"]
    assert yaml.safe_load(run("export", "team-plan")["yaml"])["workload"]["queries_per_month"] == 400_000
    listed = {e["id"]: e for e in run("list")}
    assert listed["team-plan"]["version"] == first["version"] and listed["support-bot"]["read_only"]


def test_without_as_the_cli_acts_as_the_servers_administrator(db, tmp_path):
    run("save", str(plan(tmp_path, 500_000)))
    [version] = run("history", "team-plan")
    assert version["author"].startswith("admin:")


def test_a_save_that_did_not_see_the_current_version_is_refused(db, tmp_path):
    first = run("save", str(plan(tmp_path, 400_000)), "--as", "alice")
    run("save", str(plan(tmp_path, 800_000)), "--as", "bob")
    stale = cli("library", "save", str(plan(tmp_path, 900_000)), "--replaces", first["version"], "--as", "alice")
    assert stale.returncode == 2 and "changed by bob" in stale.stderr and "Traceback" not in stale.stderr
    assert len(run("history", "team-plan")) == 2  # nothing was written


@pytest.mark.parametrize("args, message", [
    (("export", "nope"), "no saved scenario or example is called 'nope'"),
    (("history", "support-bot"), "shipped example: it has no saved versions"),
    (("restore", "team-plan", "9"), "has no version 9"),
    (("save", "/nonexistent.yaml"), "cannot read"),
    (("save", str(BOT)), "is the name of a shipped example"),
    (("save", str(ROOT / "README.md")), "README.md"),
    (("list", "--as", ""), "--as: a user name"),
])
def test_bad_input_exits_2_with_one_message(db, tmp_path, args, message):
    run("save", str(plan(tmp_path, 400_000)), "--as", "alice")
    result = cli("library", *args)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr


def test_export_to_a_file_never_overwrites(db, tmp_path):
    run("save", str(plan(tmp_path, 400_000)))
    out = tmp_path / "out.yaml"
    assert cli("library", "export", "team-plan", "-o", str(out)).returncode == 0
    again = cli("library", "export", "team-plan", "-o", str(out))
    assert again.returncode == 2 and "exists" in again.stderr


def test_an_unreachable_database_is_one_message(monkeypatch):
    monkeypatch.setenv("CROSSOVER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    result = cli("library", "list")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr


def test_import_brings_a_folder_in_once(db, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "team-plan.yaml").write_text(plan(tmp_path, 400_000).read_text())
    (folder / "broken.yaml").write_text("name: broken\nworkload: {queries_per_month: -5}\n")
    first = run("import", str(folder), "--as", "alice")
    assert first["imported"] == ["team-plan.yaml"] and [r["file"] for r in first["refused"]] == ["broken.yaml"]
    again = run("import", str(folder))
    assert again["imported"] == [] and again["skipped"] == ["team-plan.yaml"]  # idempotent
    assert [e["id"] for e in run("list") if not e["read_only"]] == ["team-plan"]
    missing = cli("library", "import", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "not a folder" in missing.stderr

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


# --- Who sees what (issue 15) -------------------------------------------------------------------------------
def test_as_user_sees_only_what_they_may_and_list_says_owner_and_visibility(db, tmp_path):
    secret = run("save", str(plan(tmp_path, 400_000, "Secret plan")), "--as", "alice@example.com", "--private")
    assert (secret["ref"], secret["owner"], secret["visibility"]) == ("alice@example.com/secret-plan",
                                                                      "alice@example.com", "private")
    run("save", str(plan(tmp_path, 500_000)), "--as", "bob@example.com")
    saved = {e["ref"]: (e["owner"], e["visibility"]) for e in run("list") if not e["read_only"]}  # the administrator
    assert saved == {"alice@example.com/secret-plan": ("alice@example.com", "private"),
                     "bob@example.com/team-plan": ("bob@example.com", "shared")}
    assert [e["ref"] for e in run("list", "--as", "bob@example.com") if not e["read_only"]] == ["bob@example.com/team-plan"]
    assert len([e for e in run("list", "--as", "alice@example.com") if not e["read_only"]]) == 2
    for args in (("export", secret["ref"]), ("history", secret["ref"]), ("export", "secret-plan"),
                 ("restore", secret["ref"], "1"), ("share", secret["ref"], "--team")):
        refused = cli("library", *args, "--as", "bob@example.com")
        assert refused.returncode == 2 and f"'{args[1]}' is not shared with you" in refused.stderr  # the link given
        assert "400000" not in refused.stdout + refused.stderr and "Secret plan" not in refused.stderr
    refused = cli("library", "export", "Secret plan", "--as", "bob@example.com")  # by name: as if it did not exist
    assert refused.returncode == 2 and "no saved scenario or example is called 'Secret plan'" in refused.stderr
    assert "Secret plan" in run("export", secret["ref"], "--as", "alice@example.com")["yaml"]


def test_share_is_the_owners_or_an_admins_and_never_private_for_nobody(db, tmp_path):
    saved = run("save", str(plan(tmp_path, 400_000)), "--as", "alice@example.com")
    refused = cli("library", "share", saved["ref"], "--private", "--as", "bob@example.com")
    assert refused.returncode == 2 and "only alice@example.com or an admin can make private 'Team plan'" in refused.stderr
    assert run("share", "Team plan", "--private", "--as", "alice@example.com")["visibility"] == "private"
    assert run("share", saved["ref"], "--team")["visibility"] == "shared"  # the administrator
    free = run("save", str(plan(tmp_path, 400_000, "Free plan")), "--as", "anonymous")
    assert free["ref"] == "free-plan" and free["owner"] is None
    refused = cli("library", "share", "free-plan", "--private")
    assert refused.returncode == 2 and "cannot be private" in refused.stderr
    refused = cli("library", "save", str(plan(tmp_path, 400_000, "Other plan")), "--private", "--as", "anonymous")
    assert refused.returncode == 2 and "cannot be private" in refused.stderr


def test_a_name_two_owners_use_is_their_own_for_each_and_ambiguous_for_others(db, tmp_path):
    alices = run("save", str(plan(tmp_path, 400_000)), "--as", "alice@example.com")
    run("share", alices["ref"], "--private", "--as", "alice@example.com")
    bobs = run("save", str(plan(tmp_path, 500_000)), "--as", "bob@example.com")  # alice's is not his to see: his own
    assert bobs["ref"] == "bob@example.com/team-plan" and bobs["number"] == 1
    again = run("save", str(plan(tmp_path, 600_000)), "--as", "bob@example.com")  # now a new version of his
    assert (again["ref"], again["number"]) == (bobs["ref"], 2)
    ambiguous = cli("library", "history", "Team plan")  # the administrator sees both
    assert ambiguous.returncode == 2 and "2 scenarios are called 'Team plan'" in ambiguous.stderr
    assert "alice@example.com/team-plan" in ambiguous.stderr and "bob@example.com/team-plan" in ambiguous.stderr
    assert len(run("history", "Team plan", "--as", "alice@example.com")) == 1
    assert len(run("history", "Team plan", "--as", "bob@example.com")) == 2

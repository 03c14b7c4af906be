"""Old scenario files load through migrations; every committed fixture of every version loads."""

from pathlib import Path

import pytest

from simulator.scenario import SCHEMA_VERSION, ScenarioError, load_scenario, parse_scenario
from simulator.scenario.migrations import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_files():
    return sorted(FIXTURES.glob("schema_v*/*.yaml"))


def test_there_is_a_fixture_for_every_version():
    versions = {int(p.parent.name.removeprefix("schema_v")) for p in fixture_files()}
    assert versions == set(range(1, SCHEMA_VERSION + 1))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_loads(path, catalog):
    scenario = load_scenario(path, catalog)
    assert scenario.schema_version == SCHEMA_VERSION
    written_in = int(path.parent.name.removeprefix("schema_v"))
    assert bool(scenario.notices) == (written_in < SCHEMA_VERSION)


def test_migration_steps_run_in_order_with_notices():
    steps = {
        1: lambda d: ({"schema_version": d["schema_version"], "b": d["a"]}, "renamed a to b"),
        2: lambda d: ({**d, "b": d["b"] * 2}, "b is now in halves"),
    }
    data, notices = migrate({"schema_version": 1, "a": 5}, 3, steps)
    assert data == {"schema_version": 3, "b": 10}
    assert notices == ["upgraded from schema version 1 to 2: renamed a to b",
                       "upgraded from schema version 2 to 3: b is now in halves"]


def test_a_version_without_a_path_is_left_for_validation_to_refuse():
    assert migrate({"schema_version": 0}, 1, {}) == ({"schema_version": 0}, [])
    with pytest.raises(ScenarioError, match="schema_version: must be 4"):
        parse_scenario("schema_version: 0\n", "old.yaml")
    with pytest.raises(ScenarioError, match="newer than this Crossover reads"):
        parse_scenario(f"schema_version: {SCHEMA_VERSION + 1}\n", "new.yaml")


def test_version_3_names_and_override_keys_move_to_api_ids(catalog):
    """Schema 4 names models by the provider's API id: a version-3 file's model names and override
    keys of the catalog's earlier names are rewritten, and the notice lists what changed."""
    text = (FIXTURES / "schema_v3" / "legal-drafting.yaml").read_text()
    assert "name: claude-sonnet-4.6" in text
    text += "overrides:\n  llm.claude-sonnet-4.6.prices.input_usd_per_mtok: 2.5\n"
    scenario = parse_scenario(text, "old.yaml", catalog)
    assert scenario.prompt_only.model.name == "claude-sonnet-4-6"
    assert scenario.overrides == {"llm.claude-sonnet-4-6.prices.input_usd_per_mtok": 2.5}
    assert any("claude-sonnet-4.6 -> claude-sonnet-4-6" in n for n in scenario.notices)

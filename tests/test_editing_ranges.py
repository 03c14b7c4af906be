"""The editor's ranges: entered in the widgets' units, kept beside the widget values, written in place."""

import math

import pytest
import yaml

from simulator.scenario import ScenarioError, parse_scenario
from ui import editing
from ui.editing import key
from test_editing import HAIKU_INPUT, ranged_support_bot_yaml, support_bot_points

QUERIES = "workload.queries_per_month"


@pytest.fixture(scope="module")
def points_only(catalog):
    """Without ranges, whatever the shipped file has: each test adds its own."""
    return support_bot_points(catalog)


@pytest.fixture(scope="module")
def ranged(catalog):
    return parse_scenario(ranged_support_bot_yaml(catalog), "ranged", catalog)


def build(scenario, catalog, ranges, values=None, overrides=None):
    values = editing.widget_values(scenario, catalog) if values is None else values
    overrides = scenario.overrides if overrides is None else overrides
    return editing.build_scenario(values, overrides, catalog, None, ranges)


def in_place(scenario, *path):
    """The value ``to_yaml`` writes at ``path``: a number, or a range's mapping."""
    node = yaml.safe_load(scenario.to_yaml())
    for part in path:
        node = node[part]
    return node


# --- Adding ------------------------------------------------------------------------------------------


def test_a_range_added_with_the_helpers_validates_and_is_written_in_place(points_only, catalog):
    spec = editing.range_from_inputs(QUERIES, "pert", 200_000, 400_000, 900_000)
    ranges = editing.with_range({}, QUERIES, spec)
    scenario = editing.apply(build(points_only, catalog, ranges), catalog)
    assert in_place(scenario, "workload", "queries_per_month") == {
        "dist": "pert", "low": 200_000, "likely": 400_000, "high": 900_000}
    assert scenario.workload.queries_per_month == 400_000           # the point value every page uses
    assert editing.same_as(build(points_only, catalog, ranges), points_only.to_yaml()) is False


def test_a_percentage_range_is_entered_in_percent_and_stored_as_fractions(points_only, catalog):
    spec = editing.range_from_inputs("workload.batch_share", "triangular", 10, 20, 40)
    assert spec == {"dist": "triangular", "low": pytest.approx(0.1), "likely": pytest.approx(0.2),
                    "high": pytest.approx(0.4)}
    ranges = {"workload.batch_share": spec}
    scenario = editing.apply(build(points_only, catalog, ranges), catalog)
    assert in_place(scenario, "workload", "batch_share") == {"dist": "triangular", "low": 0.1, "likely": 0.2,
                                                             "high": 0.4}
    assert scenario.workload.batch_share == pytest.approx(0.2)
    # shown back in percent, in the table and on the disabled widget
    [row] = editing.range_rows(ranges, build(points_only, catalog, ranges))
    assert (row.label, row.low, row.likely, row.high, row.used) == (
        "Workload: Batchable share (% of queries)", "10", "20", "40", True)
    assert editing.describe_range("workload.batch_share", spec) == "triangular 10 / 20 / 40"
    assert editing.widget_point("workload.batch_share", spec) == pytest.approx(20.0)


def test_a_lognormal_takes_percentiles_and_its_point_is_the_median(points_only, catalog):
    spec = editing.range_from_inputs("people.day_rate_usd", "lognormal", 600, 12345, 1400)  # likely is ignored
    assert spec == {"dist": "lognormal", "p05": 600.0, "p95": 1400.0}
    scenario = editing.apply(build(points_only, catalog, {"people.day_rate_usd": spec}), catalog)
    assert scenario.people.day_rate_usd == pytest.approx(math.sqrt(600 * 1400))
    assert in_place(scenario, "people", "day_rate_usd") == {"dist": "lognormal", "p05": 600, "p95": 1400}
    assert editing.describe_range("people.day_rate_usd", spec) == "lognormal, 90 % between 600 and 1,400"


def test_an_integer_inputs_point_is_rounded_for_its_widget(catalog):
    spec = editing.range_from_inputs("rag.top_k", "lognormal", 4, None, 10)   # median sqrt(40) = 6.32
    assert editing.range_point("rag.top_k", spec) == 6
    assert editing.widget_point("rag.top_k", spec) == 6 and isinstance(editing.widget_point("rag.top_k", spec), int)


def test_an_override_and_the_price_drift_take_ranges(points_only, catalog):
    overrides = {HAIKU_INPUT: 1.0}
    ranges = {
        "overrides." + HAIKU_INPUT: editing.range_from_inputs("overrides." + HAIKU_INPUT, "pert", 0.8, 1.0, 1.5),
        "uncertainty.price_drift_pct_per_year": editing.range_from_inputs(
            "uncertainty.price_drift_pct_per_year", "pert", -30, -10, 5),    # %/year is stored as it is shown
    }
    scenario = editing.apply(build(points_only, catalog, ranges, overrides=overrides), catalog)
    assert in_place(scenario, "overrides", HAIKU_INPUT) == {"dist": "pert", "low": 0.8, "likely": 1.0, "high": 1.5}
    assert in_place(scenario, "uncertainty", "price_drift_pct_per_year") == {
        "dist": "pert", "low": -30, "likely": -10, "high": 5}
    assert scenario.uncertainty.price_drift_pct_per_year == -10


def test_the_price_drift_starts_from_the_observed_range_and_keeps_it_as_observed(points_only, support_bot, catalog):
    """The editor's default range for the drift is the price history's (pricing.history), kept as
    ``{dist: observed}``; its numbers are shown, not entered; no other input offers it."""
    from pricing.history import observed_drift

    drift, seen = "uncertainty.price_drift_pct_per_year", observed_drift()
    data = build(points_only, catalog, {})
    assert editing.range_start(drift, data, catalog, {}) == ("observed", pytest.approx(seen.low), 0.0,
                                                             pytest.approx(seen.high))
    assert editing.range_from_inputs(drift, "observed", 1, 2, 3) == {"dist": "observed"}  # entries unused
    assert editing.distributions_for(drift)[-1] == "observed" and "observed" not in editing.distributions_for(QUERIES)
    with pytest.raises(ValueError, match="an observed range exists only for the price drift"):
        editing.range_from_inputs(QUERIES, "observed", 1, 2, 3)
    ranges = editing.scenario_ranges(support_bot)  # the shipped example: {dist: observed}
    assert ranges[drift] == {"dist": "observed"}
    [row] = [r for r in editing.range_rows(ranges, data) if r.path == drift]
    assert (row.dist, row.likely) == ("observed", "0")
    scenario = editing.apply(build(points_only, catalog, {drift: {"dist": "observed"}}), catalog)
    assert in_place(scenario, "uncertainty", "price_drift_pct_per_year") == {"dist": "observed"}
    assert scenario.uncertainty.price_drift_pct_per_year == 0.0


def test_seed_and_draws_reach_the_scenario(points_only, catalog):
    values = editing.widget_values(points_only, catalog)
    assert values[key("uncertainty.draws")] == points_only.uncertainty.draws
    values[key("uncertainty.seed")] = 11
    values[key("uncertainty.draws")] = 3000
    scenario = editing.apply(build(points_only, catalog, {}, values=values), catalog)
    assert (scenario.uncertainty.seed, scenario.uncertainty.draws) == (11, 3000)
    assert in_place(scenario, "uncertainty") == {"seed": 11, "draws": 3000}


# --- Refusing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, dist, entries, message", [
    ("rag.top_k", "pert", (8, 6, 4),
     "RAG: Chunks per query, top_k (chunks): a pert range needs low <= likely <= high (got 8 / 6 / 4)"),
    ("workload.batch_share", "triangular", (10, 20, 140),
     "Workload: Batchable share (% of queries): 140 is above the largest allowed value (100)"),
    ("fine_tuned.model.target_utilisation", "pert", (0.5, 60, 80),
     "Fine-tuned: Target utilisation at peak (%): 0.5 is below the smallest allowed value (1)"),
    ("people.day_rate_usd", "lognormal", (0, None, 1400),
     "People: Engineer day rate (USD/day): a lognormal range needs 0 < p05 <= p95 (got 0 / 1,400)"),
    ("workload.batch_share", "pert", (None, 20, 40), "Workload: Batchable share (% of queries): enter low"),
    ("workload.horizon_months", "pert", (12, 24, 36),
     "Workload: Horizon (months): this input takes a single value"),
    ("uncertainty.draws", "pert", (1000, 2000, 5000),
     "Uncertainty: Draws (Monte Carlo samples): this input takes a single value"),
])
def test_invalid_entries_are_refused_naming_the_input_in_its_units(path, dist, entries, message):
    with pytest.raises(ValueError) as caught:
        editing.range_from_inputs(path, dist, *entries)
    assert str(caught.value).startswith(message)


def test_a_bad_range_that_reaches_validation_is_reported_on_the_uncertainty_tab(points_only, catalog):
    ranges = {QUERIES: {"dist": "pert", "low": 900_000, "likely": 400_000, "high": 200_000}}   # low > high
    with pytest.raises(ScenarioError) as caught:
        editing.apply(build(points_only, catalog, ranges), catalog)
    [line] = editing.problem_lines(caught.value)
    assert line.startswith("workload.queries_per_month: a pert range needs low <= likely <= high")
    assert editing.problem_group(line, ranges) == "Uncertainty"
    assert editing.problem_group(line) == "Workload"


# --- Removing and hiding ------------------------------------------------------------------------------


@pytest.mark.parametrize("path, point", [
    (QUERIES, 400_000), ("people.day_rate_usd", math.sqrt(600 * 1400)), ("rag.top_k", 6),
    ("workload.answer.tokens", 220), ("fine_tuned.model.target_utilisation", 0.6),
])
def test_removing_a_range_keeps_its_point_value_as_a_plain_number(ranged, catalog, path, point):
    ranges = editing.without_range(editing.scenario_ranges(ranged), path)
    scenario = editing.apply(build(ranged, catalog, ranges), catalog)
    assert path not in scenario.ranges and len(scenario.ranges) == len(ranged.ranges) - 1
    assert scenario.point_value(path) == pytest.approx(point)
    assert in_place(scenario, *path.split(".")) == pytest.approx(point)   # a number, no longer a mapping


def test_ranges_of_inputs_the_choices_hide_are_left_out_and_marked(ranged, catalog):
    values = editing.widget_values(ranged, catalog)
    values[key("workload.answer.mode")] = "text"
    values[key("workload.answer.text")] = "You can reset it from the login page."
    values[key("fine_tuned.model.name")] = "gpt-4.1-mini"    # an API model: no target utilisation
    ranges = editing.scenario_ranges(ranged)
    data = build(ranged, catalog, ranges, values=values, overrides={})          # the override removed too
    hidden = {"workload.answer.tokens", "fine_tuned.model.target_utilisation", "overrides." + HAIKU_INPUT}
    assert set(data["ranges"]) == set(ranges) - hidden
    assert {r.path for r in editing.range_rows(ranges, data) if not r.used} == hidden
    editing.apply(data, catalog)


def test_the_choices_are_the_inputs_shown_that_may_be_ranged(points_only, catalog):
    choices = editing.range_choices(build(points_only, catalog, {}, overrides={HAIKU_INPUT: 1.0}))
    assert choices[QUERIES] == "Workload: Queries per month (queries/month)"
    assert choices["workload.answer.tokens"] == "Workload: Answer length (tokens)"       # a count ...
    assert "workload.query.tokens" not in choices                                       # ... not samples
    # The override in words, never its dotted catalog key (issue 13: "nothing raw").
    assert choices["overrides." + HAIKU_INPUT] == "Override: claude-haiku-4-5's input price (API model)"
    assert "uncertainty.price_drift_pct_per_year" in choices
    assert "fine_tuned.model.target_utilisation" in choices          # self-hosted model
    assert "prompt_only.model.gpus_per_replica" not in choices       # API model
    assert "people.build_days.rag" in choices                        # empty: the catalog default stands in
    assert not {"workload.horizon_months", "uncertainty.seed", "uncertainty.draws"} & set(choices)


def test_the_form_starts_around_the_current_value_or_from_the_range(points_only, ranged, catalog):
    data = build(points_only, catalog, {})
    assert editing.range_start(QUERIES, data, catalog, {}) == ("pert", 320_000, 400_000, 500_000)
    assert editing.range_start("workload.monthly_growth", data, catalog, {}) == ("pert", 4.0, 5.0, 6.25)  # in %
    assert editing.range_start("prompt_only.cache_hit_rate", data, catalog, {}) == ("pert", 72, 90, 100)  # <= 100 %
    default = editing.figure_table(catalog)["defaults.people.build_days_rag"].value    # empty input: its default
    assert editing.range_start("people.build_days.rag", data, catalog, {})[2] == default
    ranges = editing.scenario_ranges(ranged)
    assert editing.range_start("knowledge.monthly_change_share", data, catalog, ranges) == ("triangular", 5, 10, 20)
    assert editing.range_start("people.day_rate_usd", data, catalog, ranges) == ("lognormal", 600, None, 1400)

"""Monte Carlo and sensitivity: exact against the deterministic model when nothing is uncertain,
against analytic distributions when one input is, and reproducible by seed."""

from dataclasses import replace

import numpy as np
import pytest

from simulator.analysis.montecarlo import draw, draw_inputs, simulate
from simulator.analysis.sensitivity import tornado, what_would_change
from simulator.model.evaluate import evaluate
from simulator.scenario import Range, Scenario

Z10 = -1.2815515655446004  # standard normal 10th percentile
PHI_Z10 = 0.17549833193248685  # standard normal density at Z10


def collapsed(scenario: Scenario) -> Scenario:
    """Every range squeezed onto its point value (still a range: the Monte Carlo path runs)."""
    data = scenario.model_dump()
    for path, spec in scenario.ranges.items():
        point = spec.point
        data["ranges"][path] = ({"dist": "lognormal", "p05": point, "p95": point} if spec.dist == "lognormal"
                                else {"dist": "pert" if spec.dist == "observed" else spec.dist,
                                      "low": point, "likely": point, "high": point})
    return Scenario.model_validate(data)


def test_collapsed_ranges_give_the_deterministic_numbers_exactly(support_bot, catalog):
    data = support_bot.model_dump()
    data["ranges"]["workload.queries_per_month"] = {"dist": "pert", "low": 1e5, "likely": 4e5, "high": 9e5}
    data["ranges"]["workload.query.tokens"] = {"dist": "lognormal", "p05": 10, "p95": 90}
    data["workload"]["query"] = {"tokens": 30}
    scenario = collapsed(Scenario.model_validate(data))
    assert len(scenario.ranges) == 9
    ev = evaluate(scenario, catalog)
    sim = simulate(ev, draws=300)
    for name in ev.feasible:
        deterministic = ev.monthly_cost(name, sim.volumes)
        for band in sim.bands[name]:
            assert np.array_equal(band, deterministic), name
        assert np.all(sim.cost_at_volume[name] == ev.monthly_cost(name, scenario.workload.queries_per_month))
        assert np.all(sim.latency[name]["p50"] == ev.setups[name].latency.p50), name
        assert np.all(sim.latency[name]["p95"] == ev.setups[name].latency.p95), name
    for b in ev.break_even:
        found = sim.break_even[(b.a, b.b)]
        if b.first is None:
            assert np.isnan(found).all()
        else:  # bisected until cost differences are ties (1e-12 of the costs); the deterministic
            # solve is closed-form. Nearly parallel curves turn that into ~1e-12 of the volume.
            assert found == pytest.approx(np.full(found.shape, b.first), rel=1e-9)
    assert sim.cheapest_at_volume()[ev.cheapest(scenario.workload.queries_per_month)] == 1.0


def test_one_lognormal_price_gives_the_analytic_cost_percentiles(make_scenario, catalog):
    # Prompt-only output cost = volume x 200 answer tokens x price / 1e6, so at 1M queries/month each
    # $1/Mtok of output price adds $200/month: cost percentiles = point cost + 200 x (price quantile - 2).
    price = "overrides.llm.mistral-small-2603.prices.output_usd_per_mtok"
    scenario = make_scenario(**{"ranges": {price: {"dist": "lognormal", "p05": 1.0, "p95": 4.0}}})
    ev = evaluate(scenario, catalog)
    n = 20_000
    sim = simulate(ev, draws=n, seed=3)
    sigma = np.log(4.0) / (2 * 1.6448536269514722)
    q10 = 2.0 * np.exp(Z10 * sigma)  # analytic 10th percentile of the price
    # Standard error of a sample quantile: sqrt(p (1 - p) / n) / density at the quantile.
    se_q10 = np.sqrt(0.1 * 0.9 / n) / (PHI_Z10 / (q10 * sigma))
    point = float(ev.monthly_cost("prompt_only", 1e6))
    got = sim.percentiles(sim.cost_at_volume["prompt_only"])
    assert got["p50"] == pytest.approx(point, abs=200 * 4 * 0.0125 * 2)  # median 2: SE ~0.0125 x 2 in price
    assert abs(got["p10"] - (point + 200 * (q10 - 2.0))) < 4 * 200 * se_q10


def test_pert_and_triangular_draws_match_their_analytic_moments_and_quantiles():
    rng = np.random.default_rng(0)
    n = 50_000
    pert = draw(Range(dist="pert", low=1.0, likely=2.0, high=7.0), n, rng)
    mean = (1 + 4 * 2 + 7) / 6  # Vose: PERT mean
    sd = np.sqrt((mean - 1) * (7 - mean) / 7)  # Vose: PERT variance (mu - a)(c - mu)/7
    assert abs(pert.mean() - mean) < 4 * sd / np.sqrt(n)
    assert pert.min() >= 1 and pert.max() <= 7
    tri = draw(Range(dist="triangular", low=0.0, likely=1.0, high=4.0), n, rng)
    q10 = np.sqrt(0.1 * 4.0 * 1.0)  # F^-1(p) = a + sqrt(p (c - a)(m - a)) below the mode
    density = 2 * (q10 - 0.0) / (4.0 * 1.0)
    assert abs(np.percentile(tri, 10) - q10) < 4 * np.sqrt(0.1 * 0.9 / n) / density


def test_counts_are_drawn_as_whole_numbers_within_the_fields_bounds(make_scenario):
    scenario = make_scenario(ranges={"rag.top_k": {"dist": "lognormal", "p05": 1, "p95": 900},
                                     "workload.batch_share": {"dist": "lognormal", "p05": 0.1, "p95": 0.9}})
    drawn = draw_inputs(scenario, 5000)
    assert np.array_equal(drawn["rag.top_k"], np.round(drawn["rag.top_k"]))
    assert drawn["rag.top_k"].min() >= 1 and drawn["rag.top_k"].max() <= 1000
    assert drawn["workload.batch_share"].max() <= 1.0  # a lognormal's tail is cut at the schema's bound


def test_same_seed_same_numbers_other_seed_within_sampling_error(support_bot, catalog):
    ev = evaluate(support_bot, catalog)
    n = 4000
    one, again, other = simulate(ev, n, seed=11), simulate(ev, n, seed=11), simulate(ev, n, seed=12)
    for name in ev.feasible:
        assert np.array_equal(one.cost_at_volume[name], again.cost_at_volume[name])
        assert np.array_equal(one.bands[name], again.bands[name])
        a, b = one.cost_at_volume[name], other.cost_at_volume[name]
        assert not np.array_equal(a, b)
        se_median = 1.2533 * a.std() / np.sqrt(n)  # large-sample standard error of a median
        assert abs(np.median(a) - np.median(b)) < 4 * np.sqrt(2) * se_median
    for pair, found in one.break_even.items():
        assert np.array_equal(found, again.break_even[pair], equal_nan=True)


def test_probabilities_sum_to_one_and_bands_are_ordered(support_bot, catalog):
    sim = simulate(evaluate(support_bot, catalog), 1000)
    assert sum(sim.cheapest_at_volume().values()) == pytest.approx(1.0)
    total = sum(sim.probability_cheapest.values())
    assert np.allclose(total, 1.0)
    for bands in sim.bands.values():
        assert np.all(bands[0] <= bands[1]) and np.all(bands[1] <= bands[2])


def test_a_context_window_exceeded_in_some_draws_makes_those_draws_infeasible(make_scenario, catalog):
    scenario = make_scenario(ranges={"prompt_only.system_prompt.tokens":
                                     {"dist": "triangular", "low": 1000, "likely": 2000, "high": 400_000}})
    ev = evaluate(scenario, catalog)
    window = ev.setups["prompt_only"].details["context_window_tokens"]
    sim = simulate(ev, 2000)
    drawn = sim.inputs["prompt_only.system_prompt.tokens"]
    too_long = drawn + 100 + 200 > window  # system prompt + query + answer
    assert 0 < too_long.mean() < 1
    assert np.array_equal(~np.isfinite(sim.cost_at_volume["prompt_only"]), too_long)
    assert sim.probability_feasible("prompt_only") == pytest.approx(1 - too_long.mean())


def test_the_tornado_puts_the_dominant_input_first(make_scenario, catalog):
    scenario = make_scenario(ranges={
        "people.day_rate_usd": {"dist": "pert", "low": 100, "likely": 1000, "high": 10_000},
        "prompt_only.cache_hit_rate": {"dist": "pert", "low": 0.49, "likely": 0.5, "high": 0.51},
        "overrides.llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.input_usd_per_mtok":
            {"dist": "triangular", "low": 0.02, "likely": 0.2, "high": 0.21},
    })
    ev = evaluate(scenario, catalog)
    result = tornado(ev)
    bars = result.bars["cost:prompt_only"]
    assert bars[0].path == "people.day_rate_usd"
    # People cost (1 ops day/month + 5 build days over 10 months) moves linearly with the day rate.
    assert bars[0].at_high - bars[0].at_low == pytest.approx((10_000 - 100) * (1 + 5 / 10))
    assert bars[-1].swing == 0.0  # the fine-tuned price does not touch prompt-only
    assert result.bars["break_even:rag/fine_tuned"][0].path in (
        "people.day_rate_usd", "overrides.llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.input_usd_per_mtok")


def test_what_would_change_finds_the_value_where_the_cheapest_setup_changes(make_scenario, catalog):
    price = "overrides.llm.mistral-small-2603.prices.output_usd_per_mtok"
    scenario = make_scenario(ranges={price: {"dist": "triangular", "low": 0.5, "likely": 2.0, "high": 200.0}})
    ev = evaluate(scenario, catalog)
    [change] = what_would_change(ev)
    assert change.cheapest == ev.cheapest(1e6)
    value, new = change.above if change.above else change.below
    assert new != change.cheapest
    step = (200.0 - 0.5) / 64 / 2**14  # the grid spacing halved by every bisection step
    for probe, expected in ((value - 2 * step, change.cheapest), (value + 2 * step, new)):
        data = scenario.model_dump()
        del data["ranges"][price]
        data["overrides"][price.removeprefix("overrides.")] = probe
        assert evaluate(Scenario.model_validate(data), catalog).cheapest(1e6) == expected


def test_a_scenario_without_ranges_still_simulates(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    sim = simulate(ev, 200)
    for name in ev.feasible:
        assert np.all(sim.cost_at_volume[name] == ev.monthly_cost(name, 1e6))
    assert tornado(ev).bars["cost:prompt_only"] == [] and what_would_change(ev) == []


def test_moving_the_volume_rereads_the_same_draws(support_bot, catalog):
    from simulator.analysis.montecarlo import at_volume

    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, 500)
    assert sim.volume == 400_000
    moved = at_volume(sim, ev, 2e6)
    direct = simulate(ev, 500, volume=2e6)
    for name in ev.feasible:
        assert np.array_equal(moved.cost_at_volume[name], direct.cost_at_volume[name])
        assert np.array_equal(moved.bands[name], sim.bands[name])
    assert moved.cheapest_at_volume() == direct.cheapest_at_volume() and moved.volume == 2e6
    rebuilt = at_volume(replace(sim, blocks=[]), ev, 2e6)  # past KEEP_BLOCKS_UP_TO draws: built again
    for name in ev.feasible:
        assert np.array_equal(rebuilt.cost_at_volume[name], direct.cost_at_volume[name])


def test_the_break_even_histogram_accounts_for_every_draw_that_crosses(support_bot, catalog):
    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, 1000)
    edges, shares = sim.break_even_histogram("prompt_only", "rag")
    crossing = sim.break_even[("prompt_only", "rag")]
    assert shares.sum() == pytest.approx(np.isfinite(crossing).mean())  # draws that never cross are left out
    assert edges[0] == np.nanmin(crossing) and edges[-1] >= np.nanmax(crossing)
    assert np.all(np.diff(np.log(edges)) == pytest.approx(np.log(edges[1] / edges[0])))  # log-spaced bins


def test_the_observed_price_drift_is_drawn_as_its_pert_and_cited(support_bot, catalog):
    """support-bot's drift is ``{dist: observed}``: drawn as PERT p10 / 0 / p90 of pricing.history, and
    every Monte Carlo result names what that range rests on."""
    from pricing.history import observed_drift

    path, seen = "uncertainty.price_drift_pct_per_year", observed_drift()
    spec = support_bot.ranges[path]
    as_pert = Range(dist="pert", low=seen.low, likely=0.0, high=seen.high)
    rng = lambda: np.random.default_rng(5)  # noqa: E731
    assert np.array_equal(draw(spec, 1000, rng()), draw(as_pert, 1000, rng()))
    drawn = draw_inputs(support_bot, 4000)[path]
    assert seen.low <= drawn.min() < drawn.max() <= seen.high
    # PERT mean (low + 4 likely + high) / 6, within 4 standard errors
    assert abs(drawn.mean() - (seen.low + seen.high) / 6) < 4 * drawn.std() / np.sqrt(drawn.size)
    ev = evaluate(support_bot, catalog)
    sim = simulate(ev, draws=200)
    assert sim.sources == {path: seen.describe()}
    assert sim.add_to(ev.to_dict())["monte_carlo"]["range_sources"] == {path: seen.describe()}
    mine = support_bot.model_dump()
    mine["ranges"][path] = {"dist": "pert", "low": -40, "likely": 0, "high": 10}  # the user's own: nothing to cite
    assert simulate(evaluate(Scenario.model_validate(mine), catalog), draws=100).sources == {}

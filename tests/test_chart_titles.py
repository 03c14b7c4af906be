"""Every chart says what it shows: each figure builder of ui/charts*.py gives its figure a title, for
every shipped example (a screenshot or the report, cut out of the page, still names its chart)."""

import functools
import inspect

import numpy as np
import pytest

from conftest import ROOT, SHIPPED_SCENARIOS
from pricing import bulk, history
from pricing.catalog import default_catalog
from simulator.analysis.answer import headline
from simulator.analysis.context_fit import context_fits
from simulator.analysis.latency_curves import latency_vs_prompt_size, self_hosted_latency_vs_load
from simulator.analysis.montecarlo import simulate
from simulator.analysis.sensitivity import Tornado, tornado
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from simulator.traffic.fit import fit_file
from ui import charts, charts_latency, charts_prices, charts_tokens, charts_traffic, charts_uncertainty, fmt

MODULES = (charts, charts_latency, charts_prices, charts_tokens, charts_traffic, charts_uncertainty)


@functools.cache
def traffic_fit():
    """The Traffic page's charts draw a fitted log, not a scenario: the shipped CSV sample's."""
    fit = fit_file(ROOT / "samples" / "traffic" / "support-bot-requests.csv", default_catalog())
    return fit.by_model["claude-haiku-4-5"]


def builders() -> set[str]:
    return {f"{m.__name__}.{name}" for m in MODULES for name, f in inspect.getmembers(m, inspect.isfunction)
            if name.endswith("_figure") and f.__module__ == m.__name__}


def figures(ev, sim):
    """One figure from each builder, built the way the pages build it."""
    lo, hi = ev.volume_range[0], ev.volume_range[1]
    feasible = ev.feasible
    result = ev.to_dict()["setups"]
    yield "ui.charts.break_even_figure", charts.break_even_figure(ev, lo, hi)
    yield "ui.charts.breakdown_figure", charts.breakdown_figure({n: result[n]["cost_breakdown_usd"] for n in feasible})
    yield "ui.charts.cumulative_figure", charts.cumulative_figure({n: ev.cumulative_cost(n) for n in feasible}, "2026-01-01")
    yield "ui.charts.compare_figure", charts.compare_figure({"a": ev, "b": ev}, lo, hi)
    yield "ui.charts_latency.parts_figure", charts_latency.parts_figure({n: ev.setups[n].latency for n in feasible})
    yield "ui.charts_latency.prompt_growth_figure", charts_latency.prompt_growth_figure(
        {n: latency_vs_prompt_size(ev, n, np.linspace(0, 2000, 5)) for n in feasible})
    for name in feasible:  # the load chart is for self-hosted setups only
        try:
            curve = self_hosted_latency_vs_load(ev, name, np.array([0.1, 0.5, 0.9]))
        except ValueError:
            continue
        yield "ui.charts_latency.load_figure", charts_latency.load_figure(curve)
        break
    yield "ui.charts_tokens.composition_figure", charts_tokens.composition_figure(context_fits(ev))
    yield "ui.charts_traffic.profile_figure", charts_traffic.profile_figure(traffic_fit().profile, traffic_fit().model)
    yield "ui.charts_traffic.daily_figure", charts_traffic.daily_figure(traffic_fit())
    models = list(history.bulk_histories())
    yield "ui.charts_prices.price_history_figure", charts_prices.price_history_figure(models[0], bulk.settings()["as_of"])
    yield "ui.charts_prices.yearly_change_figure", charts_prices.yearly_change_figure(models, history.observed_drift())
    yield "ui.charts_uncertainty.probability_figure", charts_uncertainty.probability_figure(
        sim, lo, hi, ev.scenario.workload.queries_per_month, headline(ev).ruled_out)
    yield "ui.charts_uncertainty.break_even_spread_figure", charts_uncertainty.break_even_spread_figure(ev, sim)
    pair = ev.break_even[0]
    yield "ui.charts_uncertainty.break_even_histogram_figure", charts_uncertainty.break_even_histogram_figure(
        sim, pair.a, pair.b, pair.first)
    ranking = tornado(ev)
    yield "ui.charts_uncertainty.tornado_figure", charts_uncertainty.tornado_figure(
        ranking, Tornado.cost_key(feasible[0]), fmt.input_label, fmt.input_value, "Monthly cost (USD)")


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_chart_has_a_title(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    seen = set()
    for builder, fig in figures(ev, simulate(ev, 100)):
        assert (fig.layout.title.text or "").strip(), f"{builder} draws no title for {path.stem}"
        seen.add(builder)
    # A new builder must be added above; the load chart only where a setup is self-hosted.
    assert builders() - seen <= {"ui.charts_latency.load_figure"}


def test_the_load_chart_is_checked_for_some_example(catalog):
    def self_hosted(ev):
        for name in ev.feasible:
            try:
                self_hosted_latency_vs_load(ev, name, np.array([0.5]))
                return True
            except ValueError:
                pass
        return False
    assert any(self_hosted(evaluate(load_scenario(path, catalog), catalog)) for path in SHIPPED_SCENARIOS)

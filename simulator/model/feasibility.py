"""Whether a setup can work, and the risks it works with: pure checks returning problems and warnings.

Retired models, a context window too small and a prompt over the provider's prompt cap make a
setup infeasible; a retirement within the
horizon, a cache that outlives the traffic, assumed figures, and prices and billing rules older than
:data:`~pricing.catalog.STALE_AFTER_MONTHS` at the start date are warnings. Dates are compared with
the scenario's start date, never with today's clock. Warnings name catalog figures in words
(:mod:`simulator.scenario.figure_text`), not by their dotted keys.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pricing.catalog import STALE_AFTER_MONTHS, Figure, LlmModel
from simulator.scenario import FigureKind, figure_kind, figure_words, figures_in_words
from simulator.units import SECONDS_PER_MONTH

from . import latency as lat
from .parts import CostParts, refusal

# Markers of the figure warnings, which pages show apart from the others (with links to the catalog).
ASSUMPTIONS_WARNING = ", not published: "
AGED_WARNING = "months before the start date"
AGED_WORDS = {FigureKind.PRICE: ("price", "prices", "the provider may charge differently by then"),
              FigureKind.BILLING_RULE: ("billing rule", "billing rules", "the provider may bill differently by then")}


def api_availability(llm: LlmModel, start: dt.date, end: dt.date, horizon_months: int) -> CostParts:
    """Retired before ``start``: a problem; retiring before ``end`` (the horizon's end): a warning."""
    until = llm.available_until
    if until is None:
        return CostParts()
    successor = (f"{llm.provider} names {llm.successor} as its successor" if llm.successor
                 else f"{llm.provider} names no successor in the catalog")
    if until <= start:
        return CostParts(problems=[f"{llm.id} is retired on {until}, before the start date {start}; {successor} ({llm.availability_source})"])
    if until < end:
        return CostParts(warnings=[f"{llm.id} retires on {until}, within the {horizon_months}-month horizon: plan a migration; {successor}"])
    return CostParts()


def price_changes(llm: LlmModel, start: dt.date, end: dt.date) -> CostParts:
    """A price the provider has dated inside the horizon: a warning (costs use the start date's)."""
    return CostParts(warnings=[
        f"{llm.id}'s price changes on {change.starts} to ${change.input_usd_per_mtok:g} / ${change.output_usd_per_mtok:g} "
        f"per M input / output tokens ({change.source}), within the horizon: costs use the price in effect on {start}"
        for change in llm.price_changes if start < change.starts < end])


def context_window(model: str, window_tokens: float, inputs: lat.LatencyInputs, *, sampled: bool) -> CostParts:
    """An average query over the window [tokens] is a problem; 1 in 20 over it, a warning."""
    mean = inputs.static_tokens + inputs.dynamic_tokens + inputs.output_tokens
    out = refusal(sampled, mean > window_tokens,
                  lambda: f"an average query needs {mean:,.0f} tokens of context; {model} has {window_tokens:,.0f}")
    if out.problems or sampled:
        return out
    p95 = float(np.percentile(inputs.static_tokens + inputs.dynamic_draws + inputs.output_draws, 95))
    if p95 > window_tokens:
        out.warnings.append(f"1 query in 20 needs more than {p95:,.0f} tokens of context; {model} has {window_tokens:,.0f}")
    return out


def last_turn_window(model: str, window_tokens: float, turns: float, last_turn_tokens: float) -> list[str]:
    """A warning when a conversation's last (longest) turn needs more context than the window
    [tokens]; the averages the other checks use are of the mean turn."""
    if last_turn_tokens <= window_tokens:
        return []
    return [f"the last turn of a {turns:g}-turn conversation needs {last_turn_tokens:,.0f} tokens of context; {model} "
            f"has {window_tokens:,.0f}: carry last_n or a summary keeps long conversations shorter"]


def prompt_cap(model: str, cap_tokens: float, window_tokens: float, inputs: lat.LatencyInputs, *,
               sampled: bool) -> CostParts:
    """An average prompt (input and cached input) [tokens] over the provider's prompt cap is a
    problem; 1 in 20 over it, a warning. The cap is apart from the window: gpt-5 accepts 272,000
    prompt tokens of its 400,000-token window, the rest kept for output, and refuses a longer prompt
    even when prompt and answer together would fit."""
    mean = inputs.static_tokens + inputs.dynamic_tokens
    out = refusal(sampled, mean > cap_tokens, lambda: (
        f"an average query's prompt is {mean:,.0f} tokens; {model} accepts at most {cap_tokens:,.0f} prompt tokens "
        f"(max_prompt_tokens), though its context window is {window_tokens:,.0f}"))
    if out.problems or sampled:
        return out
    p95 = float(np.percentile(inputs.static_tokens + inputs.dynamic_draws, 95))
    if p95 > cap_tokens:
        out.warnings.append(f"1 query in 20 has a prompt of more than {p95:,.0f} tokens; {model} accepts at most "
                            f"{cap_tokens:,.0f} prompt tokens (max_prompt_tokens): those requests are refused")
    return out


def prompt_tiers(model: str, thresholds: list[float], inputs: lat.LatencyInputs) -> list[str]:
    """A warning for each price tier that the average prompt stays below but 1 query in 20 passes:
    costs price every query at the average prompt's tier, so they are low by what those queries
    pay above it. ``thresholds``: the tiers' ``above_prompt_tokens`` [model tokens]."""
    mean = inputs.static_tokens + inputs.dynamic_tokens
    p95 = float(np.percentile(inputs.static_tokens + inputs.dynamic_draws, 95))
    return [f"1 query in 20 has a prompt of more than {p95:,.0f} tokens, above the {t:,.0f} tokens from which {model} "
            f"bills the whole request at higher prices; costs use the average prompt's ({mean:,.0f} tokens) prices"
            for t in thresholds if mean <= t < p95]


def cache_traffic(queries_per_month: float, hit_rate: float, cache_ttl_s: float) -> list[str]:
    """A warning when requests arrive less often, on average, than the cache lives [s]."""
    gap_s = SECONDS_PER_MONTH / queries_per_month
    if gap_s <= cache_ttl_s:
        return []
    return [f"at {queries_per_month:,.0f} queries/month a request arrives every {gap_s:,.0f} s on average, "
            f"longer than the {cache_ttl_s:,.0f} s cache lifetime: a {hit_rate:.0%} cache hit rate is optimistic"]


def aged_figures(used: dict[str, Figure], start: dt.date) -> dict[str, Figure]:
    """The prices and billing rules a setup relied on that were checked more than the staleness
    limit before ``start``. A model's vector size or architecture, a GPU's spec sheet or a latency
    measurement does not go out of date as a price does; overrides and assumptions are the user's."""
    return {k: f for k, f in sorted(used.items())
            if figure_kind(k) in AGED_WORDS and not f.overridden and not f.is_assumption
            and f.age_months(start) > STALE_AFTER_MONTHS}


def assumed_warning(keys: list[str]) -> str:
    what = "figure is an assumption" if len(keys) == 1 else "figures are assumptions"
    return f"{len(keys)} {what}{ASSUMPTIONS_WARNING}{figures_in_words(keys)}"


def aged_warning(kind: FigureKind, figures: dict[str, Figure], start: dt.date, name=figure_words) -> str:
    """One sentence per kind: "2 prices were checked more than 12 months before the start date ...";
    ``name`` words each figure's key (the dashboard's links it to the catalog)."""
    one, many, why = AGED_WORDS[kind]
    listed = "; ".join(f"{name(k)}, checked {f.as_of}" for k, f in figures.items())
    return (f"{len(figures)} {one if len(figures) == 1 else many} {'was' if len(figures) == 1 else 'were'} checked "
            f"more than {STALE_AFTER_MONTHS} {AGED_WARNING} {start} ({why}): {listed}")


def figure_warnings(used: dict[str, Figure], start: dt.date) -> list[str]:
    """The assumed figures a setup relied on, and its prices and billing rules older than the
    staleness limit at ``start``, each kind in its own sentence."""
    assumed = [k for k, f in sorted(used.items()) if f.is_assumption]
    aged = aged_figures(used, start)
    out = [assumed_warning(assumed)] if assumed else []
    for kind in AGED_WORDS:
        of_kind = {k: f for k, f in aged.items() if figure_kind(k) is kind}
        if of_kind:
            out.append(aged_warning(kind, of_kind, start))
    return out

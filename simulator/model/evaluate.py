"""The one entrance: scenario + volumes -> result tables. The CLI and the dashboard both call it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from pricing.catalog import Catalog, default_catalog

from .breakeven import SOLVED_RANGE, BreakEven, break_even, monthly_volumes, payback_months
from .conversation import conversations_per_month
from .parts import PARTS
from .setups import Context, SetupModel, build_setup
from simulator.scenario import SETUPS, Scenario

MAX_CROSSINGS_LISTED = 1000
PAYBACK_MONTHS_LIMIT = 120


@dataclass(frozen=True)
class Evaluation:
    """One scenario evaluated: its setups and break-evens. Immutable: the dashboard shares one cached
    evaluation between its users."""

    scenario: Scenario
    catalog: Catalog
    setups: Mapping[str, SetupModel]
    break_even: tuple[BreakEven, ...]
    volume_range: tuple[float, float]
    base_catalog: Catalog  # before the scenario's overrides and price drift (the Monte Carlo redraws them)

    @property
    def feasible(self) -> list[str]:
        return [name for name, s in self.setups.items() if s.feasible]

    def monthly_cost(self, setup: str, volumes) -> np.ndarray:
        return self.setups[setup].curve.total(volumes)

    @property
    def turns_per_conversation(self) -> float | None:
        """Mean turns (queries) per conversation; None: the workload is single questions."""
        conversation = self.scenario.workload.conversation
        return None if conversation is None else float(conversation.turns)

    def sweep(self, volumes) -> pd.DataFrame:
        """Long table: one row per (volume, feasible setup), with every cost part [USD/month]; a
        conversation workload adds the cost per conversation [USD] (per query x turns)."""
        volumes = np.asarray(volumes, dtype=float)
        turns = self.turns_per_conversation
        per_conversation = [] if turns is None else ["cost_per_conversation_usd"]
        frames = []
        for name in self.feasible:
            parts = self.setups[name].curve.breakdown(volumes)
            total = sum(parts.values())
            extra = {} if turns is None else {"cost_per_conversation_usd": total / volumes * turns}
            frames.append(pd.DataFrame({
                "queries_per_month": volumes, "setup": name, "monthly_cost_usd": total,
                "cost_per_query_usd": total / volumes, **extra, **{p: parts[p] for p in PARTS},
            }))
        if not frames:
            return pd.DataFrame(columns=["queries_per_month", "setup", "monthly_cost_usd", "cost_per_query_usd",
                                         *per_conversation, *PARTS])
        return pd.concat(frames, ignore_index=True)

    def running_costs_by_month(self, setup: str, months: int) -> np.ndarray:
        """Month-by-month cost without the amortised one-time part, with the scenario's growth [USD]."""
        w = self.scenario.workload
        volumes = monthly_volumes(w.queries_per_month, w.monthly_growth, months)
        parts = self.setups[setup].curve.breakdown(volumes)
        return sum(v for k, v in parts.items() if k != "one_time_amortised")

    def cumulative_cost(self, setup: str) -> np.ndarray:
        """Cumulative cost at the end of each month of the horizon, one-time cost paid in month 1 [USD]."""
        running = self.running_costs_by_month(setup, self.scenario.workload.horizon_months)
        return np.cumsum(running) + self.setups[setup].one_time_cost_usd

    def payback_vs_prompt_only(self, setup: str) -> float | None:
        reference = self.setups["prompt_only"]
        if not (reference.feasible and self.setups[setup].feasible):
            return None
        return payback_months(
            self.running_costs_by_month(setup, PAYBACK_MONTHS_LIMIT), self.setups[setup].one_time_cost_usd,
            self.running_costs_by_month("prompt_only", PAYBACK_MONTHS_LIMIT), reference.one_time_cost_usd,
        )

    def cheapest(self, volume: float, among=None) -> str | None:
        """The feasible setup (of ``among``, default all) with the lowest monthly cost at ``volume``."""
        feasible = self._candidates(among)
        if not feasible:
            return None
        return min(feasible, key=lambda n: float(self.monthly_cost(n, volume)))

    def cheapest_ranges(self, lo: float, hi: float, among=None) -> list[tuple[str, float, float]]:
        """Which feasible setup (of ``among``, default all) is cheapest on each stretch of ``[lo, hi]``,
        as (setup, from, to).

        Exact: between two consecutive crossings of any pair the order of the setups cannot change.
        """
        feasible = self._candidates(among)
        if not feasible:
            return []
        points = np.unique([lo, hi, *(q for b in self.break_even for q in b.crossings if lo < q < hi)])
        mids = np.sqrt(points[:-1] * points[1:])
        costs = np.vstack([self.monthly_cost(name, mids) for name in feasible])
        winners = [feasible[i] for i in np.argmin(costs, axis=0)]
        ranges: list[tuple[str, float, float]] = []
        for name, start, end in zip(winners, points[:-1], points[1:]):
            if ranges and ranges[-1][0] == name:
                ranges[-1] = (name, ranges[-1][1], float(end))
            else:
                ranges.append((name, float(start), float(end)))
        return ranges

    def _candidates(self, among) -> list[str]:
        return self.feasible if among is None else [name for name in self.feasible if name in among]

    def to_dict(self, volume: float | None = None) -> dict:
        """The ``evaluate --json`` contract at ``volume`` (default: the scenario's)."""
        q = float(self.scenario.workload.queries_per_month if volume is None else volume)
        setups = {name: self._setup_dict(name, q) for name in SETUPS}
        conversations = {}  # only for a conversation workload: single questions keep the contract as it was
        if self.turns_per_conversation is not None:
            conversations = {"turns_per_conversation": self.turns_per_conversation,
                             "conversations_per_month": conversations_per_month(q, self.turns_per_conversation)}
        return {
            "scenario": self.scenario.name,
            "queries_per_month": q,
            **conversations,
            "catalog_as_of": self.catalog.as_of,
            "start_date": self.scenario.workload.start_date.isoformat(),
            "horizon_months": self.scenario.workload.horizon_months,
            "overridden_figures": sorted(self.scenario.overrides),
            "cheapest_setup": self.cheapest(q),
            "setups": setups,
            "break_even_range": list(self.volume_range),
            "break_even": [self._break_even_dict(b) for b in self.break_even],
        }

    def _setup_dict(self, name: str, q: float) -> dict:
        s = self.setups[name]
        base = {
            "feasible": s.feasible,
            "warnings": [*s.problems, *s.warnings],
            "model": s.model,
            "hosting": s.hosting,
            "encoding": s.encoding,
            "token_composition": dict(s.tokens),
            "input_tokens_per_query": s.input_tokens_per_query if s.tokens else None,
            "output_tokens_per_query": s.output_tokens_per_query if s.tokens else None,
            "figures_used": s.figure_rows,
        }
        turns = self.turns_per_conversation
        if not s.feasible:
            per_conversation = {} if turns is None else {"usd_per_conversation": None}
            return {**base, "monthly_cost_usd": None, "cost_per_query_usd": None, **per_conversation,
                    "one_time_cost_usd": None, "cost_breakdown_usd": None, "latency_ms": None}
        breakdown = {k: float(v) for k, v in s.curve.breakdown(q).items()}
        monthly = float(sum(breakdown.values()))
        per_conversation = {} if turns is None else {"usd_per_conversation": monthly / q * turns}
        return {
            **base,
            "monthly_cost_usd": monthly,
            "cost_per_query_usd": monthly / q,
            **per_conversation,
            "one_time_cost_usd": s.one_time_cost_usd,
            "one_time_breakdown_usd": dict(s.one_time_usd),
            "cost_breakdown_usd": breakdown,
            "latency_ms": {"p50": s.latency.p50, "p95": s.latency.p95},
            "latency_parts_ms": {"p50": s.latency.parts_p50, "p95": s.latency.parts_p95},
            "payback_months_vs_prompt_only": self.payback_vs_prompt_only(name),
            "cumulative_cost_usd": float(self.cumulative_cost(name)[-1]),
            "details": dict(s.details),
        }

    @staticmethod
    def _break_even_dict(b: BreakEven) -> dict:
        return {
            "a": b.a, "b": b.b, "queries_per_month": b.first,
            "crossings": b.crossings[:MAX_CROSSINGS_LISTED],
            "crossings_total": len(b.crossings),
            "crossings_truncated": b.truncated,
            "cheaper_at_low_volume": b.cheaper_at_low_volume,
        }


def evaluate(scenario: Scenario, catalog: Catalog | None = None,
             volume_range: tuple[float, float] = SOLVED_RANGE) -> Evaluation:
    """The four setups of ``scenario`` priced from ``catalog`` (default: the shipped one), and the
    break-evens of every feasible pair solved in ``volume_range`` [queries/month]."""
    catalog = catalog or default_catalog()
    ctx = Context(scenario, catalog)
    setups = {name: build_setup(ctx, name) for name in SETUPS}
    feasible = [n for n in SETUPS if setups[n].feasible]
    pairs = [
        break_even(a, setups[a].curve, b, setups[b].curve, *volume_range)
        for a, b in itertools.combinations(feasible, 2)
    ]
    return Evaluation(scenario, ctx.catalog, MappingProxyType(setups), tuple(pairs), volume_range, catalog)

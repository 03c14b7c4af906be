"""Cost per *correct* answer, from evaluation results (``eval_results.py``). No Streamlit.

Cost per correct answer is cost per query / accuracy. Dividing a whole cost curve by the accuracy
is exact (:meth:`CostCurve.scaled`), so break-even volumes on cost per correct answer are solved
by the same exact solver as plain costs (:func:`quality_break_even`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from types import MappingProxyType
from typing import TYPE_CHECKING

from simulator.model.breakeven import SOLVED_RANGE, BreakEven, break_even

from .eval_results import EvalResults

if TYPE_CHECKING:
    from simulator.model.evaluate import Evaluation


# --- cost per correct answer -----------------------------------------------------------------------

def cost_per_correct_answer(ev: Evaluation, results: EvalResults, volume: float | None = None) -> dict[str, dict]:
    """Per feasible setup with evaluation data: cost per query / accuracy at ``volume`` [USD].

    ``volume`` defaults to the scenario's queries per month. ``low`` and ``high`` come from the
    accuracy interval: cost / upper and cost / lower; ``high`` is None (unbounded) when the lower
    end is 0. With accuracy 0 ``cost_per_correct_answer_usd`` is None and ``reason`` says why.
    Setups that are infeasible or missing from the evaluation are left out.
    """
    q = float(ev.scenario.workload.queries_per_month if volume is None else volume)
    if not (math.isfinite(q) and q > 0):
        raise ValueError(f"volume must be a positive number of queries per month, got {volume}")
    out: dict[str, dict] = {}
    for name in ev.feasible:
        if name not in results.setups:
            continue
        acc = results.setups[name]
        per_query = float(ev.monthly_cost(name, q)) / q
        reason = None
        if acc.accuracy > 0:
            per_correct = per_query / acc.accuracy
        else:
            per_correct = None
            reason = (f"no correct answers in {acc.n:,} evaluated: every query costs money "
                      "and none is answered right")
        out[name] = {
            "accuracy": acc.accuracy,
            "accuracy_low": acc.low,
            "accuracy_high": acc.high,
            "n": acc.n,
            "small_sample": acc.small_sample,
            "cost_per_query_usd": per_query,
            "cost_per_correct_answer_usd": per_correct,
            "low": per_query / acc.high if acc.high > 0 else None,
            "high": per_query / acc.low if acc.low > 0 else None,
            "reason": reason,
        }
    return out


def quality_break_even(ev: Evaluation, results: EvalResults, lo: float = SOLVED_RANGE[0],
                       hi: float = SOLVED_RANGE[1]) -> list[BreakEven]:
    """Break-even volumes on cost per correct answer, for every pair of feasible setups with data.

    Cost per correct answer is ``cost(q) / (q x accuracy)``, so two setups cost the same per correct
    answer exactly where their curves scaled by ``1 / accuracy`` cross. Setups with accuracy 0 have
    no cost per correct answer and are left out, like those without evaluation data.
    """
    names = [n for n in ev.feasible if n in results.setups and results.setups[n].accuracy > 0]
    curves = {n: ev.setups[n].curve.scaled(1 / results.setups[n].accuracy) for n in names}
    return [break_even(a, curves[a], b, curves[b], lo, hi) for a, b in itertools.combinations(names, 2)]


def adjusted_evaluation(ev: Evaluation, results: EvalResults, lo: float = SOLVED_RANGE[0],
                        hi: float = SOLVED_RANGE[1]) -> Evaluation:
    """The evaluation redrawn on cost per correct answer: each evaluated setup's monthly cost divided
    by its accuracy (what a month's answers cost once wrong ones are paid for again); setups without
    evaluation data or with accuracy 0 are marked infeasible here."""
    setups = {}
    for name, setup in ev.setups.items():
        acc = results.setups[name].accuracy if name in results.setups else 0.0
        if setup.feasible and acc > 0:
            setups[name] = dataclasses.replace(setup, curve=setup.curve.scaled(1 / acc))
        else:
            reason = "no evaluation data" if name not in results.setups else "accuracy 0 in the evaluation"
            setups[name] = dataclasses.replace(setup, problems=(*setup.problems, reason))
    return dataclasses.replace(ev, setups=MappingProxyType(setups), break_even=tuple(quality_break_even(ev, results, lo, hi)),
                               volume_range=(lo, hi))

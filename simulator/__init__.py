"""Crossover's model: scenario -> costs, latency, break-evens, uncertainty and a recommendation.

The public API, importable from here (loaded on first use, so ``import simulator.scenario`` stays
light)::

    from simulator import load_scenario, evaluate, simulate
    ev = evaluate(load_scenario("scenarios/support-bot.yaml"))
    ev.to_dict()                      # the ``crossover evaluate --json`` contract
    simulate(ev, draws=2000)          # Monte Carlo bands, break-even spreads, P(cheapest)

Layers (pyproject.toml's import-linter contract): ``cli`` -> ``analysis`` | ``storage`` ->
``model`` -> ``scenario`` -> ``pricing``. Nothing here imports Streamlit, plotly or ``ui``.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Scenario": "simulator.scenario", "ScenarioError": "simulator.scenario",
    "load_scenario": "simulator.scenario", "parse_scenario": "simulator.scenario",
    "Evaluation": "simulator.model.evaluate", "evaluate": "simulator.model.evaluate",
    "Simulation": "simulator.analysis.montecarlo", "simulate": "simulator.analysis.montecarlo",
    "tornado": "simulator.analysis.sensitivity", "what_would_change": "simulator.analysis.sensitivity",
    "recommend": "simulator.analysis.decision",
    "ScenarioStore": "simulator.storage.store",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")

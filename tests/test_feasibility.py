"""Setups that cannot work are infeasible with the reason; risky ones carry warnings.
Dates are compared with the scenario's start date, never with today's clock."""

import datetime as dt

from simulator.model import feasibility
from simulator.model.evaluate import evaluate
from simulator.scenario import Scenario


def setup(make_scenario, catalog, name, **changes):
    return evaluate(make_scenario(**changes), catalog).setups[name]


def test_model_retired_before_start_is_infeasible(make_scenario, catalog):
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gpt-4.1-mini",
                                                         "workload.start_date": "2027-01-14"})
    assert not s.feasible
    assert any("gpt-4.1-mini is retired on 2027-01-14, before the start date 2027-01-14" in p for p in s.problems)


def test_a_retired_gemini_names_its_successor(make_scenario, catalog):
    """Google shut Gemini 2.5 Flash down on 2026-12-01 and names 3.5 Flash-Lite as its successor
    (issue 11: 13 of 24 catalog models were retired or retiring, several without a date)."""
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gemini-2.5-flash",
                                                         "workload.start_date": "2027-01-01"})
    assert not s.feasible
    problem = next(p for p in s.problems if "retired" in p)
    assert problem.startswith("gemini-2.5-flash is retired on 2026-12-01, before the start date 2027-01-01")
    assert "gemini-3.5-flash-lite as the successor" in problem


def test_model_retiring_within_horizon_warns(make_scenario, catalog):
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gpt-4.1-mini",
                                                         "workload.start_date": "2026-12-01"})
    assert s.feasible
    assert any("retires on 2027-01-14, within the 10-month horizon" in w for w in s.warnings)
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gpt-4.1-mini",
                                                         "workload.start_date": "2025-01-01",
                                                         "workload.horizon_months": 12})
    assert s.feasible and not any("retires" in w for w in s.warnings)


def test_fine_tuning_closed_to_new_customers(make_scenario, catalog):
    changes = {"fine_tuned.model.name": "gpt-4o-mini", "workload.start_date": "2026-12-01"}
    s = setup(make_scenario, catalog, "fine_tuned", **changes)
    assert not s.feasible
    assert any("no longer offers fine-tuning of gpt-4o-mini to new customers" in p for p in s.problems)
    # An organisation that still has access can train until OpenAI ends new jobs on 2027-01-06,
    # but cannot retrain after that.
    s = setup(make_scenario, catalog, "fine_tuned", **changes, **{"fine_tuned.existing_customer": True})
    assert s.feasible
    assert any("impossible after 2027-01-06" in w for w in s.warnings)
    s = setup(make_scenario, catalog, "fine_tuned", **{**changes, "workload.start_date": "2027-01-07",
                                                       "fine_tuned.existing_customer": True})
    assert not s.feasible
    assert any("no new fine-tuning jobs after 2027-01-06" in p for p in s.problems)


def test_context_window_exceeded(make_scenario, catalog):
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.system_prompt": {"tokens": 270_000}})
    assert not s.feasible
    assert any("needs 270,300 tokens of context; mistral-small-2603 has 262,144" in p for p in s.problems)
    # With a spread of lengths, a prompt that fits on average but not at p95 is a warning.
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.system_prompt": {"tokens": 261_144},
                                                         "workload.length_cv": 2.0,
                                                         "workload.answer": {"tokens": 800}})
    assert s.feasible and any("1 query in 20 needs more than" in w for w in s.warnings)


def test_self_hosted_model_that_does_not_fit(make_scenario, catalog):
    s = setup(make_scenario, catalog, "fine_tuned", **{"fine_tuned.model": {"name": "llama-3.3-70b", "gpu": "l40s"}})
    assert not s.feasible
    assert any("llama-3.3-70b does not fit 1 x l40s" in p for p in s.problems)
    changes = {"fine_tuned.model": {"name": "llama-3.3-70b", "gpu": "h100-sxm", "gpus_per_replica": 4}}
    s = setup(make_scenario, catalog, "fine_tuned", **changes)
    # Serving fits on 4 GPUs, but LoRA training of 70B (141 GB of frozen weights) does not fit one.
    assert [p for p in s.problems if "does not fit" in p] == []
    assert any("lora fine-tuning needs about" in p and "on 1 x h100-sxm" in p for p in s.problems)
    s = setup(make_scenario, catalog, "fine_tuned", **changes, **{"fine_tuned.training.gpus": 4})
    assert s.feasible


def test_full_fine_tuning_that_does_not_fit_is_infeasible(make_scenario, catalog):
    s = setup(make_scenario, catalog, "fine_tuned", **{
        "fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "h100-sxm"},
        "fine_tuned.training": {"examples": 1000, "tokens_per_example": 500, "method": "full"},
    })
    assert not s.feasible
    # 8.03e9 x 16 B = 128.5 GB of state + 1.6 GB of activations (2,048 tokens x micro-batch 2, recomputed)
    assert any("full fine-tuning needs about 130 GB" in p for p in s.problems)


def test_assumed_and_stale_figures_warn_in_words(make_scenario, catalog):
    s = setup(make_scenario, catalog, "rag")
    assumed = next(w for w in s.warnings if "assumptions, not published" in w)
    assert "pinecone-serverless's query latency at 1M vectors (p50) (vector store)" in assumed
    assert "vector_store.pinecone-serverless" not in assumed
    # gemini-2.5-flash's prices are dated 2026-11-10 (the pinned genai-prices release): 13 months before 2028-01-01.
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gemini-2.5-flash",
                                                         "workload.start_date": "2028-01-01"})
    prices = next(w for w in s.warnings if w.split(" ")[1] == "prices")
    assert "prices were checked more than 12 months before the start date 2028-01-01" in prices
    assert "gemini-2.5-flash's input price (API model), checked 2026-11-10" in prices
    s = setup(make_scenario, catalog, "prompt_only", **{"prompt_only.model.name": "gemini-2.5-flash",
                                                         "workload.start_date": "2026-01-01"})
    assert not any("months before the start date" in w for w in s.warnings)


def test_only_prices_and_billing_rules_go_out_of_date(support_bot, catalog):
    """Issue 13: every figure under ``prices`` aged as a price, so an embedding model's vector size
    (``prices.dimensions``) read as an old price. Its size, a GPU's spec sheet and a context window do
    not change with the price list; a provider's billing rule (the shortest prefix it caches) does, and says so."""
    data = support_bot.model_dump()
    data["workload"]["start_date"] = dt.date(2030, 1, 1)
    s = evaluate(Scenario.model_validate(data), catalog).setups["rag"]
    aged = feasibility.aged_figures(dict(s.figures_used), dt.date(2030, 1, 1))
    assert "embedding.text-embedding-3-small.prices.usd_per_mtok" in aged
    assert "embedding.text-embedding-3-small.prices.dimensions" in s.figures_used
    assert not any(k.endswith((".dimensions", ".context_window_tokens")) or ".spec." in k or ".latency." in k
                   for k in aged)
    text = " ".join(s.warnings)
    assert "vector size" not in text and "embedding.text-embedding-3-small" not in text
    rules = next(w for w in s.warnings if " billing rule" in w.split(" were")[0].split(" was")[0])
    assert "claude-haiku-4-5's minimum cacheable prefix (API model)" in rules
    assert "the provider may bill differently by then" in rules


def test_overridden_figures_are_reported_and_not_stale(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    assert "llm.mistral-small-2603.prices.input_usd_per_mtok" in ev.to_dict()["overridden_figures"]
    figure = ev.setups["prompt_only"].figures_used["llm.mistral-small-2603.prices.input_usd_per_mtok"]
    assert figure.overridden and figure.source == "override"


def test_cache_lifetime_warning_at_low_volume(make_scenario, catalog):
    s = setup(make_scenario, catalog, "prompt_only", **{"workload.queries_per_month": 1000})
    assert any("cache hit rate is optimistic" in w for w in s.warnings)
    s = setup(make_scenario, catalog, "prompt_only")
    assert not any("cache hit rate is optimistic" in w for w in s.warnings)

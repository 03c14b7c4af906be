"""Break-even: exact crossings of piecewise-affine curves, checked by hand and by properties."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.model.breakeven import break_even, crossings, payback_months
from simulator.model.curves import Affine, CostCurve, Floor, Staircase
from simulator.model.evaluate import evaluate
from conftest import SHIPPED_SCENARIOS


def curve(*pieces):
    return CostCurve({"cost": tuple(pieces)})


def test_two_lines_by_hand():
    a = curve(Affine(1000, 0.01))
    b = curve(Affine(5000, 0.002))
    # 1000 + 0.01 q = 5000 + 0.002 q  ->  q = 500,000
    be = break_even("a", a, "b", b)
    assert be.crossings == [pytest.approx(500_000, rel=1e-12)]
    assert be.cheaper_at_low_volume == "a"


def test_parallel_lines_never_cross():
    be = break_even("a", curve(Affine(1, 0.01)), "b", curve(Affine(2, 0.01)))
    assert be.crossings == [] and be.first is None and be.cheaper_at_low_volume == "a"


def test_equal_curves_are_a_tie():
    be = break_even("a", curve(Affine(1, 0.01)), "b", curve(Affine(1, 0.01)))
    assert be.crossings == [] and be.cheaper_at_low_volume is None


def test_a_gpu_step_flips_the_sign_by_itself():
    # GPUs: $1,000 per replica, 1M queries per replica. API: $0.0012 per query.
    gpus = curve(Staircase(1000, 1e6, 1))
    api = curve(Affine(0, 0.0012))
    found, _, _ = crossings(gpus, api, 1, 1e7)
    # API overtakes the first replica at 833,333; at 1M a second replica jumps above the API again
    # (2,000 > 1,200); API crosses it at 1,666,667; and so on until 5M, where the API's 6,000
    # equals the sixth replica exactly.
    assert found[0] == pytest.approx(1000 / 0.0012)
    assert found[1] == pytest.approx(1e6)  # exactly on the step
    assert found[2] == pytest.approx(2000 / 0.0012)


def test_ten_million_steps_are_pruned_by_bounds_not_listed():
    # A replica per 100,000 queries over 1 ... 1e12: 10M steps. An API line that is far
    # cheaper per query crosses the staircase once, where the bounds leave the answer open.
    gpus = curve(Staircase(100, 1e5, 1))       # $0.001 per query on average
    api = curve(Affine(50_000, 0.0001))
    found, first, truncated = crossings(gpus, api, 1, 1e12)
    assert not truncated and first < 0
    # At 55.5M: 555 replicas cost 55,500 < 50,000 + 5,550; just above, 556 cost 55,600 > 55,550:
    # the step at 55.5M flips the sign.
    [q] = found
    assert q == pytest.approx(55.5e6, rel=1e-12)
    assert float(gpus.total(q * (1 - 1e-9)) - api.total(q * (1 - 1e-9))) < 0 < float(
        gpus.total(q * (1 + 1e-9)) - api.total(q * (1 + 1e-9)))


def test_curves_that_stay_within_a_step_are_truncated_not_hung():
    # The API costs exactly the replicas' average per query: they cross at every step, forever.
    gpus = curve(Staircase(100, 1e5, 1))
    api = curve(Affine(50, 0.001))
    found, _, truncated = crossings(gpus, api, 1, 1e12)
    assert truncated and len(found) > 1000


def test_plan_minimum_kink():
    serverless = curve(Floor(50, 0, 0.0001))
    instance = curve(Affine(148, 0))
    # max(50, 1e-4 q) = 148 at q = 1.48M
    assert crossings(serverless, instance)[0] == [pytest.approx(1.48e6)]


def test_payback_by_hand():
    # 10,000 extra up front; saves 1,000 in month 1, growing 10% a month: 1000, 1100, 1210, ...
    months = 24
    saved = 1000 * 1.1 ** np.arange(months)
    reference = np.full(months, 5000.0)
    m = payback_months(reference - saved, 12_000, reference, 2_000)
    # cumulative: 1000, 2100, 3310, 4641, 6105.1, 7715.61, 9487.171, 11435.888 -> inside month 8
    assert m == pytest.approx(7 + (10_000 - 9_487.171) / (11_435.8881 - 9_487.171))
    assert payback_months(reference, 12_000, reference, 2_000) is None
    assert payback_months(reference, 1_000, reference, 2_000) == 0.0


pieces = st.one_of(
    st.builds(Affine, st.floats(0, 1e5), st.floats(0, 1e-2)),
    st.builds(Floor, st.floats(0, 1e4), st.floats(0, 1e3), st.floats(0, 1e-2)),
    st.builds(Staircase, st.floats(1, 1e4), st.floats(1e3, 1e9), st.integers(0, 5)),
)
curves = st.lists(pieces, min_size=1, max_size=3).map(lambda ps: curve(*ps))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(curves, curves)
# Found by Hypothesis: at q = 1,000 both staircases step up, and just after the step the curves are
# equal to float precision (20,000 - 2 - 19,998 = -3.6e-12): they meet there, a crossing at the step.
@example(curve(Staircase(9999.999999999998, 1000.0, 0)), curve(Affine(2.0, 0.0), Staircase(9999.0, 1000.0, 0)))
def test_every_crossing_equalises_or_sits_on_a_step(a, b):
    lo, hi = 1.0, 1e10
    found, _, truncated = crossings(a, b, lo, hi)
    assert found == sorted(found)
    for q in found:
        d = float(a.total(q) - b.total(q))
        scale = max(float(a.total(q)), float(b.total(q)), 1.0)
        left = float(a.total(q * (1 - 1e-9)) - b.total(q * (1 - 1e-9)))
        right = float(a.total(q * (1 + 1e-9)) - b.total(q * (1 + 1e-9)))
        equalises = min(abs(d), abs(left), abs(right)) <= 1e-6 * scale  # at the point or either side of a step
        step_flip = np.sign(left) != np.sign(right)
        assert equalises or step_flip, (q, d, left, right)
    if truncated:
        return
    # No sign change between grid points goes unreported.
    grid = np.geomspace(lo, hi, 2000)
    diff = a.total(grid) - b.total(grid)
    scale = np.maximum(np.maximum(a.total(grid), b.total(grid)), 1.0)
    signs = np.where(np.abs(diff) <= 1e-9 * scale, 0, np.sign(diff))
    nz = np.flatnonzero(signs)
    for i, j in zip(nz[:-1], nz[1:]):
        if signs[i] != signs[j]:
            assert any(grid[i] <= q <= grid[j] for q in found), (grid[i], grid[j], found)


model_names = st.sampled_from(["mistral-small-2603", "claude-haiku-4-5", "gemini-2.5-flash-lite", "accounts/fireworks/models/llama-v3p1-8b-instruct"])  # Groq's Llama retired 2026-08-16
self_hosted = st.fixed_dictionaries({
    "name": st.sampled_from(["llama-3.1-8b", "llama-3.2-3b", "qwen2.5-7b"]),
    "gpu": st.sampled_from(["h100-sxm", "a100-80gb-sxm", "l40s"]),
    "min_replicas": st.integers(0, 3),
    "target_utilisation": st.floats(0.2, 1.0),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    volume=st.floats(1, 1e10), growth=st.floats(-0.1, 0.3), batch=st.floats(0, 1),
    query=st.floats(1, 5000), answer=st.floats(1, 3000), system=st.floats(0, 20000),
    top_k=st.integers(1, 20), chunk=st.integers(64, 2000), hit=st.floats(0, 1),
    corpus=st.floats(0, 1e9), prompt_model=model_names, ft=self_hosted,
    store=st.sampled_from(["pinecone-serverless", "pgvector-r6g-xlarge", "qdrant-cloud"]),
)
def test_generated_scenarios_have_sane_costs(make_scenario, catalog, volume, growth, batch, query, answer,
                                             system, top_k, chunk, hit, corpus, prompt_model, ft, store):
    s = make_scenario(**{
        "workload.queries_per_month": volume, "workload.monthly_growth": growth, "workload.batch_share": batch,
        "workload.query": {"tokens": query}, "workload.answer": {"tokens": answer}, "workload.length_cv": 0.5,
        "prompt_only.model.name": prompt_model, "prompt_only.system_prompt": {"tokens": system},
        "prompt_only.cache_hit_rate": hit, "rag.top_k": top_k, "rag.chunk_tokens": chunk,
        "rag.vector_store": store, "knowledge.corpus": {"tokens": corpus},
        "fine_tuned.model": ft, "fine_tuned.training.gpu": "h100-sxm",
    })
    ev = evaluate(s, catalog)
    volumes = np.geomspace(1, 1e12, 400)
    for name in ev.feasible:
        costs = ev.monthly_cost(name, volumes)
        assert np.all(np.isfinite(costs)) and np.all(costs >= 0), name
        assert np.all(np.diff(costs) >= -1e-9 * costs[1:]), name
        r = ev.to_dict()["setups"][name]
        assert np.isfinite(r["latency_ms"]["p95"]) and r["latency_ms"]["p95"] >= r["latency_ms"]["p50"] >= 0
    for b in ev.break_even:
        for q in b.crossings[:50]:
            a_cost, b_cost = ev.monthly_cost(b.a, q), ev.monthly_cost(b.b, q)
            left = ev.monthly_cost(b.a, q * (1 - 1e-9)) - ev.monthly_cost(b.b, q * (1 - 1e-9))
            right = ev.monthly_cost(b.a, q * (1 + 1e-9)) - ev.monthly_cost(b.b, q * (1 + 1e-9))
            assert abs(a_cost - b_cost) <= 1e-6 * max(a_cost, b_cost) or np.sign(left) != np.sign(right)


def test_shipped_scenarios_break_even_really_equalises(catalog):
    from simulator.scenario import load_scenario
    for path in SHIPPED_SCENARIOS:
        ev = evaluate(load_scenario(path, catalog), catalog)
        for b in ev.break_even:
            for q in b.crossings:
                a_cost, b_cost = float(ev.monthly_cost(b.a, q)), float(ev.monthly_cost(b.b, q))
                near = abs(a_cost - b_cost) <= 1e-6 * max(a_cost, b_cost)
                left = float(ev.monthly_cost(b.a, q * (1 - 1e-9)) - ev.monthly_cost(b.b, q * (1 - 1e-9)))
                right = float(ev.monthly_cost(b.a, q * (1 + 1e-9)) - ev.monthly_cost(b.b, q * (1 + 1e-9)))
                assert near or np.sign(left) != np.sign(right), (path.name, b.a, b.b, q)

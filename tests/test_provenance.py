"""Provenance recorded where a figure is read: every figure a setup's numbers came from is in
``figures_used``, found by watching the reads themselves, not by a list kept beside the code."""

import json

import pytest

from pricing.catalog import Figure
from pricing.listing import split_key
from pricing.provenance import FigureRecorder, gpu_offer
from simulator.model.evaluate import evaluate
from simulator.model.setups import Context, build_setup
from simulator.scenario import SETUPS, load_scenario
from ui import editing
from conftest import SHIPPED_SCENARIOS



def unrecorded_reads(ctx: Context, build) -> set[str]:
    """Keys of ``ctx.catalog``'s figures whose value ``build(ctx)`` read, less those its recorder saw.

    Watches ``Figure.value`` itself, so a read that bypasses the recorder shows up here.
    """
    keys = {id(f): k for k, f in ctx.catalog.figures()}
    read: set[str] = set()
    original = Figure.__getattribute__

    def watching(self, name):
        if name == "value" and id(self) in keys:
            read.add(keys[id(self)])
        return original(self, name)

    Figure.__getattribute__ = watching
    try:
        setup = build(ctx)
    finally:
        Figure.__getattribute__ = original
    return read - set(setup.figures_used) - setup.figures_compared


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("setup", SETUPS)
def test_every_figure_a_setup_reads_is_recorded(path, setup, catalog):
    ctx = Context(load_scenario(path, catalog), catalog)
    assert unrecorded_reads(ctx, lambda c: build_setup(c, setup)) == set()


def test_a_read_that_bypasses_the_recorder_is_caught(catalog):
    ctx = Context(load_scenario(SHIPPED_SCENARIOS[0], catalog), catalog)

    def bypassing(c):
        model = build_setup(c, "prompt_only")
        c.catalog.defaults.serving.max_batch.value  # read without the recorder  # noqa: B018
        return model

    assert "defaults.serving.max_batch" not in build_setup(ctx, "prompt_only").figures_used  # an API model
    assert unrecorded_reads(ctx, bypassing) == {"defaults.serving.max_batch"}


def test_self_hosted_lora_records_its_trainable_share(make_scenario, catalog):
    scenario = make_scenario(**{
        "fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "h100-sxm", "cloud": "aws"},
        "fine_tuned.training.method": "lora",
    })
    used = evaluate(scenario, catalog).setups["fine_tuned"].figures_used
    assert "defaults.training.lora_trainable_share" in used
    assert "defaults.training.lora_speed_vs_full" in used                  # LoRA: full's throughput x the ratio
    assert "defaults.training.full_flops_per_parameter_token" in used
    assert "defaults.training.recompute_activations" in used               # the scenario leaves it to the catalog
    full = make_scenario(**{
        "fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "h100-sxm", "cloud": "aws"},
        "fine_tuned.training.method": "full", "fine_tuned.training.gpus": 2,
    })
    full_used = evaluate(full, catalog).setups["fine_tuned"].figures_used
    assert "defaults.training.lora_trainable_share" not in full_used
    assert "defaults.training.lora_speed_vs_full" not in full_used


def test_a_separate_training_gpu_records_its_spec_and_price(make_scenario, catalog):
    scenario = make_scenario(**{
        "fine_tuned.model": {"name": "llama-3.1-8b", "gpu": "l40s", "cloud": "runpod"},
        "fine_tuned.training.gpu": "a10g", "fine_tuned.training.cloud": "aws", "fine_tuned.training.method": "lora",
    })
    for setup in ("fine_tuned", "hybrid"):
        used = evaluate(scenario, catalog).setups[setup].figures_used
        assert {"gpu.a10g.spec.peak_bf16_tflops", "gpu.a10g.spec.memory_gb",
                "gpu.a10g.prices.aws.usd_per_gpu_hour"} <= set(used)
        assert {"gpu.l40s.spec.memory_gb", "gpu.l40s.prices.runpod.usd_per_gpu_hour"} <= set(used)
        assert "gpu.l40s.prices.aws.usd_per_gpu_hour" not in used  # the named cloud: no comparison


def test_the_cheapest_cloud_is_compared_not_used(catalog):
    read = FigureRecorder(catalog)
    cloud, price = gpu_offer(read, "h100-sxm", None)
    prices = catalog.gpu["h100-sxm"].prices
    assert price == min(p.usd_per_gpu_hour.value for p in prices.values())
    assert set(read.used) == {f"gpu.h100-sxm.prices.{cloud}.usd_per_gpu_hour"}
    assert read.compared.keys() == {f"gpu.h100-sxm.prices.{c}.usd_per_gpu_hour" for c in prices}


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_key_parses_back_to_its_figure(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    for name, setup in ev.setups.items():
        for key, figure in setup.figures_used.items():
            assert ev.catalog.figure(key) == figure, (name, key)


def test_a_model_id_with_dots_round_trips(catalog):
    used = {k for path in SHIPPED_SCENARIOS for s in evaluate(load_scenario(path, catalog), catalog).setups.values()
            for k in s.figures_used}
    assert any("." in split_key(catalog, k)[1] for k in used)  # the shipped examples do use such ids
    key = "open_model.llama-3.1-8b.architecture.layers"
    assert catalog.figure(key) is catalog.open_model["llama-3.1-8b"].architecture.layers
    with pytest.raises(ValueError, match="names no catalog figure; did you mean"):
        catalog.figure("open_model.llama-3.1-8b.architecture.layer")


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_the_editor_shows_every_figure_a_setup_uses(path, catalog):
    scenario = load_scenario(path, catalog)
    ev = evaluate(scenario, catalog)
    data = scenario.model_dump(mode="json")
    for name in SETUPS:
        shown = {row.key for group in editing.relevant_figures(data, catalog, setup=name) for row in group.rows}
        assert set(ev.setups[name].figures_used) <= shown, (name, set(ev.setups[name].figures_used) - shown)


def test_figures_used_rows_in_evaluate_json(make_scenario, catalog):
    scenario = make_scenario()  # HAND pins prices by overrides
    rows = evaluate(scenario, catalog).to_dict()["setups"]["prompt_only"]["figures_used"]
    by_key = {r["key"]: r for r in rows}
    price = by_key["llm.mistral-small-2603.prices.input_usd_per_mtok"]
    assert price == {"key": "llm.mistral-small-2603.prices.input_usd_per_mtok", "value": 1.0, "source": "override",
                     "as_of": price["as_of"], "assumption": False, "layer": "curated"}
    ttft = catalog.llm["mistral-small-2603"].latency.ttft_ms
    assert by_key["llm.mistral-small-2603.latency.ttft_ms"]["source"] == ttft.source
    assert [r["key"] for r in rows] == sorted(by_key)
    json.dumps(rows, allow_nan=False)  # plain JSON: no NaN, no arrays


def test_the_recommendation_lists_the_thresholds_it_read(make_scenario, catalog):
    from simulator.analysis.decision import recommend, with_answers

    scenario = with_answers(make_scenario(), {"needs_private_knowledge": True, "behaviour_gap": True,
                                              "labelled_examples": 50})
    rec = recommend(evaluate(scenario, catalog)).to_dict()
    keys = {row["key"] for row in rec["figures_used"]}
    assert keys == {"defaults.decision.min_labelled_examples", "defaults.decision.at_scale_queries_per_month"}
    assert all(row["assumption"] for row in rec["figures_used"])  # both thresholds are planning assumptions


def test_a_forked_recorder_keeps_what_was_read_and_records_apart(catalog):
    shared = FigureRecorder(catalog)
    shared(catalog.defaults.workload.length_cv)
    one, two = shared.fork(), shared.fork()
    one(catalog.defaults.people.day_rate_usd)
    assert set(one.used) == {"defaults.workload.length_cv", "defaults.people.day_rate_usd"}
    assert set(two.used) == set(shared.used) == {"defaults.workload.length_cv"}
    other = catalog.with_overrides({"defaults.people.day_rate_usd": 1.0})
    with pytest.raises(ValueError, match="not in its catalog"):
        one(other.defaults.people.day_rate_usd)  # a figure of another catalog is refused, not misfiled

"""Each cost part builder on its own, against a hand computation written in the test.

The figures each computation uses are pinned by overrides, so a catalog update moves none of them.
"""

import datetime as dt

import numpy as np
import pytest

from conftest import HAND
from pricing.provenance import FigureRecorder
from simulator.model import feasibility, latency as lat
from simulator.model.parts import (amortised_part, api_token_parts, api_training_parts, gpu_hosting_parts,
                                   people_parts, self_hosted_training_parts)
from simulator.model.retrieval import plan_retrieval
from simulator.model.serving import Architecture, Hardware, ReplicaPerformance
from simulator.scenario import ModelChoice, Training, validate_scenario

MISTRAL = {
    "llm.mistral-small-2603.prices.input_usd_per_mtok": 1.0,
    "llm.mistral-small-2603.prices.cached_input_usd_per_mtok": 0.1,
    "llm.mistral-small-2603.prices.cache_write_usd_per_mtok": 1.25,
    "llm.mistral-small-2603.prices.output_usd_per_mtok": 2.0,
    "llm.mistral-small-2603.prices.min_cacheable_prefix_tokens": 1024,
    "llm.mistral-small-2603.prices.batch_discount": 0.5,
}
TOKENS = {"system_prompt": 2000.0, "few_shot": 0.0, "query": 100.0, "answer": 200.0, "reasoning": 0.0}


def per_query(contribution, part):
    (piece,) = contribution.parts[part]
    return piece.usd_per_query


def test_api_tokens_cache_and_batch_by_hand(catalog):
    read = FigureRecorder(catalog.with_overrides(MISTRAL))
    llm = read.catalog.llm["mistral-small-2603"]
    out = api_token_parts(read, llm, TOKENS, hit_rate=0.8, batch_share=0.0, fine_tuned=False, sampled=False)
    # the 2,000-token prefix reaches the 1,024 minimum: 80% of requests read it at $0.10/M, 20% write
    # it at $1.25/M; the 100-token query pays $1/M; 200 output tokens at $2/M
    assert per_query(out, "input_tokens") == pytest.approx((100 * 1.0 + 2000 * 0.2 * 1.25) / 1e6)  # $0.0006
    assert per_query(out, "cached_input_tokens") == pytest.approx(2000 * 0.8 * 0.1 / 1e6)           # $0.00016
    assert per_query(out, "output_tokens") == pytest.approx(200 * 2.0 / 1e6)                        # $0.0004
    assert out.details["cacheable_prefix_tokens"] == 2000 and out.warnings == []
    batched = api_token_parts(read, llm, TOKENS, hit_rate=0.8, batch_share=0.4, fine_tuned=False, sampled=False)
    # 40% of the traffic at half price: x (1 - 0.4 x 0.5) = x 0.8 on all three
    assert per_query(batched, "output_tokens") == pytest.approx(0.8 * 200 * 2.0 / 1e6)
    assert per_query(batched, "input_tokens") == pytest.approx(0.8 * 600 / 1e6)
    assert set(read.used) == {f"llm.mistral-small-2603.prices.{k.rsplit('.', 1)[1]}" for k in MISTRAL}


def test_api_tokens_below_the_caching_minimum_pay_full_input(catalog):
    read = FigureRecorder(catalog.with_overrides(MISTRAL))
    out = api_token_parts(read, read.catalog.llm["mistral-small-2603"], {**TOKENS, "system_prompt": 500.0},
                          hit_rate=0.5, batch_share=0.0, fine_tuned=False, sampled=False)
    assert per_query(out, "input_tokens") == pytest.approx((500 + 100) * 1.0 / 1e6)
    assert per_query(out, "cached_input_tokens") == 0.0
    assert out.warnings == ["the 500-token static prefix is below mistral-small-2603's 1,024-token caching minimum: no cache discount"]


def test_people_by_hand(catalog):
    read = FigureRecorder(catalog)
    people = validate_scenario(HAND, "hand", catalog).people  # $1,000/day; fine-tuned: 20 build, 2 ops days
    out = people_parts(read, people, "fine_tuned", self_hosted=True)
    (ops,) = out.parts["operations"]
    assert ops.fixed_usd == (2 + 3) * 1000  # + 3 self-hosting ops days a month
    assert out.one_time_usd == {"building": 20 * 1000}
    assert read.used == {}  # every input given: no catalog default read
    assert amortised_part(24_000, 12)["one_time_amortised"][0].fixed_usd == 2_000


def test_people_defaults_come_from_the_catalog_and_are_recorded(catalog):
    pinned = catalog.with_overrides({"defaults.people.day_rate_usd": 800, "defaults.people.build_days_rag": 15,
                                     "defaults.people.ops_days_per_month_rag": 4})
    read = FigureRecorder(pinned)
    empty = validate_scenario({**HAND, "people": {}}, "hand", catalog).people
    out = people_parts(read, empty, "rag", self_hosted=False)
    assert out.parts["operations"][0].fixed_usd == 4 * 800 and out.one_time_usd["building"] == 15 * 800
    assert set(read.used) == {"defaults.people.day_rate_usd", "defaults.people.build_days_rag",
                              "defaults.people.ops_days_per_month_rag"}


def test_api_training_by_hand(catalog):
    key = "llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices."
    read = FigureRecorder(catalog.with_overrides({key + "training_usd_per_mtok": 1.0, key + "hosting_usd_per_hour": 0.5}))
    training = Training(examples=1000, tokens_per_example=500, epochs=2, retrain_every_months=4,
                        labelling_usd_per_example=2)
    out = api_training_parts(read, read.catalog.llm["accounts/fireworks/models/llama-v3p1-8b-instruct"], training, tokenizer_ratio=1.0,
                             existing_customer=False, start_date=dt.date(2027, 2, 1), end_date=dt.date(2027, 12, 1),
                             horizon_months=10, sampled=False)
    # 1,000 examples x 500 tokens x 2 epochs at $1/M = $1; labelling 1,000 x $2; a run every 4 months:
    # over 10 months the first run (month 0, one-time) and retraining at months 4 and 8 = floor(9 / 4)
    assert out.one_time_usd == {"first_training": pytest.approx(1.0), "labelling": 2000}
    assert out.parts["retraining"][0].fixed_usd == pytest.approx(2 * 1.0 / 10)
    assert out.parts["fine_tuned_hosting"][0].fixed_usd == pytest.approx(0.5 * 730)  # $/hour x 730 hours
    assert out.problems == []


def test_self_hosted_lora_training_by_hand(catalog):
    pinned = catalog.with_overrides({
        "gpu.a10g.spec.peak_bf16_tflops": 125, "gpu.a10g.spec.memory_gb": 24, "gpu.a10g.prices.aws.usd_per_gpu_hour": 1.0,
        "open_model.llama-3.1-8b.architecture.parameters_billion": 8.0,
        "open_model.llama-3.1-8b.architecture.bytes_per_parameter": 2.0,
        "defaults.training.model_flops_utilisation": 0.5, "defaults.training.full_flops_per_parameter_token": 6,
        "defaults.training.lora_speed_vs_full": 1.25,
        "defaults.training.overhead_gpu_hours_per_run": 1.0, "defaults.training.adam_bytes_per_parameter": 16,
        "defaults.training.lora_trainable_share": 0.01,
        "open_model.llama-3.1-8b.architecture.layers": 32, "open_model.llama-3.1-8b.architecture.hidden_size": 4096,
        "defaults.training.activation_bytes_per_layer": 34, "defaults.training.attention_score_bytes": 0,
        "defaults.training.recomputed_activation_bytes_per_layer": 2,
        "defaults.training.sequence_length_tokens": 2048, "defaults.training.micro_batch": 2,
        "defaults.training.recompute_activations": 1,
    })
    read = FigureRecorder(pinned)
    model = ModelChoice(name="llama-3.1-8b", gpu="l40s", cloud="runpod")
    training = Training(examples=1000, tokens_per_example=450, epochs=2, method="lora", gpu="a10g", cloud="aws",
                        labelling_usd_per_example=0)
    out = self_hosted_training_parts(read, model, training, tokenizer_ratio=1.0, horizon_months=10, sampled=False)
    # full fine-tuning: 125e12 x 0.5 / (6 x 8e9) = 1,302 tokens/s; LoRA x 1.25 = 1,628 tokens/s;
    # 450,000 tokens x 2 epochs / 1,628 / 3600 = 0.154 h, + 1 h overhead
    hours = 450_000 * 2 / (125e12 * 0.5 / (6 * 8e9) * 1.25) / 3600 + 1.0
    assert out.details["training_gpu_hours"] == pytest.approx(hours)
    assert out.one_time_usd["first_training"] == pytest.approx(hours * 1.0)
    # memory: 16 GB of bf16 weights + 8e7 trainable x 16 B = 1.28 GB, + activations with recomputation at
    # s = 2048, b = 2 (Korthikanti et al. 2022): (2 x 32 + 34) x 2048 x 2 x 4096 = 1.64 GB -> 18.9 GB <= 24 GB
    assert out.problems == []
    assert "defaults.training.lora_trainable_share" in read.used and "gpu.a10g.spec.memory_gb" in read.used
    assert out.details["training_activation_gb"] == pytest.approx((2 * 32 + 34) * 2048 * 2 * 4096 / 1e9)
    tight = FigureRecorder(pinned.with_overrides({"gpu.a10g.spec.memory_gb": 18}))
    refused = self_hosted_training_parts(tight, model, training, tokenizer_ratio=1.0, horizon_months=10, sampled=False)
    assert refused.problems == ["lora fine-tuning needs about 19 GB of GPU memory (1.6 GB of it activations at "
                                "2,048 tokens x micro-batch 2, recomputation on); there are 18 GB on 1 x a10g"]


def test_gpu_hosting_is_a_staircase_by_hand(catalog):
    read = FigureRecorder(catalog.with_overrides({"gpu.l40s.prices.runpod.usd_per_gpu_hour": 1.0}))
    arch = Architecture(parameters=8e9, layers=32, hidden_size=4096, kv_heads=8, head_dim=128, bytes_per_parameter=2,
                        context_window_tokens=128_000)
    hw = Hardware(peak_flops_per_s=362e12, memory_bandwidth_bytes_per_s=0.864e12, memory_bytes=48e9)
    timing = lat.GpuTiming(arch=arch, hw=hw, gpus=2, flops_efficiency=0.5, bandwidth_efficiency=0.8,
                           memory_utilisation=0.9, max_batch=32, utilisation=0.5)
    performance = ReplicaPerformance(batch=np.array(16.0), step_ms=np.array(20.0), step_compute_ms=np.array(20.0),
                                     step_memory_ms=np.array(10.0), prefill_tokens_per_step=np.array(80.0),
                                     queries_per_s=np.array(4.0), fits=np.array(True))
    choice = ModelChoice(name="llama-3.1-8b", gpu="l40s", cloud="runpod", gpus_per_replica=2, min_replicas=1)
    out = gpu_hosting_parts(read, choice, timing, lat.GpuOperatingPoint(performance, np.array(16.0), np.array(0.5)), 1000.0,
                            peak_to_average=2.0, sampled=False)
    (stairs,) = out.parts["gpu_hosting"]
    # a replica: 2 GPUs x $1/h x 730 h = $1,460/month; serves 4 q/s x 50% target x 2.628M s / peak 2
    assert stairs.unit_cost_usd == pytest.approx(1460)
    assert stairs.queries_per_unit == pytest.approx(4 * 0.5 * 730 * 3600 / 2)  # 2,628,000 queries/month
    assert float(stairs(5_000_000)) == pytest.approx(2 * 1460)  # 5M queries need 2 replicas
    assert out.details["hosting"] == "self-hosted on 2 x l40s (runpod)"
    unfit = ReplicaPerformance(batch=np.array(0.0), step_ms=np.array(0.0), step_compute_ms=np.array(0.0),
                               step_memory_ms=np.array(0.0), prefill_tokens_per_step=np.array(0.0),
                               queries_per_s=np.array(0.0), fits=np.array(False))
    refused = gpu_hosting_parts(read, choice, timing, lat.GpuOperatingPoint(unfit, np.array(0.0), np.array(0.5)), 1000.0,
                                peak_to_average=2.0, sampled=False)
    assert "gpu_hosting" not in refused.parts and refused.problems[0].startswith("llama-3.1-8b does not fit 2 x l40s")


def test_retrieval_serverless_store_by_hand(catalog):
    """The HAND scenario's retrieval (its numbers are the ones tests/test_costs.py checks end to end)."""
    overrides = {k: v for k, v in HAND["overrides"].items() if k.startswith(("embedding.", "vector_store.", "defaults."))}
    read = FigureRecorder(catalog.with_overrides(overrides))
    assert read.catalog.tokenizer[read.catalog.embedding["text-embedding-3-small"].tokenizer].ratio is None  # exact counts
    plan = plan_retrieval(read, embedding_model="text-embedding-3-small", vector_store="pinecone-serverless",
                          reranker=None, candidates=4, chunk_tokens=500, top_k=4, corpus_tokens_o200k=10_000_000,
                          query_tokens_o200k=100, monthly_change_share=0.1, peak_to_average=2.0)
    # 10M tokens / 500 = 20,000 records of 4 x 1,000 dims + 500 x 4 text bytes + 100 metadata = 6,100 B
    # -> 0.122 GB (a Pinecone record has no pgvector header)
    assert plan.vectors == 20_000 and plan.index_gb == pytest.approx(20_000 * 6100 / 1e9)
    (store,) = plan.parts["vector_store"]
    # reads: max(0.25, 0.122 GB x 1 unit/GB) = 0.25 units x $10/M; storage 0.122 GB x $1; writes: the
    # changed 10% (2,000 records) overwrite, paying old + new 12,200 B each, in requests of
    # min(1,000, floor(2,000,000 / 6,100) = 327) records: 6 x ceil(327 x 12,200 / 1,000) = 6 x 3,990
    # + ceil(38 x 12,200 / 1,000) = 464 -> 24,404 units x $2/M; minimum $50 a month
    assert store.usd_per_query == pytest.approx(0.25 * 10 / 1e6)
    assert store.fixed_usd == pytest.approx(0.122 + 24_404 * 2 / 1e6)
    assert store.minimum_usd == 50
    (embeddings,) = plan.parts["query_embeddings"]
    assert embeddings.usd_per_query == pytest.approx(100 * 0.1 / 1e6)
    # first embedding of the corpus at the batch price $0.05/M, plus writing every record once (new
    # records: 6,100 B each): 61 requests x ceil(327 x 6.1) = 1,995 + ceil(53 x 6.1) = 324 -> 122,019 units
    assert plan.first_embedding_usd == pytest.approx(10_000_000 * 0.05 / 1e6 + 122_019 * 2 / 1e6)
    assert plan.retrieved_tokens_o200k == 4 * 500


def test_feasibility_checks_by_hand(catalog):
    llm = catalog.llm["mistral-small-2603"].model_copy(update={"available_until": dt.date(2027, 6, 1),
                                                             "availability_source": "a notice"})
    assert feasibility.api_availability(llm, dt.date(2027, 7, 1), dt.date(2028, 7, 1), 12).problems == [
        "mistral-small-2603 is retired on 2027-06-01, before the start date 2027-07-01; "
        "mistral names no successor in the catalog (a notice)"]
    assert feasibility.api_availability(llm, dt.date(2027, 1, 1), dt.date(2028, 1, 1), 12).warnings == [
        "mistral-small-2603 retires on 2027-06-01, within the 12-month horizon: plan a migration; "
        "mistral names no successor in the catalog"]
    # 1,000 queries a month: one every 2,628 s, longer than a 300 s cache
    assert feasibility.cache_traffic(1000, 0.5, 300) == [
        "at 1,000 queries/month a request arrives every 2,628 s on average, longer than the 300 s cache "
        "lifetime: a 50% cache hit rate is optimistic"]
    assert feasibility.cache_traffic(1_000_000, 0.5, 300) == []  # every 2.6 s

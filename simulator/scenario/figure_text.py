"""A catalog figure's dotted key in words, and what kind of figure it is.

``llm.claude-haiku-4-5.prices.input_usd_per_mtok`` is how a scenario's override names a figure; a
warning says "claude-haiku-4-5's input price (API model)" instead. The kind decides whether a figure
ages: a price does, and so does a provider's billing rule (a cache lifetime, a request limit), which
changes with the price list; a model's vector size, an architecture or a GPU's spec sheet does not,
though some sit under ``prices`` in the catalog.

Pure functions of the key, without the catalog: entry ids may hold dots (``llama-3.1-8b``), so the
entry is everything between the kind and the first section name (``prices``, ``latency``...).
"""

from __future__ import annotations

import re
from enum import Enum

from .schema import SETUP_LABELS


class FigureKind(str, Enum):
    PRICE = "price"  # USD, or a discount on USD: ages
    BILLING_RULE = "billing rule"  # how a provider bills (cache lifetime, request limits): ages
    FACT = "fact"  # a property of the model, GPU or store, a measurement or a planning default: does not


KIND_WORDS = {"llm": "API model", "embedding": "embedding model", "reranker": "reranker", "vector_store": "vector store",
              "gpu": "GPU", "open_model": "open model", "tokenizer": "tokenizer"}
SECTIONS = ("prices", "fine_tuning", "facts", "latency", "architecture", "spec", "ratio")

FIELD_WORDS = {
    # API models
    "input_usd_per_mtok": "input price", "cached_input_usd_per_mtok": "cached input price",
    "cache_write_usd_per_mtok": "cache write price", "output_usd_per_mtok": "output price",
    "training_usd_per_mtok": "training price", "batch_discount": "batch discount",
    "batch_discount_on_cache": "batch discount on cached tokens", "cache_increment_tokens": "caching step",
    "cache_ttl_s": "cache lifetime", "min_cacheable_prefix_tokens": "minimum cacheable prefix",
"context_window_tokens": "context window",
    "above_prompt_tokens": "prompt length where a price tier starts", "max_prompt_tokens": "prompt cap",
    "output_tokens_per_s": "output speed", "prefill_tokens_per_s": "prefill speed",
    "ttft_ms": "time to first token", "ttft_prompt_tokens": "prompt length its time to first token was measured at",
    # embedding models and rerankers
    "dimensions": "vector size", "usd_per_mtok": "price per million tokens", "batch_usd_per_mtok": "batch price",
    "query_ms_p50": "query latency (p50)", "query_ms_p95": "query latency (p95)", "ms_p50_base": "base latency (p50)",
    "ms_per_document": "latency per document", "p95_over_p50": "p95-to-p50 latency ratio",
    "max_documents_per_search": "document limit per search", "max_tokens_per_document": "token limit per document",
    "usd_per_1k_searches": "price per 1,000 searches",
    # GPUs and open models
    "usd_per_gpu_hour": "hourly price", "memory_bandwidth_tb_per_s": "memory bandwidth", "memory_gb": "memory",
    "peak_bf16_tflops": "peak BF16 compute", "attention_heads": "attention heads",
    "bytes_per_parameter": "bytes per parameter", "head_dim": "head size", "hidden_size": "hidden size",
    "kv_heads": "key-value heads", "layers": "layer count", "parameters_billion": "parameter count",
    # tokenizers
    "ratio": "tokens per o200k_base token",
    # vector stores
    "growth_per_10x_vectors": "latency growth per 10x vectors", "query_ms_p50_at_1m": "query latency at 1M vectors (p50)",
    "query_ms_p95_at_1m": "query latency at 1M vectors (p95)", "capacity_gb_per_instance": "storage per instance",
    "instance_usd_per_month": "monthly price per instance", "metadata_bytes_per_record": "metadata size per record",
    "min_read_units_per_query": "minimum read units per query",
    "min_write_units_per_request": "minimum write units per request", "minimum_usd_per_month": "monthly minimum",
    "queries_per_s_per_instance": "queries per second per instance",
    "read_units_per_query_per_gb": "read units per query and GB", "read_usd_per_million_units": "read price",
    "storage_usd_per_gb_month": "storage price", "upsert_batch_records": "records per upsert",
    "upsert_max_request_bytes": "upsert size limit", "write_units_per_kb": "write units per KB",
    "write_usd_per_million_units": "write price",
    # catalog defaults
    "activation_bytes_per_layer": "activation memory per layer", "adam_bytes_per_parameter": "optimiser memory per parameter",
    "api_ttft_p95_over_p50": "API time-to-first-token p95-to-p50 ratio",
    "at_scale_queries_per_month": "volume that counts as at scale", "attention_score_bytes": "attention score memory",
    "bandwidth_efficiency": "memory bandwidth efficiency", "cached_prefill_time_share": "prefill time of a cached token",
    "day_rate_usd": "day rate", "flops_efficiency": "compute efficiency",
    "full_flops_per_parameter_token": "training FLOPs per parameter and token",
    "gpu_memory_utilisation": "usable share of GPU memory", "length_cv": "spread of query and answer lengths",
    "lora_speed_vs_full": "LoRA speed against full fine-tuning", "lora_trainable_share": "LoRA trainable share",
    "max_batch": "largest batch", "micro_batch": "training micro-batch", "min_labelled_examples": "minimum labelled examples",
    "model_flops_utilisation": "training FLOPs utilisation", "overhead_gpu_hours_per_run": "overhead GPU hours per training run",
    "recompute_activations": "activation recomputation",
    "recomputed_activation_bytes_per_layer": "activation memory per layer when recomputed",
    "self_hosting_ops_days_per_month": "operations days per month of self-hosting",
    "sequence_length_tokens": "training sequence length", "stored_bytes_per_token": "stored bytes per token",
    "target_utilisation": "target utilisation",
}
# Defaults with one figure per setup or per knowledge change rate: build_days_rag, retrain_months_weekly...
PER_SETUP = {"build_days": "build days", "ops_days_per_month": "operations days per month"}
PER_CHANGE = {"change_share": "share of the corpus that changes", "retrain_months": "months between retrainings"}
CHANGE_WORDS = {"daily": "daily", "weekly": "weekly", "monthly": "monthly", "quarterly": "quarterly", "rarely": "rarely"}
# Non-USD figures under ``prices`` that describe the model or the product, not how it is billed.
FACTS_UNDER_PRICES = {"dimensions", "capacity_gb_per_instance", "queries_per_s_per_instance", "metadata_bytes_per_record"}
_TIER = re.compile(r"^prompt_tiers\.(\d+)\.(.+)$")


def split(key: str) -> tuple[str, str, str]:
    """(kind, entry id, path inside the entry); for ``defaults`` the entry is its group (people, serving...)."""
    kind, _, rest = key.partition(".")
    parts = rest.split(".")
    if kind == "defaults" or len(parts) < 2:
        return kind, parts[0], ".".join(parts[1:])
    for i in range(1, len(parts)):
        if parts[i] in SECTIONS:
            return kind, ".".join(parts[:i]), ".".join(parts[i:])
    return kind, ".".join(parts[:-1]), parts[-1]


def figure_kind(key: str) -> FigureKind:
    """Price, billing rule or fact (see the module's docstring)."""
    _, _, path = split(key)
    leaf = path.rsplit(".", 1)[-1]
    if "usd" in leaf.split("_") or leaf == "batch_discount":
        return FigureKind.PRICE
    if path.startswith(("prices.", "fine_tuning.prices.")) and leaf not in FACTS_UNDER_PRICES:
        return FigureKind.BILLING_RULE
    return FigureKind.FACT


def _field_words(name: str) -> str:
    if name in FIELD_WORDS:
        return FIELD_WORDS[name]
    for prefix, words in PER_SETUP.items():
        setup = name.removeprefix(prefix + "_")
        if setup != name and setup in SETUP_LABELS:
            label = SETUP_LABELS[setup]
            return f"{words} for {label if label.isupper() else label.lower()}"
    for prefix, words in PER_CHANGE.items():
        change = name.removeprefix(prefix + "_")
        if change != name and change in CHANGE_WORDS:
            return f"{words} when knowledge changes {CHANGE_WORDS[change]}"
    return name.replace("_", " ")  # a figure added to the catalog without words here: still no dotted key


def figure_words(key: str) -> str:
    """The figure in words, with what it belongs to: "text-embedding-3-small's vector size (embedding
    model)", "h100-sxm's hourly price on runpod (GPU)", "the default day rate (people)"."""
    kind, entry, path = split(key)
    if kind == "defaults":
        return f"the default {_field_words(path)} ({entry.replace('_', ' ')})"
    tuned = path.startswith("fine_tuning.")
    path = path.removeprefix("fine_tuning.")
    section, _, field = path.partition(".")
    field = field or section
    words = _field_words(field.rsplit(".", 1)[-1])
    tier = _TIER.match(field)
    if tier:
        number, name = int(tier.group(1)) + 1, tier.group(2)
        words = (f"prompt length where prompt-length tier {number} starts" if name == "above_prompt_tokens"
                 else f"{_field_words(name)} in prompt-length tier {number}")
    elif kind == "gpu" and section == "prices" and "." in field:
        words = f"{words} on {field.split('.', 1)[0]}"
    if tuned:
        words = f"fine-tuned {words}" if figure_kind(key) is FigureKind.PRICE else f"{words} when fine-tuned"
    return f"{entry}'s {words} ({KIND_WORDS.get(kind, kind.replace('_', ' '))})"


def figures_in_words(keys) -> str:
    """Keys as a list in words, one after another with semicolons (a name may hold a comma: 1,000)."""
    return "; ".join(figure_words(k) for k in keys)

"""Catalog figures named in words (issue 13): warnings said `embedding.text-embedding-3-small.prices.dimensions`
where a reader needs "text-embedding-3-small's vector size (embedding model)", and called that size an old price."""

import re

import pytest

from conftest import SHIPPED_SCENARIOS
from pricing.listing import split_key
from simulator import evaluate, load_scenario
from simulator.scenario import FigureKind, figure_kind, figure_words
from simulator.scenario import figure_text

# A dotted key's mark: a letter or underscore on both sides of a dot (entry ids keep theirs: llama-3.1-8b).
DOTTED = re.compile(r"[A-Za-z_]\.[A-Za-z_]")


def assert_in_words(key: str, text: str) -> None:
    entry = figure_text.split(key)[1]
    assert key not in text
    assert not DOTTED.search(text.replace(entry, "")), f"{key} -> {text!r} still reads like a dotted key"


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS, ids=lambda p: p.stem)
def test_every_figure_an_example_uses_reads_as_words(path, catalog):
    ev = evaluate(load_scenario(path, catalog), catalog)
    keys = {k for s in ev.setups.values() for k in s.figures_used}
    assert keys
    for key in keys:
        text = figure_words(key)
        assert_in_words(key, text)
        assert figure_text.split(key)[1] in text  # names what the figure belongs to
    for setup in ev.setups.values():
        for warning in setup.warnings:
            assert not any(k in warning for k in keys), warning


def test_every_curated_figure_has_its_own_words(catalog):
    """A figure added to the catalog needs words in FIELD_WORDS (else it falls back to its field name)."""
    for key, _ in catalog.figures():
        assert figure_text.split(key) == split_key(catalog, key)  # the catalog-free split agrees
        *_, path = figure_text.split(key)
        leaf = path.rsplit(".", 1)[-1]
        per_setup_or_change = any(leaf.startswith(p + "_") for p in (*figure_text.PER_SETUP, *figure_text.PER_CHANGE))
        assert leaf in figure_text.FIELD_WORDS or per_setup_or_change, key


@pytest.mark.parametrize("key, words, kind", [
    ("embedding.text-embedding-3-small.prices.dimensions", "text-embedding-3-small's vector size (embedding model)",
     FigureKind.FACT),
    ("llm.claude-haiku-4-5.prices.input_usd_per_mtok", "claude-haiku-4-5's input price (API model)", FigureKind.PRICE),
    ("llm.claude-haiku-4-5.prices.cache_ttl_s", "claude-haiku-4-5's cache lifetime (API model)", FigureKind.BILLING_RULE),
    ("llm.claude-haiku-4-5.facts.context_window_tokens", "claude-haiku-4-5's context window (API model)", FigureKind.FACT),
    ("llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.training_usd_per_mtok",
     "accounts/fireworks/models/llama-v3p1-8b-instruct's fine-tuned training price (API model)", FigureKind.PRICE),
    ("llm.gpt-5.6-terra.prices.prompt_tiers.0.input_usd_per_mtok",
     "gpt-5.6-terra's input price in prompt-length tier 1 (API model)", FigureKind.PRICE),
    ("gpu.h100-sxm.prices.runpod.usd_per_gpu_hour", "h100-sxm's hourly price on runpod (GPU)", FigureKind.PRICE),
    ("gpu.h100-sxm.spec.memory_gb", "h100-sxm's memory (GPU)", FigureKind.FACT),
    ("open_model.llama-3.1-8b.architecture.layers", "llama-3.1-8b's layer count (open model)", FigureKind.FACT),
    ("vector_store.pgvector-r6g-xlarge.prices.capacity_gb_per_instance",
     "pgvector-r6g-xlarge's storage per instance (vector store)", FigureKind.FACT),
    ("defaults.people.build_days_rag", "the default build days for RAG (people)", FigureKind.FACT),
    ("defaults.people.day_rate_usd", "the default day rate (people)", FigureKind.PRICE),
])
def test_words_and_kind_of_a_figure(key, words, kind):
    assert figure_words(key) == words
    assert figure_kind(key) is kind

"""The bulk price layer (issue 11.1): genai-prices' chat and embedding models as sourced records,
offline, from a snapshot that equals a fresh derivation."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, cli
from pricing import bulk, listing

SETTINGS = bulk.settings()
VERSION = SETTINGS["version"]


@pytest.fixture(scope="module")
def models():
    return {(m["provider"], m["id"]): m for m in bulk.bulk_models()}


def test_every_provider_of_the_package_is_taken_or_left_out_with_a_reason():
    """A new genai-prices version that brings a provider fails here until someone decides on it."""
    from genai_prices.data import providers

    ids = {p.id for p in providers}
    assert ids - set(bulk.PROVIDERS) - set(bulk.LEFT_OUT) == set()
    assert set(bulk.PROVIDERS) & set(bulk.LEFT_OUT) == set()
    assert set(bulk.PROVIDERS) <= ids  # no provider listed that the data does not have


def test_the_snapshot_equals_a_fresh_derivation(models):
    assert bulk.snapshot_path(SETTINGS).is_file()
    assert bulk.derive(SETTINGS) == list(bulk.bulk_models())


def test_loads_with_every_socket_refused_and_finds_over_a_thousand_models(tmp_path):
    """The live update must never run: derive from the package's data with the network cut off."""
    code = f"""
import socket
def refused(*args, **kwargs):
    raise OSError("network refused by the test")
socket.socket.connect = refused
socket.create_connection = refused
socket.getaddrinfo = refused
from pricing import bulk
models = bulk.bulk_models()
print(len(models), len({{m["provider"] for m in models}}))
"""
    env = {**os.environ, "CROSSOVER_CACHE_DIR": str(tmp_path)}  # an empty cache: it must derive
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    count, providers = map(int, run.stdout.split())
    assert count > 1000 and providers == len(bulk.PROVIDERS)
    assert count == len(bulk.bulk_models())
    assert list(tmp_path.glob(f"bulk-genai-prices-{VERSION}-*.json"))  # and it kept the snapshot


def test_hand_checked_records(models):
    # Anthropic's pricing page, read 2026-12-01 (issue 11): Sonnet 5 is $2 / $10 per MTok, cache
    # read $0.20, write $2.50, 1M-token context; batches cost 50%, cache prices included.
    sonnet = models[("anthropic", "claude-sonnet-5")]
    assert sonnet["kind"] == "chat" and sonnet["context_window_tokens"] == 1_000_000
    assert sonnet["prices"] == {"input_usd_per_mtok": 2.0, "output_usd_per_mtok": 10.0,
                                "cached_input_usd_per_mtok": 0.2, "cache_write_usd_per_mtok": 2.5}
    assert sonnet["batch_prices"] == {k: v / 2 for k, v in sonnet["prices"].items()}
    assert sonnet["source"] == f"genai-prices=={VERSION} data.py: anthropic/claude-sonnet-5"
    assert sonnet["pricing_url"] == "https://www.anthropic.com/pricing#api"
    # OpenAI's pricing page: text-embedding-3-small $0.02 per MTok.
    small = models[("openai", "text-embedding-3-small")]
    assert small["kind"] == "embedding" and small["prices"] == {"input_usd_per_mtok": 0.02}
    # gpt-5's dated snapshot is an alias of it (the id the SDK also accepts).
    assert "gpt-5-2025-08-07" in models[("openai", "gpt-5")]["aliases"]


def test_a_scheduled_price_change_is_history_not_todays_price(models):
    """genai-prices dates Gemini 3.6 Flash's doubling to 2027-01-01, after the layer's as_of."""
    flash = models[("google", "gemini-3.6-flash")]
    assert flash["prices"]["input_usd_per_mtok"] == 0.75
    scheduled = [h for h in flash["history"] if h["scheduled"]]
    assert [(h["from"], h["input_usd_per_mtok"]) for h in scheduled] == [("2027-01-01", 1.5)]


@pytest.mark.parametrize(("model_id", "prices", "kind"), [
    ("gpt-4.1", {"input_usd_per_mtok": 2, "output_usd_per_mtok": 8}, "chat"),
    ("gpt-4o-audio-preview", {"input_usd_per_mtok": 2.5, "output_usd_per_mtok": 10}, None),  # not text
    ("gpt-image-1", {"input_usd_per_mtok": 5, "output_usd_per_mtok": 40}, None),
    ("@cf/baai/bge-m3", {"input_usd_per_mtok": 0.012}, "embedding"),
    ("voyage-3.5", {"input_usd_per_mtok": 0.06}, "embedding"),
    ("rerank-2", {"input_usd_per_mtok": 0.05}, None),  # rerankers stay curated
    ("davinci", {"input_usd_per_mtok": 2}, None),  # input-only, no embedding family: left out
    ("web-search", {}, None),
])
def test_the_kind_rule(model_id, prices, kind):
    assert bulk._kind(model_id, prices) == kind


def test_no_audio_image_or_coding_tool_model_is_taken(models):
    assert not any(bulk.NOT_TEXT.search(model_id) for _, model_id in models)
    assert not {provider for provider, _ in models} & set(bulk.LEFT_OUT)


@pytest.fixture
def uncached():
    """bulk_models() reads its snapshot (or refuses) again, and the next test gets a clean cache."""
    bulk.bulk_models.cache_clear()
    yield
    bulk.bulk_models.cache_clear()


def test_a_snapshot_that_cannot_be_read_is_derived_again(tmp_path, monkeypatch, uncached):
    monkeypatch.setattr(bulk, "CACHE_DIR", tmp_path)
    bulk.snapshot_path(SETTINGS).write_text("{not json")
    assert len(bulk.bulk_models()) > 1000
    assert json.loads(bulk.snapshot_path(SETTINGS).read_text())["models"]  # rewritten whole


def test_a_missing_package_is_refused_by_name(monkeypatch, uncached):
    from importlib.metadata import PackageNotFoundError

    def missing(name):
        raise PackageNotFoundError(name)
    monkeypatch.setattr(bulk, "installed_version", missing)
    with pytest.raises(bulk.BulkError, match=f"genai-prices is not installed; the catalog is pinned to {VERSION}"):
        bulk.bulk_models()


def test_another_installed_version_is_refused_by_name(monkeypatch, uncached):
    monkeypatch.setattr(bulk, "installed_version", lambda name: "0.1.0")
    with pytest.raises(bulk.BulkError, match=f"genai-prices 0.1.0 is installed; the catalog is pinned to {VERSION}"):
        bulk.bulk_models()


def test_catalog_lists_both_layers_and_shows_a_missing_context_window():
    rows = json.loads(cli("catalog", "--kind", "llm", "--on", "2026-12-01", "--json").stdout)
    layers = {r["layer"] for r in rows}
    assert layers == {"curated", "bulk"}
    sonnet = {r["key"]: r for r in rows if r["key"].startswith("llm.anthropic/claude-sonnet-5.")}
    assert sonnet["llm.anthropic/claude-sonnet-5.prices.input_usd_per_mtok"]["value"] == 2.0
    assert sonnet["llm.anthropic/claude-sonnet-5.prices.input_usd_per_mtok"]["as_of"] == SETTINGS["as_of"]
    gaps = [r for r in rows if r["layer"] == "bulk" and r["value"] is None]
    assert gaps and all(r["note"] == listing.NO_CONTEXT_WINDOW for r in gaps)
    assert all(r["key"].endswith("facts.context_window_tokens") for r in gaps)
    text = cli("catalog", "--kind", "embedding", "--layer", "bulk").stdout
    assert "embedding.openai/text-embedding-3-small.prices.input_usd_per_mtok" in text
    assert f"bulk figures of genai-prices as of {SETTINGS['as_of']}" in text

"""The Tokens and Catalog pages, driven headlessly with AppTest, and the pure helpers they draw from."""

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest


from pricing import bulk, listing
from pricing.catalog import default_catalog
from simulator.analysis.context_fit import TOKEN_PARTS, context_fits
from simulator.model.evaluate import evaluate
from simulator.model.tokens import count_tokens
from simulator.scenario import load_scenario, validate_scenario
from simulator.storage import sharing
from conftest import ROOT, open_app, rendered

TOKENS, CATALOG = "app_pages/tokens.py", "app_pages/catalog.py"






def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


TABLE_COLUMN = {"tokens_counts": "o200k_base tokens", "tokens_fits": "fits", "catalog_table": "entry id"}


def table(at, name: str):
    """A shown table, found by a column only it has (display-only dataframes carry no key)."""
    return next(d.value for d in at.dataframe if TABLE_COLUMN[name] in d.value.columns)


def chart(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def edited_scenario_link(**prompt_only_system_prompt) -> str:
    catalog = default_catalog()
    data = load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog).model_dump(mode="json")
    data["prompt_only"]["system_prompt"] = prompt_only_system_prompt
    return sharing.encode(validate_scenario(data, "test", catalog))


# --- Tokens page ----------------------------------------------------------------------------------


def test_pasted_text_is_counted_in_both_encodings():
    at = open_app(TOKENS)
    assert at.title[0].value == "Tokens"
    assert "Paste text or upload files" in at.info[0].value and not at.metric

    at.text_area(key="tokens_text").input("tiktoken is great!").run()
    assert not at.exception
    assert metrics(at) == {"Total, o200k_base": "6 tokens", "Total, cl100k_base": "6 tokens",
                           "Total, characters": "18 characters"}
    row = table(at, "tokens_counts").iloc[0]
    assert (row["input"], row["o200k_base tokens"], row["cl100k_base tokens"]) == ("Pasted text", "6", "6")

    longer = "Crossover compares prompt-only, RAG, fine-tuned and hybrid setups. " * 200
    at.text_area(key="tokens_text").input(longer).run()
    shown = metrics(at)
    assert shown["Total, o200k_base"] == f"{count_tokens(longer, 'o200k_base'):,} tokens"
    assert shown["Total, cl100k_base"] == f"{count_tokens(longer, 'cl100k_base'):,} tokens"
    assert count_tokens(longer, "o200k_base") > 1000
    assert shown["Total, characters"] == f"{len(longer):,} characters"

    at.text_area(key="tokens_text").input("").run()
    assert not at.metric and "Paste text" in at.info[0].value


def test_each_setup_is_shown_against_its_context_window_and_follows_the_scenario():
    at = open_app(TOKENS)
    fits = table(at, "tokens_fits")
    assert list(fits["setup"]) == ["Prompt-only", "RAG", "Fine-tuned", "Hybrid"]
    assert list(fits["fits"]) == ["yes"] * 4
    assert fits.iloc[0]["model"] == "claude-haiku-4-5" and fits.iloc[0]["context window (tokens)"] == "200,000"
    assert fits.iloc[0]["counted as"] == "o200k_base x 1.16 (claude tokenizer)"
    assert any(rendered(c.value).startswith("Ratios to o200k_base: o200k_base x 1.16 (claude tokenizer) from https://")
               for c in at.caption)
    spec = chart(at)
    bars = [t for t in spec["data"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == ["System prompt", "Few-shot examples", "Retrieved chunks", "Query", "Answer"]
    assert spec["data"][-1]["text"][0] == "window 200,000"  # the window lies beyond the bars: marked at the edge

    at.toggle(key="tokens_show_window").set_value(True).run()
    spec = chart(at)
    assert spec["layout"]["xaxis"]["range"][1] > 200_000
    assert spec["data"][-1]["name"] == "Context window" and spec["data"][-1]["x"][0] == 200_000

    other = open_app(TOKENS, s="docs-qa")
    fits = table(other, "tokens_fits")
    # docs-qa's prompt-only model: Gemini 3.5 Flash-Lite, 1,000,000 tokens (genai-prices 0.2.3)
    assert fits.iloc[0]["model"] == "gemini-3.5-flash-lite" and fits.iloc[0]["context window (tokens)"] == "1,000,000"
    assert fits.iloc[0]["input tokens"] != table(at, "tokens_fits").iloc[0]["input tokens"]


def test_a_setup_over_its_context_window_is_shown_with_its_problem():
    at = open_app(TOKENS, d=edited_scenario_link(tokens=250_000))
    fits = table(at, "tokens_fits")
    prompt_only = fits.iloc[0]
    assert prompt_only["fits"] == "no" and prompt_only["context window (tokens)"] == "200,000"
    assert list(fits["fits"])[1:] == ["yes"] * 3
    # The problem is told once, in the warning above the table (a cell would cut the sentence).
    assert "**Prompt-only** is infeasible" in at.warning[0].value
    assert "tokens of context; claude-haiku-4-5 has 200,000" in at.warning[0].value
    labels = chart(at)["data"][0]["y"]
    assert labels[0] == "Prompt-only · claude-haiku-4-5 (infeasible)" and len(labels) == 4


def _page_with_uploads():
    """The Tokens page with st.file_uploader replaced by fixed uploads (AppTest cannot upload files)."""
    import runpy
    from pathlib import Path
    from unittest import mock

    import streamlit as st

    import app_pages
    from app_pages import state

    class Upload:
        def __init__(self, name, data):
            self.name, self._data = name, data

        def getvalue(self):
            return self._data

    files = [Upload("a.txt", b"tiktoken is great!"), Upload("slides.pdf", b"%PDF-1.7"),
             Upload("latin1.md", b"caf\xe9"), Upload("rows.csv", b"id,text\n" * 50_000), Upload("empty.json", b"")]
    state.init()
    with mock.patch.object(st, "file_uploader", lambda *args, **kwargs: files):
        runpy.run_path(str(Path(list(app_pages.__path__)[0]) / "tokens.py"))


def test_uploaded_files_are_counted_and_bad_ones_refused_politely():
    at = AppTest.from_function(_page_with_uploads, default_timeout=30).run()
    assert not at.exception, at.exception
    assert [rendered(e.value) for e in at.error] == [
        "slides.pdf: only .txt, .md, .csv, .json files can be counted (this one has .pdf)",
        "latin1.md: not UTF-8 text (invalid byte at position 3); save it as UTF-8 and upload it again",
        "empty.json: the file is empty",
    ]
    counts = table(at, "tokens_counts")
    assert list(counts["input"]) == ["a.txt", "rows.csv", "Total (2 inputs)"]
    csv = "id,text\n" * 50_000
    total = 6 + count_tokens(csv, "o200k_base")
    assert counts.iloc[2]["o200k_base tokens"] == f"{total:,}"
    assert metrics(at)["Total, o200k_base"] == f"{total:,} tokens"
    assert metrics(at)["Total, characters"] == f"{18 + len(csv):,} characters"


# --- Catalog page ---------------------------------------------------------------------------------


def shown_rows(at):
    return table(at, "catalog_table")


def count_line(at) -> str:
    return next(m.value for m in at.markdown if " figures, " in m.value)


def test_catalog_lists_every_figure_with_counts():
    rows = listing.figure_rows(default_catalog(), dt.date.today())
    at = open_app(CATALOG)
    assert at.title[0].value == "Catalog"
    everything = listing.counts(rows)
    assert count_line(at).startswith(f"**{everything.figures} figures, {everything.assumptions} assumptions**;")
    assert f"catalog last checked {default_catalog().as_of}" in count_line(at)
    table_ = shown_rows(at)
    assert len(table_) == len(rows) > 400
    assert list(table_.columns) == ["kind", "entry id", "figure", "value", "source", "link", "as_of",
                                    "age (months)", "assumption"]
    # A source that starts with a URL links to it (a pinned package file, e.g. litellm==1.110.2, has no link).
    first = table_[table_["source"].str.startswith("https://")].iloc[0]
    assert first["link"] == first["source"].split(" ")[0]


def test_catalog_filters_by_kind_and_assumptions():
    rows = listing.figure_rows(default_catalog(), dt.date.today())
    gpu = [r for r in rows if r.kind == "gpu"]
    at = open_app(CATALOG)
    at.multiselect(key="catalog_kinds").select("gpu").run()
    table_ = shown_rows(at)
    # 8 GPUs: 3 spec figures each, plus one per cloud price (14)
    assert set(table_["kind"]) == {"gpu"} and len(table_) == len(gpu) == 38
    gpu_assumptions = sum(r.assumption for r in gpu)
    assert count_line(at).startswith(f"**{len(gpu)} figures, {gpu_assumptions} assumptions** shown (of {len(rows)}")

    at.checkbox(key="catalog_only_assumptions").check().run()
    table_ = shown_rows(at)
    assert len(table_) == gpu_assumptions > 0 and table_["assumption"].all() and set(table_["kind"]) == {"gpu"}
    assert table_["link"].isna().all() and table_["source"].str.startswith("assumption").all()

    at.multiselect(key="catalog_kinds").unselect("gpu").run()
    assert len(shown_rows(at)) == sum(r.assumption for r in rows)
    at.checkbox(key="catalog_only_assumptions").uncheck().run()
    assert len(shown_rows(at)) == len(rows)


def test_catalog_search_and_age_filters():
    rows = listing.figure_rows(default_catalog(), dt.date.today())
    at = open_app(CATALOG)
    at.text_input(key="catalog_search").input("H100 prices").run()
    table_ = shown_rows(at)
    expected = listing.filter_rows(rows, text="H100 prices")
    assert 0 < len(table_) == len(expected) < 20 and list(table_["figure"]) == [r.figure for r in expected]
    for _, r in table_.iterrows():  # every word in the key or the source, case-insensitive
        haystack = f"{r['kind']}.{r['entry id']}.{r['figure']} {r['source']}".lower()
        assert "h100" in haystack and "prices" in haystack

    at.text_input(key="catalog_search").input("").run()
    at.checkbox(key="catalog_only_stale").check().run()
    table_ = shown_rows(at)
    assert len(table_) == sum(r.age_months > 12 for r in rows) and (table_["age (months)"] > 12).all()

    at.text_input(key="catalog_search").input("no-such-figure-anywhere").run()
    assert "No figure matches" in at.info[0].value
    assert count_line(at).startswith("**0 figures, 0 assumptions** shown")


# --- The pure helpers -----------------------------------------------------------------------------


def test_listing_splits_keys_whose_ids_contain_dots():
    catalog = default_catalog()
    assert listing.split_key(catalog, "llm.accounts/fireworks/models/llama-v3p1-8b-instruct.prices.input_usd_per_mtok") == (
        "llm", "accounts/fireworks/models/llama-v3p1-8b-instruct", "prices.input_usd_per_mtok")
    assert listing.split_key(catalog, "defaults.serving.flops_efficiency") == ("defaults", "serving", "flops_efficiency")
    assert listing.source_url("https://docs.vllm.ai (gpu_memory_utilization default)") == "https://docs.vllm.ai"
    assert listing.source_url("assumption: https://example.com says so") is None


def test_listing_ages_are_relative_to_the_given_day():
    catalog = default_catalog()
    key, figure = catalog.figures()[0]
    on = figure.as_of_date + dt.timedelta(days=400)
    row = listing.figure_rows(catalog, on)[0]
    assert (row.key, row.as_of) == (key, figure.as_of) and row.age_months == 13.1  # 400 / 30.44 days
    assert listing.filter_rows([row], older_than_months=12) == [row]
    assert listing.filter_rows([row], older_than_months=13.1) == []
    assert listing.filter_rows([row], kinds=["gpu"]) == [] and listing.filter_rows([row], kinds=[]) == [row]


def test_context_fit_sums_the_composition():
    catalog = default_catalog()
    ev = evaluate(load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog), catalog)
    fits = context_fits(ev)
    assert [f.setup for f in fits] == ["prompt_only", "rag", "fine_tuned", "hybrid"]
    for fit in fits:
        setup = ev.setups[fit.setup]
        assert list(fit.composition)[:len(TOKEN_PARTS)] == list(TOKEN_PARTS)
        assert fit.input_tokens == pytest.approx(setup.input_tokens_per_query)
        assert fit.output_tokens == pytest.approx(setup.output_tokens_per_query)
        assert fit.context_window_tokens == setup.details["context_window_tokens"]
        assert fit.fits and fit.window_share == pytest.approx(fit.total_tokens / fit.context_window_tokens)
    assert fits[0].composition["retrieved_chunks"] == 0 and fits[1].composition["few_shot"] == 0


def test_the_bulk_layer_lists_every_model_with_its_pinned_source_and_gaps():
    rows = listing.bulk_rows(dt.date.today())
    at = open_app(CATALOG)
    at.radio(key="catalog_layer").set_value("bulk").run()
    table_ = shown_rows(at)
    assert len(table_) == len(rows) > 6000
    sonnet = table_[(table_["entry id"] == "anthropic/claude-sonnet-5") & (table_["figure"] == "prices.input_usd_per_mtok")]
    assert sonnet["value"].tolist() == [2.0]
    assert sonnet["source"].tolist() == [f"genai-prices=={bulk.settings()['version']} data.py: anthropic/claude-sonnet-5"]
    assert sonnet["link"].tolist() == ["https://www.anthropic.com/pricing#api"]  # the provider's page, as a reference
    gaps = table_[table_["value"].isna()]
    assert len(gaps) > 0 and (gaps["note"] == listing.NO_CONTEXT_WINDOW).all()  # a missing window shows
    assert "catalog last checked" not in count_line(at)  # that date is the curated layer's
    at.text_input(key="catalog_search").input("claude-sonnet-5 input_usd").run()
    found = shown_rows(at)
    assert "anthropic/claude-sonnet-5" in set(found["entry id"])
    assert found["entry id"].str.contains("claude-sonnet-5").all() and found["figure"].str.endswith("input_usd_per_mtok").all()


# --- Price history (issue 11.6) -------------------------------------------------------------------


def history_chart(at) -> dict:
    """The price-history chart: the one whose title names a model."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(c for c in charts if c["layout"].get("title", {}).get("text"))


def model_line(at, model: str) -> str:
    return next(m.value for m in at.markdown if m.value.startswith(f"**{model}**: "))


def test_the_price_history_follows_the_chosen_model():
    """genai-prices 0.2.3 data.py: openai/o3 $10 / $40 per MTok, then $2 / $8 from 2025-06-10;
    google/gemini-4-argon $2 / $10, doubling on 2026-12-01 (after the layer's date: scheduled)."""
    from pricing import history

    at = open_app(CATALOG)
    at.radio(key="catalog_layer").set_value("bulk").run()
    assert not at.exception
    selector = at.selectbox(key="catalog_history_model")
    assert selector.value == "openai/o3" and len(selector.options) == len(history.bulk_histories()) == 222
    assert "anthropic/claude-sonnet-5" not in selector.options  # one price only: nothing moved
    chart = history_chart(at)
    traces = {t["name"]: t for t in chart["data"]}
    assert chart["layout"]["title"]["text"] == "openai/o3"
    assert traces["input price"]["y"] == [10.0, 2.0, 2.0] and traces["output price"]["y"] == [40.0, 8.0, 8.0]
    assert traces["input price"]["line"]["shape"] == "hv" and traces["input price"]["x"][1:] == ["2025-06-10", "2026-11-10"]
    assert "2 prices; observed yearly change **-67.9 %/year** over 518 days" in model_line(at, "openai/o3")
    summary = next(m.value for m in at.markdown if "models** of 222" in m.value)
    assert summary.startswith("**10 models** of 222") and "PERT **-72 / 0 / +62 %/year**" in summary
    assert "genai-prices==0.2.3 data.py: dated prices of 10 models" in summary
    table_ = next(d.value for d in at.dataframe if "yearly change (%/year)" in d.value.columns)
    assert len(table_) == 222 and (table_["counted"] == "yes").sum() == 10

    at.selectbox(key="catalog_history_model").set_value("google/gemini-4-argon").run()
    assert not at.exception
    chart = history_chart(at)
    traces = {t["name"]: t for t in chart["data"]}
    assert chart["layout"]["title"]["text"] == "google/gemini-4-argon"
    assert traces["input price"]["y"] == [2.0, 2.0]  # held until the layer's date ...
    assert traces["input, scheduled"]["y"] == [2.0, 4.0] and traces["input, scheduled"]["line"]["dash"] == "dot"
    assert traces["input, scheduled"]["x"] == ["2026-11-10", "2026-12-01"]  # ... doubles after it
    assert model_line(at, "google/gemini-4-argon").endswith(
        "2 prices, 1 of them scheduled; not counted: only scheduled changes: none observed yet.")

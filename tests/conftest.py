import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pricing.catalog import default_catalog
from simulator.scenario import load_scenario, validate_scenario
from ui.fmt import WORD_JOINER

ROOT = Path(__file__).resolve().parent.parent
# The shipped examples, found from this file (not the working directory), once for every test.
SHIPPED_SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
assert SHIPPED_SCENARIOS, f"no shipped scenarios under {ROOT / 'scenarios'}"

# A scenario with round numbers for hand computations. Prices are pinned by overrides so the
# expected values below do not move when the catalog is updated.
HAND = {
    "schema_version": 4,
    "name": "hand computation",
    "workload": {
        "queries_per_month": 1_000_000, "monthly_growth": 0.0, "peak_to_average": 2.0, "batch_share": 0.0,
        "query": {"tokens": 100}, "answer": {"tokens": 200}, "length_cv": 0.0,
        "start_date": "2027-02-01", "horizon_months": 10,
    },
    "knowledge": {"corpus": {"tokens": 10_000_000}, "monthly_change_share": 0.1},
    "people": {
        "day_rate_usd": 1000, "self_hosting_ops_days_per_month": 3,
        "build_days": {"prompt_only": 5, "rag": 10, "fine_tuned": 20, "hybrid": 30},
        "ops_days_per_month": {"prompt_only": 1, "rag": 2, "fine_tuned": 2, "hybrid": 3},
    },
    "prompt_only": {"model": {"name": "mistral-small-2603"}, "system_prompt": {"tokens": 2000},
                    "few_shot": {"tokens": 0}, "cache_hit_rate": 0.5},
    "rag": {"model": {"name": "mistral-small-2603"}, "system_prompt": {"tokens": 500}, "chunk_tokens": 500,
            "top_k": 4, "embedding_model": "text-embedding-3-small", "vector_store": "pinecone-serverless",
            "cache_hit_rate": 0.5},
    "fine_tuned": {"model": {"name": "accounts/fireworks/models/llama-v3p1-8b-instruct"},
                   "training": {"examples": 1000, "tokens_per_example": 500, "epochs": 2,
                                "retrain_every_months": 4, "labelling_usd_per_example": 2},
                   "system_prompt": {"tokens": 100}, "cache_hit_rate": 0.0},
    "hybrid": {"system_prompt": {"tokens": 100}, "top_k": 2, "cache_hit_rate": 0.0},
    "overrides": {
        "tokenizer.mistral-tekken.ratio": 1.0,
        "tokenizer.llama3.ratio": 1.0,
        "llm.mistral-small-2603.prices.input_usd_per_mtok": 1.0,
        "llm.mistral-small-2603.prices.cached_input_usd_per_mtok": 0.1,
        "llm.mistral-small-2603.prices.output_usd_per_mtok": 2.0,
        "llm.mistral-small-2603.prices.min_cacheable_prefix_tokens": 1024,
        "llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.training_usd_per_mtok": 1.0,
        "llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.input_usd_per_mtok": 0.2,
        "llm.accounts/fireworks/models/llama-v3p1-8b-instruct.fine_tuning.prices.output_usd_per_mtok": 0.4,
        "embedding.text-embedding-3-small.prices.usd_per_mtok": 0.1,
        "embedding.text-embedding-3-small.prices.batch_usd_per_mtok": 0.05,
        "embedding.text-embedding-3-small.prices.dimensions": 1000,
        "defaults.workload.stored_bytes_per_token": 4,
        "vector_store.pinecone-serverless.prices.storage_usd_per_gb_month": 1.0,
        "vector_store.pinecone-serverless.prices.read_usd_per_million_units": 10.0,
        "vector_store.pinecone-serverless.prices.read_units_per_query_per_gb": 1.0,
        "vector_store.pinecone-serverless.prices.min_read_units_per_query": 0.25,
        "vector_store.pinecone-serverless.prices.write_usd_per_million_units": 2.0,
        "vector_store.pinecone-serverless.prices.write_units_per_kb": 1.0,
        "vector_store.pinecone-serverless.prices.minimum_usd_per_month": 50.0,
        "vector_store.pinecone-serverless.prices.min_write_units_per_request": 5,
        "vector_store.pinecone-serverless.prices.upsert_batch_records": 1000,
        "vector_store.pinecone-serverless.prices.upsert_max_request_bytes": 2_000_000,
        "vector_store.pinecone-serverless.prices.metadata_bytes_per_record": 100,
    },
}


@pytest.fixture(scope="session")
def catalog():
    return default_catalog()


@pytest.fixture(scope="session")
def support_bot(catalog):
    """The shipped support-bot example (ranges in it; deterministic results use their points)."""
    return load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)


def scenario_dict(**changes):
    """A deep copy of HAND with dotted-path changes, e.g. ``**{"workload.batch_share": 0.5}``."""
    data = copy.deepcopy(HAND)
    for path, value in changes.items():
        if path.startswith("overrides."):  # override keys contain dots themselves
            data["overrides"][path.removeprefix("overrides.")] = value
            continue
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return data


DELETE = object()


@pytest.fixture
def make_scenario(catalog):
    def make(**changes):
        return validate_scenario(scenario_dict(**changes), "test", catalog)
    return make


@pytest.fixture(autouse=True)
def saved_dir(tmp_path, monkeypatch):
    """Every test saves into its own folder, never into the user's data folder."""
    folder = tmp_path / "saved"
    monkeypatch.setenv("CROSSOVER_SCENARIO_DIR", str(folder))
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    return folder


def cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m simulator ARGS`` from the repository root, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=ROOT, capture_output=True, text=True)


def open_app(page: str | None = None, prepare=None, **params) -> AppTest:
    """Run the dashboard headlessly, with URL query parameters, then switch to ``page``; ``prepare``
    (given the AppTest) sets anything else first, such as secrets and the signed-in user."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if prepare is not None:
        prepare(at)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def summary(at: AppTest) -> str:
    """The break-even page's one-paragraph conclusion."""
    return next(m.value for m in at.markdown if m.value.startswith("At **"))


def rendered(markdown: str) -> str:
    """What a reader sees of Markdown escaped by ``ui.fmt.plain``: no backslash escapes, no word joiners."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def break_even_svg(at: AppTest, part: str = "chart") -> str:
    """The landing page's break-even chart, an SVG drawn on the server (``ui.svg_chart``) in a Markdown
    element, or (``part="overlay"``) the volume marker drawn over it in the next one."""
    charts = [m.value for m in at.markdown if m.value.startswith(f'<div class="xo-{part}"')]
    assert len(charts) == 1, f"{len(charts)} break-even {part}s on the page"
    return charts[0]

"""Issue 12.3, 12.5, 12.6 and "Also": retrieval billed as the providers bill it. Each rule is pinned
by a hand computation, with the page it follows named beside it. Prices and sizes are pinned by
overrides, so the arithmetic is checkable by eye and does not move with the catalog."""

import math

import numpy as np
import pytest

from conftest import scenario_dict
from pricing.provenance import FigureRecorder
from simulator import evaluate
from simulator.model.retrieval import plan_retrieval
from simulator.scenario import validate_scenario
from simulator.units import SECONDS_PER_MONTH

EMBEDDING = {  # 1,000-dimension vectors, 4 bytes of text per token
    "embedding.text-embedding-3-small.prices.dimensions": 1000,
    "defaults.workload.stored_bytes_per_token": 4,
}
PINECONE = {
    **EMBEDDING,
    "vector_store.pinecone-serverless.prices.write_usd_per_million_units": 4.0,
    "vector_store.pinecone-serverless.prices.write_units_per_kb": 1.0,
    "vector_store.pinecone-serverless.prices.min_write_units_per_request": 5,
    "vector_store.pinecone-serverless.prices.upsert_batch_records": 1000,
    "vector_store.pinecone-serverless.prices.upsert_max_request_bytes": 2_000_000,
    "vector_store.pinecone-serverless.prices.metadata_bytes_per_record": 100,
}
PGVECTOR = {
    **EMBEDDING,
    "vector_store.pgvector-r6g-xlarge.prices.instance_usd_per_month": 100,
    "vector_store.pgvector-r6g-xlarge.prices.capacity_gb_per_instance": 0.05,
    "vector_store.pgvector-r6g-xlarge.prices.queries_per_s_per_instance": 50,
}
COHERE = {
    "reranker.rerank-v3.5.prices.usd_per_1k_searches": 2.0,
    "reranker.rerank-v3.5.prices.max_documents_per_search": 100,
    "reranker.rerank-v3.5.prices.max_tokens_per_document": 500,
    "tokenizer.cohere.ratio": 1.25,  # round, so the split below is checkable by eye
}


def plan(catalog, overrides, **kwargs):
    read = FigureRecorder(catalog.with_overrides(overrides))
    args = {"embedding_model": "text-embedding-3-small", "vector_store": "pinecone-serverless", "reranker": None,
            "candidates": 4, "chunk_tokens": 500, "top_k": 4, "corpus_tokens_o200k": 10_000_000,
            "query_tokens_o200k": 100, "monthly_change_share": 0.05, "peak_to_average": 2.0, **kwargs}
    return plan_retrieval(read, **args), read


# ------------------------------------------------------------------ 12.6 sharded instance stores

def test_a_sharded_store_needs_every_shard_in_every_replica(catalog):
    """Issue 12.6: an index split over shards sends every query to every shard, so each replica is a
    full set of shards and instances = shards x replicas, not the larger of the two.

    20,000 vectors of 4 x 1,000 + 8 + 500 x 4 = 6,008 B (pgvector's layout) = 0.12016 GB; at 0.05 GB
    per instance that is ceil(2.4032) = 3 shards. One instance serves 50 queries/s, so a replica
    serves 50 x 2,628,000 s / 2 (peak over mean) = 65.7M queries a month."""
    out, read = plan(catalog, PGVECTOR, vector_store="pgvector-r6g-xlarge")
    assert out.index_gb == pytest.approx(20_000 * 6008 / 1e9)
    (store,) = out.parts["vector_store"]
    per_replica = 50 * SECONDS_PER_MONTH / 2
    assert per_replica == 65_700_000
    q = np.array([0.0, 1e6, 65.7e6, 65.8e6, 200e6])
    # replicas: 1, 1, 1, 2, ceil(3.04) = 4; instances 3 x replicas at $100
    assert store(q) == pytest.approx([300, 300, 300, 600, 1200])
    # the old rule, max(3 shards, replicas), would give 300, 300, 300, 300, 400
    assert store(np.array(200e6)) > 100 * max(3, math.ceil(200e6 / per_replica))
    assert read.used["vector_store.pgvector-r6g-xlarge.prices.capacity_gb_per_instance"].value == 0.05


def test_an_unsharded_store_is_one_instance_per_replica(catalog):
    """A small index is one shard: the replicas alone set the count, as before."""
    out, _ = plan(catalog, {**PGVECTOR, "vector_store.pgvector-r6g-xlarge.prices.capacity_gb_per_instance": 61.5},
                  vector_store="pgvector-r6g-xlarge")
    (store,) = out.parts["vector_store"]
    assert store(np.array([0.0, 65.8e6])) == pytest.approx([100, 200])


# ------------------------------------------------------------------ 12.5 Pinecone serverless writes

def test_pinecone_bills_writes_per_1000_bytes_of_each_request(catalog):
    """docs.pinecone.io/guides/manage-cost/understanding-cost (write units): an upsert costs 1 WU per
    KB (1,000 bytes) of the request, at least 5 per request; an upsert that overwrites a record also
    pays for the existing record. docs.pinecone.io/docs/upsert-data: requests of up to 1,000 records
    and 2 MB.

    A record is its vector, 4 x 1,000 = 4,000 B, plus metadata: the chunk text, 500 x 4 = 2,000 B,
    and 100 B of other fields = 6,100 B. A request holds min(1,000, floor(2,000,000 / 6,100)) = 327
    records."""
    out, read = plan(catalog, PINECONE)
    assert out.index_gb == pytest.approx(20_000 * 6_100 / 1e9)  # storage counts the same record size
    # First load, 20,000 new records: 61 full requests (19,947 records) of ceil(327 x 6,100 / 1,000)
    # = ceil(1,994.7) = 1,995 WU, then 53 records: ceil(323.3) = 324 WU -> 122,019 WU at $4/M.
    first_writes = (61 * 1_995 + 324) * 4 / 1e6
    batch_price = read.used["embedding.text-embedding-3-small.prices.batch_usd_per_mtok"].value
    assert out.first_embedding_usd == pytest.approx(10_000_000 * batch_price / 1e6 + first_writes, rel=1e-12)
    # Monthly: 5% of 20,000 = 1,000 changed records overwrite theirs, paying 2 x 6,100 B each:
    # 3 requests of 327 (981) at ceil(327 x 12.2) = ceil(3,989.4) = 3,990 WU, then 19 at
    # ceil(231.8) = 232 WU -> 12,202 WU at $4/M.
    (store,) = out.parts["vector_store"]
    storage = 0.122 * read.used["vector_store.pinecone-serverless.prices.storage_usd_per_gb_month"].value
    assert store.fixed_usd == pytest.approx(storage + (3 * 3_990 + 232) * 4 / 1e6, rel=1e-12)
    # the old rule: ceil(6,008 / 1,024) = 6 WU per record, 1,000 x 6 = 6,000 WU a month
    assert (3 * 3_990 + 232) > 2 * 6_000


def test_pinecone_charges_at_least_5_write_units_per_request(catalog):
    """The 5-WU minimum per request: one record per request (a batch size of 1) of 4 x 256 + 2,000 +
    100 = 3,124 B is ceil(3.124) = 4 WU, billed 5. 20,000 records: 100,000 WU, not 80,000."""
    small = {**PINECONE, "embedding.text-embedding-3-small.prices.dimensions": 256,
             "vector_store.pinecone-serverless.prices.upsert_batch_records": 1}
    out, read = plan(catalog, small, monthly_change_share=0.0)
    batch_price = read.used["embedding.text-embedding-3-small.prices.batch_usd_per_mtok"].value
    assert out.first_embedding_usd - 10_000_000 * batch_price / 1e6 == pytest.approx(20_000 * 5 * 4 / 1e6)
    # with no minimum in the catalog the same load is 4 WU a record
    no_minimum = {**small, "vector_store.pinecone-serverless.prices.min_write_units_per_request": 0}
    out, _ = plan(catalog, no_minimum, monthly_change_share=0.0)
    assert out.first_embedding_usd - 10_000_000 * batch_price / 1e6 == pytest.approx(20_000 * 4 * 4 / 1e6)


def test_pinecone_writes_agree_for_a_point_and_for_draws(catalog):
    """Monte Carlo draws of the metadata size give, draw by draw, the point answers."""
    points = [plan(catalog, {**PINECONE, "vector_store.pinecone-serverless.prices.metadata_bytes_per_record": m})[0]
              for m in (100, 3_000)]
    read = FigureRecorder(catalog.with_overrides(PINECONE).with_values(
        {"vector_store.pinecone-serverless.prices.metadata_bytes_per_record": np.array([100.0, 3_000.0])}))
    drawn = plan_retrieval(read, embedding_model="text-embedding-3-small", vector_store="pinecone-serverless",
                           reranker=None, candidates=4, chunk_tokens=500, top_k=4, corpus_tokens_o200k=10_000_000,
                           query_tokens_o200k=100, monthly_change_share=0.05, peak_to_average=2.0)
    assert drawn.first_embedding_usd == pytest.approx([p.first_embedding_usd for p in points])
    assert drawn.parts["vector_store"][0].fixed_usd == pytest.approx([p.parts["vector_store"][0].fixed_usd for p in points])


def test_a_store_without_a_metadata_size_counts_vector_and_text_and_says_so(catalog):
    data = catalog.model_dump()
    data["vector_store"]["pinecone-serverless"]["prices"]["metadata_bytes_per_record"] = None
    bare = type(catalog).model_validate(data)
    out, _ = plan(bare, PINECONE_WITHOUT_METADATA)
    assert out.index_gb == pytest.approx(20_000 * 6_000 / 1e9)
    assert out.warnings == ("the catalog gives no metadata size for pinecone-serverless: records counted as vector + chunk text",)


PINECONE_WITHOUT_METADATA = {k: v for k, v in PINECONE.items() if not k.endswith("metadata_bytes_per_record")}


# ------------------------------------------------------------------ 12.3 Cohere Rerank splits documents

@pytest.mark.parametrize(("chunk_tokens", "candidates", "documents", "searches"), [
    # chunk in Cohere tokens = chunk x 1.25; room = 500 - 40 x 1.25 = 450 tokens per document
    (300, 60, 60, 1),     # 375 tokens: one piece; 60 documents fit one search
    (600, 60, 120, 2),    # 750 tokens: ceil(750 / 450) = 2 pieces -> 120 documents -> 2 searches
    (1200, 60, 240, 3),   # 1,500 tokens: ceil(3.33) = 4 pieces -> 240 documents -> ceil(2.4) = 3 searches
    (600, 40, 80, 1),     # 2 pieces x 40 = 80 documents: still one search
])
def test_cohere_rerank_counts_each_500_token_piece_as_a_document(catalog, chunk_tokens, candidates, documents, searches):
    """cohere.com/pricing FAQ: a search unit is one query over up to 100 documents; a document longer
    than 500 tokens, the query's tokens included, is split and each piece counts as a document.
    searches = ceil(candidates x ceil(chunk / (500 - query)) / 100), in Cohere's tokens."""
    out, read = plan(catalog, COHERE, reranker="rerank-v3.5", candidates=candidates, chunk_tokens=chunk_tokens,
                     query_tokens_o200k=40)
    assert out.rerank_documents == documents
    (rerank,) = out.parts["reranking"]
    assert rerank.usd_per_query == pytest.approx(searches * 2.0 / 1e3)  # $2 per 1,000 searches
    assert read.used["reranker.rerank-v3.5.prices.max_tokens_per_document"].value == 500


def test_a_reranker_without_a_document_limit_counts_each_candidate_once(catalog):
    """amazon.rerank-v1:0 has no per-document limit in the catalog: 60 candidates of 1,200 tokens are
    60 documents, one search of up to 100 ($1 per 1,000)."""
    overrides = {"reranker.amazon.rerank-v1:0.prices.usd_per_1k_searches": 1.0}
    out, _ = plan(catalog, overrides, reranker="amazon.rerank-v1:0", candidates=60, chunk_tokens=1200)
    assert out.rerank_documents == 60
    assert out.parts["reranking"][0].usd_per_query == pytest.approx(1.0 / 1e3)


def test_a_query_that_fills_the_rerank_document_makes_the_setup_infeasible(catalog):
    """A 400-token query is 500 Cohere tokens at 1.25: no room is left for any document text."""
    out, _ = plan(catalog, COHERE, reranker="rerank-v3.5", query_tokens_o200k=400)
    assert out.query_fills_rerank_document
    data = scenario_dict(**{"rag.reranker": {"model": "rerank-v3.5", "candidates": 20},
                            "workload.query": {"tokens": 400}})
    data["overrides"].update(COHERE)
    ev = evaluate(validate_scenario(data, catalog=catalog), catalog)
    assert not ev.setups["rag"].feasible
    assert any("fills reranker rerank-v3.5's billing length of a document (500 tokens" in p
               for p in ev.setups["rag"].problems)


def test_chunk_size_drives_rerank_cost_in_a_whole_scenario(catalog):
    """End to end: the HAND scenario with Cohere Rerank over 60 candidates and a 40-token query pays
    1 search per query with 300-token chunks and 2 with 600-token chunks ($2 per 1,000 searches,
    1M queries a month: $2,000 against $4,000)."""
    costs = []
    for chunk in (300, 600):
        data = scenario_dict(**{"rag.reranker": {"model": "rerank-v3.5", "candidates": 60},
                                "rag.chunk_tokens": chunk, "workload.query": {"tokens": 40}})
        data["overrides"].update(COHERE)
        ev = evaluate(validate_scenario(data, catalog=catalog), catalog)
        costs.append(float(ev.setups["rag"].curve.breakdown(1e6)["reranking"]))
    assert costs == pytest.approx([2_000.0, 4_000.0])


# ------------------------------------------------------------------ Also: Voyage and Cohere tokenizers

def test_voyage_and_cohere_models_are_not_declared_exact_o200k(catalog):
    """Issue 12, Also: no Voyage or Cohere embedding or rerank model counts tokens as exact o200k_base;
    each has a ratio, sourced or marked an assumption (which the result's warnings list)."""
    for table in (catalog.embedding, catalog.reranker):
        for entry in table.values():
            if entry.provider in ("cohere", "voyageai") or entry.id.startswith("cohere."):
                tok = catalog.tokenizer[entry.tokenizer]
                assert tok.ratio is not None, entry.id
    # Cohere: Command-R+'s tokenizer as a stand-in, 4.657 / 4.454 characters per token (GPT-4o / Command-R+)
    assert catalog.tokenizer["cohere"].ratio.value == round(4.65736 / 4.45377, 3)
    assert not catalog.tokenizer["cohere"].ratio.is_assumption
    # Voyage: 1.0 from a two-sentence example only, so an assumption
    assert catalog.tokenizer["voyage"].ratio.value == 1.0 and catalog.tokenizer["voyage"].ratio.is_assumption


def test_a_voyage_embedding_flags_its_assumed_ratio(catalog):
    data = scenario_dict(**{"rag.embedding_model": "voyage-4"})
    ev = evaluate(validate_scenario(data, catalog=catalog), catalog)
    assert any("voyage's tokens per o200k_base token (tokenizer)" in w for w in ev.setups["rag"].warnings)


def test_a_cohere_embedding_pays_for_cohere_tokens(catalog):
    """10M o200k_base tokens of corpus are 10M x 1.046 Cohere tokens at embed-v4.0's price."""
    out, read = plan(catalog, {}, embedding_model="embed-v4.0", monthly_change_share=0.0)
    price = read.used["embedding.embed-v4.0.prices.usd_per_mtok"].value
    writes = out.first_embedding_usd - 10_000_000 * 1.046 * price / 1e6
    assert 0 < writes < 1  # the rest is Pinecone's first writes, cents

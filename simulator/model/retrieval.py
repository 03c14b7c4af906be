"""Retrieval for the RAG and hybrid setups: embeddings, vector store, reranker; cost and latency.

Index size follows pgvector's storage layout: ``4 x dimensions + 8`` bytes per vector plus the
chunk's text kept beside it; a serverless store's record is its vector (``4 x dimensions`` bytes)
plus its metadata (the chunk's text and ``metadata_bytes_per_record``). The corpus is cut into
chunks of ``chunk_tokens`` without overlap. Vector search latency grows by
``growth_per_10x_vectors`` per tenfold corpus (VectorDBBench reports 1M and 10M points);
everything else about retrieval latency is in the catalog.

Billing rules (issue 12):

- Pinecone serverless writes (docs.pinecone.io/guides/manage-cost/understanding-cost): an upsert
  request costs 1 WU per KB (1,000 bytes) of its records, at least ``min_write_units_per_request``;
  an upsert that overwrites a record also pays for the existing record, so re-embedding a changed
  chunk pays its old and new size. Records go in batches of ``upsert_batch_records``, fewer where
  they would pass ``upsert_max_request_bytes``; the month's changed records are upserted together.
- Sharded instance stores: shards = ceil(index size / capacity per instance); every query reaches
  every shard, so each replica is a full set of shards and replicas = ceil(peak rate / one
  instance's queries per second): instances = shards x replicas.
- Cohere Rerank (cohere.com/pricing FAQ): a document longer than ``max_tokens_per_document``
  (500, the query's tokens included) is split and each piece counts as a document; a search is one
  query over up to ``max_documents_per_search`` (100) documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pricing.catalog import Catalog
from pricing.provenance import FigureRecorder
from simulator.units import SECONDS_PER_MONTH

from .curves import Affine, Floor, Part, Staircase

BYTES_PER_KB = 1000  # Pinecone bills decimal kilobytes (understanding-cost: "1 WU per KB"; issue 12.5)


@dataclass(frozen=True)
class RetrievalPlan:
    """Retrieval's cost parts, one-time cost and latency figures for one setup."""

    parts: dict[str, tuple[Part, ...]]
    first_embedding_usd: float
    retrieved_tokens_o200k: float
    vectors: float
    index_gb: float
    embed_ms: tuple[float, float]  # (p50, p95)
    search_ms: tuple[float, float]
    rerank_ms: tuple[float, float]
    warnings: tuple[str, ...] = ()
    # Where the query alone fills the reranker's billing length of a document: no room for text.
    query_fills_rerank_document: bool | np.ndarray = False
    rerank_documents: float = 0.0  # documents billed per query, after splitting long candidates
    rerank_document_tokens: float | None = None  # the reranker's billing length of a document [tokens]


def plan_retrieval(use: FigureRecorder, *, embedding_model: str, vector_store: str,
                   reranker: str | None, candidates: int, chunk_tokens: int, top_k: int,
                   corpus_tokens_o200k: float, query_tokens_o200k: float, monthly_change_share: float,
                   peak_to_average: float) -> RetrievalPlan:
    """Retrieval for one setup; token counts in o200k_base tokens, ``monthly_change_share`` a fraction
    of the corpus, ``peak_to_average`` the peak query rate over the mean. ``use(figure) -> value``
    records each catalog figure the plan relies on."""
    catalog = use.catalog
    emb = catalog.get("embedding", embedding_model)
    emb_ratio = _ratio(catalog, emb.tokenizer, use)
    price = use(emb.prices.usd_per_mtok) / 1e6
    offline_price = use(emb.prices.batch_usd_per_mtok) / 1e6 if emb.prices.batch_usd_per_mtok else price
    corpus_tokens = corpus_tokens_o200k * emb_ratio
    vectors = _ceil(corpus_tokens_o200k / chunk_tokens)
    dims = use(emb.prices.dimensions)
    text_bytes = chunk_tokens * use(catalog.defaults.workload.stored_bytes_per_token)
    index_gb = vectors * (4 * dims + 8 + text_bytes) / 1e9  # pgvector's layout; serverless records below
    changed_vectors_per_month = vectors * monthly_change_share

    store = catalog.get("vector_store", vector_store)
    p = store.prices
    first_writes_usd = 0.0
    warnings: list[str] = []
    if store.kind == "serverless":
        if p.metadata_bytes_per_record is None:
            extra_metadata = 0.0
            warnings.append(f"the catalog gives no metadata size for {store.id}: records counted as vector + chunk text")
        else:
            extra_metadata = use(p.metadata_bytes_per_record)
        record_bytes = 4 * dims + text_bytes + extra_metadata
        index_gb = vectors * record_bytes / 1e9
        read_units = _max(use(p.min_read_units_per_query), index_gb * use(p.read_units_per_query_per_gb))
        write_price = use(p.write_usd_per_million_units) / 1e6
        batching = _UpsertRules.read(use, p)
        monthly_writes = batching.write_units(changed_vectors_per_month, record_bytes, overwrite=True) * write_price
        first_writes_usd = batching.write_units(vectors, record_bytes, overwrite=False) * write_price
        store_part: Part = Floor(
            minimum_usd=use(p.minimum_usd_per_month) if p.minimum_usd_per_month else 0.0,
            fixed_usd=index_gb * use(p.storage_usd_per_gb_month) + monthly_writes,
            usd_per_query=read_units * use(p.read_usd_per_million_units) / 1e6,
        )
    else:
        shards = _max(1, _ceil(index_gb / use(p.capacity_gb_per_instance)))
        # A replica is a full set of shards: each query reaches every shard, so one replica serves
        # one instance's queries per second at the peak, whatever the shard count.
        queries_per_replica = use(p.queries_per_s_per_instance) * SECONDS_PER_MONTH / peak_to_average
        store_part = Staircase(use(p.instance_usd_per_month) * shards, queries_per_replica, 1)

    rerank_part: Part = Affine()
    rerank_ms = (0.0, 0.0)
    query_fills = False
    rerank_documents = 0.0
    document_tokens = None
    if reranker is not None:
        rr = catalog.get("reranker", reranker)
        rr_ratio = _ratio(catalog, rr.tokenizer, use)
        if rr.prices.usd_per_1k_searches is not None:
            per_search_docs = use(rr.prices.max_documents_per_search) if rr.prices.max_documents_per_search else candidates
            pieces = 1
            if rr.prices.max_tokens_per_document is not None:
                document_tokens = use(rr.prices.max_tokens_per_document)
                room = document_tokens - query_tokens_o200k * rr_ratio
                query_fills = room <= 0
                pieces = _ceil(chunk_tokens * rr_ratio / _max(room, 1))
            rerank_documents = candidates * pieces
            searches = _ceil(rerank_documents / per_search_docs)
            rerank_part = Affine(0.0, searches * use(rr.prices.usd_per_1k_searches) / 1e3)
        else:
            scored = candidates * (chunk_tokens + query_tokens_o200k) * rr_ratio
            rerank_part = Affine(0.0, scored * use(rr.prices.usd_per_mtok) / 1e6)
        # Latency stays per candidate: the split is for billing; the models read 4k-32k tokens at once
        # (docs.cohere.com reranking best practices).
        p50 = use(rr.latency.ms_p50_base) + candidates * use(rr.latency.ms_per_document)
        rerank_ms = (p50, p50 * use(rr.latency.p95_over_p50))

    lat = store.latency
    growth = use(lat.growth_per_10x_vectors) ** np.log10(_max(vectors, 1) / 1e6)
    search_ms = (use(lat.query_ms_p50_at_1m) * growth, use(lat.query_ms_p95_at_1m) * growth)
    embed_ms = (use(emb.latency.query_ms_p50), use(emb.latency.query_ms_p95))

    return RetrievalPlan(
        parts={
            "query_embeddings": (Affine(0.0, query_tokens_o200k * emb_ratio * price),),
            "vector_store": (store_part,),
            "reranking": (rerank_part,),
            "corpus_reembedding": (Affine(corpus_tokens * monthly_change_share * offline_price, 0.0),),
        },
        first_embedding_usd=corpus_tokens * offline_price + first_writes_usd,
        retrieved_tokens_o200k=_float(top_k * chunk_tokens),
        vectors=_float(vectors), index_gb=index_gb,
        embed_ms=embed_ms, search_ms=search_ms, rerank_ms=rerank_ms,
        warnings=tuple(warnings), query_fills_rerank_document=query_fills,
        rerank_documents=_float(rerank_documents), rerank_document_tokens=document_tokens,
    )


@dataclass(frozen=True)
class _UpsertRules:
    """How a serverless store bills upserts: write units per KB, a minimum per request, batches."""

    units_per_kb: float
    min_per_request: float
    batch_records: float
    max_request_bytes: float | None

    @classmethod
    def read(cls, use, p) -> "_UpsertRules":
        return cls(
            units_per_kb=use(p.write_units_per_kb),
            min_per_request=use(p.min_write_units_per_request) if p.min_write_units_per_request else 0.0,
            batch_records=use(p.upsert_batch_records) if p.upsert_batch_records else 1.0,
            max_request_bytes=use(p.upsert_max_request_bytes) if p.upsert_max_request_bytes else None,
        )

    def write_units(self, records, record_bytes, *, overwrite: bool):
        """Write units to upsert ``records`` of ``record_bytes`` each [WU]: full requests of the batch
        size, then one with the rest, each billed ``max(minimum, ceil(bytes / 1,000) x units_per_kb)``;
        an overwrite also pays for the record it replaces (the same size)."""
        per_request = self.batch_records
        if self.max_request_bytes is not None:
            per_request = _max(1, _min(per_request, _floor(self.max_request_bytes / record_bytes)))
        billed = record_bytes * (2 if overwrite else 1)
        full = _floor(records / per_request)
        rest = records - full * per_request
        last = _where(rest > 0, self._request_units(rest * billed), 0.0)
        return full * self._request_units(per_request * billed) + last

    def _request_units(self, request_bytes):
        return _max(self.min_per_request, _ceil(request_bytes / BYTES_PER_KB) * self.units_per_kb)


# Inputs may be arrays of Monte Carlo draws; point values keep Python's exact integer arithmetic.
def _ceil(x):
    return np.ceil(x) if isinstance(x, np.ndarray) else math.ceil(x)


def _floor(x):
    return np.floor(x) if isinstance(x, np.ndarray) else math.floor(x)


def _max(a, b):
    return np.maximum(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else max(a, b)


def _min(a, b):
    return np.minimum(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else min(a, b)


def _where(condition, if_true, if_false):
    return np.where(condition, if_true, if_false) if isinstance(condition, np.ndarray) else (if_true if condition else if_false)


def _float(x):
    return x if isinstance(x, np.ndarray) else float(x)


def _ratio(catalog: Catalog, tokenizer: str, use) -> float:
    tok = catalog.get("tokenizer", tokenizer)
    return use(tok.ratio) if tok.ratio is not None else 1.0

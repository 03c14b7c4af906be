"""Retrieval for the RAG and hybrid setups: embeddings, vector store, reranker; cost and latency.

Index size follows pgvector's storage layout: ``4 x dimensions + 8`` bytes per vector plus the
chunk's text kept beside it. The corpus is cut into chunks of ``chunk_tokens`` without overlap.
Vector search latency grows by ``growth_per_10x_vectors`` per tenfold corpus (VectorDBBench
reports 1M and 10M points); everything else about retrieval latency is in the catalog.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pricing.catalog import Catalog
from pricing.provenance import FigureRecorder
from simulator.units import SECONDS_PER_MONTH

from .curves import Affine, Floor, Part, Staircase



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
    bytes_per_vector = 4 * dims + 8 + text_bytes
    index_gb = vectors * bytes_per_vector / 1e9
    changed_vectors_per_month = vectors * monthly_change_share

    store = catalog.get("vector_store", vector_store)
    p = store.prices
    first_writes_usd = 0.0
    if store.kind == "serverless":
        read_units = _max(use(p.min_read_units_per_query), index_gb * use(p.read_units_per_query_per_gb))
        write_units_per_vector = _ceil(bytes_per_vector / 1024) * use(p.write_units_per_kb)
        write_price = use(p.write_usd_per_million_units) / 1e6
        monthly_writes = changed_vectors_per_month * write_units_per_vector * write_price
        first_writes_usd = vectors * write_units_per_vector * write_price
        store_part: Part = Floor(
            minimum_usd=use(p.minimum_usd_per_month) if p.minimum_usd_per_month else 0.0,
            fixed_usd=index_gb * use(p.storage_usd_per_gb_month) + monthly_writes,
            usd_per_query=read_units * use(p.read_usd_per_million_units) / 1e6,
        )
    else:
        size_units = _max(1, _ceil(index_gb / use(p.capacity_gb_per_instance)))
        queries_per_unit = use(p.queries_per_s_per_instance) * SECONDS_PER_MONTH / peak_to_average
        store_part = Staircase(use(p.instance_usd_per_month), queries_per_unit, size_units)

    rerank_part: Part = Affine()
    rerank_ms = (0.0, 0.0)
    if reranker is not None:
        rr = catalog.get("reranker", reranker)
        if rr.prices.usd_per_1k_searches is not None:
            per_search_docs = use(rr.prices.max_documents_per_search) if rr.prices.max_documents_per_search else candidates
            searches = _ceil(candidates / per_search_docs)
            rerank_part = Affine(0.0, searches * use(rr.prices.usd_per_1k_searches) / 1e3)
        else:
            scored = candidates * (chunk_tokens + query_tokens_o200k) * _ratio(catalog, rr.tokenizer, use)
            rerank_part = Affine(0.0, scored * use(rr.prices.usd_per_mtok) / 1e6)
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
    )


# Inputs may be arrays of Monte Carlo draws; point values keep Python's exact integer arithmetic.
def _ceil(x):
    return np.ceil(x) if isinstance(x, np.ndarray) else math.ceil(x)


def _max(a, b):
    return np.maximum(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else max(a, b)


def _float(x):
    return x if isinstance(x, np.ndarray) else float(x)


def _ratio(catalog: Catalog, tokenizer: str, use) -> float:
    tok = catalog.get("tokenizer", tokenizer)
    return use(tok.ratio) if tok.ratio is not None else 1.0

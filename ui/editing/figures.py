"""The catalog figures a scenario's choices rely on, grouped for the editor's Figures tab."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pricing.catalog import Catalog, CatalogError
from pricing.resolve import bulk_record, embedding_key, with_embeddings, with_llms
from simulator.scenario import SETUPS, get_in

from .choices import cheapest_cloud, figure_table, model_option



# --- The catalog figures a scenario relies on ------------------------------------------------------


def _start_date(data: Mapping[str, Any]) -> dt.date | None:
    """The scenario's start date, when the (possibly invalid) dict has a valid one."""
    try:
        return dt.date.fromisoformat(str((data.get("workload") or {}).get("start_date")))
    except ValueError:
        return None


@dataclass
class EditorFigure:
    """A catalog figure as the editor lists it: with the setups that use it and a pending override."""

    key: str
    value: float
    source: str
    as_of: str
    assumption: bool
    override: float | None = None
    used_by: list[str] = field(default_factory=list)


@dataclass
class EditorFigureGroup:
    """The editor's figures of one catalog entry (a model, a GPU, a defaults group)."""

    title: str
    used_by: list[str] = field(default_factory=list)
    rows: list[EditorFigure] = field(default_factory=list)


def relevant_figures(data: Mapping[str, Any], catalog: Catalog, setup: str | None = None) -> list[EditorFigureGroup]:
    """The catalog figures the chosen models, GPUs, embedding model, store and reranker use, grouped.

    ``data`` is a scenario dict (as :func:`build_scenario` makes, possibly invalid: unknown names are
    skipped). Defaults appear only where the scenario leaves the input empty. ``setup`` keeps the
    groups one setup uses. Rows carry the pending override from ``data["overrides"]``.
    """
    options = {}
    for owner in ("prompt_only", "rag", "fine_tuned"):
        choice = get_in(data, f"{owner}.model") or {}
        if isinstance(choice.get("name"), str):
            options[owner] = model_option(catalog, choice["name"], choice.get("provider"))
    catalog = with_llms(catalog, [o for o in options.values() if bulk_record(o) is not None],
                        on=_start_date(data))
    try:
        embedding = embedding_key(catalog, str((data.get("rag") or {}).get("embedding_model") or ""))
    except CatalogError:
        embedding = None
    catalog = with_embeddings(catalog, [embedding] if embedding else [])
    table = figure_table(catalog)
    overrides = dict(data.get("overrides") or {})
    groups: dict[str, EditorFigureGroup] = {}

    def add(title: str, users: list[str], keys: list[str]) -> None:
        group = groups.setdefault(title, EditorFigureGroup(title))
        for user in users:
            if user not in group.used_by:
                group.used_by.append(user)
        rows = {r.key: r for r in group.rows}
        for k in keys:
            if k not in table:
                continue
            if k not in rows:
                fig = table[k]
                rows[k] = EditorFigure(k, fig.value, fig.source, fig.as_of, fig.is_assumption, overrides.get(k))
                group.rows.append(rows[k])
            rows[k].used_by.extend(u for u in users if u not in rows[k].used_by)

    def prefixed(prefix: str, exclude: str | None = None) -> list[str]:
        return [k for k in table if k.startswith(prefix) and not (exclude and k.startswith(exclude))]

    def gpu_keys(gpu: str, cloud: str | None) -> list[str]:
        cloud = cloud if cloud else cheapest_cloud(catalog, gpu)
        return [*prefixed(f"gpu.{gpu}.spec."), *prefixed(f"gpu.{gpu}.prices.{cloud}.")]

    people = data.get("people") or {}
    any_api = False
    for owner in ("prompt_only", "rag", "fine_tuned"):
        users = [owner] + (["hybrid"] if owner == "fine_tuned" else [])
        choice = get_in(data, f"{owner}.model") or {}
        name = choice.get("name")
        option = options.get(owner)
        if option in catalog.llm:
            any_api = True
            llm = catalog.llm[option]
            tuned = owner == "fine_tuned"
            keys = prefixed(f"llm.{option}.", exclude=None if tuned else f"llm.{option}.fine_tuning.")
            add(f"{llm.id} (API model, {llm.provider})", users, [*keys, *prefixed(f"tokenizer.{llm.tokenizer}.")])
        elif name in catalog.open_model:
            om = catalog.open_model[name]
            add(f"{name} (open model, self-hosted)", users,
                [*prefixed(f"open_model.{name}."), *prefixed(f"tokenizer.{om.tokenizer}.")])
            gpu = choice.get("gpu")
            if gpu in catalog.gpu:
                add(f"{gpu} GPU (serving)", users, gpu_keys(gpu, choice.get("cloud")))
            serving = ["defaults.serving.flops_efficiency", "defaults.serving.bandwidth_efficiency",
                       "defaults.serving.gpu_memory_utilisation"]
            for name_, figure_key in (("max_batch", "defaults.serving.max_batch"),
                                      ("target_utilisation", "defaults.serving.target_utilisation")):
                if choice.get(name_) is None:
                    serving.append(figure_key)
            if people.get("self_hosting_ops_days_per_month") is None:
                serving.append("defaults.people.self_hosting_ops_days_per_month")
            add("Self-hosted serving (catalog defaults)", users, serving)
            if owner == "fine_tuned":
                training = (data.get("fine_tuned") or {}).get("training") or {}
                tgpu = training.get("gpu") or gpu
                if tgpu in catalog.gpu:
                    add(f"{tgpu} GPU (training)", users, gpu_keys(tgpu, training.get("cloud") or choice.get("cloud")))
                method = "full" if training.get("method") == "full" else "lora"
                recompute = training.get("recompute")
                add("Self-hosted training (catalog defaults)", users, [
                    "defaults.training.model_flops_utilisation", "defaults.training.full_flops_per_parameter_token",
                    *(["defaults.training.lora_speed_vs_full", "defaults.training.lora_trainable_share"]
                      if method == "lora" else []),
                    "defaults.training.adam_bytes_per_parameter", "defaults.training.activation_bytes_per_layer",
                    "defaults.training.attention_score_bytes",
                    *(["defaults.training.recomputed_activation_bytes_per_layer"] if recompute is not False else []),
                    *([f"defaults.training.{name}" for name, field in (
                        ("sequence_length_tokens", "sequence_length"), ("micro_batch", "micro_batch"),
                        ("recompute_activations", "recompute")) if training.get(field) is None]),
                    "defaults.training.overhead_gpu_hours_per_run",
                ])

    rag = data.get("rag") or {}
    retrieval_users = ["rag", "hybrid"]
    if embedding is not None:
        add(f"{embedding} (embedding model)", retrieval_users,
            [*prefixed(f"embedding.{embedding}."), *prefixed(f"tokenizer.{catalog.embedding[embedding].tokenizer}.")])
    if rag.get("vector_store") in catalog.vector_store:
        add(f"{rag['vector_store']} (vector store)", retrieval_users,
            [*prefixed(f"vector_store.{rag['vector_store']}."), "defaults.workload.stored_bytes_per_token"])
    reranker = catalog.key_of("reranker", (rag.get("reranker") or {}).get("model") or "")
    if reranker is not None:
        add(f"{reranker} (reranker)", retrieval_users,
            [*prefixed(f"reranker.{reranker}."), *prefixed(f"tokenizer.{catalog.reranker[reranker].tokenizer}.")])

    for s in SETUPS:
        keys = []
        if people.get("day_rate_usd") is None:
            keys.append("defaults.people.day_rate_usd")
        if (people.get("build_days") or {}).get(s) is None:
            keys.append(f"defaults.people.build_days_{s}")
        if (people.get("ops_days_per_month") or {}).get(s) is None:
            keys.append(f"defaults.people.ops_days_per_month_{s}")
        if keys:
            add("People (catalog defaults)", [s], keys)
    workload = data.get("workload") or {}
    keys = []
    if workload.get("length_cv") is None:
        keys.append("defaults.workload.length_cv")
    if any_api:
        keys.append("defaults.workload.api_ttft_p95_over_p50")
        keys.append("defaults.workload.cached_prefill_time_share")
    if keys:
        add("Workload (catalog defaults)", list(SETUPS), keys)

    out = [g for g in groups.values() if g.rows]
    if setup is not None:
        out = [EditorFigureGroup(g.title, [setup], [r for r in g.rows if setup in r.used_by])
               for g in out if setup in g.used_by]
    return out


def override_candidates(data: Mapping[str, Any], catalog: Catalog) -> list[str]:
    """Figure keys offered for overriding: those the scenario's choices use, then the ones overridden."""
    keys: list[str] = []
    for group in relevant_figures(data, catalog):
        keys.extend(r.key for r in group.rows if r.key not in keys)
    keys.extend(k for k in (data.get("overrides") or {}) if k not in keys)
    return keys


def known_figure(figure_key: str, catalog: Catalog) -> bool:
    """True if an override may name this key (including optional figures the catalog leaves empty)."""
    try:
        catalog.with_overrides({figure_key: 1.0})
    except Exception:
        return False
    return True

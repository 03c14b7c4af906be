"""Scenario -> widget values -> scenario dict, validation of an edit, pending overrides."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pricing.catalog import Catalog
from simulator.scenario import (OVERRIDES as OVERRIDE_PATH, SCHEMA_VERSION, SETUPS, Scenario, ScenarioError, get_in,
                                schema_field, validate_scenario)

from .choices import default_gpu, is_open_model, model_choice, model_option
from .fields import CONVERSATION, CONVERSATION_START, GROUPS, LENGTHS, NUMBER, NUMBERS, ORIGIN, key
from .lengths import mean_token_count, join_documents, length_from_inputs, length_to_inputs, split_documents


# --- Scenario -> widget values -> scenario dict -----------------------------------------------------

CARRY_NUMBERS = {"last_n": "last_n", "summary_tokens": "summary"}  # conversation input -> the carry it goes with


def widget_values(scenario: Scenario, catalog: Catalog) -> dict[str, Any]:
    """Every editor widget's value for ``scenario`` (keys with the ``ed_`` prefix).

    Inputs that the scenario does not use (GPU fields of an API model, the text box of a length given
    as a count) get sensible starting values, so switching to them shows something usable.
    """
    data = scenario.model_dump()
    values: dict[str, Any] = {key("name"): scenario.name, key("description"): scenario.description,
                              key("workload.start_date"): scenario.workload.start_date}
    reranker = data["rag"].get("reranker")
    top_k = data["rag"]["top_k"]
    for number in NUMBERS:
        raw = get_in(data, number.path)
        if number.path == "rag.reranker.candidates" and reranker is None:
            raw = max(50, top_k)
        elif number.path.endswith(".model.gpus_per_replica") or number.path.endswith(".model.min_replicas"):
            raw = 1 if raw is None else raw
        elif number.path == "knowledge.corpus.tokens" and raw is None:
            corpus = data["knowledge"]["corpus"]
            raw = mean_token_count(corpus["documents"] or []) * float(corpus["document_count"] or 0)
        elif number.path == "knowledge.corpus.document_count" and raw is None:
            raw = 1000.0
        elif number.path.startswith(CONVERSATION + ".") and data["workload"]["conversation"] is None:
            name = number.path.rsplit(".", 1)[-1]
            raw = CONVERSATION_START.get(name, schema_field(number.path).default)
        values[number.key] = number.to_widget(raw)
    for path in LENGTHS:
        for part, value in length_to_inputs(get_in(data, path)).items():
            values[key(f"{path}.{part}")] = value
    corpus = data["knowledge"]["corpus"]
    values[key("knowledge.corpus.mode")] = "tokens" if corpus["tokens"] is not None else "documents"
    values[key("knowledge.corpus.documents")] = join_documents(corpus["documents"] or [])
    for setup in ("prompt_only", "rag", "fine_tuned"):
        choice = data[setup]["model"]
        values[key(f"{setup}.model.name")] = model_option(catalog, choice["name"], choice.get("provider"))
        gpu = choice["gpu"] or (data["fine_tuned"]["training"]["gpu"] if setup == "fine_tuned" else None)
        values[key(f"{setup}.model.gpu")] = gpu if gpu in catalog.gpu else default_gpu(catalog)
        values[key(f"{setup}.model.cloud")] = choice["cloud"] or ""
    values[key("rag.embedding_model")] = data["rag"]["embedding_model"]
    values[key("rag.vector_store")] = data["rag"]["vector_store"]
    values[key("rag.reranker.model")] = reranker["model"] if reranker else ""
    training = data["fine_tuned"]["training"]
    values[key("fine_tuned.training.method")] = training["method"]
    values[key("fine_tuned.training.gpu")] = training["gpu"] or ""
    values[key("fine_tuned.training.cloud")] = training["cloud"] or ""
    values[key("fine_tuned.training.recompute")] = {None: "", True: "on", False: "off"}[training["recompute"]]
    values[key("fine_tuned.existing_customer")] = bool(data["fine_tuned"]["existing_customer"])
    conversation = data["workload"]["conversation"]
    values[key(CONVERSATION)] = conversation is not None
    values[key(f"{CONVERSATION}.carry")] = conversation["carry"] if conversation else "full"
    values[key(f"{CONVERSATION}.keep_retrieval")] = bool(conversation and conversation["keep_retrieval"])
    return values


def merged_values(scenario: Scenario, catalog: Catalog, current: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's widget values with whatever the widgets hold now on top (hidden widgets lose theirs)."""
    values = widget_values(scenario, catalog)
    for k in values:
        if k in current:
            values[k] = current[k]
    return values


def build_scenario(values: Mapping[str, Any], overrides: Mapping[str, float] | None,
                   catalog: Catalog, decision: Mapping[str, Any] | None = None,
                   ranges: Mapping[str, Mapping[str, Any]] | None = None,
                   traffic: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A plain scenario dict (ready for :func:`validate_scenario`) from the editor's widget values.

    ``decision`` (the questionnaire's answers, edited on the Decision page) and ``traffic`` (where
    fitted inputs came from, written by ``crossover traffic --apply``) are carried over as given.
    ``ranges`` (dotted path -> range dict in schema units) go in under ``"ranges"``; validation puts
    each range's point value in place of the widget's.

    Inputs hidden by the choices (self-hosting fields of an API model, reranker candidates without a
    reranker, the inactive form of a length) are left out, and so are their ranges. Empty optional
    inputs are left out, so the catalog default applies. Never raises: whatever is wrong is for
    validation to report.
    """
    def v(path: str, default: Any = None) -> Any:
        return values.get(key(path), default)

    def num(path: str) -> Any:
        return NUMBER[path].from_widget(v(path))

    def length(path: str) -> dict[str, Any]:
        return length_from_inputs(v(f"{path}.mode", "tokens"), v(f"{path}.tokens"), v(f"{path}.text"), v(f"{path}.samples"),
                                  v(f"{path}.quantiles"))

    def optional(section: dict, name: str, path: str) -> None:
        value = num(path)
        if value is not None:
            section[name] = value

    def model(setup: str) -> dict[str, Any]:
        out: dict[str, Any] = model_choice(catalog, v(f"{setup}.model.name") or "")
        name = out["name"]
        if is_open_model(name, catalog) and "provider" not in out:
            out["gpu"] = v(f"{setup}.model.gpu") or None
            out["cloud"] = v(f"{setup}.model.cloud") or None
            out["gpus_per_replica"] = num(f"{setup}.model.gpus_per_replica")
            out["min_replicas"] = num(f"{setup}.model.min_replicas")
            optional(out, "target_utilisation", f"{setup}.model.target_utilisation")
            optional(out, "max_batch", f"{setup}.model.max_batch")
        return out

    workload: dict[str, Any] = {
        "queries_per_month": num("workload.queries_per_month"),
        "monthly_growth": num("workload.monthly_growth"),
        "peak_to_average": num("workload.peak_to_average"),
        "batch_share": num("workload.batch_share"),
        "query": length("workload.query"),
        "answer": length("workload.answer"),
        "reasoning_tokens": num("workload.reasoning_tokens"),
        "start_date": v("workload.start_date"),
        "horizon_months": num("workload.horizon_months"),
    }
    optional(workload, "length_cv", "workload.length_cv")
    if traffic:
        workload["traffic"] = dict(traffic)
    if v(CONVERSATION):
        carry = v(f"{CONVERSATION}.carry") or "full"
        conversation: dict[str, Any] = {"turns": num(f"{CONVERSATION}.turns"), "carry": carry,
                                        "keep_retrieval": bool(v(f"{CONVERSATION}.keep_retrieval", False)),
                                        "gap_minutes": num(f"{CONVERSATION}.gap_minutes")}
        if carry == "last_n":  # the other carry's number is hidden, and left out
            optional(conversation, "last_n", f"{CONVERSATION}.last_n")
        elif carry == "summary":
            optional(conversation, "summary_tokens", f"{CONVERSATION}.summary_tokens")
        workload["conversation"] = conversation

    if v("knowledge.corpus.mode", "tokens") == "documents":
        corpus = {"documents": split_documents(v("knowledge.corpus.documents") or ""),
                  "document_count": num("knowledge.corpus.document_count")}
    else:
        corpus = {"tokens": num("knowledge.corpus.tokens")}

    people: dict[str, Any] = {"build_days": {}, "ops_days_per_month": {}}
    optional(people, "day_rate_usd", "people.day_rate_usd")
    optional(people, "self_hosting_ops_days_per_month", "people.self_hosting_ops_days_per_month")
    for s in SETUPS:
        optional(people["build_days"], s, f"people.build_days.{s}")
        optional(people["ops_days_per_month"], s, f"people.ops_days_per_month.{s}")

    rag: dict[str, Any] = {
        "model": model("rag"),
        "system_prompt": length("rag.system_prompt"),
        "chunk_tokens": num("rag.chunk_tokens"),
        "top_k": num("rag.top_k"),
        "embedding_model": v("rag.embedding_model") or "",
        "vector_store": v("rag.vector_store") or "",
        "cache_hit_rate": num("rag.cache_hit_rate"),
    }
    if v("rag.reranker.model"):
        rag["reranker"] = {"model": v("rag.reranker.model"), "candidates": num("rag.reranker.candidates")}

    ft_model = model("fine_tuned")
    training: dict[str, Any] = {
        "examples": num("fine_tuned.training.examples"),
        "tokens_per_example": num("fine_tuned.training.tokens_per_example"),
        "epochs": num("fine_tuned.training.epochs"),
        "method": v("fine_tuned.training.method") or "lora",
        "labelling_usd_per_example": num("fine_tuned.training.labelling_usd_per_example"),
    }
    optional(training, "retrain_every_months", "fine_tuned.training.retrain_every_months")
    if "gpu" in ft_model:  # self-hosted training: on rented GPUs
        training["gpu"] = v("fine_tuned.training.gpu") or None
        training["cloud"] = v("fine_tuned.training.cloud") or None
        training["gpus"] = num("fine_tuned.training.gpus")
        optional(training, "sequence_length", "fine_tuned.training.sequence_length")
        optional(training, "micro_batch", "fine_tuned.training.micro_batch")
        recompute = {"on": True, "off": False}.get(v("fine_tuned.training.recompute") or "")
        if recompute is not None:
            training["recompute"] = recompute
    fine_tuned: dict[str, Any] = {
        "model": ft_model,
        "training": training,
        "system_prompt": length("fine_tuned.system_prompt"),
        "cache_hit_rate": num("fine_tuned.cache_hit_rate"),
    }
    if "gpu" not in ft_model:
        fine_tuned["existing_customer"] = bool(v("fine_tuned.existing_customer", False))

    hybrid: dict[str, Any] = {"system_prompt": length("hybrid.system_prompt"),
                              "cache_hit_rate": num("hybrid.cache_hit_rate")}
    optional(hybrid, "top_k", "hybrid.top_k")

    data = {
        "schema_version": SCHEMA_VERSION,
        "name": v("name") or "",
        "description": v("description") or "",
        "workload": workload,
        "knowledge": {"corpus": corpus, "monthly_change_share": num("knowledge.monthly_change_share")},
        "people": people,
        "prompt_only": {
            "model": model("prompt_only"),
            "system_prompt": length("prompt_only.system_prompt"),
            "few_shot": length("prompt_only.few_shot"),
            "cache_hit_rate": num("prompt_only.cache_hit_rate"),
        },
        "rag": rag,
        "fine_tuned": fine_tuned,
        "hybrid": hybrid,
        "decision": dict(decision or {}),
        "overrides": {str(k): v_ for k, v_ in (overrides or {}).items()},
        "uncertainty": {name: num(f"uncertainty.{name}") for name in ("seed", "draws", "price_drift_pct_per_year")},
    }
    data["ranges"] = {path: dict(spec) for path, spec in (ranges or {}).items() if is_shown(data, path)}
    return data


def is_shown(data: Mapping[str, Any], path: str) -> bool:
    """True if :func:`build_scenario` wrote the input at ``path`` (an empty optional one counts)."""
    if path.startswith(OVERRIDE_PATH):
        return path[len(OVERRIDE_PATH):] in (data.get("overrides") or {})
    parent, _, name = path.rpartition(".")
    section = get_in(data, parent)
    if not isinstance(section, Mapping):
        return False
    if name in section:
        return True
    if parent == CONVERSATION and name in CARRY_NUMBERS:
        return section.get("carry") == CARRY_NUMBERS[name]  # the other carry's number is not written
    if parent.endswith(".model") and "gpu" not in section:
        return False  # a self-hosting input of an API model
    return path in NUMBER and NUMBER[path].optional


# --- Validation -------------------------------------------------------------------------------------


def apply(data: dict[str, Any], catalog: Catalog) -> Scenario:
    """Validate an edited scenario completely (schema, catalog names, a trial evaluation).

    Raises :class:`ScenarioError` listing every problem; returns the scenario only when it can be used.
    """
    scenario = validate_scenario(data, ORIGIN, catalog)
    from simulator.model.evaluate import evaluate  # here: the editor's other helpers need no NumPy model

    try:
        evaluate(scenario, catalog)
    except ScenarioError:
        raise
    except Exception as exc:  # the simulator refuses it: report, never a traceback
        raise ScenarioError([f"{ORIGIN}: the simulator cannot evaluate this scenario: {exc}"]) from None
    return scenario


def problem_lines(error: ScenarioError) -> list[str]:
    """``field.path: message`` lines, without the ``editor:`` origin."""
    lines = []
    for problem in error.problems:
        lines.append(problem[len(ORIGIN) + 2:] if problem.startswith(ORIGIN + ": ") else problem)
    return lines


def problem_group(line: str, ranged: Collection[str] = ()) -> str:
    """The editor tab a ``field.path: message`` line belongs to; a ranged input's is Uncertainty."""
    path = line.split(":", 1)[0].strip()
    if path in ranged:
        return "Uncertainty"
    return GROUPS.get(path.split(".", 1)[0], "Scenario")


def same_as(data: dict[str, Any], scenario_yaml: str) -> bool | None:
    """True if the edited dict is the scenario whose canonical YAML is given; None if it is not valid yet."""
    try:
        return Scenario.model_validate(data).to_yaml() == scenario_yaml
    except Exception:
        return None


# --- Overrides --------------------------------------------------------------------------------------


def with_override(overrides: Mapping[str, float], figure_key: str, value: float) -> dict[str, float]:
    out = dict(overrides)
    out[figure_key.strip()] = float(value)
    return out


def without_override(overrides: Mapping[str, float], figure_key: str) -> dict[str, float]:
    return {k: v for k, v in overrides.items() if k != figure_key}

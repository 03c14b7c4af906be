"""Scenario files from older schema versions, brought up to date step by step.

Every schema change bumps ``scenario.SCHEMA_VERSION``, adds a step here that turns a version-``n``
mapping into version ``n + 1`` (returning a notice for the user), and commits a fixture written in
version ``n`` under ``tests/fixtures/schema_v<n>/``; ``tests/test_migrations.py`` loads every fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Step = Callable[[dict[str, Any]], tuple[dict[str, Any], str]]

def _v1_to_v2(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Version 2 added the decision questionnaire; a version-1 file has it unanswered."""
    return data, "added the decision questionnaire, unanswered (answer it on the Decision page)"


def _v2_to_v3(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Version 3 lets any input be a range and adds Monte Carlo settings; a version-2 file has none."""
    return data, "inputs can now be ranges (none set: every number stays a point value)"


# Version 4 names models by the provider's API model id; the catalog's earlier names stay aliases
# (a choice still resolves), but override keys name figures by id and are rewritten. kind -> old -> new.
RENAMED_IN_V4 = {
    "llm": {
        "claude-haiku-4.5": "claude-haiku-4-5",
        "claude-sonnet-4.6": "claude-sonnet-4-6",
        "claude-opus-4.6": "claude-opus-4-6",
        "mistral-large-3": "mistral-large-2512",
        "mistral-small-4": "mistral-small-2603",
        "llama-3.1-8b-groq": "llama-3.1-8b-instant",
        "llama-3.3-70b-groq": "llama-3.3-70b-versatile",
        "llama-3.1-8b-together": "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
        "llama-3.3-70b-together": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "llama-3.1-8b-fireworks": "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "llama-3.3-70b-fireworks": "accounts/fireworks/models/llama-v3p3-70b-instruct",
    },
    "embedding": {"cohere-embed-v4.0": "embed-v4.0"},
    "reranker": {
        "cohere-rerank-3.5": "rerank-v3.5",
        "voyage-rerank-2.5": "rerank-2.5",
        "voyage-rerank-2.5-lite": "rerank-2.5-lite",
    },
}


def _v3_to_v4(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Version 4 lets a model choice name its provider and names models by their API id: names and
    override keys of the catalog's earlier names are rewritten."""
    renamed: list[str] = []

    def rename(kind: str, mapping: Any, field: str) -> Any:
        name = mapping.get(field) if isinstance(mapping, dict) else None
        if not isinstance(name, str) or name not in RENAMED_IN_V4[kind]:
            return mapping
        renamed.append(f"{name} -> {RENAMED_IN_V4[kind][name]}")
        return {**mapping, field: RENAMED_IN_V4[kind][name]}

    for setup in ("prompt_only", "rag", "fine_tuned"):
        if isinstance(data.get(setup), dict) and "model" in data[setup]:
            data[setup] = {**data[setup], "model": rename("llm", data[setup]["model"], "name")}
    if isinstance(data.get("rag"), dict):
        data["rag"] = rename("embedding", data["rag"], "embedding_model")
        if isinstance(data["rag"].get("reranker"), dict):
            data["rag"] = {**data["rag"], "reranker": rename("reranker", data["rag"]["reranker"], "model")}
    if isinstance(data.get("overrides"), dict):
        data["overrides"] = {_renamed_key(k): v for k, v in data["overrides"].items()}
    notice = "a model can now name the provider or cloud that sells it (none named: the same model as before)"
    return data, notice + (f"; models are named by their API id: {', '.join(sorted(set(renamed)))}" if renamed else "")


def _renamed_key(key: Any) -> Any:
    if isinstance(key, str):
        for kind, names in RENAMED_IN_V4.items():
            for old, new in names.items():
                if key.startswith(f"{kind}.{old}."):
                    return f"{kind}.{new}.{key[len(kind) + len(old) + 2:]}"
    return key


# version n -> the function that upgrades a version-n mapping to version n + 1
STEPS: dict[int, Step] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def migrate(data: dict[str, Any], target: int, steps: dict[int, Step] = STEPS) -> tuple[dict[str, Any], list[str]]:
    """Upgrade ``data`` to ``target`` through every step; returns the mapping and the notices.

    A version with no step to the next one (or not an integer) is left alone: validation then
    reports the version with a clear message.
    """
    notices: list[str] = []
    version = data.get("schema_version")
    while isinstance(version, int) and not isinstance(version, bool) and version < target and version in steps:
        data, notice = steps[version](dict(data))
        version += 1
        data["schema_version"] = version
        notices.append(f"upgraded from schema version {version - 1} to {version}: {notice}")
    return data, notices

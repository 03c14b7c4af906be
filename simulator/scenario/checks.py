"""Checks of a valid scenario against the catalog: every model, GPU, cloud and store it names exists."""

from __future__ import annotations

import difflib

from pricing.catalog import Catalog

from .schema import ModelChoice, Scenario


def catalog_problems(scenario: Scenario, catalog: Catalog) -> list[str]:
    """Names that the catalog does not know, and self-hosting settings that do not fit together."""
    problems: list[str] = []

    def check(kind: str, name: str, where: str) -> None:
        try:
            catalog.get(kind, name)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")

    for setup in ("prompt_only", "rag", "fine_tuned"):
        choice: ModelChoice = getattr(scenario, setup).model
        where = f"{setup}.model"
        if choice.name in catalog.llm:
            for field in ("gpu", "cloud"):
                if getattr(choice, field) is not None:
                    problems.append(f"{where}.{field}: {choice.name} is an API model; {field} applies only to self-hosted open models")
        elif choice.name in catalog.open_model:
            if choice.gpu is None:
                problems.append(f"{where}.gpu: self-hosting {choice.name} needs a GPU type (known: {', '.join(sorted(catalog.gpu))})")
            else:
                _check_gpu_cloud(catalog, choice.gpu, choice.cloud, where, problems)
        else:
            known = sorted([*catalog.llm, *catalog.open_model])
            close = difflib.get_close_matches(choice.name, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(f"{where}.name: unknown model {choice.name!r}{hint} (API models: {', '.join(sorted(catalog.llm))}; open models: {', '.join(sorted(catalog.open_model))})")

    ft = scenario.fine_tuned
    if ft.model.name in catalog.llm and catalog.llm[ft.model.name].fine_tuning is None:
        offered = sorted(n for n, m in catalog.llm.items() if m.fine_tuning is not None)
        problems.append(f"fine_tuned.model.name: {ft.model.name} cannot be fine-tuned through its API (models that can: {', '.join(offered)}; or self-host an open model)")
    if ft.training.gpu is not None or ft.training.cloud is not None:
        if ft.model.name in catalog.llm:
            problems.append("fine_tuned.training.gpu: API fine-tuning runs on the provider's hardware; remove gpu/cloud")
        elif ft.training.gpu is not None:
            _check_gpu_cloud(catalog, ft.training.gpu, ft.training.cloud or ft.model.cloud, "fine_tuned.training", problems)
        elif ft.model.gpu is not None and ft.model.gpu in catalog.gpu:
            _check_gpu_cloud(catalog, ft.model.gpu, ft.training.cloud, "fine_tuned.training", problems)

    check("embedding", scenario.rag.embedding_model, "rag.embedding_model")
    check("vector_store", scenario.rag.vector_store, "rag.vector_store")
    if scenario.rag.reranker is not None:
        check("reranker", scenario.rag.reranker.model, "rag.reranker.model")
        if scenario.rag.reranker.candidates < scenario.rag.top_k:
            problems.append(f"rag.reranker.candidates: {scenario.rag.reranker.candidates} is fewer than top_k ({scenario.rag.top_k}); the reranker picks top_k out of the candidates")
    try:
        catalog.with_overrides(scenario.overrides)
    except ValueError as exc:
        problems.append(f"overrides: {exc}")
    return problems


def _check_gpu_cloud(catalog: Catalog, gpu: str, cloud: str | None, where: str, problems: list[str]) -> None:
    try:
        spec = catalog.get("gpu", gpu)
    except ValueError as exc:
        problems.append(f"{where}.gpu: {exc}")
        return
    if cloud is not None and cloud not in spec.prices:
        problems.append(f"{where}.cloud: {gpu} has no price on {cloud!r} (clouds with a price: {', '.join(sorted(spec.prices))})")

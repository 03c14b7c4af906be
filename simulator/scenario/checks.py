"""Checks of a valid scenario against the catalog: every model, GPU, cloud and store it names exists."""

from __future__ import annotations

from pricing.catalog import Catalog, CatalogError
from pricing.resolve import embedding_key, llm_key, with_embeddings, with_llms

from .schema import ModelChoice, Scenario

API_SETUPS = ("prompt_only", "rag", "fine_tuned")  # the setups that choose a model (hybrid uses fine_tuned's)


def is_self_hosted(choice: ModelChoice, catalog: Catalog) -> bool:
    """An open model of the catalog named without a provider runs on rented GPUs."""
    return choice.provider is None and choice.name in catalog.open_model


def api_model_keys(scenario: Scenario, catalog: Catalog) -> dict[str, str]:
    """setup -> catalog key of its API model, for the setups whose model resolves to one."""
    keys = {}
    for setup in API_SETUPS:
        choice = getattr(scenario, setup).model
        if not is_self_hosted(choice, catalog):
            try:
                keys[setup] = llm_key(catalog, choice.name, choice.provider)
            except CatalogError:
                pass  # catalog_problems reports it
    return keys


def embedding_model_key(scenario: Scenario, catalog: Catalog) -> str | None:
    """The catalog key of the RAG setup's embedding model, None when it names none."""
    try:
        return embedding_key(catalog, scenario.rag.embedding_model)
    except CatalogError:
        return None  # catalog_problems reports it


def with_scenario_models(scenario: Scenario, catalog: Catalog) -> Catalog:
    """``catalog`` with the bulk-layer models the scenario names added as entries."""
    catalog = with_llms(catalog, api_model_keys(scenario, catalog).values(), on=scenario.workload.start_date)
    embedding = embedding_model_key(scenario, catalog)
    return with_embeddings(catalog, [embedding] if embedding else [])


def catalog_problems(scenario: Scenario, catalog: Catalog) -> list[str]:
    """Names that the catalog does not know, and self-hosting settings that do not fit together."""
    problems: list[str] = []

    def check(kind: str, name: str, where: str) -> None:
        try:
            catalog.get(kind, name)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")

    keys = api_model_keys(scenario, catalog)
    catalog = with_scenario_models(scenario, catalog)
    for setup in API_SETUPS:
        choice: ModelChoice = getattr(scenario, setup).model
        where = f"{setup}.model"
        if setup in keys:
            for field in ("gpu", "cloud"):
                if getattr(choice, field) is not None:
                    problems.append(f"{where}.{field}: {choice.name} is an API model; {field} applies only to self-hosted open models")
        elif is_self_hosted(choice, catalog):
            if choice.gpu is None:
                problems.append(f"{where}.gpu: self-hosting {choice.name} needs a GPU type (known: {', '.join(sorted(catalog.gpu))})")
            else:
                _check_gpu_cloud(catalog, choice.gpu, choice.cloud, where, problems)
        else:
            try:
                llm_key(catalog, choice.name, choice.provider)
            except CatalogError as exc:
                field = "provider" if str(exc).startswith("unknown provider") else "name"
                opens = f"; open models to self-host with a gpu: {', '.join(sorted(catalog.open_model))}"
                problems.append(f"{where}.{field}: {exc}{opens if choice.provider is None else ''}")

    ft = scenario.fine_tuned
    tuned = catalog.llm.get(keys.get("fine_tuned", ""))
    if tuned is not None and tuned.fine_tuning is None:
        offered = sorted(m.id for m in catalog.llm.values() if m.fine_tuning is not None)
        problems.append(f"fine_tuned.model.name: {ft.model.name} cannot be fine-tuned through {tuned.provider}'s API (models that can: {', '.join(offered)}; or self-host an open model)")
    if ft.training.gpu is not None or ft.training.cloud is not None:
        if "fine_tuned" in keys:
            problems.append("fine_tuned.training.gpu: API fine-tuning runs on the provider's hardware; remove gpu/cloud")
        elif ft.training.gpu is not None:
            _check_gpu_cloud(catalog, ft.training.gpu, ft.training.cloud or ft.model.cloud, "fine_tuned.training", problems)
        elif ft.model.gpu is not None and ft.model.gpu in catalog.gpu:
            _check_gpu_cloud(catalog, ft.model.gpu, ft.training.cloud, "fine_tuned.training", problems)

    try:
        embedding_key(catalog, scenario.rag.embedding_model)
    except CatalogError as exc:
        problems.append(f"rag.embedding_model: {exc}")
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

"""Cost parts as pure functions: each takes what it needs and returns its :class:`CostParts`.

Token billing (API models), per query, in the model's own tokens:
  static prefix S (system prompt, few-shot), dynamic D (query, retrieved chunks), output O
  (answer + reasoning, the reasoning only on a model that thinks: :func:`billed_reasoning_tokens`).
  The prefix is cacheable when S >= the provider's minimum; a share h of
  requests (the cache hit rate) reads it at the cached price, the rest write it (at the cache-write
  price where the provider charges one, else the input price):
    input  = (S - S_cacheable + D) x p_in + S_cacheable x (1 - h) x p_write
    cached = S_cacheable x h x p_cached
    output = O x p_out
  The batchable share b of queries gets the batch discount d on all three: x (1 - b x d).
  Every price is the one of the prompt-length tier the prompt S + D is in (:func:`tier_prices`):
  above a tier's threshold the whole request pays that tier's prices.

Self-hosted models: GPU replicas as a step function of the peak query rate (serving.py), plus
people to run them. One-time costs (building days, first training, labelling, first embedding)
are amortised over the horizon in ``one_time_amortised``.

Every number may also be an array of Monte Carlo draws of shape (draws, 1); a "sampled" part then
reports the draws in which it cannot work in ``infeasible`` instead of a problem message.
Catalog figures are read through a :class:`~pricing.provenance.FigureRecorder`, which records them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pricing.catalog import TIER_PRICES, LlmModel
from pricing.provenance import FigureRecorder, gpu_offer
from simulator.scenario import Conversation, ModelChoice, Training
from simulator.units import HOURS_PER_MONTH, SECONDS_PER_MONTH

from . import latency as lat
from .conversation import conversation_turns, history_is_cached, turn_tokens
from .curves import Affine, Part, Staircase
from .training import api_training_cost_usd, self_hosted_training

PARTS = (
    "input_tokens", "cached_input_tokens", "output_tokens", "query_embeddings", "vector_store",
    "reranking", "corpus_reembedding", "retraining", "gpu_hosting", "fine_tuned_hosting",
    "operations", "one_time_amortised",
)


@dataclass
class CostParts:
    """What one part builder contributes to a setup. Costs in USD (per month for ``parts``)."""

    parts: dict[str, tuple[Part, ...]] = field(default_factory=dict)
    one_time_usd: dict[str, float] = field(default_factory=dict)
    details: dict[str, float | str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # risks the setup works with
    problems: list[str] = field(default_factory=list)  # reasons it cannot work (point builds)
    infeasible: np.ndarray | bool = False  # sampled builds: draws in which it cannot work


def num(x):
    """A Python float for a point value; arrays of Monte Carlo draws pass through."""
    return x if isinstance(x, np.ndarray) and x.ndim else float(x)


def where(condition, if_true, if_false):
    """``if_true if condition else if_false``, element-wise when the condition is an array."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, if_true, if_false)
    return if_true if condition else if_false


def refusal(sampled: bool, condition, message: Callable[[], str]) -> CostParts:
    """The setup cannot work where ``condition`` holds: per draw when sampled, else a problem
    (``message()`` is only formatted then)."""
    if sampled:
        return CostParts(infeasible=np.asarray(condition, bool))
    return CostParts(problems=[message()]) if condition else CostParts()


def cached_prefix_tokens(static, min_prefix: float, increment: float | None):
    """The part of a static prefix of ``static`` tokens a provider caches: none below ``min_prefix``;
    above it the whole prefix, or with an ``increment`` (OpenAI: 1,024 + 128 n tokens) the largest
    ``min_prefix + increment * n`` that fits [tokens]."""
    if increment is None:
        return where(static >= min_prefix, static, 0.0)
    steps = np.floor((np.asarray(static, float) - min_prefix) / increment)
    return where(static >= min_prefix, num(min_prefix + steps * increment), 0.0)


def billed_reasoning_tokens(llm: LlmModel, reasoning_tokens: float, *, sampled: bool) -> tuple[float, CostParts]:
    """The workload's reasoning tokens per query a model is billed for, and the warning that says why
    when it differs from what the workload states [model tokens per query].

    Only a model that can think produces reasoning tokens (issue 12.4): ``optional`` and
    ``default_on`` models are billed the workload's ``reasoning_tokens``, a ``none`` model 0. A model
    the catalog says nothing about is taken as ``none``. A ``default_on`` model with no reasoning
    tokens in the workload gets a warning: it thinks unless the request turns thinking off.
    """
    out = CostParts()
    mode = llm.reasoning.mode if llm.reasoning is not None else None
    out.details["reasoning"] = mode or "none (not stated)"
    thinks = mode in ("optional", "default_on")
    billed = reasoning_tokens if thinks else 0.0
    if sampled:
        return billed, out
    has_reasoning = bool(np.any(np.asarray(reasoning_tokens) > 0))
    if has_reasoning and not thinks:
        if llm.reasoning is None or llm.reasoning.is_assumption:
            out.warnings.append(f"the catalog does not say whether {llm.id} reasons: assumed it does not, so the "
                                f"workload's {reasoning_tokens:,.0f} reasoning tokens per query are billed as 0")
        else:
            out.warnings.append(f"{llm.id} does not reason ({llm.reasoning.source.split(' ')[0]}): the workload's "
                                f"{reasoning_tokens:,.0f} reasoning tokens per query are billed as 0")
    elif mode == "default_on" and not has_reasoning:
        why = "assumed" if llm.reasoning.is_assumption else llm.reasoning.source.split(" ")[0]
        out.warnings.append(f"{llm.id} thinks by default ({why}) but the workload has no "
                            "reasoning tokens: set workload.reasoning_tokens to the thinking it does, or turn its "
                            "thinking off in the request")
    return billed, out


def on_turns(value):
    """A per-query value (scalar or draws) lined up with per-turn arrays, whose turns run along a
    trailing axis (``conversation.Turns``); None stays None."""
    return None if value is None else np.asarray(value, float)[..., None]


def tier_prices(read: FigureRecorder, prices, prompt_tokens, per_turn: bool = False) -> dict[str, float | None]:
    """Input, cached-input, cache-write and output prices [USD per million tokens] of a request
    whose prompt (input and cached input) is ``prompt_tokens`` [model tokens; scalar or draws].

    A prompt longer than a tier's ``above_prompt_tokens`` pays that tier's prices on the whole
    request, the highest such tier winning (:class:`pricing.catalog.PromptTier`); below the first, the
    base prices. A threshold is read as compared (it chooses), a tier's prices as used only where
    some prompt reaches the tier. None: the price does not exist (no cache).

    ``per_turn``: ``prompt_tokens`` has a trailing turn axis (a conversation's turns), and every
    figure (a scalar or draws) is lined up with it (:func:`on_turns`)."""
    line_up = on_turns if per_turn else (lambda value: value)
    out = {name: line_up(read(getattr(prices, name))) if getattr(prices, name, None) is not None else None
           for name in TIER_PRICES}
    for tier in getattr(prices, "prompt_tiers", ()):  # fine-tuned prices have no tiers
        above = prompt_tokens > line_up(read.compare(tier.above_prompt_tokens))
        if not np.any(above):
            continue
        for name in TIER_PRICES:
            figure = getattr(tier, name)
            if figure is not None:
                out[name] = where(above, line_up(read(figure)), out[name])
    return out


def api_token_parts(read: FigureRecorder, llm: LlmModel, tokens: dict[str, float], *, hit_rate: float,
                    batch_share: float, fine_tuned: bool, sampled: bool) -> CostParts:
    """Input, cached-input and output token costs of an API model [USD/month, per query].

    ``tokens``: the per-query composition in the model's tokens (system_prompt, few_shot,
    retrieved_chunks, query, answer, reasoning); ``hit_rate`` and ``batch_share`` are fractions.
    """
    out = CostParts()
    base = llm.prices
    prices = llm.fine_tuning.prices if fine_tuned and llm.fine_tuning else base
    static = sum(v for k, v in tokens.items() if k in ("system_prompt", "few_shot"))
    dynamic = sum(v for k, v in tokens.items() if k in ("retrieved_chunks", "query"))
    p_in, p_out, p_cached, p_write, write = _usd_per_token(read, prices, static + dynamic)
    min_prefix = read(base.min_cacheable_prefix_tokens) if base.min_cacheable_prefix_tokens else math.inf
    discount = read(prices.batch_discount) if prices.batch_discount else 0.0
    if not sampled and batch_share > 0 and discount == 0:
        out.warnings.append(f"{llm.id} has no batch discount in the catalog; the batchable share pays full price")
    output = tokens["answer"] + tokens["reasoning"]
    cacheable = 0.0
    if p_cached is not None:
        cacheable = cached_prefix_tokens(static, min_prefix,
                                         read(base.cache_increment_tokens) if base.cache_increment_tokens else None)
    if not sampled and p_cached is not None and 0 < static < min_prefix and hit_rate > 0:
        out.warnings.append(f"the {static:,.0f}-token static prefix is below {llm.id}'s {min_prefix:,.0f}-token caching minimum: no cache discount")
    factor, cache_factor, miss_factor = _batch_factors(read, llm, out, batch_share=batch_share, discount=discount,
                                                       write=write, caches=lambda: hit_rate > 0 and np.any(cacheable > 0),
                                                       sampled=sampled)
    out.parts = {
        "input_tokens": (Affine(0.0, factor * (static - cacheable + dynamic) * p_in
                                + miss_factor * cacheable * (1 - hit_rate) * p_write),),
        "cached_input_tokens": (Affine(0.0, cache_factor * cacheable * hit_rate * (p_cached if p_cached is not None else 0.0)),),
        "output_tokens": (Affine(0.0, factor * output * p_out),),
    }
    out.details["cacheable_prefix_tokens"] = cacheable
    return out


def _usd_per_token(read: FigureRecorder, prices, prompt_tokens, per_turn: bool = False):
    """Input, output, cached-input and cache-write prices of a prompt's tier [USD per token], and
    whether the provider charges a cache write (else a write is billed as plain input)."""
    usd_per_mtok = tier_prices(read, prices, prompt_tokens, per_turn)
    p_in = usd_per_mtok["input_usd_per_mtok"] / 1e6
    p_out = usd_per_mtok["output_usd_per_mtok"] / 1e6
    p_cached = usd_per_mtok["cached_input_usd_per_mtok"]
    p_cached = p_cached / 1e6 if p_cached is not None else None
    write = getattr(prices, "cache_write_usd_per_mtok", None)
    p_write = usd_per_mtok["cache_write_usd_per_mtok"] / 1e6 if write else p_in
    return p_in, p_out, p_cached, p_write, write


def _batch_factors(read: FigureRecorder, llm: LlmModel, out: CostParts, *, batch_share, discount, write,
                   caches: Callable[[], bool], sampled: bool):
    """What a query pays of the list price after the batch discount on its batchable share
    [fraction]: plain tokens, cache reads, and cache writes. ``caches()``: some prefix is read from
    the cache (asked only for a point build's warning)."""
    base = llm.prices
    factor = 1.0 - batch_share * discount
    on_cache = 1.0
    if base.batch_discount_on_cache is not None:
        on_cache = read(base.batch_discount_on_cache)
    elif not sampled and batch_share > 0 and discount > 0 and caches():
        out.warnings.append(f"the catalog does not say whether {llm.provider}'s batch discount covers cache hits: "
                            "assumed it does")
    cache_factor = 1.0 - batch_share * discount * on_cache
    # A miss writes the prefix to the cache: at the cache-write price where there is one (and the
    # cache rule), else as plain input (and the batch discount).
    miss_factor = cache_factor if write else factor
    return factor, cache_factor, miss_factor


def api_conversation_token_parts(read: FigureRecorder, llm: LlmModel, tokens: dict[str, float],
                                 conversation: Conversation, *, hit_rate: float, batch_share: float,
                                 fine_tuned: bool, ratio: float, sampled: bool) -> CostParts:
    """Input, cached-input and output token costs of an API model when every query is a turn of a
    conversation [USD/month, per query: the average over the conversation's turns].

    ``tokens`` as for :func:`api_token_parts` (one turn's own tokens, in the model's tokens); the
    history each turn re-sends and which part of the prompt is read from or written to the
    provider's cache follow :mod:`simulator.model.conversation`. Each turn pays the prices of its
    own prompt's tier. ``ratio``: model tokens per o200k_base token (the summary length is given in
    o200k_base tokens). The details hold the per-query means of the history, cache reads and writes
    [model tokens] and the turns' split, for latency and the reports.
    """
    out = CostParts()
    base = llm.prices
    prices = llm.fine_tuning.prices if fine_tuned and llm.fine_tuning else base
    static, dynamic, carried = turn_tokens(tokens, conversation.keep_retrieval)
    has_cache = getattr(prices, "cached_input_usd_per_mtok", None) is not None
    min_prefix = read(base.min_cacheable_prefix_tokens) if base.min_cacheable_prefix_tokens else math.inf
    increment = read(base.cache_increment_tokens) if base.cache_increment_tokens else None

    def cacheable(prefix):  # of per-turn prefixes
        if not has_cache:
            return np.zeros_like(prefix)
        return cached_prefix_tokens(prefix, on_turns(min_prefix), on_turns(increment))

    ttl = read(base.cache_ttl_s) if has_cache and base.cache_ttl_s is not None else None
    history_cached = history_is_cached(conversation.gap_minutes, ttl)
    if not sampled and has_cache and ttl is None:
        out.warnings.append(f"the catalog has no cache lifetime for {llm.id}: the history of a conversation is taken "
                            f"to stay cached for the {conversation.gap_minutes:g} minutes between turns")
    summary = conversation.summary_tokens * ratio if conversation.summary_tokens is not None else None
    turns = conversation_turns(conversation.turns, carry=conversation.carry, per_turn=carried, static=static,
                               dynamic=dynamic, cacheable=cacheable, hit_rate=hit_rate,
                               history_cached=history_cached, last_n=conversation.last_n, summary=summary)
    p_in, p_out, p_cached, p_write, write = _usd_per_token(read, prices, turns.prompt, per_turn=True)
    discount = read(prices.batch_discount) if prices.batch_discount else 0.0
    if not sampled and batch_share > 0 and discount == 0:
        out.warnings.append(f"{llm.id} has no batch discount in the catalog; the batchable share pays full price")
    factor, cache_factor, miss_factor = map(on_turns, _batch_factors(
        read, llm, out, batch_share=batch_share, discount=discount, write=write,
        caches=lambda: np.any(turns.read > 0), sampled=sampled))
    output = on_turns(tokens["answer"] + tokens["reasoning"])
    out.parts = {
        "input_tokens": (Affine(0.0, turns.mean(factor * turns.uncached * p_in + miss_factor * turns.written * p_write)),),
        "cached_input_tokens": (Affine(0.0, turns.mean(cache_factor * turns.read * (p_cached if p_cached is not None else 0.0))),),
        "output_tokens": (Affine(0.0, turns.mean(factor * output * p_out)),),
    }
    out.details.update(
        cacheable_prefix_tokens=num(cacheable(on_turns(static))[..., 0]),
        history_tokens_per_query=turns.mean(turns.history),
        cache_read_tokens_per_query=turns.mean(turns.read),
        cache_write_tokens_per_query=turns.mean(turns.written),
        longest_prompt_tokens=num(np.max(turns.prompt, axis=-1)),
    )
    if not sampled:
        out.details["history_cache"] = ("hit within the cache lifetime" if np.all(history_cached) else
                                        f"miss: {conversation.gap_minutes:g} minutes between turns outlast the "
                                        f"{ttl:,.0f} s cache lifetime")
    return out


def gpu_hosting_parts(read: FigureRecorder, choice: ModelChoice, timing: lat.GpuTiming,
                      operating: lat.GpuOperatingPoint, context_tokens: float, *, peak_to_average: float,
                      sampled: bool) -> CostParts:
    """GPU replicas for the peak load, as a staircase over volume [USD/month].

    ``context_tokens``: the average query's whole context (prompt + output) [model tokens]. The
    ``hosting`` detail says where it runs.
    """
    cloud, usd_per_gpu_hour = gpu_offer(read, choice.gpu, choice.cloud)
    perf = operating.performance
    need = (timing.arch.weight_bytes + context_tokens * timing.arch.kv_bytes_per_token) / 1e9
    out = refusal(sampled, num(perf.fits) == 0, lambda: (
        f"{choice.name} does not fit {choice.gpus_per_replica} x {choice.gpu}: weights and one "
        f"{context_tokens:,.0f}-token sequence need {need:,.0f} GB, {timing.memory_utilisation:.0%} of "
        f"{timing.hw.memory_bytes * choice.gpus_per_replica / 1e9:,.0f} GB is usable"))
    out.details["hosting"] = f"self-hosted on {choice.gpus_per_replica} x {choice.gpu} ({cloud})"
    if out.problems:
        return out
    qps = num(perf.queries_per_s) * timing.utilisation
    queries_per_replica = qps * SECONDS_PER_MONTH / peak_to_average
    replica_usd = choice.gpus_per_replica * usd_per_gpu_hour * HOURS_PER_MONTH
    out.parts["gpu_hosting"] = (Staircase(replica_usd, queries_per_replica, choice.min_replicas),)
    out.details.update(
        batch=num(perf.batch), peak_load=num(operating.load), queries_per_s_per_replica=qps,
        queries_per_month_per_replica=queries_per_replica, usd_per_replica_month=replica_usd, cloud=cloud,
    )
    return out


def api_training_parts(read: FigureRecorder, llm: LlmModel, training: Training, *, tokenizer_ratio: float,
                       existing_customer: bool, start_date, end_date, horizon_months: int, sampled: bool) -> CostParts:
    """Fine-tuning through the provider: the first run and labelling once, retraining and the tuned
    model's hosting per month [USD]; refused when the offer is closed to the scenario."""
    offer = llm.fine_tuning
    out = CostParts()
    run_usd = api_training_cost_usd(read(offer.prices.training_usd_per_mtok),
                                    training.examples * training.tokens_per_example * tokenizer_ratio, training.epochs)
    if offer.prices.hosting_usd_per_hour:
        out.parts["fine_tuned_hosting"] = (Affine(read(offer.prices.hosting_usd_per_hour) * HOURS_PER_MONTH, 0.0),)
    if not offer.new_customers and not existing_customer:
        out.problems.append(
            f"{llm.provider} no longer offers fine-tuning of {llm.id} to new customers "
            f"({offer.availability_source}); set fine_tuned.existing_customer: true if your organisation still can"
        )
    if offer.training_until is not None:
        if offer.training_until <= start_date:
            out.problems.append(f"{llm.provider} accepts no new fine-tuning jobs after {offer.training_until}, before the start date {start_date}")
        elif not sampled and training.retrain_every_months is not None and offer.training_until < end_date:
            out.warnings.append(f"retraining every {training.retrain_every_months:g} months is impossible after {offer.training_until}: {llm.provider} ends new fine-tuning jobs then")
    out.details["training_usd_per_run"] = run_usd
    _add_runs(out, training, run_usd, horizon_months)
    return out


def self_hosted_training_parts(read: FigureRecorder, model: ModelChoice, training: Training, *,
                               tokenizer_ratio: float, horizon_months: int, sampled: bool) -> CostParts:
    """LoRA or full fine-tuning on rented GPUs (the serving GPU unless ``training.gpu`` names one):
    the first run and labelling once, retraining per month [USD]; refused when it does not fit."""
    estimate = self_hosted_training(
        read, model.name, training.gpu or model.gpu, method=training.method,
        training_tokens=training.examples * training.tokens_per_example * tokenizer_ratio,
        epochs=training.epochs, gpus=training.gpus, cloud=training.cloud or model.cloud,
        sequence_length=training.sequence_length, micro_batch=training.micro_batch, recompute=training.recompute,
    )
    out = refusal(sampled, estimate.memory_needed_gb > estimate.memory_available_gb, estimate.refusal)
    out.details.update(training_gpu_hours=estimate.gpu_hours, training_usd_per_run=estimate.cost_usd,
                       training_activation_gb=estimate.activation_gb)
    _add_runs(out, training, estimate.cost_usd, horizon_months)
    return out


def retraining_runs(horizon_months: int, every_months):
    """Retraining runs inside a horizon of ``horizon_months`` months after the first run in month 0:
    at months R, 2R, ... up to month H - 1, so floor((H - 1) / R) (R may be an array of draws)."""
    return num(np.floor((horizon_months - 1) / np.asarray(every_months, float)))


def _add_runs(out: CostParts, training: Training, run_usd, horizon_months: int) -> None:
    """The first run and the labelling once; the retraining runs the horizon holds, spread over it."""
    out.one_time_usd["first_training"] = run_usd
    out.one_time_usd["labelling"] = training.examples * training.labelling_usd_per_example
    if training.retrain_every_months is not None:
        runs = retraining_runs(horizon_months, training.retrain_every_months)
        out.parts["retraining"] = (Affine(run_usd * runs / horizon_months, 0.0),)
        out.details["retraining_runs"] = runs


def people_parts(read: FigureRecorder, people, setup: str, *, self_hosted: bool) -> CostParts:
    """Building (one-time) and running (per month) effort at the day rate [USD].

    ``people`` is the scenario's ``people`` section; an empty input takes the catalog default.
    Self-hosting adds its own ops days per month.
    """
    defaults = read.catalog.defaults.people

    def given_or_default(value, default):
        return num(value) if value is not None else read(default)

    day_rate = given_or_default(people.day_rate_usd, defaults.day_rate_usd)
    build_days = given_or_default(getattr(people.build_days, setup), getattr(defaults, f"build_days_{setup}"))
    ops_days = given_or_default(getattr(people.ops_days_per_month, setup), getattr(defaults, f"ops_days_per_month_{setup}"))
    if self_hosted:
        ops_days += given_or_default(people.self_hosting_ops_days_per_month, defaults.self_hosting_ops_days_per_month)
    return CostParts(parts={"operations": (Affine(ops_days * day_rate, 0.0),)},
                     one_time_usd={"building": build_days * day_rate})


def amortised_part(one_time_usd: float, horizon_months: int) -> dict[str, tuple[Part, ...]]:
    """One-time costs spread evenly over the horizon [USD/month]."""
    return {"one_time_amortised": (Affine(one_time_usd / horizon_months, 0.0),)}

"""Multi-turn conversations: what each turn sends, and which part of it the provider's cache holds.

Every turn is one query (the volume axis stays queries/month; conversations/month = queries / turns).
Turn ``t`` (1-based, ``k = t - 1`` earlier turns) sends, in the model's tokens:

    prompt_t = S + H_t + D

with S the static prefix (system prompt, few-shot), D the new query (+ this turn's retrieved
chunks) and H_t the carried history, each earlier turn worth ``u`` = query + answer (+ its
retrieved chunks with ``keep_retrieval``; reasoning tokens are not re-sent):

    full:    H_t = k u
    last_n:  H_t = min(n, k) u
    summary: H_t = summary tokens when k >= 1, else 0

Caching. The prefix S + H_t is marked for caching when the next turn will re-send it unchanged
(``M_t``, the "marked prefix"): under ``full`` always; under ``last_n`` while ``t <= n`` (after that
the window slides and the next prefix differs after S); under ``summary`` only S (the summary is
rewritten every turn). When turns come further apart than the provider's cache lifetime
(``gap > TTL``) the history is never marked: writing it would pay the write premium for nothing.
``C(x)`` is the part of a prefix of ``x`` tokens the provider caches (``parts.cached_prefix_tokens``:
none below its minimum, else whole or in its increments).

- A request finds in the cache what the previous turn of its conversation left there,
  ``P_t = M_{t-1}``, when that outlives the gap; on turn 1, and on every turn when the gap is
  longer than the cache lifetime, only the static prefix other conversations keep there, ``P_t = S``.
- It does so with the setup's cache hit rate ``h`` (the share of requests that find their prefix
  cached, as for single questions). A hit reads ``C(P_t)`` and writes ``max(0, C(M_t) - C(P_t))``;
  a miss writes ``C(M_t)``.
- The rest of the prompt is plain input.

A single turn is thus a single question: read ``h C(S)``, written ``(1 - h) C(S)``, the rest input.

Averaging. A conversation of ``T`` turns (``T`` may be a non-integer mean, or draws) is taken as
a mix of conversations of ``floor(T)`` and ``ceil(T)`` turns with mean ``T``: turn ``t`` is a share
``clip(T - (t - 1), 0, 1) / T`` of all queries (1/T each for an integer T). The per-query figure is
the average over turns with these shares; per conversation it is ``T`` times that.

Every input may be a scalar or an array of Monte Carlo draws (any shape, e.g. (draws, 1)); turns run
along a new trailing axis that the averages sum away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.scenario import Conversation
from simulator.units import SECONDS_PER_MINUTE


@dataclass(frozen=True)
class Turns:
    """Per-turn token counts of a conversation on a trailing turn axis [model tokens per turn].

    ``share``: each turn's share of all queries [fraction; sums to 1 over the axis].
    ``read``, ``written`` and ``uncached`` split each turn's prompt into cache reads, cache writes
    and plain input (``read + written + uncached = prompt``).
    """

    share: np.ndarray
    history: np.ndarray
    prompt: np.ndarray
    read: np.ndarray
    written: np.ndarray
    uncached: np.ndarray

    def mean(self, per_turn) -> float | np.ndarray:
        """The average over the conversation's turns of a per-turn quantity [its unit per query]."""
        total = np.sum(self.share * per_turn, axis=-1)
        return total if np.ndim(total) else float(total)


def turn_numbers(turns) -> np.ndarray:
    """1, 2, ..., ceil(max turns): enough turns for every draw [turn index]."""
    return np.arange(1, int(np.ceil(np.max(turns))) + 1, dtype=float)


def turn_shares(turns, t: np.ndarray) -> np.ndarray:
    """Share of a conversation's queries that are turn ``t``: ``clip(T - (t - 1), 0, 1) / T``
    [fraction], a mix of floor(T)- and ceil(T)-turn conversations with mean T turns."""
    turns = np.asarray(turns, float)[..., None]
    return np.clip(turns - (t - 1.0), 0.0, 1.0) / turns


def history_tokens(t: np.ndarray, *, carry: str, per_turn, last_n=None, summary=None) -> np.ndarray:
    """History re-sent at turn ``t`` [model tokens]: ``per_turn`` for each earlier turn carried
    (``full``: all, ``last_n``: the last ``last_n``), or the running summary after the first turn."""
    earlier = t - 1.0
    if carry == "full":
        return np.asarray(per_turn, float)[..., None] * earlier
    if carry == "last_n":
        return np.asarray(per_turn, float)[..., None] * np.minimum(np.asarray(last_n, float)[..., None], earlier)
    if carry == "summary":
        return np.where(earlier >= 1, np.asarray(summary, float)[..., None], 0.0)
    raise ValueError(f"unknown carry {carry!r}: full, last_n or summary")


def marked_prefix(t: np.ndarray, static, history: np.ndarray, *, carry: str, last_n=None,
                  history_cached=True) -> np.ndarray:
    """The prefix turn ``t`` leaves in the cache for the next turn [model tokens]: the static prefix
    plus the history where the next turn re-sends that unchanged (and the cache outlives the gap)."""
    static = np.asarray(static, float)[..., None]
    if carry == "full":
        extends = np.ones_like(t, dtype=bool)
    elif carry == "last_n":
        extends = t <= np.asarray(last_n, float)[..., None]
    else:  # summary: rewritten every turn
        extends = np.zeros_like(t, dtype=bool)
    extends = extends & np.asarray(history_cached, bool)[..., None]
    return np.where(extends, static + history, static)


def conversation_turns(turns, *, carry: str, per_turn, static, dynamic, cacheable: Callable, hit_rate,
                       history_cached=True, last_n=None, summary=None) -> Turns:
    """Turn by turn: history, prompt, and its split into cache reads, writes and plain input
    [model tokens] (the rule is in the module docstring).

    ``per_turn``: tokens one earlier turn adds to the history; ``static``: system prompt + few-shot;
    ``dynamic``: the new query (+ this turn's chunks); ``cacheable(x)``: the provider's cached part
    of an x-token prefix (0 without prompt caching); ``hit_rate``: the static prefix's cache hit
    rate on a cold turn [fraction]; ``history_cached``: the gap between turns is within the cache
    lifetime [bool]. ``summary`` in model tokens.

    Assumption: a conversation's later turns find their history with the same hit rate as the
    static prefix (not for certain), so the rate the user gives keeps one meaning on every turn.
    """
    t = turn_numbers(turns)
    history = history_tokens(t, carry=carry, per_turn=per_turn, last_n=last_n, summary=summary)
    marked = marked_prefix(t, static, history, carry=carry, last_n=last_n, history_cached=history_cached)
    static_ = np.asarray(static, float)[..., None]
    dynamic_ = np.asarray(dynamic, float)[..., None]
    # What a hit finds: the previous turn's marked prefix when it outlives the gap, else (turn 1, or
    # every turn of a slow conversation) the static prefix other conversations keep cached.
    before = np.concatenate([static_ + np.zeros_like(marked[..., :1]), marked[..., :-1]], axis=-1)
    warm = (t > 1) & np.asarray(history_cached, bool)[..., None]
    previous = np.where(warm, before, static_)
    h = np.asarray(hit_rate, float)[..., None]
    c_marked, c_previous = cacheable(marked), cacheable(previous)
    read = c_previous * h
    # A hit writes the marked prefix beyond what it read; a miss writes all of it.
    written = np.maximum(c_marked - c_previous, 0.0) * h + c_marked * (1 - h)
    touched = c_marked + np.maximum(c_previous - c_marked, 0.0) * h  # the prefix read or written
    uncached = (static_ + history - touched) + dynamic_
    prompt = static_ + history + dynamic_
    return Turns(share=turn_shares(turns, t), history=history, prompt=prompt, read=read, written=written,
                 uncached=uncached)


def history_is_cached(gap_minutes, cache_ttl_s) -> bool | np.ndarray:
    """True where the next turn comes within the cache lifetime: ``gap x 60 <= TTL`` [minutes, s];
    no lifetime in the catalog: taken as long enough."""
    if cache_ttl_s is None:
        return True
    cached = np.asarray(gap_minutes, float) * SECONDS_PER_MINUTE <= np.asarray(cache_ttl_s, float)
    return cached if np.ndim(cached) else bool(cached)


def is_multi_turn(conversation: Conversation | None) -> bool:
    """True when a workload's queries are turns of conversations: a block with more than one turn
    (or drawn turns). A single turn is exactly a single question, and is priced by the same code."""
    return conversation is not None and (np.ndim(conversation.turns) > 0 or conversation.turns != 1)


def turn_tokens(tokens: dict, keep_retrieval: bool):
    """A turn's static prefix (system prompt, few-shot), its own new prompt (query, retrieved
    chunks) and what it adds to later turns' history (query, answer, chunks if kept) [model tokens]
    from a per-query composition."""
    static = sum(v for k, v in tokens.items() if k in ("system_prompt", "few_shot"))
    dynamic = sum(v for k, v in tokens.items() if k in ("retrieved_chunks", "query"))
    carried = tokens["query"] + tokens["answer"]
    if keep_retrieval:
        carried = carried + tokens.get("retrieved_chunks", 0.0)
    return static, dynamic, carried


def _self_hosted_turns(conversation: Conversation, tokens: dict, ratio: float):
    """The turns of a conversation on a self-hosted model: nothing is billed as cached."""
    static, dynamic, carried = turn_tokens(tokens, conversation.keep_retrieval)
    return conversation_turns(
        conversation.turns, carry=conversation.carry, per_turn=carried, static=static, dynamic=dynamic,
        cacheable=np.zeros_like, hit_rate=0.0, last_n=conversation.last_n,
        summary=conversation.summary_tokens * ratio if conversation.summary_tokens is not None else None)


def self_hosted_history_tokens(conversation: Conversation, tokens: dict, ratio: float):
    """Mean history a turn re-sends to a self-hosted model [model tokens per query]."""
    turns = _self_hosted_turns(conversation, tokens, ratio)
    return turns.mean(turns.history)


def longest_turn_prompt_tokens(conversation: Conversation, tokens: dict, ratio: float):
    """The prompt of a conversation's last turn, its longest [model tokens]."""
    longest = np.max(_self_hosted_turns(conversation, tokens, ratio).prompt, axis=-1)
    return longest if np.ndim(longest) else float(longest)


def conversations_per_month(queries_per_month, turns):
    """Conversations a month of ``queries_per_month`` queries holds at ``turns`` turns each
    [conversations/month]: each turn is one query."""
    return queries_per_month / turns

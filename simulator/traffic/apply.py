"""A scenario with its workload fitted from traffic: ``crossover traffic FILE --apply scenario.yaml``.

What the fit has replaces the scenario's guess; what it lacks (absent values) keeps the scenario's
own. The log's input tokens are the whole prompt as sent, while a scenario's query is the user's
part only: the matching setup's system prompt and examples (and, for RAG, its retrieved chunks) are
taken off each quantile, at least 1 token left. The cache hit rate goes to the setups whose model
is the log's. ``workload.traffic`` records the file's name, hash, rows, period and the inputs set.
"""

from __future__ import annotations

from pricing.catalog import Catalog
from simulator.model.tokens import count_length
from simulator.scenario import SETUPS, Scenario, schema_bounds
from simulator.scenario.loading import validate_scenario
from simulator.scenario.paths import set_in

from .fit import ModelFit
from .formats import ImportReport

# The schema's bounds on what a fit sets: a fitted value outside is clipped, and said so.
BOUNDS = {path: schema_bounds(path)[::2] for path in
          ("workload.monthly_growth", "workload.peak_to_average", "workload.queries_per_month")}
MAX_TURNS = schema_bounds("workload.conversation.turns")[2]
MAX_GAP_MINUTES = schema_bounds("workload.conversation.gap_minutes")[2]


def _length_tokens(length) -> float:
    return count_length(tokens=length.tokens, text=length.text, samples=length.samples).mean \
        if length.quantiles is None else sum(length.quantiles) / len(length.quantiles)


def _model_name(scenario: Scenario, setup: str) -> str:
    section = getattr(scenario, "fine_tuned" if setup == "hybrid" else setup)
    return section.model.name


def static_prompt_tokens(scenario: Scenario, setup: str) -> float:
    """The part of every prompt of ``setup`` that is not the user's query [o200k_base tokens]."""
    own = getattr(scenario, setup)
    tokens = _length_tokens(own.system_prompt)
    if setup == "prompt_only":
        tokens += _length_tokens(scenario.prompt_only.few_shot)
    if setup in ("rag", "hybrid"):
        top_k = scenario.hybrid.top_k if setup == "hybrid" and scenario.hybrid.top_k is not None else scenario.rag.top_k
        tokens += top_k * scenario.rag.chunk_tokens
    return tokens


def log_setup(scenario: Scenario, fit: ModelFit) -> tuple[str | None, str]:
    """The setup the log most likely comes from, and why: of the setups on the log's model, the one
    with the longest static prompt still below the log's 5th-percentile prompt (a setup whose static
    prompt is longer than most logged prompts cannot have sent them)."""
    matching = [s for s in SETUPS if _model_name(scenario, s) == fit.model]
    if not matching:
        return None, f"no setup uses {fit.model}"
    if len(matching) == 1:
        return matching[0], f"the only setup on {fit.model}"
    query = fit.values.get("lengths", {}).get("query")
    p05 = query["value"][1] if query else None
    fitting = [s for s in matching if p05 is not None and static_prompt_tokens(scenario, s) <= p05]
    if not fitting:
        return matching[0], f"the first of {', '.join(matching)} on {fit.model} (none has a static prompt below the log's)"
    chosen = max(fitting, key=lambda s: static_prompt_tokens(scenario, s))
    return chosen, (f"of {', '.join(matching)} on {fit.model}, the one whose static prompt "
                    f"({static_prompt_tokens(scenario, chosen):,.0f} tokens) fits under the log's prompts")


def apply_fit(scenario: Scenario, fit: ModelFit, report: ImportReport, catalog: Catalog,
              origin: str = "<scenario>", setup: str | None = None) -> tuple[Scenario, list[str]]:
    """``scenario`` with the fitted workload, and one line per input set or left as it was.

    ``setup``: the setup the log comes from (its static prompt is taken off the query; it gets the
    cache hit rate); default: :func:`log_setup`'s choice."""
    data = scenario.model_dump(mode="json")
    ranges = data.get("ranges") or {}
    said: list[str] = []
    fields: list[str] = []

    def put(path: str, value, shown: str) -> None:
        lo_hi = BOUNDS.get(path)
        if lo_hi is not None and not lo_hi[0] <= value <= lo_hi[1]:
            clipped = min(max(value, lo_hi[0]), lo_hi[1])
            said.append(f"{path}: fitted {value:g} is outside the scenario's bounds: set to {clipped:g}")
            value = clipped
        set_in(data, path, value)
        for ranged in [r for r in ranges if r == path or r.startswith(path + ".")]:
            ranges.pop(ranged)
            said.append(f"{ranged}: its range was removed (the log gives the value)")
        fields.append(path)
        said.append(f"{path}: {shown}")

    v = fit.values
    for name in ("queries_per_month", "monthly_growth", "peak_to_average"):
        if name in v:
            value = v[name]["value"]
            put(f"workload.{name}", value, f"{value:+.1%}" if name == "monthly_growth" else f"{value:,.4g}")
        else:
            said.append(f"workload.{name}: kept ({fit.absent.get(name, 'not fitted')})")
    if setup is None:
        setup, why = log_setup(scenario, fit)
        said.append(f"the log is taken as {setup or 'no setup'}'s traffic: {why}")
    else:
        said.append(f"the log is taken as {setup}'s traffic (as asked)")
    lengths = v.get("lengths", {})
    turns = v.get("turns_per_conversation", {}).get("value")
    conversations = turns is not None and turns > 1
    if conversations:
        gap_s = v.get("gap_between_turns_s", {}).get("value")
        block = {**(scenario.workload.conversation.model_dump() if scenario.workload.conversation else {"carry": "full"}),
                 "turns": min(turns, MAX_TURNS)}
        if gap_s is not None:
            block["gap_minutes"] = min(round(gap_s / 60, 2), MAX_GAP_MINUTES)
        put("workload.conversation", block,
            f"{turns:.2f} turns per conversation" + (f", {gap_s / 60:.1f} minutes between turns (median)"
                                                     if gap_s is not None else "")
            + f", carrying {block['carry']} history")
    elif turns is not None:
        said.append(f"workload.conversation: not set ({turns:.2f} turns per conversation: single questions)")
    # With conversations, a later turn's prompt holds the history too: the query comes from first turns.
    source = "first_turn_query" if conversations and "first_turn_query" in lengths else "query"
    if source in lengths:
        base = setup or "prompt_only"
        static = static_prompt_tokens(scenario, base)
        logged = lengths[source]["value"]
        query = [max(1.0, round(q - static, 1)) for q in logged]
        short = sum(q - static < 1 for q in logged)
        if short:
            said.append(f"workload.query: warning: {short} of 21 logged prompt quantiles are shorter than {base}'s "
                        f"{static:,.0f}-token static prompt (set to 1 token): does the log come from this scenario's "
                        "application?")
        put("workload.query", {"quantiles": query},
            f"21 quantiles, median {query[10]:,.0f} tokens: the log's "
            f"{'first-turn ' if source == 'first_turn_query' else ''}prompts less {base}'s "
            f"{static:,.0f}-token system prompt{', examples' if base == 'prompt_only' else ''}"
            f"{' and retrieved chunks' if base in ('rag', 'hybrid') else ''}")
    else:
        said.append(f"workload.query: kept ({fit.absent.get('lengths', 'no lengths in the log')})")
    if "answer" in lengths:
        answer = [max(0.0, q) for q in lengths["answer"]["value"]]
        put("workload.answer", {"quantiles": answer}, f"21 quantiles, median {answer[10]:,.0f} tokens")
    if "reasoning" in lengths and lengths["reasoning"]["mean"] > 0:
        put("workload.reasoning_tokens", lengths["reasoning"]["mean"], f"{lengths['reasoning']['mean']:,.0f} tokens (mean)")
    if "cache_hit_rate" in v:
        if setup is not None:
            put(f"{setup}.cache_hit_rate", v["cache_hit_rate"]["value"], f"{v['cache_hit_rate']['value']:.1%}")
        else:
            said.append(f"cache_hit_rate: not applied: no setup uses {fit.model}")
    set_in(data, "workload.traffic", {"file": report.file_name[:255], "sha256": report.sha256, "rows": fit.requests,
                                      "model": fit.model, "first": fit.first.isoformat() + "Z",
                                      "last": fit.last.isoformat() + "Z", "fields": fields})
    data["ranges"] = ranges
    return validate_scenario(data, origin, catalog), said

"""Conversations: every turn re-sends the history, and the provider's cache decides much of the bill.

The hand computation is of the shipped example scenarios/support-chat.yaml; its prices, the
tokenizer ratio and the cache rules are read from the catalog here, never typed in. The rule is
the one in simulator/model/conversation.py's docstring.
"""

import json

import numpy as np
import pytest

from simulator.analysis.montecarlo import Rows, simulate
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario, parse_scenario
from conftest import ROOT, cli

CHAT = ROOT / "scenarios" / "support-chat.yaml"
TOKEN_PARTS = ("input_tokens", "cached_input_tokens", "output_tokens")


def chat_text(block: str | None = "{turns: 6}") -> str:
    """support-chat.yaml with its conversation block replaced (None: no block at all)."""
    text = CHAT.read_text()
    start = text.index("  conversation:\n")
    end = text.index("knowledge:\n")
    return text[:start] + ("" if block is None else f"  conversation: {block}\n") + text[end:]


def chat(block: str | None = "{turns: 6}", catalog=None):
    return evaluate(parse_scenario(chat_text(block), "chat.yaml", catalog), catalog)


def token_usd_per_query(evaluation, setup="prompt_only", volume=400_000.0) -> float:
    parts = evaluation.setups[setup].curve.breakdown(volume)
    return float(sum(parts[p] for p in TOKEN_PARTS)) / volume


def per_conversation(evaluation, setup="prompt_only") -> float:
    return evaluation.to_dict()["setups"][setup]["usd_per_conversation"]


# --- The hand computation ---------------------------------------------------------------------------


def test_support_chat_prompt_only_by_hand(catalog):
    """Prompt-only of support-chat.yaml at its point values: claude-haiku-4-5, 6 turns, carry full,
    gap 2 minutes, cache hit rate 0.9.

    In claude tokens (o200k_base x ratio r, 1.16 in the catalog today):
      static prefix S = (9,000 + 3,000) r = 13,920 (over the 4,096-token caching minimum: all of it caches)
      query q = 16 r = 18.56 (the six sample questions' mean of 16 o200k_base tokens), answer a = 220 r = 255.2
      each earlier turn adds u = q + a = 273.76 to the history.
    Turn t re-sends H_t = (t - 1) u and marks S + H_t for the next turn (carry full). With probability
    h = 0.9 it finds what the previous turn marked, P_t = S + (t - 2) u (turn 1: S, left by other
    conversations): a hit reads C(P_t) and writes the rest of S + H_t; a miss writes all of S + H_t.
    The new query is plain input:

      t   H_t      prompt      read = h P_t   written = h (S+H_t-P_t) + (1-h)(S+H_t)   plain
      1      0.00  13,938.56   12,528.000     1,392.000                                 18.56
      2    273.76  14,212.32   12,528.000     1,665.760                                 18.56
      3    547.52  14,486.08   12,774.384     1,693.136                                 18.56
      4    821.28  14,759.84   13,020.768     1,720.512                                 18.56
      5  1,095.04  15,033.60   13,267.152     1,747.888                                 18.56
      6  1,368.80  15,307.36   13,513.536     1,775.264                                 18.56
      sum          87,737.76   77,631.840     9,994.560                                111.36

    Per conversation: plain 111.36 x p_in + written 9,994.56 x p_write + read 77,631.84 x p_cached
    + output 6 a x p_out; at today's $1 / $1.25 / $0.10 / $5 per million tokens that is
    $0.00011136 + $0.0124932 + $0.007763184 + $0.007656 = $0.028023744 per conversation of token
    costs, $0.004670624 per query.
    """
    scenario = load_scenario(CHAT, catalog)
    evaluation = evaluate(scenario, catalog)
    setup = evaluation.setups["prompt_only"]
    llm = catalog.llm["claude-haiku-4-5"]
    prices = llm.prices
    assert scenario.prompt_only.model.name == llm.id and not prices.prompt_tiers and prices.cache_increment_tokens is None
    assert scenario.uncertainty.price_drift_pct_per_year == 0 and scenario.workload.batch_share == 0
    conversation = scenario.workload.conversation
    assert (conversation.turns, conversation.carry, conversation.gap_minutes) == (6, "full", 2)
    assert conversation.gap_minutes * 60 <= prices.cache_ttl_s.value  # the history is a cache hit
    r = catalog.get("tokenizer", llm.tokenizer).ratio.value
    h = scenario.prompt_only.cache_hit_rate
    S = (scenario.prompt_only.system_prompt.tokens + scenario.prompt_only.few_shot.tokens) * r
    q = setup.tokens["query"]
    assert q == pytest.approx(16 * r, rel=1e-12)  # the samples' mean, counted with tiktoken
    a = scenario.workload.answer.tokens * r
    u = q + a
    assert S >= prices.min_cacheable_prefix_tokens.value

    plain = written = read = 0.0
    for t in range(1, 7):
        marked = S + (t - 1) * u
        found = S if t == 1 else S + (t - 2) * u
        read += h * found
        written += h * (marked - found) + (1 - h) * marked
        plain += q
    p_in, p_write = prices.input_usd_per_mtok.value / 1e6, prices.cache_write_usd_per_mtok.value / 1e6
    p_cached, p_out = prices.cached_input_usd_per_mtok.value / 1e6, prices.output_usd_per_mtok.value / 1e6
    by_hand = plain * p_in + written * p_write + read * p_cached + 6 * a * p_out
    print(f"per conversation: {plain:.2f} x {p_in:g} + {written:.3f} x {p_write:g} + {read:.3f} x {p_cached:g} "
          f"+ {6 * a:.1f} x {p_out:g} = {by_hand:.9f} USD")
    assert (plain, written, read) == pytest.approx((111.36 * r / 1.16, 9_994.56 * r / 1.16, 77_631.84 * r / 1.16), rel=1e-9)

    assert token_usd_per_query(evaluation) * 6 == pytest.approx(by_hand, rel=1e-9)
    assert token_usd_per_query(evaluation) == pytest.approx(by_hand / 6, rel=1e-9)
    assert setup.details["cache_read_tokens_per_query"] == pytest.approx(read / 6, rel=1e-9)
    assert setup.details["cache_write_tokens_per_query"] == pytest.approx(written / 6, rel=1e-9)
    assert setup.tokens["history"] == pytest.approx(sum((t - 1) * u for t in range(1, 7)) / 6, rel=1e-9)
    # The whole cost per conversation: the token costs by hand plus the same people costs as a
    # single-question scenario, per query, times 6 turns.
    result = evaluation.to_dict()["setups"]["prompt_only"]
    others = sum(v for k, v in result["cost_breakdown_usd"].items() if k not in TOKEN_PARTS) / 400_000
    assert result["usd_per_conversation"] == pytest.approx(by_hand + 6 * others, rel=1e-9)
    assert result["cost_per_query_usd"] == pytest.approx(by_hand / 6 + others, rel=1e-9)


# --- Properties -------------------------------------------------------------------------------------


def test_a_single_turn_is_exactly_a_single_question(catalog):
    """No block and ``turns: 1`` give the same numbers, bit for bit; only the conversation keys are added."""
    none, one = chat(None, catalog).to_dict(), chat("{turns: 1}", catalog).to_dict()
    assert one.pop("turns_per_conversation") == 1 and one.pop("conversations_per_month") == 400_000
    for name, setup in one["setups"].items():
        assert setup.pop("usd_per_conversation") == setup["cost_per_query_usd"]
    assert one == none


def test_the_general_rule_at_one_turn_is_the_single_question_rule(catalog):
    """Drawn turns (an array) always take the conversation rule; at 1 turn it gives the single-question
    costs of every setup (API and self-hosted) to rounding."""
    evaluation = chat(None, catalog)
    rows = Rows(chat("{turns: 6}", catalog), {"workload.conversation.turns": np.array([1.0, 1.0])})
    for name in evaluation.feasible:
        assert rows.cost_at_volume(name) == pytest.approx(float(evaluation.monthly_cost(name, 400_000.0)), rel=1e-12)


def test_cost_per_query_grows_with_the_turns_under_full_carry(catalog):
    """Every turn re-sends more: prompt-only (its prefix always over the caching minimum) and RAG
    without cache hits pay more per query the longer the conversation."""
    def rag_without_hits(t):
        scenario = parse_scenario(chat_text(f"{{turns: {t}}}"), "chat.yaml", catalog).with_point("rag.cache_hit_rate", 0.0)
        return evaluate(scenario, catalog)
    turns = (1, 2, 3, 6, 12, 24)
    costs = {"prompt_only": [token_usd_per_query(chat(f"{{turns: {t}}}", catalog)) for t in turns],
             "rag": [token_usd_per_query(rag_without_hits(t), "rag") for t in turns]}
    for name, values in costs.items():
        assert all(b > a for a, b in zip(values, values[1:])), (name, values)


def test_a_history_that_grows_past_the_caching_minimum_starts_to_be_read_from_the_cache(catalog):
    """RAG's 1,392-token static prefix is below claude-haiku-4-5's 4,096-token minimum: short
    conversations cache nothing, and from about turn 11 the history is read at the cached price,
    so 24 turns cost less per query than 12 (a real effect of the minimum, not of rounding)."""
    minimum = catalog.llm["claude-haiku-4-5"].prices.min_cacheable_prefix_tokens.value
    short, medium, long = (chat(f"{{turns: {t}}}", catalog) for t in (6, 12, 24))
    assert short.setups["rag"].details["cacheable_prefix_tokens"] == 0 < minimum
    assert short.setups["rag"].details["cache_read_tokens_per_query"] == 0
    assert long.setups["rag"].details["cache_read_tokens_per_query"] > medium.setups["rag"].details["cache_read_tokens_per_query"] > 0
    assert token_usd_per_query(long, "rag") < token_usd_per_query(medium, "rag")


def test_last_n_caps_the_growth_and_full_does_not(catalog):
    """The cost of turn T (the cost per conversation of T turns minus that of T - 1) stops growing
    once the window of 2 turns is full and slides (turns 4 on); under full carry it keeps growing."""
    def turn_costs(block_of):
        totals = [per_conversation(chat(block_of(t), catalog)) for t in range(3, 9)]
        return np.diff(totals)  # turns 4..8
    windowed = turn_costs(lambda t: f"{{turns: {t}, carry: last_n, last_n: 2}}")
    full = turn_costs(lambda t: f"{{turns: {t}}}")
    assert windowed == pytest.approx(np.full(5, windowed[0]), rel=1e-9)
    assert np.all(np.diff(full) > 0)


def test_a_summary_keeps_every_later_turn_the_same(catalog):
    turn_costs = np.diff([per_conversation(chat(f"{{turns: {t}, carry: summary, summary_tokens: 400}}", catalog))
                          for t in range(1, 7)])
    assert turn_costs == pytest.approx(np.full(5, turn_costs[0]), rel=1e-9)
    six = chat("{turns: 6, carry: summary, summary_tokens: 400}", catalog).setups["prompt_only"]
    r = catalog.get("tokenizer", catalog.llm["claude-haiku-4-5"].tokenizer).ratio.value
    assert six.tokens["history"] == pytest.approx(400 * r * 5 / 6, rel=1e-12)  # turns 2..6 carry it


def test_turns_further_apart_than_the_cache_lifetime_lose_the_history_hits(catalog):
    """A gap longer than the TTL: only the static prefix is read from the cache (as for a single
    question), the history is plain input, and the conversation costs more."""
    ttl_s = catalog.llm["claude-haiku-4-5"].prices.cache_ttl_s.value
    slow = chat(f"{{turns: 6, gap_minutes: {ttl_s / 60 + 1:g}}}", catalog)
    fast = chat(f"{{turns: 6, gap_minutes: {ttl_s / 60:g}}}", catalog)
    setup = slow.setups["prompt_only"]
    h = slow.scenario.prompt_only.cache_hit_rate
    assert setup.details["cache_read_tokens_per_query"] == pytest.approx(h * setup.details["cacheable_prefix_tokens"], rel=1e-12)
    assert setup.details["history_cache"].startswith("miss")
    assert fast.setups["prompt_only"].details["history_cache"].startswith("hit")
    assert token_usd_per_query(slow) > token_usd_per_query(fast)


def test_conversations_are_queries_over_turns(catalog):
    evaluation = chat("{turns: 6.5}", catalog)
    result = evaluation.to_dict(volume=1_300_000)
    assert result["conversations_per_month"] == pytest.approx(200_000, rel=1e-12)
    for setup in result["setups"].values():
        assert setup["usd_per_conversation"] == pytest.approx(setup["cost_per_query_usd"] * 6.5, rel=1e-12)
    table = evaluation.sweep([1e5, 1e6])
    assert np.allclose(table["cost_per_conversation_usd"], table["cost_per_query_usd"] * 6.5, rtol=1e-12)
    assert "cost_per_conversation_usd" not in chat(None, catalog).sweep([1e5]).columns


def test_a_non_integer_mean_mixes_the_two_nearest_lengths(catalog):
    """6.5 turns: half the conversations have 6 turns, half 7 (the docstring's rule)."""
    six, seven, mean = (per_conversation(chat(f"{{turns: {t}}}", catalog)) for t in (6, 7, 6.5))
    assert mean == pytest.approx((six + seven) / 2, rel=1e-12)


def test_kept_retrieval_adds_earlier_turns_chunks_to_the_history(catalog):
    kept, dropped = (chat(f"{{turns: 6, keep_retrieval: {k}}}", catalog).setups["rag"] for k in ("true", "false"))
    chunks = dropped.tokens["retrieved_chunks"]
    assert kept.tokens["history"] - dropped.tokens["history"] == pytest.approx(chunks * 15 / 6, rel=1e-12)
    assert kept.curve.total(4e5) > dropped.curve.total(4e5)


def test_a_self_hosted_model_prefills_the_history(catalog):
    """No provider cache prices: the history is more prompt per query, and later turns take longer."""
    short, long = (chat(f"{{turns: {t}}}", catalog).setups["fine_tuned"] for t in (2, 20))
    assert short.hosting.startswith("self-hosted")
    assert long.tokens["history"] > short.tokens["history"] > 0
    assert long.latency_inputs.dynamic_tokens - short.latency_inputs.dynamic_tokens == pytest.approx(
        long.tokens["history"] - short.tokens["history"])
    assert long.latency.p50 > short.latency.p50


def test_scalar_and_drawn_turns_agree(catalog):
    """The Monte Carlo's vectorized build (turns and gaps as arrays of draws) gives each draw the
    cost of a point evaluation at that draw's values."""
    base = chat("{turns: 6}", catalog)
    turns, gaps = np.array([2.0, 6.0, 6.5, 12.0]), np.array([1.0, 1.0, 10.0, 3.0])
    rows = Rows(base, {"workload.conversation.turns": turns, "workload.conversation.gap_minutes": gaps})
    for name in base.feasible:
        points = [float(chat(f"{{turns: {t:g}, gap_minutes: {g:g}}}", catalog).monthly_cost(name, 400_000.0))
                  for t, g in zip(turns, gaps)]
        assert rows.cost_at_volume(name) == pytest.approx(points, rel=1e-12), name


def test_break_even_and_monte_carlo_run_on_the_shipped_chat(catalog):
    """The functions the CLI calls: a conversation costs more per query than a single question, so
    prompt-only's break-even with the fine-tuned model comes at a lower volume; the Monte Carlo draws
    the conversation length (a range in support-chat.yaml) and every cost is finite."""
    evaluation = evaluate(load_scenario(CHAT, catalog), catalog)
    single = chat(None, catalog)

    def crossing(e):
        return next(b.first for b in e.break_even if (b.a, b.b) == ("prompt_only", "fine_tuned"))
    assert crossing(evaluation) < crossing(single)
    sim = simulate(evaluation, draws=200)
    assert "workload.conversation.turns" in sim.inputs
    assert 3 <= sim.inputs["workload.conversation.turns"].min() < sim.inputs["workload.conversation.turns"].max() <= 12
    for name in evaluation.feasible:
        assert np.all(np.isfinite(sim.cost_at_volume[name])) and np.all(sim.cost_at_volume[name] > 0)
    # Longer conversations cost more per query for prompt-only, draw by draw (common random numbers).
    cost, drawn = sim.cost_at_volume["prompt_only"], sim.inputs["workload.conversation.turns"]
    assert np.corrcoef(cost, drawn)[0, 1] > 0


def test_the_cli_reports_the_cost_per_conversation():
    run = cli("evaluate", "scenarios/support-chat.yaml", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["turns_per_conversation"] == 6 and result["conversations_per_month"] == pytest.approx(400_000 / 6)
    prompt_only = result["setups"]["prompt_only"]
    assert prompt_only["usd_per_conversation"] == pytest.approx(prompt_only["cost_per_query_usd"] * 6, rel=1e-12)
    assert prompt_only["token_composition"]["history"] > 0
    table = cli("evaluate", "scenarios/support-chat.yaml").stdout
    assert "Conversations: 6 turns each (one query per turn), 66,667 conversations/month; $/conversation:" in table
    assert "usd_per_conversation" not in cli("evaluate", "scenarios/support-bot.yaml", "--json").stdout


def test_the_pages_show_the_cost_per_conversation_of_a_conversation_scenario():
    from conftest import open_app
    at = open_app("app_pages/break_even.py", s="support-chat")
    table = next(d.value for d in at.dataframe if "per conversation" in d.value.columns)
    assert table["per conversation"].str.startswith("$").any()
    at = open_app("app_pages/cost_breakdown.py", s="support-chat")
    assert any(m.label == "Cost per conversation" for m in at.metric)
    single = open_app("app_pages/cost_breakdown.py", s="support-bot")
    assert not any(m.label == "Cost per conversation" for m in single.metric)

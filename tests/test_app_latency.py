"""The Latency page driven headlessly with Streamlit's AppTest: inputs change the shown latency."""

import re
from conftest import open_app



PAGE = "app_pages/latency.py"


def ms(text: str) -> float:
    """'6,616 ms' or '11.8 s' -> milliseconds."""
    number, unit = re.fullmatch(r"([\d,.]+) (ms|s)", text).groups()
    return float(number.replace(",", "")) * (1000 if unit == "s" else 1)


def table(at, key):
    """A dataframe by its page key (AppTest does not expose dataframe keys: it is found by a column)."""
    wanted = {"latency_table": "p95 end to end", "latency_prompt_table": "p95 now"}[key]
    return next(d.value for d in at.dataframe if wanted in d.value.columns)


def p95_column(frame):
    return next(c for c in frame.columns if c.startswith("p95 with +"))


def test_the_page_shows_every_setup_with_units_and_parts():
    at = open_app(PAGE)
    assert at.title[0].value == "Latency"
    shown = table(at, "latency_table")
    assert len(shown) == 4
    assert [s.split(" (")[0] for s in shown["setup"]] == ["Prompt-only", "RAG", "Fine-tuned", "Hybrid"]
    for column in ("p50 end to end", "p95 end to end", "retrieval p95", "time to first token p95", "generation p95"):
        assert all(re.fullmatch(r"[\d,.]+ (ms|s)", v) for v in shown[column]), column
    rows = shown.set_index(shown["setup"].str.split(" (", regex=False).str[0])
    assert ms(rows.loc["Prompt-only", "retrieval p95"]) == 0 and ms(rows.loc["RAG", "retrieval p95"]) > 0
    for name in rows.index:
        assert ms(rows.loc[name, "p95 end to end"]) >= ms(rows.loc[name, "p50 end to end"])
    # Self-hosted fine-tuned model: a load chart and its operating point per self-hosted setup.
    labels = [m.label for m in at.metric]
    assert labels.count("p95 at 60% load") == 2 and "Queries/s per replica" in labels
    # Assumed figures are labelled as such.
    assert any("not published" in w.value and "prefill speed (API model)" in w.value for w in at.warning)
    kinds = {k for d in at.dataframe if "kind" in d.value.columns for k in d.value["kind"]}
    assert "assumption" in kinds and "published" in kinds


def test_more_prompt_tokens_show_a_higher_p95():
    at = open_app(PAGE)
    before = table(at, "latency_prompt_table")
    assert p95_column(before) == "p95 with +10,000 tokens"
    at.select_slider(key="latency_added_prompt_tokens").set_value(50_000).run()
    assert not at.exception, at.exception
    after = table(at, "latency_prompt_table")
    assert p95_column(after) == "p95 with +50,000 tokens"
    # A longer prompt raises latency, unless fewer sequences fit a self-hosted GPU: then the cost model's
    # replicas each decode fewer at once, answers stream faster, and the page says so.
    stepped_down = {i.value.split("**")[1] for i in at.info if "fewer fit in GPU memory" in i.value}
    for i in range(len(after)):
        now = ms(after["p95 now"][i])
        grown_a_little = ms(before[p95_column(before)][i])
        grown_a_lot = ms(after[p95_column(after)][i])
        setup = after["setup"][i]
        if "self-hosted" in setup and setup.split(" (")[0] in stepped_down:
            assert grown_a_lot > now, setup  # +50,000 tokens of prefill outweigh any batch change
            continue
        assert grown_a_lot > now and grown_a_little > now, setup
    # API models: time to first token grows by prompt tokens / prefill speed, so strictly with the prompt.
    api = [i for i, s in enumerate(after["setup"]) if "self-hosted" not in s]
    assert api and all(ms(after[p95_column(after)][i]) > ms(before[p95_column(before)][i]) for i in api)


def test_a_small_slider_value_still_grows_latency():
    at = open_app(PAGE)
    at.select_slider(key="latency_added_prompt_tokens").set_value(500).run()
    shown = table(at, "latency_prompt_table")
    assert p95_column(shown) == "p95 with +500 tokens"
    assert all(ms(shown[p95_column(shown)][i]) >= ms(shown["p95 now"][i]) for i in range(len(shown)))


def test_the_volume_moves_only_self_hosted_latency_and_the_page_follows_it():
    at = open_app(PAGE)
    before = table(at, "latency_table")
    at.number_input(key="sidebar_volume").set_value(5_000_000).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Latency"
    after = table(at, "latency_table")
    api = before["setup"].str.contains("self-hosted") == False  # noqa: E712 (a pandas mask)
    assert after[api].equals(before[api])  # an API's latency is per query
    # support-bot's L40S replica runs busier at 5M queries/month than at 400k: bigger batches
    assert (after[~api]["p95 end to end"] != before[~api]["p95 end to end"]).all()
    assert any("5M queries/month" in c.value for c in at.caption)
    assert "d" in at.query_params


def test_a_scenario_without_self_hosting_says_so():
    at = open_app(PAGE, s="docs-qa")
    assert not [m for m in at.metric if m.label.startswith("p95 at")]
    assert any("served by an API" in c.value for c in at.caption)

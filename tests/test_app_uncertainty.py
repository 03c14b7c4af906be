"""The uncertainty views: bands and probabilities on the break-even page, the sensitivity page."""

import base64
import json

import numpy as np
import yaml

from conftest import break_even_svg, open_app


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(array):
    """A Plotly array from the figure JSON: a list, or base64 binary with its dtype."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, float)


def scenario_data(at):
    return yaml.safe_load(at.session_state["scenario_yaml"])


def test_break_even_shows_bands_probabilities_and_break_even_spreads():
    at = open_app(s="support-bot")
    text = " ".join(m.value for m in at.markdown)
    assert "**With the ranges** (2,000 draws, seed 7)" in text
    assert "80% interval" in text and "probability" in text
    assert not charts(at)  # the uncertainty charts are drawn when their expander opens
    assert break_even_svg(at).count("P10–P90</text>") == 4  # one band per setup in the legend
    at.session_state["uncertainty_charts"] = True
    at.run()
    figures = [None, *charts(at)]  # [0] the break-even chart, an SVG
    probability = figures[1]["data"]
    assert {t["stackgroup"] for t in probability} == {"cheapest"}
    assert np.allclose(sum(values(t["y"]) for t in probability), 100)  # the chances add up at every volume
    spread = figures[2]["data"][0]
    assert spread["error_x"]["type"] == "data" and len(spread["y"]) >= 4
    histogram = figures[3]
    assert histogram["data"][0]["type"] == "bar"
    assert "RAG vs Fine-tuned" in histogram["layout"]["xaxis"]["title"]["text"]  # the headline pair first
    assert 99 < values(histogram["data"][0]["y"]).sum() <= 100.0001  # they cross in (nearly) every draw
    table = at.dataframe[-1].value
    assert list(table["setup"]) == ["Prompt-only", "RAG", "Fine-tuned", "Hybrid"]
    cheapest = table.set_index("setup")["cheapest among the setups that meet the requirements"]
    assert cheapest["Prompt-only"] == "ruled out" and cheapest.drop("Prompt-only").str.endswith("of draws").all()


def test_draws_and_seed_are_saved_in_the_scenario_and_change_the_numbers():
    at = open_app(s="support-bot")
    before = [m.value for m in at.markdown if "With the ranges" in m.value]
    at.select_slider(key="mc_draws").set_value(5000).run()
    assert not at.exception
    assert scenario_data(at)["uncertainty"]["draws"] == 5000
    at.number_input(key="mc_seed").set_value(8).run()
    assert scenario_data(at)["uncertainty"]["seed"] == 8
    after = [m.value for m in at.markdown if "With the ranges" in m.value]
    assert "(5,000 draws, seed 8)" in after[0] and after != before
    assert "d" in at.query_params  # an edited scenario travels in the link, seed and draws with it


def test_a_scenario_without_ranges_says_how_to_add_them():
    at = open_app(s="ticket-classifier")
    assert any("Uncertainty tab" in i.value for i in at.info)
    assert not any("With the ranges" in m.value for m in at.markdown)


def test_sensitivity_page_ranks_inputs_and_lists_what_would_change():
    at = open_app("app_pages/sensitivity.py", s="support-bot")
    tornado = charts(at)[0]
    assert {t["orientation"] for t in tornado["data"]} == {"h"}
    first = at.dataframe[0].value
    # The headline is RAG (prompt-only's corpus does not fit), so its monthly cost is what the tornado shows first.
    assert first["input"].iloc[0] == "Uncertainty: Price drift (%/year)" and len(first) == 7
    at.selectbox(key="sens_output").set_value("break_even:rag/fine_tuned").run()
    assert not at.exception
    assert any("break-even" in m.value or "At the point values" in m.value for m in at.markdown)
    changes = at.dataframe[-1].value
    assert set(changes.columns) >= {"input", "lower, cheapest becomes", "higher, cheapest becomes"}
    # Among the setups that meet the requirements no single input in its range unseats RAG (over every
    # feasible setup a low prompt-only cache hit rate would have handed "the answer" to RAG: another answer).
    assert set(changes["lower, cheapest becomes"]) == set(changes["higher, cheapest becomes"]) == {"no change within the range"}
    assert any("**RAG** stays cheapest" in s.value for s in at.success)


def test_latency_page_shows_the_spread_of_p50_and_p95():
    at = open_app("app_pages/latency.py", s="support-bot")
    bands = next(d.value for d in at.dataframe if "p95 P10 / P50 / P90" in d.value.columns)
    assert len(bands) == 4
    rag = bands[bands["setup"].str.startswith("RAG")]["p95 P10 / P50 / P90"].iloc[0]
    low, mid, high = rag.split(" / ")
    assert low != high  # top_k is ranged: more chunks, a slower first token


def test_a_volume_that_would_push_its_range_out_of_bounds_is_refused_politely():
    at = open_app(s="docs-qa")  # volume pert 20k / 40k / 120k: x 3 at the high end
    at.number_input(key="sidebar_volume").set_value(5e11).run()
    assert not at.exception
    assert any("The volume was not changed" in w.value for w in at.warning)
    assert scenario_data(at)["workload"]["queries_per_month"]["likely"] == 40_000
    at.number_input(key="sidebar_volume").set_value(80_000).run()  # within bounds: the range moves along
    assert scenario_data(at)["workload"]["queries_per_month"] == {
        "dist": "pert", "low": 40_000.0, "likely": 80_000.0, "high": 240_000.0}

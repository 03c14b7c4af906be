"""The Traffic page (issue 14), driven with AppTest: a shipped sample or an upload is fitted and shown
with what was read and refused; a file that cannot be read is one error naming it, never a traceback."""

import pytest

from conftest import ROOT, open_app, rendered
from simulator.traffic.fit import MAX_MODELS_FITTED, fit_file

SAMPLES = ROOT / "samples" / "traffic"
HEADER = "timestamp,model,input_tokens,output_tokens\n"


@pytest.fixture
def page():
    return open_app("app_pages/traffic.py")


def values(at) -> dict[str, str]:
    """The fitted values table, label -> value as shown."""
    table = next(d.value for d in at.dataframe if "fitted" in d.value.columns)
    return dict(zip(table["value"], table["fitted"]))


def upload(at, name: str, data: bytes):
    at.file_uploader(key="traffic_upload").upload(name, data, "text/csv").run()
    assert not at.exception, at.exception
    return at


def test_a_first_visit_shows_the_csv_sample_fitted_and_another_sample_its_own_values(page, catalog):
    at = page
    expected = {s: fit_file(SAMPLES / s, catalog).by_model["claude-haiku-4-5"].values["queries_per_month"]["value"]
                for s in ("support-bot-requests.csv", "support-bot-requests.jsonl")}
    assert at.selectbox(key="traffic_sample").value == "support-bot-requests.csv"
    assert values(at)["Queries per month (at the end)"] == f"{expected['support-bot-requests.csv']:,.0f}"
    assert not at.error
    at.selectbox(key="traffic_sample").set_value("support-bot-requests.jsonl").run()
    assert not at.exception
    assert values(at)["Queries per month (at the end)"] == f"{expected['support-bot-requests.jsonl']:,.0f}"
    at.selectbox(key="traffic_sample").set_value("support-bot-requests.csv").run()
    assert values(at)["Queries per month (at the end)"] == f"{expected['support-bot-requests.csv']:,.0f}"
    assert values(at)["Monthly growth"] == "+19.6%/month"  # the CLI's figure for the sample
    assert [c.proto.spec for c in at.get("plotly_chart")]  # the heat map and the daily chart are drawn
    assert any("never prompt or answer text" in c.value for c in at.caption)


def test_a_refused_row_is_named_and_the_good_rows_are_still_fitted(page):
    at = upload(page, "bad.csv", (HEADER + "2026-09-01T01:00:00Z,gpt-4.1-mini,-5,10\n"
                                           "2026-09-01T02:00:00Z,gpt-4.1-mini,100,10\n").encode())
    assert not at.error
    assert {m.label: m.value for m in at.metric} == {"Rows read": "2", "Rows kept": "1", "Rows refused": "1"}
    assert any("row 1: input_tokens: negative (-5)" in rendered(w.value) for w in at.warning)
    lengths = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert lengths.set_index("length").loc["Query", "median"] == "100"  # the kept row alone
    # One request spans no time: the volume is listed as not fitted, with why.
    assert any("Queries per month (at the end): the log spans no time" in rendered(m.value) for m in at.markdown)


def test_a_missing_column_is_an_error_naming_it(page):
    at = upload(page, "no-input.csv", b"timestamp,model,output_tokens\n2026-09-01T01:00:00Z,gpt-4.1-mini,10\n")
    [error] = [rendered(e.value) for e in at.error]
    assert "missing column input_tokens" in error and "no-input.csv" in error
    assert not at.dataframe and not at.metric  # nothing of the sample left on the page


@pytest.mark.parametrize("data, says", [(b"\x00\x01\x02binary" * 100, "is not a text file"),
                                        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "gzip-compressed")],
                         ids=["binary", "gzip"])
def test_a_binary_upload_is_a_clear_error(page, data, says):
    at = upload(page, "trace.csv", data)
    [error] = [rendered(e.value) for e in at.error]
    assert "trace.csv" in error and says in error


def test_several_models_get_a_selector_that_switches_the_fitted_workload(page):
    rows = "".join(f"2026-09-01T{h:02d}:00:00Z,{m},{n},10\n" for h in range(1, 12)
                   for m, n in (("gpt-4.1-mini", 100), ("claude-sonnet-4-5", 300)) if m == "gpt-4.1-mini" or h % 2)
    at = upload(page, "two.csv", (HEADER + rows).encode())
    chooser = at.selectbox(key="traffic_model")
    assert chooser.options == ["gpt-4.1-mini (11 requests)", "claude-sonnet-4-5 (6 requests)"]
    assert any("Fitted workload of gpt" in rendered(h.value) for h in at.subheader)
    chooser.set_value("claude-sonnet-4-5").run()
    assert any("Fitted workload of claude-sonnet-4-5" in rendered(h.value) for h in at.subheader)
    lengths = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert lengths.set_index("length").loc["Query", "requests"] == "6"


def test_a_model_beyond_the_busiest_fitted_at_once_is_fitted_when_chosen(page):
    rows = "".join(f"2026-09-01T01:{i:02d}:00Z,model-{i:02d},{100 + i},10\n" for i in range(MAX_MODELS_FITTED + 3))
    at = upload(page, "many.csv", (HEADER + rows).encode())
    chooser = at.selectbox(key="traffic_model")
    assert len(chooser.options) == MAX_MODELS_FITTED + 3
    chooser.set_value(f"model-{MAX_MODELS_FITTED + 2:02d}").run()
    assert not at.exception and not at.error
    lengths = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert lengths.set_index("length").loc["Query", "median"] == f"{100 + MAX_MODELS_FITTED + 2}"


def test_use_this_workload_puts_the_fit_into_the_scenario_and_the_editor_says_so(page, catalog):
    at = page
    fit = fit_file(SAMPLES / "support-bot-requests.csv", catalog).by_model["claude-haiku-4-5"]
    at.button(key="traffic_use").click().run()
    assert not at.exception, at.exception
    [done] = [rendered(s.value) for s in at.success]
    assert "Applied to “Customer-support bot”" in done and "workload.peak_to_average" in done
    at.switch_page("app_pages/editor.py").run()
    assert not at.exception, at.exception
    assert at.number_input(key="ed_workload.queries_per_month").value == fit.values["queries_per_month"]["value"]
    assert at.radio(key="ed_workload.answer.mode").value == "quantiles"
    assert any("From traffic: support-bot-requests.csv" in rendered(i.value) for i in at.info)

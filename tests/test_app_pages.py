"""Cost breakdown and scenario library pages, driven with AppTest."""

import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario, validate_scenario
from simulator.storage import sharing
from simulator.storage.database import open_store
from ui import report
from conftest import ROOT, open_app, rendered



def metric(at, label, index=0):
    return [m for m in at.metric if m.label == label][index].value


def test_cost_breakdown_follows_the_volume(saved_dir):
    at = open_app("app_pages/cost_breakdown.py")
    before = metric(at, "Monthly cost")
    assert before == "$2.8k/month"
    at.number_input(key="sidebar_volume").set_value(4_000_000).run()
    assert not at.exception
    after = metric(at, "Monthly cost")
    # $2,802 at 400k = $1,087.50 fixed (900 operations + 187.50 amortised) + $1,714.90 for tokens;
    # at 4M: 1,087.50 + 10 x 1,714.90 = $18,236.50
    assert after == "$18k/month"
    parts = at.dataframe[0].value
    assert "Input tokens" in parts.index and "Total" in parts.index


def test_infeasible_setup_is_shown_where_its_number_is(saved_dir, tmp_path, catalog):
    text = (ROOT / "scenarios/support-bot.yaml").read_text()
    data = yaml.safe_load(text)
    data["prompt_only"]["model"]["name"] = "gpt-4.1-nano"  # retired 2026-10-23
    link = sharing.encode(validate_scenario(data, "t", catalog))
    at = open_app("app_pages/cost_breakdown.py", d=link)
    assert any("Infeasible: gpt-4.1-nano is retired on 2026-10-23" in e.value for e in at.error)


def test_save_as_then_conflict_then_reload(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Q1 plan")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    assert not at.exception
    assert "Saved as 'Q1 plan'" in at.success[0].value
    store = open_store()  # the test's own database (conftest.saved_dir)
    assert store.load("q1-plan")[0].name == "Q1 plan"
    assert at.query_params["s"] == "q1-plan"
    # Someone else saves the same scenario meanwhile.
    mine, version, _ = store.load("q1-plan")
    store.save(mine.with_point("workload.queries_per_month", 123_456), "q1-plan", replaces=version)
    at.number_input(key="sidebar_volume").set_value(999_000).run()
    at.button(key="lib_save").click().run()
    assert any("changed by someone else" in e.value for e in at.error)
    assert store.load("q1-plan")[0].workload.queries_per_month == 123_456  # theirs is intact
    at.button(key="lib_conflict_reload").click().run()
    assert at.session_state["sidebar_volume"] == 123_456


def test_a_full_disk_shows_a_message_not_a_traceback(saved_dir, monkeypatch):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from simulator.storage import rows

    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Q1 plan")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    store = open_store()
    before = store.load("q1-plan")[1]

    def disk_full(*args, **kwargs):  # what SQLite says when its disk is full
        raise OperationalError("INSERT INTO versions", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(rows, "write_version", disk_full)
    at.number_input(key="sidebar_volume").set_value(999_000).run()
    at.button(key="lib_save").click().run()
    assert not at.exception
    assert any("database or disk is full" in e.value and "nothing was changed" in e.value for e in at.error)
    at.text_input(key="lib_save_as_name").set_value("Q2 plan")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    assert not at.exception and any("database or disk is full" in e.value for e in at.error)
    assert store.load("q1-plan")[1] == before and len(store.history("q1-plan")) == 1
    assert [e.slug for e in store.entries() if not e.read_only] == ["q1-plan"]


def test_duplicate_name_is_refused(saved_dir):
    at = open_app("app_pages/library.py")
    for volume in (400_000, 777_000):  # a different scenario under a name that is taken
        at.number_input(key="sidebar_volume").set_value(volume).run()
        at.text_input(key="lib_save_as_name").set_value("Same name")
        at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    assert any("already exists" in e.value for e in at.error)


def test_overwriting_by_name_asks_first_and_keeps_the_old_one(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Plan")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    at.number_input(key="sidebar_volume").set_value(777_000).run()
    at.text_input(key="lib_save_as_name").set_value("Plan")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    assert any("Replace the saved scenario `plan`" in w.value for w in at.warning)
    store = open_store()
    assert store.load("plan")[0].workload.queries_per_month == 400_000
    at.button(key="lib_overwrite_yes").click().run()
    assert store.load("plan")[0].workload.queries_per_month == 777_000
    old = store.version("plan", 1)  # the old one is kept in the history
    assert yaml.safe_load(old)["workload"]["queries_per_month"] == 400_000 and len(store.history("plan")) == 2


def test_delete_asks_then_trash_restores(saved_dir):
    at = open_app("app_pages/library.py")
    at.text_input(key="lib_save_as_name").set_value("Temp")
    at.button(key="FormSubmitter:lib_save_as-Save as new scenario").click().run()
    at.selectbox(key="lib_choice").set_value("temp").run()
    at.button(key="lib_delete").click().run()
    store = open_store()
    assert [t.slug for t in store.trash()] == ["temp"] and "temp" not in at.selectbox(key="lib_choice").options
    assert "restore it from the trash" in at.success[0].value
    [restore] = [b for b in at.button if b.label == "Restore"]
    restore.click().run()
    assert store.load("temp")[0].name == "Temp" and not store.trash()


def test_compare_two_scenarios(saved_dir):
    at = open_app("app_pages/library.py")
    at.multiselect(key="lib_compare").set_value(["support-bot", "ticket-classifier"]).run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table["scenario"]) == ["Customer-support bot (example)", "High-volume ticket classifier (example)"]
    assert list(table["cheapest"]) == ["Prompt-only", "Prompt-only"]


def test_export_prepares_the_files(saved_dir):
    at = open_app("app_pages/break_even.py")
    at.button(key="export_prepare").click().run()
    assert not at.exception
    labels = [b.label for b in at.sidebar.get("download_button")]
    assert labels == ["Report (HTML)", "Sweep (CSV)", "Scenario (YAML)"]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="PNG export drives /usr/bin/chromium")
def test_png_export_offers_the_file_without_an_error(saved_dir):
    """Issue 13: the PNG button put StreamlitValueAssignmentNotAllowedError on the page, because the
    rendered file was stored under the download button's own widget key."""
    at = open_app("app_pages/break_even.py")
    at.button(key="export_prepare").click().run()
    at.button(key="export_png_prepare").click().run(timeout=120)
    assert not at.exception, at.exception
    labels = [b.label for b in at.sidebar.get("download_button")]
    assert labels[-1] == "Break-even chart (PNG)"
    assert at.session_state["export_png_file"][1][:8] == b"\x89PNG\r\n\x1a\n"


def test_report_is_self_contained_and_says_the_conclusion(catalog):
    ev = evaluate(load_scenario(ROOT / "scenarios/support-bot.yaml", catalog), catalog)
    text = report.html_report(ev, "name: x", 1e3, 1e9, "http://localhost:8501/?s=support-bot")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", text)
    assert text.count("Plotly.newPlot") == 3
    assert "<strong>RAG</strong> is cheapest among the setups that meet the requirements" in text
    assert "<strong>Prompt-only</strong> would be cheaper" in text and "context window" in text
    assert f"catalog checked {catalog.as_of}" in text
    assert "<strong>Recommendation: RAG</strong>" in text and "hybrid pays off at scale" in text
    assert "figures behind these numbers are assumptions" in text
    csv = report.sweep_csv(ev, 1e3, 1e9, points=10)
    assert csv.splitlines()[0].startswith("queries_per_month,setup,monthly_cost_usd")
    assert len(csv.splitlines()) == 1 + 10 * 4


def test_report_with_the_monte_carlo_carries_bands_odds_and_what_matters(catalog):
    from simulator.analysis.montecarlo import simulate

    ev = evaluate(load_scenario(ROOT / "scenarios/support-bot.yaml", catalog), catalog)
    text = report.html_report(ev, "name: x", 1e3, 1e9, None, simulate(ev, 500))
    assert text.count("Plotly.newPlot") == 4  # the probability chart joins the three
    assert "P10–P90" in text and "<strong>With the ranges</strong> (500 draws, seed 7)" in text
    assert "is the cheapest among the setups that meet the requirements with <strong>" in text
    sensitivity = re.search(r"<ul id='sensitivity'>(.*?)</ul>", text).group(1)
    # About the headline (RAG), not prompt-only, which is ruled out; within their ranges no input unseats RAG.
    assert "Uncertainty: Price drift (%/year) from -71.82 to 61.75: RAG costs" in sensitivity
    assert "would make" not in sensitivity


DOTTED_KEY = re.compile(r"\b(?:llm|embedding|reranker|vector_store|gpu|open_model|tokenizer|defaults)\.[\w/.-]+")


def test_cost_breakdown_warnings_name_figures_in_words_with_catalog_links(saved_dir, catalog):
    """Issue 13: warnings listed dotted keys (embedding.text-embedding-3-small.prices.dimensions). At a
    start date past the prices' age limit they name each figure in words, link it to its catalog row
    with the scenario kept in the link, and the link opens the Catalog on that one row."""
    data = yaml.safe_load((ROOT / "scenarios/support-bot.yaml").read_text())
    data["workload"]["start_date"] = "2030-01-01"
    link = sharing.encode(validate_scenario(data, "t", catalog))
    at = open_app("app_pages/cost_breakdown.py", d=link)
    ev = evaluate(validate_scenario(data, "t", catalog), catalog)
    keys = {k for s in ev.setups.values() for k in s.figures_used}
    texts = [rendered(t) for t in [w.value for w in at.warning] + [m.value for m in at.markdown if "](" in m.value]]
    assert any("prices were checked more than 12 months before the start date 2030-01-01" in t for t in texts)
    for text in texts:
        shown = re.sub(r"\]\([^)]*\)", "]", text)  # what a reader sees: the link text, not its URL
        assert not DOTTED_KEY.search(shown), shown
        assert not any(k in shown for k in keys), shown
    price = next(t for t in texts if "claude-haiku-4-5's input price (API model)" in t)
    url = re.search(r"claude-haiku-4-5's input price \(API model\)\]\(([^)]+)\)", price).group(1)
    assert url.startswith("catalog?") and "figure=llm.claude-haiku-4-5.prices.input_usd_per_mtok" in url
    assert f"d={link}" in url  # the edited scenario travels with the link
    assert not any("vector size" in t for t in texts)  # an embedding's size is not an old price

    # A link opens the Catalog first (open_app would start on the landing page, whose run drops ?figure).
    catalog_page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    catalog_page.query_params.update(d=link, figure="llm.claude-haiku-4-5.prices.input_usd_per_mtok")
    catalog_page.switch_page("app_pages/catalog.py").run()
    assert not catalog_page.exception, catalog_page.exception
    table = catalog_page.dataframe[0].value
    assert len(table) == 1 and table.iloc[0]["entry id"] == "claude-haiku-4-5"
    assert any("Showing one figure" in i.value for i in catalog_page.info)
    catalog_page.button(key="catalog_all_figures").click().run()
    assert len(catalog_page.dataframe[0].value) > 100

"""Hostile input reaching the dashboard: each becomes a message shown as text, never a traceback."""

import base64
import json
import zlib

import yaml
from streamlit.testing.v1 import AppTest

from conftest import ROOT, open_app, rendered
from simulator.storage import sharing
from ui.fmt import plain


def run_page_with_upload(page: str, name: str, data: bytes) -> AppTest:
    """``app_pages/<page>`` run once with every file_uploader returning one upload."""

    def script(page, name, data):
        import runpy
        from pathlib import Path
        from unittest import mock

        import streamlit as st

        import app_pages
        from app_pages import state

        class Upload:  # what st.file_uploader returns (AppTest cannot upload files)
            file_id = f"id-{name}"

            def __init__(self):
                self.name = name

            def getvalue(self):
                return data

        upload = Upload()
        state.init()
        with mock.patch.object(st, "file_uploader",
                               lambda *a, accept_multiple_files=False, **k: [upload] if accept_multiple_files else upload):
            runpy.run_path(str(Path(list(app_pages.__path__)[0]) / page))

    at = AppTest.from_function(script, default_timeout=30, args=(page, name, data)).run()
    assert not at.exception, at.exception
    return at


HUGE = "9" * 5_000


def test_a_scenario_upload_with_a_5000_digit_number_names_the_field():
    text = (ROOT / "scenarios" / "support-bot.yaml").read_text().replace("400000", HUGE, 1)
    at = run_page_with_upload("library.py", "big.yaml", text.encode())
    assert any("big.yaml: workload.queries_per_month: a number written with 5,000 characters" in rendered(e.value)
               for e in at.error), [e.value for e in at.error]


# --- user values in messages are shown as text ------------------------------------------------------

IMAGE = "![x](http://h/p.png)"  # as Markdown: an image fetched from h, so h learns who looks


def shown_as_text(markdown: str, raw: str = IMAGE) -> bool:
    """The element's Markdown holds ``raw`` escaped (ui.fmt.plain), so it shows as written, fetches
    nothing and links nowhere."""
    return plain(raw) in markdown and raw not in markdown and "http://" not in markdown


def test_a_link_error_repeating_a_value_is_shown_as_text():
    data = yaml.safe_load((ROOT / "scenarios" / "support-bot.yaml").read_text())
    data["workload"]["queries_per_month"] = IMAGE
    link = sharing.PREFIX + base64.urlsafe_b64encode(zlib.compress(json.dumps(data, default=str).encode())).decode()
    at = open_app(d=link)
    notice = next(w.value for w in at.warning if "could not be opened" in w.value)
    assert "workload" in notice and shown_as_text(notice), notice


def test_a_chart_range_param_the_charts_do_not_offer_is_a_message_shown_as_text():
    at = open_app(lo=IMAGE, hi="9" * 5_000)
    notice = next(w.value for w in at.warning if "chart range" in w.value)
    assert shown_as_text(notice) and "5,000 characters" in notice
    assert at.session_state["view_range_value"] == (1e3, 1e9)  # the default range is shown


def test_an_evaluation_csv_problem_repeating_a_cell_is_shown_as_text():
    at = run_page_with_upload("decision.py", "eval.csv", f"question,setup,pass\nq1,{IMAGE},1\n".encode())
    problem = next(e.value for e in at.error if "cannot be used" in e.value)
    assert "is not a setup" in problem and shown_as_text(problem), problem


def test_an_upload_error_repeating_the_file_name_is_shown_as_text():
    name = "![x](p.png)"  # no "/": a file name has none; the image would come from the app's own host
    at = run_page_with_upload("tokens.py", f"{name}.pdf", b"%PDF-1.7")
    (error,) = [e.value for e in at.error]
    assert "files can be counted" in error and shown_as_text(error, name), error


def test_an_editor_problem_repeating_a_typed_key_is_shown_as_text():
    at = open_app("app_pages/editor.py")
    at.text_input(key="ed_override_custom").set_value(IMAGE).run()
    at.button(key="ed_override_add").click().run()
    at.button(key="ed_apply").click().run()
    assert not at.exception
    problem = at.error[0].value
    assert "names no catalog figure" in problem and shown_as_text(problem), problem

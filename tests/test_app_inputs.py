"""Hostile input reaching the dashboard: each becomes a message shown as text, never a traceback."""

from streamlit.testing.v1 import AppTest

from conftest import ROOT


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
    assert any("big.yaml: workload.queries_per_month: a number written with 5,000 characters" in e.value
               for e in at.error), [e.value for e in at.error]

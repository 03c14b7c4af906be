"""Issue 13: a shared link (the sidebar's, the report's "Live view") points where people reach the
app: CROSSOVER_PUBLIC_URL when the server is given one, else the address the browser used; never a
fixed http://127.0.0.1:8501."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from simulator.storage.sharing import link_base
from ui.fmt import plain


def test_the_public_address_wins_and_keeps_the_page():
    assert link_base("https://crossover.example.com", "costs", "http://10.0.0.5:8501/costs", "10.0.0.5:8501",
                     8501) == "https://crossover.example.com/costs"
    assert link_base("https://proxy.example.com/tools/crossover/", "", None, None, 8501) \
        == "https://proxy.example.com/tools/crossover/"


def test_without_one_the_browsers_address_then_its_host_header_then_localhost():
    assert link_base(None, "costs", "http://10.0.0.5:8600/costs", "ignored:1", 8501) == "http://10.0.0.5:8600/costs"
    assert link_base(None, "", "http://10.0.0.5:8600", None, 8501) == "http://10.0.0.5:8600/"
    assert link_base(None, "costs", None, "crossover.lan:8600", 8501) == "http://crossover.lan:8600/costs"
    assert link_base(None, "", None, "[::1]:8501", 8501) == "http://[::1]:8501/"
    assert link_base(None, "", None, None, 8600) == "http://localhost:8600/"
    # A Host header anyone can send is used only when it is a host name or address.
    assert link_base(None, "", None, 'evil"><script>', 8600) == "http://localhost:8600/"


@pytest.mark.parametrize("given", ["crossover.example.com", "ftp://crossover.example.com/", "https://",
                                   "https://crossover.example.com/?s=x", "javascript:alert(1)"])
def test_a_public_address_that_is_not_one_is_refused_by_name(given):
    with pytest.raises(ValueError, match=re.escape(f"CROSSOVER_PUBLIC_URL={given!r} is not an http(s) address")):
        link_base(given, "", None, None, 8501)


def sidebar_link(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.code if "?s=" in c.value)


def run_app(context=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.context = context or {}
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_sidebar_and_the_report_use_crossover_public_url(monkeypatch):
    monkeypatch.setenv("CROSSOVER_PUBLIC_URL", "https://crossover.example.com/")
    at = run_app({"url": "http://127.0.0.1:8501/"})
    at.switch_page("app_pages/latency.py").run()
    assert sidebar_link(at) == "https://crossover.example.com/latency?s=support-bot"
    at.button(key="export_prepare").click().run()
    report_html = at.session_state["export_files"]["html"]
    assert ('Live view: <a href="https://crossover.example.com/latency?s=support-bot">'
            "https://crossover.example.com/latency?s=support-bot</a>") in report_html
    assert "127.0.0.1" not in report_html


def test_without_it_links_use_the_address_the_browser_used():
    at = run_app({"url": "http://10.1.2.3:8600/"})
    assert sidebar_link(at) == "http://10.1.2.3:8600/?s=support-bot"
    at.button(key="export_prepare").click().run()
    assert 'Live view: <a href="http://10.1.2.3:8600/?s=support-bot">' in at.session_state["export_files"]["html"]


def test_a_misconfigured_public_address_is_said_and_the_link_still_works(monkeypatch):
    monkeypatch.setenv("CROSSOVER_PUBLIC_URL", "crossover.example.com")
    at = run_app({"url": "http://10.1.2.3:8600/"})
    said = plain("CROSSOVER_PUBLIC_URL='crossover.example.com' is not an http(s) address")  # as the page escapes it
    assert any(said in w.value for w in at.warning)
    assert sidebar_link(at) == "http://10.1.2.3:8600/?s=support-bot"

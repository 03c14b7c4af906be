"""Dashboard pages driven headlessly with Streamlit's AppTest: inputs change the shown results."""

import base64
import tomllib
import zlib

from conftest import ROOT, open_app, summary
from simulator.storage import sharing


def test_break_even_lands_on_the_default_scenario():
    at = open_app()
    assert at.title[0].value == "Break-even"
    # prompt-only is cheaper, but support-bot's 2M-token corpus does not fit its context window
    assert "**400k queries/month**, **RAG** is cheapest among the setups that meet the requirements" in summary(at)
    assert "**Fine-tuned** from 1.1M" in summary(at)  # the RAG / fine-tuned break-even
    assert at.query_params["s"] == "support-bot"
    pairs = at.dataframe[0].value
    assert len(pairs) == 6


def test_raising_the_volume_changes_the_winner_and_the_link():
    at = open_app()
    at.number_input(key="sidebar_volume").set_value(5_000_000).run()
    assert not at.exception
    assert "**5M queries/month**, **Fine-tuned** is cheapest" in summary(at)
    assert "d" in at.query_params and "s" not in at.query_params
    assert "Unsaved changes" in [c.value for c in at.sidebar.caption][0]


def test_the_range_control_moves_the_summary():
    at = open_app()
    at.select_slider(key="view_range").set_range(1e6, 1e9).run()
    assert "**Fine-tuned** from 1.1M to 1B" in summary(at) and "from 1k" not in summary(at)
    assert at.query_params["lo"] == "1e+06"


def test_a_tampered_link_falls_back_with_a_message():
    at = open_app(d="1.this-is-not-a-scenario")
    assert "The link could not be opened" in at.warning[0].value
    assert "**400k queries/month**" in summary(at)
    at = open_app(s="../../etc/passwd")
    assert "not a scenario name" in at.warning[0].value


def test_a_share_link_reopens_the_same_numbers():
    at = open_app()
    at.number_input(key="sidebar_volume").set_value(2_500_000).run()
    link = at.query_params["d"]
    again = open_app(d=link)
    assert summary(again) == summary(at)


def test_the_nested_bracket_link_shows_a_message_and_the_default():
    link = sharing.PREFIX + base64.urlsafe_b64encode(zlib.compress(b"[" * 100_000 + b"]" * 100_000)).decode()
    assert len(link) < 600  # the 553-character link of issue 16
    at = open_app(d=link)
    assert not at.exception
    assert any("could not be opened" in w.value and "nested more than 20 levels" in w.value for w in at.warning)
    assert at.title[0].value == "Break-even"


def test_the_browser_is_never_shown_a_traceback():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"  # SECURITY.md: no code or paths in the page


def test_user_text_is_escaped_for_markdown():
    from ui.fmt import WORD_JOINER, plain

    shown = plain("1. ![x](http://h.example/p.png) *b* :red[c] `d` <e> a@b.c www.h.example")
    assert "![" not in shown and "](" not in shown and "://" not in shown and ":red[" not in shown
    assert "www." not in shown and "a@b" not in shown and "1." not in shown
    assert (shown.replace(WORD_JOINER, "").replace("\\", "")
            == "1. ![x](http://h.example/p.png) *b* :red[c] `d` <e> a@b.c www.h.example")
    assert plain("Q1 plan") == "Q1 plan"  # ordinary names are untouched
    assert WORD_JOINER not in plain("legal.yaml")  # a file name stays searchable in the page


def test_a_page_that_ends_early_still_has_its_sidebar():
    # The sidebar is drawn after the page (issue 13); a page with nothing more to show ends with
    # state.end_page, not st.stop, after which the sidebar's widgets would stop too.
    at = open_app("app_pages/sensitivity.py", s="ticket-classifier")  # no ranges: nothing to swing
    assert any("nothing to swing" in i.value for i in at.info)
    assert at.sidebar.number_input(key="sidebar_volume").value == 20_000_000
    assert any("Export for the meeting" in e.label for e in at.sidebar.expander)

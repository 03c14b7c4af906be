"""Issue 13: the PNG export drives the configured Chromium (CROSSOVER_CHROMIUM, default Debian's
/usr/bin/chromium), never a browser kaleido would search for or download, loads nothing from the
network, and a missing or failing browser is a message on the page, not a traceback."""

import os
import stat
from pathlib import Path

import kaleido
import pytest

from conftest import ROOT, open_app
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from ui import report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def ev(catalog):
    return evaluate(load_scenario(ROOT / "scenarios/support-bot.yaml", catalog), catalog)


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_default_browser_is_debians_chromium_and_crossover_chromium_changes_it():
    assert report.chromium_path({}) == "/usr/bin/chromium"
    assert report.chromium_path({"CROSSOVER_CHROMIUM": "/opt/chromium/chrome"}) == "/opt/chromium/chrome"


def test_kaleido_gets_the_configured_path_and_loads_nothing_from_a_cdn(ev, tmp_path, monkeypatch):
    browser = script(tmp_path / "chromium", "exit 1")
    monkeypatch.setenv("CROSSOVER_CHROMIUM", str(browser))
    seen = {}

    def calc_fig_sync(figure, opts, kopts):
        seen.update(kopts)
        return PNG_SIGNATURE

    monkeypatch.setattr(kaleido, "calc_fig_sync", calc_fig_sync)
    assert report.chart_png(ev, 1e3, 1e9) == PNG_SIGNATURE
    assert seen["path"] == str(browser)  # given, so kaleido never searches (nor prefers a downloaded Chrome)
    assert seen["mathjax"] is False  # kaleido's default fetches MathJax from cdnjs
    assert Path(seen["plotlyjs"]).is_file()  # the plotly package's own plotly.js, not cdn.plot.ly


@pytest.mark.skipif(not CHROMIUM.exists(), reason="draws with Debian's /usr/bin/chromium")
def test_the_png_is_drawn_by_the_configured_chromium_whatever_browser_path_says(ev, tmp_path, monkeypatch):
    log = tmp_path / "started"
    browser = script(tmp_path / "chromium", f'echo "$@" > {log}\nexec {CHROMIUM} "$@"')
    monkeypatch.setenv("CROSSOVER_CHROMIUM", str(browser))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "not-this-one"))  # kaleido's own override is not used
    png = report.chart_png(ev, 1e3, 1e9)
    assert png[:8] == PNG_SIGNATURE and len(png) > 20_000
    assert "--headless" in log.read_text()  # our wrapper started the browser that drew it


def test_a_missing_browser_is_a_message_and_nothing_is_searched_for(ev, tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSOVER_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(kaleido, "calc_fig_sync", lambda *a, **k: pytest.fail("kaleido was started"))
    with pytest.raises(RuntimeError, match=r"PNG export needs a Chromium browser on the server: the one "
                                           r"CROSSOVER_CHROMIUM names \(default /usr/bin/chromium\) is not there"):
        report.chart_png(ev, 1e3, 1e9)


def test_a_browser_that_fails_is_a_message(ev, tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSOVER_CHROMIUM", str(script(tmp_path / "chromium", "exit 1")))
    with pytest.raises(RuntimeError, match=r"The PNG could not be drawn: Chromium failed \(\w+\)\. The HTML report"):
        report.chart_png(ev, 1e3, 1e9)


def test_the_page_says_so_when_there_is_no_browser(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSOVER_CHROMIUM", str(tmp_path / "no-chromium"))
    at = open_app()
    at.button(key="export_prepare").click().run()
    at.button(key="export_png_prepare").click().run()
    assert not at.exception
    assert any(w.value.startswith("PNG export needs a Chromium browser on the server") for w in at.sidebar.warning)
    assert str(tmp_path) not in " ".join(w.value for w in at.warning)  # no server path reaches the browser
    assert "Break-even chart (PNG)" not in [b.label for b in at.sidebar.get("download_button")]

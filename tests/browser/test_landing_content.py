"""The landing page keeps all its charts and tables (issue 13): it was made faster by building its
figures once and sending lighter ones, not by dropping any. Counted as drawn in a real browser."""

import pytest
from playwright.sync_api import expect

DRAWN_CHART = "[data-testid='stPlotlyChart'] .js-plotly-plot, [data-testid='xo-chart'] svg"
TABLE = "[data-testid='stDataFrame']"

# charts: break-even with P10-P90 bands (an SVG drawn on the server), probability of being cheapest,
# break-even spread, histogram of one break-even (the last three in an expander that draws them when
# opened); tables: where the setups cross, the numbers at your volume, the uncertainty.
WITH_RANGES = {"charts": 4, "tables": 3}


@pytest.mark.parametrize("query, expected", [
    ("", WITH_RANGES),  # the default scenario, support-bot (ranged); ?s=support-bot is the same run
    ("?s=ticket-classifier", {"charts": 1, "tables": 2}),  # no ranges: the break-even chart only
], ids=["default", "ticket-classifier"])
def test_landing_page_draws_every_chart_and_table(server, page, shot, query, expected):
    page.goto(server + "/" + query)
    # The last element of the page is there once the run has drawn everything above it.
    last = "Monte Carlo settings" if expected is WITH_RANGES else "Uncertainty tab"
    page.get_by_text(last).first.wait_for()
    if expected is WITH_RANGES:
        expect(page.locator(DRAWN_CHART)).to_have_count(1, timeout=30_000)  # the rest is drawn on request
        page.get_by_text("Charts: the chance each setup is cheapest").click()
    expect(page.locator(DRAWN_CHART)).to_have_count(expected["charts"], timeout=30_000)
    expect(page.locator(TABLE)).to_have_count(expected["tables"], timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('.xo-overlay .volume-label')]"
                           ".some(e => e.textContent.startsWith('your volume:'))")
    shot(page, "landing")
    if expected is WITH_RANGES:
        return
    # "Zoom and hover" draws the same break-even chart with Plotly instead, in its place.
    page.get_by_text("Zoom and hover").click()
    expect(page.locator("[data-testid='xo-chart']")).to_have_count(0, timeout=30_000)
    plotly = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first
    expect(plotly.locator(".annotation-text").first).to_have_text("your volume: 20M/month", timeout=30_000)
    expect(page.locator(DRAWN_CHART)).to_have_count(expected["charts"])
    shot(page, "landing-zoom-and-hover")

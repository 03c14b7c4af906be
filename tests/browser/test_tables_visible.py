"""Every key table shows all its rows and columns at 1400 x 1000 px, with no scrolling inside it (issue 13).

Streamlit's st.dataframe is a glide-data-grid canvas: its cells are not in the DOM, but its
`.dvn-scroller` element is the box that scrolls, so scrollWidth > clientWidth means columns are
hidden to the right and scrollHeight > clientHeight means rows are hidden below. st.table is plain
HTML; its wrapper is measured the same way. The Catalog lists hundreds of figures: there only the
columns must all be visible, and its rows may scroll.
"""

import pytest

PAGES = {"break-even": "", "costs": "costs", "latency": "latency", "decision": "decision", "tokens": "tokens",
         "catalog": "catalog"}
ROWS_MAY_SCROLL = {"catalog"}
# support-bot is also state.DEFAULT_SLUG, the scenario the bare URL opens (scripts/dev.sh app);
# docs-qa brings the longest model ids (accounts/fireworks/models/...).
SCENARIOS = ["support-bot", "docs-qa"]

# Tables inside a closed expander are not drawn; they are measured where they are shown.
VISIBLE = """[...document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')]
    .filter(el => el.offsetParent !== null)"""
MEASURE = """() => """ + VISIBLE + """.map((el, i) => {
    const box = el.querySelector('.dvn-scroller') || el.querySelector('table')?.parentElement || el;
    return {index: i, kind: el.dataset.testid, columns: el.querySelectorAll('th').length,
            scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
            scrollHeight: box.scrollHeight, clientHeight: box.clientHeight};
})"""


def settled(page) -> None:
    """The script has finished its run and every dataframe has drawn its grid."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_function("() => " + VISIBLE + """
        .every(el => el.dataset.testid !== 'stDataFrame' || el.querySelector('.dvn-scroller'))""", timeout=30_000)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", list(PAGES))
def test_tables_show_every_row_and_column(server, page, shot, name, scenario):
    page.goto(f"{server}/{PAGES[name]}?s={scenario}")
    page.wait_for_selector('[data-testid="stDataFrame"], [data-testid="stTable"]', timeout=60_000)
    settled(page)
    shot(page, f"{name}-{scenario}")
    tables = page.evaluate(MEASURE)
    assert tables, f"no table on {name}"
    # One pixel of slack: the grid rounds its column widths.
    hidden_columns = [t for t in tables if t["scrollWidth"] > t["clientWidth"] + 1]
    hidden_rows = [t for t in tables if t["scrollHeight"] > t["clientHeight"] + 1]
    assert not hidden_columns, f"{name} ({scenario}): columns hidden to the right in {hidden_columns}"
    if name not in ROWS_MAY_SCROLL:
        assert not hidden_rows, f"{name} ({scenario}): rows hidden below in {hidden_rows}"

"""The Traffic page in a real browser: the shipped sample's fit with its heat map, an upload with a bad
row and its refusal named, and the fitted workload put into the scenario and seen in the editor."""

from .conftest import ROOT, wait_for_chart

SAMPLE = ROOT / "samples" / "traffic" / "support-bot-requests.csv"


def test_fit_traffic_see_the_heat_map_and_use_the_workload(server, page, tmp_path, shot):
    page.goto(f"{server}/traffic")
    page.get_by_text("Fitted workload of claude-haiku-4-5").wait_for()
    wait_for_chart(page)
    shot(page, "sample-fitted")
    heat_map = page.locator("[data-testid='stPlotlyChart']").first
    heat_map.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stPlotlyChart] .hm, "
                           "[data-testid=stPlotlyChart] .heatmaplayer image').length > 0")
    shot(page, "heat-map")
    assert page.get_by_text("Rows refused").is_visible()

    # An upload with one bad row: the row is named with its field, the good rows are fitted.
    header, first, *rest = SAMPLE.read_text().splitlines(keepends=True)
    fields = first.split(",")
    fields[2] = "-7"  # input_tokens of the first row
    bad = tmp_path / "my-log.csv"
    bad.write_text(header + ",".join(fields) + "".join(rest))
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    page.get_by_text("my-log.csv", exact=False).first.wait_for()
    page.get_by_text("row 1: input_tokens: negative (-7)").wait_for()
    shot(page, "bad-row-refused")
    assert "1,570" in page.locator("[data-testid='stMetric']").nth(1).inner_text()  # rows kept

    page.get_by_role("button", name="Use this workload in “Customer-support bot”").click()
    page.get_by_text("Applied to “Customer-support bot”").wait_for()
    shot(page, "applied")
    # Through the navigation, in the same session: the applied workload is an unsaved edit.
    page.locator("[data-testid='stSidebarNav'] a:has-text('Scenario editor')").click()
    page.get_by_text("From traffic: my-log.csv").wait_for()
    shot(page, "editor-from-traffic")
    assert "Unsaved changes" in page.locator("[data-testid='stSidebar']").inner_text()

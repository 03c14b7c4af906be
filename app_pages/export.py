"""The sidebar's "Export for the meeting" panel: files are built on request, then downloaded."""

from __future__ import annotations

import streamlit as st

from simulator.storage.store import slugify

from app_pages import state
from ui import report


def panel(page_path: str) -> None:
    """The panel, for the page at ``page_path`` (the report's "Live view" link opens it)."""
    ev = state.evaluation()
    lo, hi = state.view_range()
    key = (state.scenario_yaml(), lo, hi)
    slug = slugify(ev.scenario.name)
    with st.expander("Export for the meeting"):
        if st.session_state.get("export_key") != key:
            if st.button("Prepare report, CSV and YAML", key="export_prepare"):
                with st.spinner("Building the report…"):
                    st.session_state["export_files"] = {
                        "html": report.html_report(
                            ev, state.scenario_yaml(), lo, hi, state.share_url(page_path),
                            state.simulation() if ev.scenario.ranges and ev.feasible else None),
                        "csv": report.sweep_csv(ev, lo, hi),
                    }
                    st.session_state["export_key"] = key
                st.rerun()
            st.caption("The report opens offline: charts stay interactive.")
            return
        files = st.session_state["export_files"]
        st.download_button("Report (HTML)", files["html"], file_name=f"{slug}-report.html",
                           mime="text/html", key="export_html")
        st.download_button("Sweep (CSV)", files["csv"], file_name=f"{slug}-sweep.csv", mime="text/csv",
                           key="export_csv")
        st.download_button("Scenario (YAML)", state.scenario_yaml(), file_name=f"{slug}.yaml",
                           mime="application/x-yaml", key="export_yaml")
        if st.button("Break-even chart as PNG", key="export_png_prepare"):
            with st.spinner("Rendering the chart…"):
                try:
                    st.session_state["export_png_file"] = (key, report.chart_png(ev, lo, hi))
                except RuntimeError as exc:
                    st.warning(str(exc))
        png = st.session_state.get("export_png_file")  # not the download button's key: widgets own theirs
        if png and png[0] == key:
            st.download_button("Break-even chart (PNG)", png[1], file_name=f"{slug}-break-even.png",
                               mime="image/png", key="export_png")

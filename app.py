"""Crossover's Streamlit entry point: the router and the shared sidebar. Pages live in app_pages/."""

import streamlit as st

from app_pages import export, state
from ui import fmt
from simulator.storage import sharing

st.set_page_config(page_title="Crossover", page_icon="✕", layout="wide")
# A file over an uploader's limit is refused in the browser, before the app sees it; Streamlit 1.67
# shows only a red icon and keeps the reason ("File must be 2.0MB or smaller.") as screen-reader text
# and a hover. This shows that text beside the file (tests/browser/test_exports.py checks it is seen).
# As Markdown with HTML, not st.html: the landing page's chart is an SVG in Markdown (ui/svg_chart.py),
# and this first element makes the browser load Streamlit's HTML-in-Markdown code (190 KB) before any
# page asks for its tables' 1.3 MB, instead of behind them (new session -> first chart, issue 13).
st.markdown("<style class='xo-app-style'>[data-testid='stElementContainer']:has(.xo-app-style) {display: none;} "
            "[data-testid='stFileChip'] [role='alert'] {position: static !important; width: auto !important; "
            "height: auto !important; margin: 0 !important; overflow: visible !important; clip: auto !important; "
            "white-space: normal !important; color: #a61b1b; font-size: 0.875rem;}</style>", unsafe_allow_html=True)

PAGES = [
    st.Page("app_pages/break_even.py", title="Break-even", url_path="break-even", default=True),
    st.Page("app_pages/cost_breakdown.py", title="Cost breakdown", url_path="costs"),
    st.Page("app_pages/latency.py", title="Latency", url_path="latency"),
    st.Page("app_pages/sensitivity.py", title="Sensitivity", url_path="sensitivity"),
    st.Page("app_pages/decision.py", title="Decision", url_path="decision"),
    st.Page("app_pages/tokens.py", title="Tokens", url_path="tokens"),
    st.Page("app_pages/traffic.py", title="Traffic", url_path="traffic"),
    st.Page("app_pages/editor.py", title="Scenario editor", url_path="editor"),
    st.Page("app_pages/library.py", title="Scenario library", url_path="library"),
    st.Page("app_pages/catalog.py", title="Catalog", url_path="catalog"),
]


def sidebar(page) -> None:
    """The scenario's name and state, its volume, the share link and the export panel. Drawn after the
    page (it shows in the sidebar all the same), so a new session's first chart does not wait behind
    its widgets (issue 13); a page that ends early calls state.end_page, not st.stop, so it is drawn."""
    with st.sidebar:
        who = state.identity()
        if state.sign_in_configured():  # without [auth] in the secrets there is nothing to sign in to
            if who.source == "oidc":
                st.caption(f"Signed in as **{fmt.plain(who.user)}**" + (" (admin)" if who.is_admin else ""))
                st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")
            else:
                st.button("Sign in", key="sign_in", on_click=st.login, icon=":material/login:")
        scenario = state.scenario()
        origin = state.origin()
        st.subheader(fmt.plain(scenario.name))
        badge = {"example": "Shipped example (read-only)", "saved": "Saved", "edited": "Unsaved changes"}[origin["kind"]]
        st.caption(badge + (f" · {fmt.plain(origin['slug'])}" if origin.get("slug") else ""))  # a ref may hold an e-mail
        state.bind(state.VOLUME_KEY, float(scenario.workload.queries_per_month))
        st.number_input(
            "Queries per month", min_value=1.0, max_value=1e12, step=50_000.0, format="%.0f",
            key=state.VOLUME_KEY, on_change=lambda: state.set_volume(st.session_state[state.VOLUME_KEY]),
            help="The volume you plan for. Charts sweep around it; break-even points do not depend on it.",
        )
        st.caption(f"Catalog checked {state.catalog().as_of} · start {scenario.workload.start_date} · "
                   f"{scenario.workload.horizon_months}-month horizon")
        params = state.url_params()
        if "d" in params and not sharing.fits_in_link(params["d"]):
            st.warning("This edited scenario is too large for a link (long sample texts). Save it in the "
                       "library and share its name instead.")
        else:
            # In a popover, whose content the browser draws only when it opens: st.code's highlighter is
            # 1.5 MB of script that held back every new session's first chart by half a second (issue 13).
            with st.popover("Share this view", icon=":material/link:", width="stretch"):
                st.code(state.share_url(page.url_path), language=None, wrap_lines=True)
                st.caption("The link opens this page on this scenario, edits included.")
        export.panel(page.url_path)


state.init()
page = st.navigation(PAGES)

notice_slot = st.empty()  # above the page; filled after the sidebar, whose share link may add a notice
try:
    page.run()
except state.PageEnd:
    pass
finally:  # also when a page fails: the sidebar is there beside its error
    sidebar(page)
    notice = state.pop_notice()
    if notice:
        notice_slot.warning(notice)
state.sync_url()

"""Crossover's Streamlit entry point: routes to the pages and draws the shared sidebar.

The full dashboard is its own issue; this router already follows the layout it will use.
"""

import streamlit as st

st.set_page_config(page_title="Crossover", layout="wide")

page = st.navigation([st.Page("app_pages/overview.py", title="Overview", default=True)])
page.run()

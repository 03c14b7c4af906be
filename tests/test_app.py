"""The dashboard placeholder, driven headlessly with Streamlit's AppTest."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def run_app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def cheapest(at):
    return at.metric[0].value


def test_overview_shows_the_default_scenario():
    at = run_app()
    assert at.title[0].value == "Crossover"
    assert at.number_input(key="overview_volume").value == 400_000
    assert cheapest(at) == "prompt_only"
    frame = at.dataframe[0].value
    assert list(frame["setup"]) == ["prompt_only", "rag", "fine_tuned", "hybrid"]


def test_raising_the_volume_changes_the_answer():
    at = run_app()
    before = at.dataframe[0].value.set_index("setup")["monthly cost (USD)"]
    at.number_input(key="overview_volume").set_value(5_000_000).run()
    assert not at.exception
    after = at.dataframe[0].value.set_index("setup")["monthly cost (USD)"]
    assert after["prompt_only"] > before["prompt_only"] and after["rag"] > before["rag"]
    # Above ~1.65M queries/month the self-hosted fine-tuned model is cheapest (see test_cli).
    assert cheapest(at) == "fine_tuned"

"""One answer on every page: the landing page, the Decision page and the meeting report name the same
setup (simulator.analysis.answer.headline), and the landing page says which cheaper setups are ruled out."""

import pytest

from conftest import ROOT, open_app, summary
from simulator.analysis.answer import headline
from simulator.model.evaluate import evaluate
from simulator.scenario import load_scenario
from ui import fmt, report

DECISION = "app_pages/decision.py"


# support-bot: prompt-only is cheapest but its 2M-token corpus does not fit (RAG); ticket-classifier:
# nothing is ruled out and prompt-only is cheapest, while the rule of thumb picks fine-tuning.
@pytest.mark.parametrize("slug, expected", [("support-bot", "rag"), ("ticket-classifier", "prompt_only")])
def test_landing_decision_and_report_name_the_same_setup(slug, expected, catalog):
    ev = evaluate(load_scenario(ROOT / "scenarios" / f"{slug}.yaml", catalog), catalog)
    assert headline(ev).setup == expected
    name = fmt.setup(expected)

    landing = open_app(s=slug)
    assert f"**{name}** is cheapest" in summary(landing)
    others = [fmt.setup(s) for s in ("prompt_only", "rag", "fine_tuned", "hybrid") if s != expected]
    assert not any(f"**{other}** is cheapest" in summary(landing) for other in others)

    decision = open_app(DECISION, s=slug)
    assert [h.value for h in decision.subheader if h.value.startswith("Recommendation")] == [f"Recommendation: {name}"]
    assert any(f"**{name}** is cheapest" in m.value for m in decision.markdown)

    text = report.html_report(ev, "name: x", 1e3, 1e9)
    assert f"<strong>Recommendation: {name}</strong>" in text and f"<strong>{name}</strong> is cheapest" in text
    assert not any(f"<strong>{other}</strong> is cheapest" in text for other in others)


def test_the_landing_page_says_the_cheaper_setup_is_ruled_out_and_why(support_bot, catalog):
    [cheaper] = headline(evaluate(support_bot, catalog)).cheaper_but_ruled_out
    at = open_app(s="support-bot")
    text = " ".join(m.value for m in at.markdown)
    assert "**RAG** is cheapest among the setups that meet the requirements" in text
    assert (f"**Prompt-only** would be cheaper (**{fmt.usd_month(cheaper.monthly_cost_usd)}**) but is ruled out: "
            "needs_private_knowledge = yes, "
            "but the 2,000,000-token corpus cannot fit claude-haiku-4-5's 200,000-token context window") in text
    assert "is the cheapest among the setups that meet the requirements with **" in text
    table = at.dataframe[-1].value
    column = "cheapest among the setups that meet the requirements"
    assert table.set_index("setup")[column]["Prompt-only"] == "ruled out"
    shares = [float(v.split("%")[0]) for v in table[column] if v != "ruled out"]
    assert sum(shares) == pytest.approx(100, abs=1.5)  # rounded to whole per cents, three setups


def test_the_decision_page_shows_the_rule_of_thumb_beside_the_answer():
    at = open_app(DECISION, s="ticket-classifier")
    text = " ".join(m.value for m in at.markdown)
    assert "**The usual rule of thumb picks Fine-tuned**" in text
    assert any("The numbers disagree: rules favour the fine-tuned model" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert list(table["setup"]) == ["Prompt-only (recommended)", "RAG", "Fine-tuned (rule of thumb)", "Hybrid"]

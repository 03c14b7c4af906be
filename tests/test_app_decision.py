"""The Decision page: answers change the recommendation; uploads of evaluation data are checked."""

from conftest import open_app, rendered

PAGE = "app_pages/decision.py"


def heading(at) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Recommendation"))


def test_answers_change_the_recommendation():
    at = open_app(PAGE)
    # support-bot: knowledge and behaviour, 400k queries/month (below scale) -> RAG
    assert heading(at) == "Recommendation: RAG"
    assert any("hybrid pays off at scale" in m.value for m in at.markdown)
    at.radio(key="dec_needs_private_knowledge").set_value(False)
    at.radio(key="dec_behaviour_gap").set_value(False)
    at.button(key="FormSubmitter:dec_form-Use these answers").click().run()
    assert not at.exception
    assert heading(at) == "Recommendation: Prompt-only"
    assert any("try a better prompt first" in m.value for m in at.markdown)
    assert "d" in at.query_params  # the answers are part of the scenario, so the link keeps them
    assert any("The numbers agree" in s.value for s in at.success)


def test_prefill_sets_change_rates():
    at = open_app(PAGE)
    at.button(key="dec_prefill").click().run()
    assert not at.exception
    assert any("knowledge.monthly_change_share = 0.2" in i.value for i in at.info)


def test_typed_results_give_cost_per_correct_answer():
    at = open_app(PAGE)
    at.button(key="dec_typed_use").click().run()
    assert any("no setup has any questions" in e.value for e in at.error)


def test_ruled_out_reasons_are_listed_under_the_table_whole():
    # docs-qa: weekly-changing knowledge rules fine-tuning out (a sentence too long for a table cell)
    at = open_app(PAGE, s="docs-qa")
    table = at.dataframe[0].value
    assert table.set_index("setup").loc["Fine-tuned", "ruled out"] == "yes, see below"
    assert table.set_index("setup").loc["Hybrid", "ruled out"] == ""
    reasons = next(rendered(m.value) for m in at.markdown if m.value.startswith("- **"))  # the list, not the headline
    assert ("- **Fine-tuned** is ruled out: knowledge_changes = weekly: a fine-tuned model alone would be out of date "
            "between retrainings") in reasons

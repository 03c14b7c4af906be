"""ui/scenario_diff.py: what changed between two versions, in the editor's words and widget units."""

from simulator.scenario import Scenario
from ui.scenario_diff import Change, diff


def changed(scenario, edit) -> Scenario:
    data = scenario.model_dump()
    edit(data)
    return Scenario.model_validate(data)


def lines(before, after) -> list[str]:
    return [str(c) for c in diff(before, after)]


def test_the_same_scenario_has_no_changes(support_bot):
    assert diff(support_bot, Scenario.model_validate(support_bot.model_dump())) == []


def test_numbers_are_shown_in_the_widgets_units_and_format(make_scenario):
    before = make_scenario(**{"workload.monthly_growth": 0.05, "workload.queries_per_month": 400_000,
                              "rag.top_k": 4})
    after = make_scenario(**{"workload.monthly_growth": 0.12, "workload.queries_per_month": 1_250_000,
                             "rag.top_k": 6})
    assert lines(before, after) == [
        "Queries per month (queries/month): 400000 → 1250000",  # %.0f, as the number input shows it
        "Monthly growth (%/month): 5.0 → 12.0",  # stored as 0.05 and 0.12; the widget shows % with %.1f
        "RAG: Chunks per query, top_k (chunks): 4 → 6",  # an integer input; hybrid has the label too
    ]


def test_a_label_the_editor_uses_in_several_tabs_names_its_tab_and_nested_fields_are_found(make_scenario):
    before = make_scenario()
    after = changed(before, lambda d: (d["rag"].update(cache_hit_rate=0.25), d["rag"]["model"].update(name="gpt-4o")))
    assert diff(before, after) == [Change("RAG: Model", "mistral-small-2603", "gpt-4o"),
                                   Change("RAG: Cache hit rate (% of requests)", "50.0", "25.0")]


def test_an_empty_optional_input_says_what_empty_means(make_scenario):
    before = make_scenario()
    after = changed(before, lambda d: d["fine_tuned"]["training"].update(retrain_every_months=None))
    assert lines(before, after) == ["Retrain every (months): 4.0 → empty (never retrained)"]


def test_ranges_are_described_in_widget_units_and_replace_the_point_row(support_bot):
    wider = changed(support_bot, lambda d: d["ranges"].update(
        {"workload.monthly_growth": {"dist": "pert", "low": 0.0, "likely": 0.05, "high": 0.2}}))
    assert lines(support_bot, wider) == ["Workload: Monthly growth (%/month), range: pert 0 / 5 / 10 → pert 0 / 5 / 20"]

    def to_point(d):
        d["ranges"].pop("workload.monthly_growth")
        d["workload"]["monthly_growth"] = 0.12
    assert lines(support_bot, changed(support_bot, to_point)) == [
        "Monthly growth (%/month): 5.0 → 12.0",
        "Workload: Monthly growth (%/month), range: pert 0 / 5 / 10 → a single value"]


def test_a_length_that_changes_its_mode_is_summarised_by_its_form(support_bot):
    # support-bot's query length is six sample texts; the answer a token count.
    after = changed(support_bot, lambda d: (d["workload"].update(query={"tokens": 50}),
                                            d["workload"].update(answer={"text": "x" * 1200})))
    assert lines(support_bot, after) == ["Query length: 6 sample texts → 50 tokens",
                                         "Answer length: 220 tokens → a text of 1,200 characters"]
    prompt = changed(support_bot, lambda d: d["rag"].update(system_prompt={"tokens": 900}))
    assert lines(support_bot, prompt) == ["RAG: System prompt: 1,200 tokens → 900 tokens"]


def test_texts_and_lists_are_summarised_and_a_same_length_change_is_still_said(support_bot):
    after = changed(support_bot, lambda d: (d.update(description="y" * len(support_bot.description)),
                                            d.update(name="Support bot v2")))
    assert lines(support_bot, after) == [
        "Scenario name: Customer-support bot → Support bot v2",
        f"Description: a text of {len(support_bot.description)} characters → "
        f"a text of {len(support_bot.description)} characters, changed"]
    fewer = changed(support_bot, lambda d: d["workload"]["query"].update(samples=["Where is my invoice?"]))
    assert lines(support_bot, fewer) == ["Query length: 6 sample texts → 1 sample text"]


def test_a_section_switched_on_is_one_row_then_its_fields_in_the_editors_words(make_scenario):
    before = make_scenario()
    after = changed(before, lambda d: d["workload"].update(conversation={"turns": 4, "carry": "summary",
                                                                         "summary_tokens": 200}))
    found = lines(before, after)
    assert found[:3] == ["Conversations (multi-turn): off → on", "Turns per conversation (turns): – → 4.0",
                         "Each turn carries: – → A running summary"]
    assert "Summary length (tokens): empty (needed with carry summary) → 200" in found


def test_overrides_are_named_in_words(make_scenario):
    before = make_scenario()
    after = changed(before, lambda d: d["overrides"].update({"llm.mistral-small-2603.prices.input_usd_per_mtok": 2.5}))
    [change] = diff(before, after)
    assert change.label.startswith("Override: mistral-small-2603's input price") and (change.before, change.after) == ("1", "2.5")

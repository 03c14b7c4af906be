"""User text in Plotly charts (issue 16.4): Plotly reads <a href>, <b>, <br> in trace names and
%{...} in hover templates, so a scenario's name must reach a chart as text."""

from ui import charts
from ui.fmt import chart_text


def test_a_hostile_scenario_name_is_text_in_the_compare_chart(support_bot, catalog):
    from simulator.model.evaluate import evaluate

    name = '<a href="http://h.example/x">click</a> %{y} & <b>'
    figure = charts.compare_figure({name: evaluate(support_bot, catalog)}, 1e3, 1e9)
    for trace in figure.data:
        assert "<a" not in trace.name and "<b>" not in trace.name
        assert trace.name.startswith("&lt;a href=\"http://h.example/x\"&gt;click&lt;/a&gt; %{y} &amp; &lt;b&gt;: ")
        assert name not in trace.hovertemplate and trace.hovertemplate.startswith("%{meta}<br>")
        assert trace.meta == chart_text(name)  # filled into the template once: its %{y} stays text


def test_ordinary_names_are_untouched():
    assert chart_text("Q1 plan (copy 2)") == "Q1 plan (copy 2)"


def test_a_payback_past_the_horizon_says_so():
    """Issue 13: "47.1 months" on a 24-month horizon did not say the scenario never reaches it."""
    from ui import fmt
    assert fmt.months(47.1, 24) == "47.1 months (beyond the 24-month horizon)"
    assert fmt.months(12.0, 24) == "12.0 months"
    assert fmt.months(None, 24) == "> 10 years"

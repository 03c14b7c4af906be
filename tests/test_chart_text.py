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


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb or named (black, white) colour."""
    rgb = {"black": "#000000", "white": "#ffffff"}.get(colour, colour).lstrip("#")
    channels = [int(rgb[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_latency_labels_sit_past_the_bars_in_a_colour_readable_on_the_page(support_bot, catalog):
    """Issue 13: the p95 end-to-end labels were drawn on the stacked bars (the parts' p95s add up to
    more than the end-to-end p95), dark text on the blue generation bar. Each label must start where
    its row's bar ends, in a colour with WCAG AA contrast (4.5:1) on white and on Plotly's plot grey."""
    from simulator.model.evaluate import evaluate
    from ui import charts_latency

    ev = evaluate(support_bot, catalog)
    figure = charts_latency.parts_figure({n: ev.setups[n].latency for n in ev.feasible})
    bars = [t for t in figure.data if t.type == "bar"]
    labelled = [t for t in figure.data if t.text is not None]
    assert len(labelled) == 2  # one per panel: p50 and p95
    for trace in labelled:
        assert trace.textposition == "middle right"
        assert _contrast(trace.textfont.color, "white") >= 4.5 and _contrast(trace.textfont.color, "#E5ECF6") >= 4.5
        panel = [b for b in bars if b.xaxis == trace.xaxis]
        for row, (setup, x) in enumerate(zip(trace.y, trace.x)):
            bar_end = sum(b.x[row] for b in panel)
            assert x >= bar_end, f"{setup}'s label at {x} ms starts on its {bar_end} ms bar"
        assert figure.layout[trace.xaxis.replace("x", "xaxis")].range[1] > max(trace.x)

"""The meeting export: one self-contained HTML report (interactive charts that work offline),
the sweep as CSV, the scenario as YAML, and a PNG of the break-even chart where possible."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from simulator.analysis.answer import headline
from simulator.analysis.decision import recommend
from simulator.analysis.montecarlo import Simulation
from simulator.analysis.sensitivity import Tornado, tornado, what_would_change
from simulator.model.evaluate import Evaluation
from simulator.scenario import figures_in_words

from . import charts, charts_uncertainty, fmt, summary

DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's package; scripts/dev.sh installs it for the browser tests


def _markdown_bold(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def html_report(ev: Evaluation, scenario_yaml: str, lo: float, hi: float, share_url: str | None = None,
                sim: Simulation | None = None) -> str:
    """A standalone HTML page; plotly.js is embedded once, so it opens offline. With a Monte Carlo
    ``sim`` it adds the uncertainty: bands, the probability of being cheapest, the inputs that matter."""
    s = ev.scenario
    result = ev.to_dict()
    pick = headline(ev)  # the one answer, as the dashboard's pages give it
    cost_figure = charts.break_even_figure(ev, lo, hi, pick=pick)
    if sim is not None:
        charts_uncertainty.add_bands(cost_figure, sim, lo, hi)
    figures = [("Monthly cost across query volume" + (" (shaded: P10–P90 over the ranges)" if sim else ""), cost_figure)]
    if sim is not None:
        figures.append(("Probability of being the cheapest setup",
                        charts_uncertainty.probability_figure(sim, lo, hi, s.workload.queries_per_month, pick.ruled_out)))
    feasible = {n: r["cost_breakdown_usd"] for n, r in result["setups"].items() if r["feasible"]}
    if feasible:
        figures.append((f"Cost by part at {fmt.volume(s.workload.queries_per_month)} queries/month",
                        charts.breakdown_figure(feasible)))
        figures.append(("Cumulative cost over the horizon",
                        charts.cumulative_figure({n: ev.cumulative_cost(n) for n in feasible}, str(s.workload.start_date))))
    chart_html = []
    for i, (title, fig) in enumerate(figures):
        # Streamlit's own Plotly template only styles charts inside the app; the report needs its own.
        # The heading above each chart names it, so the chart's own title would say it twice.
        fig.update_layout(template="plotly_white", title=None)
        div = fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        chart_html.append(f"<h2>{html.escape(title)}</h2>{div}")

    rows = []
    for name, r in result["setups"].items():
        if r["feasible"]:
            rows.append(
                f"<tr><td>{fmt.setup(name)}</td><td>{html.escape(r['model'])} ({html.escape(r['hosting'])})</td>"
                f"<td>{fmt.usd_month(r['monthly_cost_usd'])}</td><td>{fmt.usd(r['cost_per_query_usd'])}</td>"
                f"<td>{fmt.usd(r['one_time_cost_usd'])}</td><td>{fmt.months(r['payback_months_vs_prompt_only'], s.workload.horizon_months)}</td>"
                f"<td>{fmt.ms(r['latency_ms']['p50'])} / {fmt.ms(r['latency_ms']['p95'])}</td></tr>")
        else:
            rows.append(f"<tr><td>{fmt.setup(name)}</td><td>{html.escape(r['model'])}</td>"
                        f"<td colspan='5'>infeasible: {html.escape('; '.join(r['warnings']))}</td></tr>")
    pairs = []
    for b in result["break_even"]:
        where = "never between 1 and 1e12" if b["queries_per_month"] is None else f"{b['queries_per_month']:,.0f}"
        pairs.append(f"<tr><td>{fmt.setup(b['a'])} vs {fmt.setup(b['b'])}</td><td>{where}</td>"
                     f"<td>{fmt.setup(b['cheaper_at_low_volume']) if b['cheaper_at_low_volume'] else 'equal'}</td></tr>")
    warnings = [f"<li><strong>{fmt.setup(n)}</strong>: {html.escape(w)}</li>"
                for n, r in result["setups"].items() for w in r["warnings"]]
    shown = share_url if share_url is None or len(share_url) <= 120 else share_url[:120] + "…"  # ?d= runs long
    link = f'<p>Live view: <a href="{html.escape(share_url)}">{html.escape(shown)}</a></p>' if share_url else ""
    lines = summary.conclusions(ev, lo, hi, pick) + ([" ".join(summary.uncertainty(ev, sim, pick))] if sim is not None else [])
    conclusions = "".join(f"<li>{_markdown_bold(line)}</li>" for line in lines)
    rec = recommend(ev)
    verdict = ("The numbers agree." if rec.numbers_agree else f"The numbers disagree: {rec.disagreement}.")
    decision_html = (
        f"<p><strong>{html.escape(summary.headline_title(pick))}</strong>: the cheapest setup that meets the "
        "requirements (see the conclusions).</p>"
        f"<p>The usual rule of thumb picks {fmt.setup(rec.recommendation)}. {html.escape(verdict)}</p><ul>"
        + "".join(f"<li>{html.escape(r)}</li>" for r in rec.reasons)
        + "".join(f"<li>Ruled out {fmt.setup(n)}: {html.escape(w)}</li>" for n, w in rec.ruled_out.items())
        + "</ul>"
    )
    assumed = sorted({k for name in ev.feasible for k in ev.setups[name].assumed_figures})
    uncertainties = (f"<p>{len(assumed)} of the figures behind these numbers are assumptions rather than published "
                     f"figures, for example: {html.escape(figures_in_words(assumed[:8]))}. Check them before relying on a "
                     "close call.</p>" if assumed else "") + (_sensitivity_html(ev) if sim is not None else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Crossover: {html.escape(s.name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }}
pre {{ background: #f6f6f6; padding: 1rem; overflow-x: auto; font-size: 12px; }} .muted {{ color: #666; }}
</style></head><body>
<h1>{html.escape(s.name)}</h1>
<p class="muted">Crossover report, {dt.date.today().isoformat()} · catalog checked {result['catalog_as_of']} ·
start {result['start_date']} · {result['horizon_months']}-month horizon</p>
<p>{html.escape(s.description)}</p>
{link}
<h2>Conclusions</h2><ul id="conclusions">{conclusions}</ul>
<h2>Decision</h2><div id="decision">{decision_html}</div>
<h2>Main uncertainties</h2>{uncertainties}
<h2>At {fmt.volume(s.workload.queries_per_month)} queries/month</h2>
<table><tr><th>Setup</th><th>Model</th><th>Monthly cost</th><th>Per query</th><th>One-time</th><th>Pays back vs prompt-only</th><th>Latency p50 / p95</th></tr>
{''.join(rows)}</table>
<h2>Break-even volumes (queries/month)</h2>
<table><tr><th>Pair</th><th>First crossing</th><th>Cheaper below</th></tr>{''.join(pairs)}</table>
{''.join(chart_html)}
<h2>Warnings and assumptions</h2><ul>{''.join(warnings) or '<li>none</li>'}</ul>
<h2>Scenario inputs</h2><pre>{html.escape(scenario_yaml)}</pre>
</body></html>"""


def _sensitivity_html(ev: Evaluation) -> str:
    """The inputs that move the cheapest setup's cost most, and the values that would change the answer."""
    ranking = tornado(ev)
    among = headline(ev).allowed or None  # the answer the report leads with; none allowed: every feasible setup
    cheapest = ev.cheapest(ev.scenario.workload.queries_per_month, among=among)
    bars = [b for b in ranking.bars[Tornado.cost_key(cheapest)] if b.swing > 0][:5] if cheapest else []
    items = [f"<li>{html.escape(fmt.input_label(b.path))} from {fmt.input_value(b.path, b.low)} to "
             f"{fmt.input_value(b.path, b.high)}: {fmt.setup(cheapest)} costs {fmt.usd_month(b.at_low)} to "
             f"{fmt.usd_month(b.at_high)}</li>" for b in bars]
    for change in what_would_change(ev, ranking=ranking, among=among):
        for side in (change.below, change.above):
            if side is not None:
                items.append(f"<li><strong>{html.escape(fmt.input_label(change.path))} at "
                             f"{fmt.input_value(change.path, side[0])}</strong> (point value "
                             f"{fmt.input_value(change.path, change.point)}) would make "
                             f"{fmt.setup(side[1]) if side[1] else 'no setup'} the cheapest</li>")
    return f"<p>What moves the answer most:</p><ul id='sensitivity'>{''.join(items)}</ul>" if items else ""


def sweep_csv(ev: Evaluation, lo: float, hi: float, points: int = 200) -> str:
    return ev.sweep(np.geomspace(lo, hi, points)).to_csv(index=False)


def chromium_path(env: Mapping[str, str] = os.environ) -> str:
    """The browser the PNG export drives: ``CROSSOVER_CHROMIUM``, else Debian's ``/usr/bin/chromium``
    (the browser tests drive the same one)."""
    return env.get("CROSSOVER_CHROMIUM") or DEFAULT_CHROMIUM


def chart_png(ev: Evaluation, lo: float, hi: float) -> bytes:
    """PNG of the break-even chart, drawn by kaleido in the Chromium of :func:`chromium_path`;
    raises RuntimeError with a message for the page when it cannot be drawn.

    kaleido is called with that browser's path, so it never searches for one (its search prefers a
    Chrome that ``kaleido_get_chrome`` downloaded, and nothing here ever downloads one), with
    plotly.js from the plotly package and MathJax off (its default loads MathJax from a CDN)."""
    browser = chromium_path()
    if not (os.path.isfile(browser) and os.access(browser, os.X_OK)):
        raise RuntimeError("PNG export needs a Chromium browser on the server: the one CROSSOVER_CHROMIUM names "
                           f"(default {DEFAULT_CHROMIUM}) is not there. The HTML report has the same chart, interactive.")
    try:
        import kaleido
        import plotly
    except ImportError:
        raise RuntimeError("PNG export needs the kaleido package on the server (requirements.txt). "
                           "The HTML report has the same chart, interactive.") from None
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    figure = charts.break_even_figure(ev, lo, hi)
    figure.update_layout(template="plotly_white")  # as in the report: Streamlit's template stays in the app
    try:
        return kaleido.calc_fig_sync(figure, opts={"format": "png", "width": 1400, "height": 700, "scale": 1},
                                     kopts={"path": browser, "mathjax": False, "plotlyjs": plotly_js})
    except Exception as exc:  # a browser that crashes or hangs: kaleido raises several types
        raise RuntimeError(f"The PNG could not be drawn: Chromium failed ({type(exc).__name__}). "
                           "The HTML report has the same chart, interactive.") from exc

"""A line chart on log axes drawn as SVG on the server: the landing page's break-even chart.

Why not Plotly there (issue 13): a browser that opens the landing page must load and compile
plotly.js (4.7 MB) before it can draw the first chart, which made a new session's first chart twice
as slow as a comparable calculator's first number; an SVG in the page is drawn as soon as it arrives.
The figure is still built with Plotly (``charts.break_even_figure``, the same one the report and the
PNG export draw), and :func:`render` draws the part of Plotly's vocabulary that figure uses: scatter
traces as lines, markers (``x``, ``circle-open``), text beside markers and P10-P90 bands
(``fill="tonexty"``), log axes, a title, a legend, vertical-line shapes and paper annotations. Any
other trace or option is refused (:class:`Unsupported`) rather than drawn wrong. Hovering a line or a
marker shows its hover text (a native tooltip) filled from the trace's ``hovertemplate``.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import plotly.graph_objects as go

from . import fmt

WIDTH = 940  # px: the main column at 1400 px; the SVG scales with its column (viewBox)
PLOT_LEFT, PLOT_RIGHT, PLOT_BOTTOM = 78, 16, 52  # px of margin around the plotting area
TITLE_HEIGHT, LEGEND_ROW, LABEL_ROOM = 30, 22, 22  # px; LABEL_ROOM holds the annotations above the plot
CHAR_WIDTH = 6.4  # px per character of 12 px sans-serif, to lay the legend out in rows
HOVER_POINTS = 25  # per line: hover targets at about this many volumes (a tooltip every ~0.25 decade)
DASHES = {"solid": None, "dot": "2 4", "dash": "8 5", "dashdot": "8 4 2 4"}
PAD = 0.04  # of the cost axis's span (in decades) left free above and below the data
# Text, grid and frame take the page's text colour (currentColor), so the chart reads in Streamlit's
# dark theme as in its light one.
CSS = (".xo-chart text,.xo-overlay text{font:12px 'Source Sans Pro',sans-serif;fill:currentColor}"
       ".xo-chart .title{font-size:15px;font-weight:600}.xo-chart .grid{stroke:currentColor;stroke-opacity:.12}"
       ".xo-chart .frame{fill:none;stroke:currentColor;stroke-opacity:.3}"
       ".xo-chart .hover{fill:currentColor;fill-opacity:0;cursor:crosshair}.xo-chart .hover:hover{fill-opacity:.35}")
_PLACEHOLDER = re.compile(r"%\{(x|y|customdata|meta)(?:\[(\d+)\])?(?::([^}]*))?\}")
_TAG = re.compile(r"<[^>]*>")


class Unsupported(ValueError):
    """The figure uses something :func:`render` does not draw."""


def render(fig: go.Figure) -> str:
    """``fig`` as one HTML block (``<div><svg>…</svg></div>``, no blank line, so Markdown passes it
    through untouched) for ``st.markdown(..., unsafe_allow_html=True)``."""
    return Drawing(fig).svg


class Drawing:
    """``fig`` drawn once (:attr:`svg`); :meth:`overlay` draws a marker over it, so a page whose marker
    moves (the landing page's volume) resends and redraws a few hundred bytes, not the chart: an
    element that did not change goes to the browser as a reference and is not drawn again."""

    def __init__(self, fig: go.Figure):
        layout = fig.layout
        for axis in (layout.xaxis, layout.yaxis):
            if axis.type != "log":
                raise Unsupported("only log axes are drawn")
        traces = list(fig.data)
        for trace in traces:
            if trace.type != "scatter":
                raise Unsupported(f"a {trace.type} trace")
            if trace.fill not in (None, "tonexty") or trace.stackgroup:
                raise Unsupported(f"a scatter trace filled with {trace.fill or trace.stackgroup!r}")
        self.height = layout.height or 550
        rows = _legend_rows(_legend_entries(traces))
        top = TITLE_HEIGHT + LEGEND_ROW * len(rows) + LABEL_ROOM
        box = _Box(PLOT_LEFT, top, WIDTH - PLOT_RIGHT, self.height - PLOT_BOTTOM)
        box.x_range = list(layout.xaxis.range) if layout.xaxis.range else _extent([t.x for t in traces])
        box.y_range = _padded(_extent([t.y for t in traces]))
        self.box = box
        # The overlay's box sits on the chart's: its top margin is minus the chart's height (a share of
        # the column's width, as the SVG scales with it; Streamlit leaves no gap after a Markdown element).
        overlay_css = (f"[data-testid='stElementContainer']:has(> [data-testid='stMarkdown'] .xo-overlay)"
                       f"{{margin-top:calc(-100% * {self.height} / {WIDTH});pointer-events:none}}")
        parts = [f'<div class="xo-chart" data-testid="xo-chart">{self._open(_title(layout))}'
                 f'<style>{CSS}{overlay_css}</style>',
                 f'<text class="title" x="4" y="20">{_text(_title(layout))}</text>']
        parts += _legend_svg(rows)
        parts += _axes(box, layout)
        parts.append(f'<clipPath id="xo-plot"><rect x="{box.left}" y="{box.top}" width="{box.width:.0f}" '
                     f'height="{box.height:.0f}"/></clipPath><g clip-path="url(#xo-plot)">')
        previous = None
        for trace in traces:
            parts += _trace(trace, previous, box)
            previous = trace
        parts += _shapes(layout.shapes, box)
        parts.append("</g>")
        parts += _annotations(layout.annotations, box)
        for trace in traces:
            parts += _hover_targets(trace, box)
        parts.append("</svg></div>")
        self.svg = "".join(parts)

    def _open(self, label: str) -> str:
        return (f'<svg viewBox="0 0 {WIDTH} {self.height}" width="100%" role="img" aria-label="{_attr(label)}" '
                'xmlns="http://www.w3.org/2000/svg">')

    def overlay(self, marker: dict) -> str:
        """``marker``'s shapes and annotations (a Plotly layout update, as ``charts.volume_marker``
        makes) over the chart, for a Markdown element right after the chart's."""
        shapes = [go.layout.Shape(shape) for shape in marker.get("shapes", [])]
        notes = [go.layout.Annotation(note) for note in marker.get("annotations", [])]
        label = " ".join(_text(note.text) for note in notes)
        return (f'<div class="xo-overlay" data-testid="xo-overlay">{self._open(label)}'
                + "".join(_shapes(shapes, self.box) + _annotations(notes, self.box)) + "</svg></div>")


class _Box:
    """The plotting area in px, and log10 data coordinates mapped into it."""

    def __init__(self, left: float, top: float, right: float, bottom: float):
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.width, self.height = right - left, bottom - top
        self.x_range = self.y_range = [0.0, 1.0]

    def x(self, values) -> np.ndarray:
        lo, hi = self.x_range
        return self.left + (np.log10(np.asarray(values, float)) - lo) / (hi - lo) * self.width

    def y(self, values) -> np.ndarray:
        lo, hi = self.y_range
        return self.bottom - (np.log10(np.asarray(values, float)) - lo) / (hi - lo) * self.height


def _extent(columns) -> list[float]:
    values = np.concatenate([np.asarray(c, float) for c in columns if c is not None and len(c)] or [[1.0, 10.0]])
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return [0.0, 1.0]
    lo, hi = float(np.log10(values.min())), float(np.log10(values.max()))
    return [lo - 0.5, hi + 0.5] if hi - lo < 1e-9 else [lo, hi]


def _padded(decades: list[float]) -> list[float]:
    span = decades[1] - decades[0]
    return [decades[0] - PAD * span, decades[1] + PAD * span]


def _title(layout) -> str:
    return (layout.title.text or "") if layout.title else ""


def _text(value) -> str:
    """Plotly label text (HTML-ish: ``<b>``, entities) as SVG text content, escaped."""
    return html.escape(html.unescape(_TAG.sub("", str(value))), quote=False)


def _attr(value) -> str:
    return html.escape(html.unescape(_TAG.sub("", str(value))), quote=True)


def _path(xs: np.ndarray, ys: np.ndarray) -> str:
    """Whole px: the chart is drawn about 1:1 (WIDTH), and half a pixel is below what the eye sees
    on a line; a third fewer bytes to resend on every change."""
    points = np.column_stack([np.rint(xs), np.rint(ys)]).astype(int)
    if len(points) > 1:  # a point on the same pixel as the one before draws nothing
        points = points[np.r_[True, np.any(np.diff(points, axis=0) != 0, axis=1)]]
    return "M" + "L".join(f"{x},{y}" for x, y in points)


def _points(trace) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(trace.x, float), np.asarray(trace.y, float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return x[keep], y[keep]


def _trace(trace, previous, box: _Box) -> list[str]:
    x, y = _points(trace)
    if not len(x):
        return []
    out = []
    if trace.fill == "tonexty":
        if previous is None:
            raise Unsupported("fill='tonexty' on the first trace")
        px, py = _points(previous)
        outline = _path(np.concatenate([box.x(x), box.x(px)[::-1]]), np.concatenate([box.y(y), box.y(py)[::-1]]))
        out.append(f'<path d="{outline}Z" fill="{_attr(trace.fillcolor or "rgba(0,0,0,0.15)")}" stroke="none"/>')
    mode = trace.mode or "lines"
    line = trace.line
    if "lines" in mode and (line.width is None or line.width > 0):
        dash = DASHES.get(line.dash or "solid")
        out.append(f'<path d="{_path(box.x(x), box.y(y))}" fill="none" stroke="{_attr(line.color or "currentColor")}" '
                   f'stroke-width="{line.width or 2}" stroke-linejoin="round"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    if "markers" in mode:
        out += [_marker(trace.marker, cx, cy) for cx, cy in zip(box.x(x), box.y(y))]
    if "text" in mode and trace.text is not None:
        texts = [trace.text] * len(x) if isinstance(trace.text, str) else list(trace.text)
        for cx, cy, label in zip(box.x(x), box.y(y), texts):
            out.append(_label(label, cx + 8, cy + 16, css=' class="point-label"'))
    return out


def _marker(marker, cx: float, cy: float) -> str:
    r = (marker.size or 6) / 2
    colour = _attr(marker.color or "currentColor")
    if marker.symbol == "x":
        return (f'<path d="M{cx - r:.1f},{cy - r:.1f}L{cx + r:.1f},{cy + r:.1f}M{cx - r:.1f},{cy + r:.1f}'
                f'L{cx + r:.1f},{cy - r:.1f}" stroke="{colour}" stroke-width="3"/>')
    if marker.symbol in ("circle-open", "circle", None):
        fill = "none" if marker.symbol == "circle-open" else colour
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="{colour}" stroke-width="1.5"/>'
    raise Unsupported(f"marker symbol {marker.symbol!r}")


def _label(label: str, x: float, y: float, anchor: str = "start", css: str = "") -> str:
    lines = re.split(r"<br\s*/?>", str(label))
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 15}">{_text(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{css}>{spans}</text>'


def _legend_entries(traces) -> list:
    """The named traces, lines before bands (the bands are drawn first, to lie behind the lines)."""
    named = [t for t in traces if t.name and t.showlegend is not False]
    return sorted(named, key=lambda t: t.fill == "tonexty")


def _legend_rows(entries) -> list[list]:
    rows, used = [[]], 0.0
    for trace in entries:
        width = 34 + CHAR_WIDTH * len(_text(trace.name)) + 18
        if rows[-1] and used + width > WIDTH - 8:
            rows.append([])
            used = 0.0
        rows[-1].append((trace, used))
        used += width
    return [row for row in rows if row]


def _legend_svg(rows) -> list[str]:
    out = []
    for i, row in enumerate(rows):
        y = TITLE_HEIGHT + LEGEND_ROW * i + 12
        for trace, x in row:
            x += 4
            if trace.fill == "tonexty":
                out.append(f'<rect x="{x}" y="{y - 6}" width="28" height="12" fill="{_attr(trace.fillcolor)}"/>')
            else:
                dash = DASHES.get(trace.line.dash or "solid")
                out.append(f'<path d="M{x},{y}h28" stroke="{_attr(trace.line.color or "currentColor")}" stroke-width="2.5"'
                           + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
            out.append(f'<text x="{x + 34}" y="{y + 4}">{_text(trace.name)}</text>')
    return out


def _decade_ticks(lo: float, hi: float) -> list[float]:
    """Tick values [data units] on a log axis spanning ``[lo, hi]`` decades: every decade, with 2 and
    5 between them when fewer than three decades show, as Plotly does."""
    steps = (1, 2, 5) if hi - lo < 3 else (1,)
    return [m * 10 ** k for k in range(math.floor(lo), math.ceil(hi) + 1) for m in steps
            if lo - 1e-9 <= math.log10(m * 10 ** k) <= hi + 1e-9]


def _axes(box: _Box, layout) -> list[str]:
    out = []
    prefix = layout.yaxis.tickprefix or ""
    for value in _decade_ticks(*box.x_range):
        x = float(box.x(value))
        out.append(f'<path class="grid" d="M{x:.1f},{box.top}V{box.bottom}"/>')
        out.append(f'<text x="{x:.1f}" y="{box.bottom + 17}" text-anchor="middle">{fmt.volume(value)}</text>')
    for value in _decade_ticks(*box.y_range):
        y = float(box.y(value))
        out.append(f'<path class="grid" d="M{box.left},{y:.1f}H{box.right}"/>')
        out.append(f'<text x="{box.left - 6}" y="{y + 4:.1f}" text-anchor="end">{_text(prefix)}{fmt.volume(value)}</text>')
    out.append(f'<rect x="{box.left}" y="{box.top}" width="{box.width:.0f}" height="{box.height:.0f}" '
               'class="frame"/>')
    if layout.xaxis.title and layout.xaxis.title.text:
        out.append(f'<text x="{box.left + box.width / 2:.0f}" y="{box.bottom + 40}" text-anchor="middle">'
                   f'{_text(layout.xaxis.title.text)}</text>')
    if layout.yaxis.title and layout.yaxis.title.text:
        middle = box.top + box.height / 2
        out.append(f'<text x="14" y="{middle:.0f}" text-anchor="middle" transform="rotate(-90 14 {middle:.0f})">'
                   f'{_text(layout.yaxis.title.text)}</text>')
    return out


def _shapes(shapes, box: _Box) -> list[str]:
    out = []
    for shape in shapes:
        if shape.type != "line" or shape.x0 != shape.x1 or shape.yref != "y domain":
            raise Unsupported("only vertical lines across the plot are drawn")
        x = float(box.x(shape.x0))
        dash = DASHES.get(shape.line.dash or "solid")
        out.append(f'<path d="M{x:.1f},{box.top}V{box.bottom}" stroke="{_attr(shape.line.color or "grey")}" '
                   f'stroke-width="1.5"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
    return out


def _annotations(notes, box: _Box) -> list[str]:
    out = []
    for note in notes:
        if note.yref != "paper" or note.showarrow:
            raise Unsupported("only annotations above the plot, without arrows, are drawn")
        x = float(box.x(10 ** note.x))  # Plotly places annotations on a log axis by the log10 value
        colour = f' style="fill:{_attr(note.font.color)}"' if note.font and note.font.color else ""
        out.append(_label(note.text, x, box.top - 6, anchor="middle", css=f' class="volume-label"{colour}'))
    return out


def _hover_targets(trace, box: _Box) -> list[str]:
    """Invisible circles whose tooltip is the trace's hover text there: about ``HOVER_POINTS`` along
    a drawn line (those nearest evenly spaced log volumes), every marker."""
    mode = trace.mode or "lines"
    drawn = "markers" in mode or (trace.line.width is None or trace.line.width > 0)
    if trace.hoverinfo == "skip" or not trace.hovertemplate or not drawn:
        return []  # a band's edge is not drawn: the line in it has the hover
    x, y = np.asarray(trace.x, float), np.asarray(trace.y, float)
    keep = np.flatnonzero(np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0))
    if "markers" not in mode and len(keep) > HOVER_POINTS:
        wanted = np.linspace(np.log10(x[keep[0]]), np.log10(x[keep[-1]]), HOVER_POINTS)
        keep = keep[np.unique(np.searchsorted(np.log10(x[keep]), wanted).clip(0, len(keep) - 1))]
    out = []
    for i in keep:
        tip = _hover_text(trace, int(i))
        out.append(f'<circle class="hover" cx="{float(box.x(x[i])):.1f}" cy="{float(box.y(y[i])):.1f}" r="6">'
                   f'<title>{tip}</title></circle>')
    return out


def _hover_text(trace, i: int) -> str:
    """``trace.hovertemplate`` filled at point ``i``, as Plotly would show it (``<br>`` a new line,
    ``<extra>`` dropped), escaped for SVG. Formats are d3's ``,.0f``-style, which Python's match."""
    values = {"x": trace.x[i], "y": trace.y[i], "meta": trace.meta}
    custom = None if trace.customdata is None else trace.customdata[i]

    def fill(match: re.Match) -> str:
        name, index, spec = match.groups()
        value = custom if name == "customdata" else values[name]
        if index is not None:
            value = value[int(index)]
        try:
            return format(float(value), spec) if spec else str(value)
        except (TypeError, ValueError):
            return str(value)

    template = re.sub(r"<extra>.*?</extra>", "", trace.hovertemplate)
    lines = re.split(r"<br\s*/?>", _PLACEHOLDER.sub(fill, template))
    return "&#10;".join(_text(line) for line in lines)

"""``crossover catalog --history [MODEL]``: the bulk layer's price history and the observed price drift.

Without a model: the yearly change across models and the range ``{dist: observed}`` draws from,
then the models counted. With one (``provider/model``, or a model id every provider of it): its
dated prices and the change counted, or why it is not. ``--json`` prints the same as data.
"""

from __future__ import annotations

import difflib
import json

from pricing import history
from pricing.catalog import CatalogError


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1f}"


def run(args) -> int:
    if args.history:
        return _model(args.history, args.json)
    summary = history.observed_drift()
    counted = [h for h in history.bulk_histories() if h.excluded is None]
    if args.json:
        data = {k: v for k, v in summary.to_dict().items() if k != "counted"}  # the changes name them
        print(json.dumps({**data, "changes": [h.to_dict() for h in counted]}, indent=2))
        return 0
    q = summary.quantiles
    print(f"Price history of the bulk layer ({summary.source}, as of {summary.as_of})")
    print(f"{summary.models} of {summary.with_history} models with dated prices counted "
          f"(a dated price at least {summary.min_span_days} days before {summary.as_of})")
    for reason, n in summary.excluded.items():
        print(f"  left out: {n} ({reason})")
    print("observed yearly change: " + ", ".join(f"{k} {v:+.1f}" for k, v in q.items()) + " %/year")
    print(f"Monte Carlo price drift {{dist: observed}}: PERT {summary.low:+.1f} / {summary.likely:.0f} / "
          f"{summary.high:+.1f} %/year (p{history.LOW} / 0 / p{history.HIGH})")
    print()
    print(f"{'model':<48}{'window d':>9}{'input':>9}{'output':>9}{'change %/yr':>13}")
    for h in sorted(counted, key=lambda h: h.pct_per_year):
        print(f"{h.key:<48}{h.span_days:>9}{_pct(h.input_pct_per_year):>9}{_pct(h.output_pct_per_year):>9}"
              f"{_pct(h.pct_per_year):>13}")
    return 0


def _model(name: str, as_json: bool) -> int:
    found = history.find(name)
    if not found:
        names = sorted({h.key for h in history.bulk_histories()} | {h.model for h in history.bulk_histories()})
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise CatalogError(f"no price history for {name!r} in the bulk layer (only models with several dated "
                           f"prices have one){hint}")
    if as_json:
        print(json.dumps([h.to_dict() for h in found], indent=2))
        return 0
    for h in found:
        print(f"{h.key}: {len(h.points)} prices (USD per million tokens)")
        for p in h.points:
            when = "starting price" if p.start is None else f"from {p.start}"
            flag = "  scheduled: not counted" if p.scheduled else ""
            print(f"  {when:<16} input {p.input_usd_per_mtok if p.input_usd_per_mtok is not None else '–':>10}"
                  f"  output {p.output_usd_per_mtok if p.output_usd_per_mtok is not None else '–':>10}{flag}")
        if h.excluded is None:
            print(f"  observed yearly change {_pct(h.pct_per_year)} %/year over {h.span_days} days "
                  f"(input {_pct(h.input_pct_per_year)}, output {_pct(h.output_pct_per_year)})")
        else:
            print(f"  not counted: {h.excluded}")
    return 0

"""``crossover catalog models``: every model one can pick, searched and filtered as the editor's picker does.

A scenario names an API model by its ``id`` and, for a model of the bulk layer, its ``provider``
(``model: {name: claude-haiku-4-5, provider: google}``); an open model by its id. Rows come from
:mod:`pricing.models`; this file only parses the options and prints.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pricing import models
from pricing.bulk import settings as bulk_settings
from pricing.catalog import default_catalog
from simulator.scenario import horizon_end, load_scenario

from .errors import UsageError


def add_parser(actions) -> None:
    """The ``models`` action of ``catalog`` (``actions``: the catalog parser's subparsers)."""
    m = actions.add_parser("models", help="every model one can pick, with price, context window and age: "
                                          "search and filter by provider, capability and availability")
    m.add_argument("--search", default="", help="words that must all appear in the id, an alias or the name "
                                                "(case-insensitive; a dot matches a dash)")
    m.add_argument("--provider", help="who sells it: anthropic, openai, google (Gemini and Vertex), aws, azure, "
                                      "together, ...; self-hosted for open models")
    m.add_argument("--capability", action="append", choices=models.CAPABILITIES, default=[],
                   help="repeat to require several; fine-tunable and reasoning come from the curated layer only")
    when = m.add_mutually_exclusive_group()
    when.add_argument("--horizon-of", type=Path, metavar="SCENARIO",
                      help="only models available through this scenario's whole horizon (start date + horizon months)")
    when.add_argument("--available-until", type=dt.date.fromisoformat, metavar="DATE",
                      help="only models not retired before this date")
    m.add_argument("--available-from", type=dt.date.fromisoformat, metavar="DATE",
                   help="the range's start, with --available-until (models have no release dates: checks the range)")
    m.add_argument("--on", type=dt.date.fromisoformat,
                   help="prices in effect and ages on this date (default: the --horizon-of scenario's start date, else today)")
    m.add_argument("--json", action="store_true")
    m.set_defaults(run=run)


def _available(args) -> tuple[dt.date, dt.date] | None:
    """(start, end) of the availability filter, or None."""

    if args.available_from is not None and args.available_until is None:
        raise UsageError("--available-from needs --available-until (or use --horizon-of SCENARIO)")
    if args.horizon_of is not None:
        if args.available_from is not None:
            raise UsageError("--available-from goes with --available-until, not with --horizon-of")
        workload = load_scenario(args.horizon_of, default_catalog()).workload
        return workload.start_date, horizon_end(workload.start_date, workload.horizon_months)
    if args.available_until is not None:
        return args.available_from or args.available_until, args.available_until
    return None


def run(args) -> int:

    if args.kind or args.check or args.layer != "all" or getattr(args, "history", None) is not None:
        raise UsageError("catalog models lists both layers' models: --kind, --layer, --check and --history do not "
                         "apply (use --capability and --provider)")
    rows = models.model_rows()
    if args.provider:
        models.check_provider(rows, args.provider)
    available = _available(args)
    on = args.on or (available[0] if args.horizon_of is not None else dt.date.today())
    found = models.filter_models(rows, args.search, args.provider, args.capability, available)
    if args.json:
        print(json.dumps([r.to_dict(on) for r in found], indent=2))
        return 0
    print(table(found, len(rows), args, available, on))
    return 0


def _price(value: float | None) -> str:
    return "–" if value is None else f"{value:,.4g}"


def _notes(r: models.ModelRow, on: dt.date) -> str:
    notes = [c for c in ("fine-tunable", "reasoning") if c in r.capabilities]
    notes += [f"price changes {h['from']}" for h in r.changes_after(on)]
    if r.usd_per_1k_searches is not None:
        notes.append(f"${r.usd_per_1k_searches:g} per 1k searches")
    if r.provider == models.SELF_HOSTED:
        notes.append("priced by GPU-hour")
    if r.available_until is not None:
        notes.append(f"retires {r.available_until}")
    return ", ".join(notes)


def table(found: list[models.ModelRow], total: int, args, available: tuple[dt.date, dt.date] | None, on: dt.date) -> str:
    filters = [f"search {args.search!r}" if args.search.strip() else "",
               f"provider {args.provider}" if args.provider else "",
               ("capability " + " and ".join(args.capability)) if args.capability else "",
               f"not retired before {available[1]}" if available else ""]
    shown = "; ".join(f for f in filters if f) or "no filter"
    lines = [f"{len(found):,} of {total:,} models ({shown}); prices in USD per million tokens in effect on {on}; "
             f"curated figures as dated, bulk figures of genai-prices as of {bulk_settings()['as_of']}; ages on {on}",
             f"{'provider':<14} {'model':<56} {'kind':<9} {'input':>8} {'output':>8} {'cached':>8} {'context':>10}  "
             f"{'as of':<10} {'age':>7}  {'layer':<7}  notes"]
    for r in found:
        context = "unknown" if r.context_window_tokens is None else f"{r.context_window_tokens:,}"
        age = "" if r.as_of is None else f"{r.age_months(on):.1f} mo"
        p = r.prices_on(on)
        lines.append(f"{r.provider:<14} {r.id:<56} {r.kind:<9} {_price(p['input_usd_per_mtok']):>8} "
                     f"{_price(p['output_usd_per_mtok']):>8} {_price(p['cached_input_usd_per_mtok']):>8} {context:>10}  "
                     f"{r.as_of or '':<10} {age:>7}  {r.layer:<7}  {_notes(r, on)}".rstrip())
    return "\n".join(lines)

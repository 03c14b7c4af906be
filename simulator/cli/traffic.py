"""``crossover traffic FILE [--model ID] [--json]``: the workload fitted from a usage log or trace.

Text output lists what was read and refused, then per model the fitted values with the requests and
whole days each rests on, and why any value is absent. ``--json`` prints the same as data.
"""

from __future__ import annotations

import json
from pathlib import Path

from pricing.catalog import default_catalog
from simulator.scenario import SETUPS, load_scenario
from simulator.traffic.apply import apply_fit
from simulator.traffic.fit import FitError, ModelFit, TrafficFit, fit_file
from simulator.traffic.formats import FORMATS, TrafficError

from .errors import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser("traffic", help="fit volume, growth, peaks, lengths and caching from a usage log or trace")
    p.add_argument("file", help="OTLP JSON lines, CSV/JSONL (timestamp, model, input_tokens, output_tokens, ...), "
                               "an OpenAI Usage API export or a Langfuse observations export")
    p.add_argument("--model", help="fit this model's requests only (default: each model, busiest first)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--apply", type=Path, metavar="SCENARIO",
                   help="write this scenario with the fitted workload to -o (the log must hold one model, or give --model)")
    p.add_argument("-o", "--output", type=Path, help="where --apply writes the scenario (a new file: never overwritten)")
    p.add_argument("--setup", choices=SETUPS, help="with --apply: the setup the log comes from (default: of the setups "
                                                   "on the log's model, the one whose static prompt fits its prompts)")
    p.set_defaults(run=run)


def run(args) -> int:
    if (args.apply is None) != (args.output is None):
        raise UsageError("--apply SCENARIO and -o OUT go together")
    if args.output is not None and args.output.exists():
        raise UsageError(f"{args.output}: exists; choose a new file name (nothing is overwritten)")
    catalog = default_catalog()
    scenario = load_scenario(args.apply, catalog) if args.apply is not None else None
    try:
        fit = fit_file(args.file, catalog, model=args.model)
    except (TrafficError, FitError) as exc:
        raise UsageError(str(exc)) from None
    if scenario is not None:
        return _apply(fit, scenario, catalog, args)
    if args.json:
        print(json.dumps(fit.to_json(), indent=2))
    else:
        print(describe(fit))
    return 0


def _apply(fit: TrafficFit, scenario, catalog, args) -> int:
    if len(fit.by_model) != 1:
        models = ", ".join(f"{m} ({n:,})" for m, n in fit.models[:10])
        raise UsageError(f"{fit.report.file_name}: holds several models ({models}); pick one with --model")
    (model_fit,) = fit.by_model.values()
    if args.setup is not None:
        section = getattr(scenario, "fine_tuned" if args.setup == "hybrid" else args.setup)
        if section.model.name != model_fit.model:
            raise UsageError(f"--setup {args.setup} uses {section.model.name}, not the log's {model_fit.model}")
    applied, said = apply_fit(scenario, model_fit, fit.report, catalog, origin=str(args.output), setup=args.setup)
    write_new_file(args.output, applied.to_yaml())
    print(f"{args.output}: {scenario.name} with the workload of {fit.report.file_name} "
          f"({model_fit.requests:,} requests of {model_fit.model})")
    for line in said:
        print(f"  {line}")
    return 0


def write_new_file(path: Path, text: str) -> None:
    """Write ``text`` to a file that must not exist yet (exclusive create: no race with another writer)."""
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{path}: exists; choose a new file name (nothing is overwritten)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _number(value) -> str:
    if isinstance(value, float) and abs(value) < 10:
        return f"{value:.3g}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def _model_lines(fit: ModelFit) -> list[str]:
    period = f"{fit.first:%Y-%m-%d %H:%M} to {fit.last:%Y-%m-%d %H:%M} UTC, {fit.whole_days} whole days"
    lines = [f"{fit.model}: {fit.requests:,} requests, {period}"]
    if fit.tokens is not None:
        lines.append(f"  tokens: {fit.tokens.to_json()['note']}")
    v = fit.values
    for key, label in (("queries_per_month", "queries per month (at the end)"), ("monthly_growth", "monthly growth"),
                       ("peak_to_average", "peak to average (p99 hour / mean hour)"),
                       ("cache_hit_rate", "cache hit rate (requests reading cached tokens)"),
                       ("cached_token_share", "cached share of input tokens"),
                       ("turns_per_conversation", "turns per conversation (mean)"),
                       ("gap_between_turns_s", "gap between turns (median, s)")):
        if key in v:
            shown = f"{v[key]['value']:+.1%}" if key == "monthly_growth" else _number(v[key]["value"])
            lines.append(f"  {label}: {shown}  [{v[key]['requests']:,} requests, {v[key]['days']} days]")
    for name, length in v.get("lengths", {}).items():
        q = length["value"]
        lines.append(f"  {name.replace('_', ' ')} tokens (o200k_base): mean {length['mean']:,.0f}, median {q[10]:,.0f}, "
                     f"p5 {q[1]:,.0f}, p95 {q[19]:,.0f}  [{length['requests']:,} requests]")
    for key, why in fit.absent.items():
        lines.append(f"  {key}: absent: {why}")
    return lines


def describe(fit: TrafficFit) -> str:
    r = fit.report
    lines = [f"{r.file_name}: {FORMATS[r.format]}, {r.size_bytes:,} bytes, sha256 {r.sha256[:12]}",
             f"rows: {r.rows_read:,} read, {r.rows_kept:,} kept, {r.rows_refused:,} refused"]
    lines += [f"  refused {p}" for p in r.problems]
    if r.rows_refused > len(r.problems):
        lines.append(f"  ... and {r.rows_refused - len(r.problems):,} more refused rows")
    lines += [f"note: {n}" for n in r.notes]
    if len(fit.models) > len(fit.by_model):
        rest = fit.models[len(fit.by_model):]
        lines.append(f"note: {len(rest)} more models not fitted (--model picks one): "
                     + ", ".join(f"{m} ({n:,})" for m, n in rest[:10]))
    for model_fit in fit.by_model.values():
        lines.append("")
        lines += _model_lines(model_fit)
    return "\n".join(lines)

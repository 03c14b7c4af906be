"""Command line: ``python -m simulator <command> ...``. Bad input exits 2 with a message, no traceback."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from pricing.catalog import CatalogError, default_catalog
from pricing.provenance import FigureRecorder, figure_rows
from simulator.files import FileRefused, read_regular_file

from simulator.analysis.answer import headline
from simulator.analysis.montecarlo import simulate
from simulator.model.breakeven import SOLVED_RANGE
from simulator.model.evaluate import evaluate
from simulator.model.serving import serve_estimate
from simulator.model.tokens import ENCODINGS, count_tokens
from simulator.model.training import self_hosted_training
from simulator.scenario import SETUPS, ScenarioError, load_scenario

from . import catalog as catalog_command
from . import catalog_models
from . import library as library_command
from . import traffic as traffic_command
from .errors import UsageError
from .numbers import NumberIn

MAX_TEXT_FILE_BYTES = 50_000_000
MAX_SWEEP_POINTS = 1_000_000  # a sweep's table; no scenario field stands for it


VOLUME = NumberIn.of_field("workload.queries_per_month")
TOKENS = NumberIn.of_field("workload.query.tokens", kind=int)  # a per-query length [tokens], counted
FRACTION_OF_PEAK = NumberIn(float, 0.0, 1.0, lo_exclusive=True)  # a catalog efficiency; no scenario field


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ScenarioError, CatalogError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Crossover cost and latency simulator")
    sub = parser.add_subparsers(required=True, metavar="command")

    p = sub.add_parser("evaluate", help="costs, tokens, latency and break-even of one scenario")
    p.add_argument("scenario", type=Path)
    p.add_argument("--volume", type=VOLUME, help="queries per month (default: the scenario's)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--draws", type=NumberIn.of_field("uncertainty.draws"), help="Monte Carlo draws over the scenario's ranges (100-100000); "
                   "adds percentiles and probabilities")
    p.add_argument("--seed", type=NumberIn.of_field("uncertainty.seed"), help="Monte Carlo seed (default: the scenario's)")
    _range_args(p)
    p.set_defaults(run=_evaluate)

    p = sub.add_parser("decide", help="the guided recommendation, checked against the numbers")
    p.add_argument("scenario", type=Path)
    p.add_argument("--eval", type=Path, help="evaluation CSV: question, setup, and score (0-1) or pass (0/1)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_decide)

    p = sub.add_parser("sweep", help="monthly cost of each setup across query volumes")
    p.add_argument("scenario", type=Path)
    p.add_argument("--csv", type=Path, help="write the table here (default: standard output)")
    p.add_argument("--min", type=VOLUME, help="lowest volume (default: scenario volume / 1000)")
    p.add_argument("--max", type=VOLUME, help="highest volume (default: scenario volume x 1000)")
    p.add_argument("--points", type=NumberIn(int, 2, MAX_SWEEP_POINTS), default=200,
                   help="log-spaced volumes (default 200)")
    p.set_defaults(run=_sweep)

    p = sub.add_parser("serve-estimate", help="self-hosted prefill/decode roofline for one configuration")
    p.add_argument("--model", required=True)
    p.add_argument("--gpu", required=True)
    p.add_argument("--batch", type=NumberIn.of_field("prompt_only.model.max_batch"), default=1)
    p.add_argument("--prompt-tokens", type=TOKENS, required=True)
    p.add_argument("--context-tokens", type=TOKENS, help="KV-cache length per sequence during decode (default: prompt tokens)")
    p.add_argument("--output-tokens", type=TOKENS,
                   help="answer length: adds the chunked-prefill steady state of --batch sequences (queries/s)")
    p.add_argument("--gpus", type=NumberIn.of_field("prompt_only.model.gpus_per_replica"), default=1)
    p.add_argument("--flops-efficiency", type=FRACTION_OF_PEAK)
    p.add_argument("--bandwidth-efficiency", type=FRACTION_OF_PEAK)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_serve)

    p = sub.add_parser("train-estimate", help="self-hosted LoRA / full fine-tuning cost and memory fit")
    p.add_argument("--model", required=True)
    p.add_argument("--gpu", required=True)
    p.add_argument("--method", choices=["lora", "full"], required=True)
    p.add_argument("--training-tokens", required=True, help="tokens per epoch",
                   type=NumberIn.of_product("fine_tuned.training.examples", "fine_tuned.training.tokens_per_example"))
    p.add_argument("--epochs", type=NumberIn.of_field("fine_tuned.training.epochs"), default=1)
    p.add_argument("--gpus", type=NumberIn.of_field("fine_tuned.training.gpus"), default=1)
    p.add_argument("--cloud", help="price from this cloud (default: the cheapest listed)")
    p.add_argument("--sequence-length", type=NumberIn.of_field("fine_tuned.training.sequence_length"),
                   help="tokens per training sequence (default: the catalog's defaults.training.sequence_length_tokens)")
    p.add_argument("--micro-batch", type=NumberIn.of_field("fine_tuned.training.micro_batch"),
                   help="sequences per GPU per step (default: the catalog's defaults.training.micro_batch)")
    p.add_argument("--recompute", action=argparse.BooleanOptionalAction, default=None,
                   help="recompute activations in the backward pass (default: the catalog's "
                        "defaults.training.recompute_activations)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_train)

    p = sub.add_parser("tokens", help="count tokens of text files with tiktoken (offline)")
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--encoding", choices=[*ENCODINGS, "all"], default="o200k_base")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_tokens)

    p = sub.add_parser("catalog", help="list the price and hardware catalog with sources and ages")
    p.add_argument("--kind", choices=["llm", "embedding", "reranker", "vector_store", "gpu", "open_model", "tokenizer", "defaults"])
    p.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today(), help="age relative to this date (default: today)")
    p.add_argument("--layer", choices=["curated", "bulk", "all"], default="all",
                   help="curated: pricing/data/*.yaml, the figures scenarios use today; bulk: every model of genai-prices")
    p.add_argument("--check", action="store_true",
                   help="flag prices that contradict each other or a provider's rule, and sources nobody can check")
    p.add_argument("--history", nargs="?", const="", metavar="MODEL",
                   help="how bulk prices moved: the observed yearly change the Monte Carlo's {dist: observed} price "
                        "drift draws from, or one model's dated prices (provider/model or a model id)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=catalog_command.run)
    actions = p.add_subparsers(metavar="action", required=False)
    d = actions.add_parser("diff", help="compare the catalog with a newer genai-prices data.py or LiteLLM's price map")
    d.add_argument("--against", type=Path, required=True,
                   help="genai-prices' genai_prices/data.py or LiteLLM's model_prices_and_context_window.json")
    d.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today(),
                   help="retired and prices in effect on this date (default: today)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(run=catalog_command.run_diff)
    catalog_models.add_parser(actions)
    traffic_command.add_parser(sub)
    library_command.add_parser(sub)
    return parser


def _range_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--range-min", type=VOLUME, default=SOLVED_RANGE[0], help="break-even search from (default 1)")
    p.add_argument("--range-max", type=VOLUME, default=SOLVED_RANGE[1], help="break-even search to (default 1e12)")


def _evaluate(args) -> int:
    if args.range_min >= args.range_max:
        raise UsageError("--range-min must be below --range-max")
    catalog = default_catalog()
    scenario = load_scenario(args.scenario, catalog)
    evaluation = evaluate(scenario, catalog, (args.range_min, args.range_max))
    result = evaluation.to_dict(args.volume)
    sim = None
    if args.draws is not None or args.seed is not None:
        draws = scenario.uncertainty.draws if args.draws is None else args.draws
        sim = simulate(evaluation, draws, args.seed, volume=args.volume)
        sim.add_to(result)
    result["headline"] = headline(evaluation, sim, args.volume).to_dict()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(_evaluation_table(result))
    return 0


def _evaluation_table(r: dict) -> str:
    lines = [f"{r['scenario']} at {r['queries_per_month']:,.0f} queries/month "
             f"(catalog checked {r['catalog_as_of']}, start {r['start_date']}, horizon {r['horizon_months']} months)", ""]
    header = f"{'setup':<12}{'$/month':>12}{'$/query':>11}{'one-time $':>12}{'in tok':>9}{'out tok':>9}{'p50 ms':>9}{'p95 ms':>9}  model"
    lines += [header, "-" * len(header)]
    for name in SETUPS:
        s = r["setups"][name]
        if not s["feasible"]:
            lines.append(f"{name:<12}{'infeasible':>12}{'':>62}  {s['model']}")
            continue
        lines.append(
            f"{name:<12}{s['monthly_cost_usd']:>12,.0f}{s['cost_per_query_usd']:>11.5f}{s['one_time_cost_usd']:>12,.0f}"
            f"{s['input_tokens_per_query']:>9,.0f}{s['output_tokens_per_query']:>9,.0f}"
            f"{s['latency_ms']['p50']:>9,.0f}{s['latency_ms']['p95']:>9,.0f}  {s['model']} ({s['hosting']})"
        )
    if "turns_per_conversation" in r:  # a conversation workload: each query is one turn
        lines += ["", f"Conversations: {r['turns_per_conversation']:g} turns each (one query per turn), "
                      f"{r['conversations_per_month']:,.0f} conversations/month; $/conversation: "
                      + ", ".join(f"{name} {r['setups'][name]['usd_per_conversation']:,.4f}" for name in SETUPS
                                  if r["setups"][name]["feasible"]),
                  "  tokens and latency are of the mean turn (its history included)"]
    if "probability_cheapest" in r:
        lines += ["", f"Monte Carlo: {r['monte_carlo']['draws']:,} draws, seed {r['monte_carlo']['seed']}, "
                      f"ranged: {', '.join(r['monte_carlo']['ranged_inputs']) or 'none'}",
                  *(f"  {path}: {text}" for path, text in r["monte_carlo"]["range_sources"].items()),
                  f"{'setup':<12}{'P10 $/month':>13}{'P50':>11}{'P90':>11}{'cheapest':>10}{'feasible':>10}"]
        for name in SETUPS:
            band = r["setups"][name]["monthly_cost_usd_percentiles"]
            if band is None:
                continue
            lines.append(f"{name:<12}{band['p10']:>13,.0f}{band['p50']:>11,.0f}{band['p90']:>11,.0f}"
                         f"{r['probability_cheapest'].get(name, 0):>10.0%}{r['setups'][name]['probability_feasible']:>10.0%}")
    h = r["headline"]
    lines += ["", f"Cheapest at this volume that meets the requirements: {h['setup'] or 'none'}",
              *(f"  cheaper but ruled out: {c['setup']} (${c['monthly_cost_usd']:,.0f}/month): {c['reason']}"
                for c in h["cheaper_but_ruled_out"]), "", "Break-even:"]
    for b in r["break_even"]:
        other = b["b"] if b["cheaper_at_low_volume"] == b["a"] else b["a"]
        if b["queries_per_month"] is None:
            lines.append(f"  {b['a']} vs {b['b']}: never cross; {b['cheaper_at_low_volume'] or 'equal'} is cheaper throughout")
        else:
            more = f" (+{b['crossings_total'] - 1} more crossings)" if b["crossings_total"] > 1 else ""
            lines.append(f"  {b['a']} vs {b['b']}: {b['cheaper_at_low_volume']} cheaper below "
                         f"{b['queries_per_month']:,.0f} queries/month, then {other}{more}")
        spread = b.get("queries_per_month_percentiles")
        if b.get("probability_crosses") is not None:
            where = (f", 80% interval {spread['p10']:,.0f}-{spread['p90']:,.0f}" if spread else "")
            lines.append(f"    crosses in {b['probability_crosses']:.0%} of draws{where}")
    lines += ["", "Warnings:"]
    for name in SETUPS:
        for w in r["setups"][name]["warnings"]:
            lines.append(f"  [{name}] {w}")
    return "\n".join(lines)


def _decide(args) -> int:
    from simulator.analysis.decision import recommend
    from simulator.analysis.eval_results import EvalDataError, parse_eval_csv
    from simulator.analysis.quality import cost_per_correct_answer

    catalog = default_catalog()
    scenario = load_scenario(args.scenario, catalog)
    ev = evaluate(scenario, catalog)
    result = {"headline": headline(ev).to_dict(), **recommend(ev).to_dict()}
    if args.eval is not None:
        try:
            results = parse_eval_csv(read_regular_file(args.eval, MAX_TEXT_FILE_BYTES), str(args.eval))
        except FileRefused as exc:
            raise UsageError(str(exc)) from None
        except EvalDataError as exc:
            raise UsageError("\n".join(exc.problems)) from None
        per_setup = cost_per_correct_answer(ev, results)
        result["cost_per_correct_answer_usd"] = {n: v["cost_per_correct_answer_usd"] for n, v in per_setup.items()}
        result["quality"] = per_setup
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    print(f"Cheapest that meets the requirements for {scenario.name}: {result['headline']['setup'] or 'none'}")
    print(f"The rule of thumb picks: {result['recommendation']}")
    for reason in result["reasons"]:
        print(f"  because {reason}")
    for name, why in result["ruled_out"].items():
        print(f"  ruled out {name}: {why}")
    print("Numbers agree." if result["numbers_agree"] else f"Numbers disagree: {result['disagreement']}")
    for name, cost in result.get("cost_per_correct_answer_usd", {}).items():
        print(f"  {name}: ${cost:,.5f} per correct answer" if cost is not None else f"  {name}: no correct answers")
    return 0


def _sweep(args) -> int:
    catalog = default_catalog()
    scenario = load_scenario(args.scenario, catalog)
    q = scenario.workload.queries_per_month
    lo = args.min if args.min is not None else max(SOLVED_RANGE[0], q / 1e3)
    hi = args.max if args.max is not None else min(SOLVED_RANGE[1], q * 1e3)
    if lo >= hi:
        raise UsageError("--min must be below --max")
    table = evaluate(scenario, catalog).sweep(np.geomspace(lo, hi, args.points))
    if args.csv:
        try:
            table.to_csv(args.csv, index=False)
        except OSError as exc:
            raise UsageError(f"{args.csv}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {len(table):,} rows to {args.csv}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def _serve(args) -> int:
    result = serve_estimate(FigureRecorder(default_catalog()), args.model, args.gpu, batch=args.batch, prompt_tokens=args.prompt_tokens,
                            context_tokens=args.context_tokens, output_tokens=args.output_tokens, gpus=args.gpus,
                            flops_efficiency=args.flops_efficiency, bandwidth_efficiency=args.bandwidth_efficiency)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.model} on {args.gpus} x {args.gpu}, batch {args.batch}, prompt {args.prompt_tokens} tokens, "
              f"context {result['context_tokens']} tokens")
        print(f"  prefill           {result['prefill_ms']:.2f} ms")
        print(f"  decode            {result['decode_ms_per_token']:.2f} ms per step")
        print(f"  throughput        {result['tokens_per_s_per_gpu']:,.0f} tokens/s per GPU")
        print(f"  memory            {result['memory_needed_gb']:,.1f} of {result['memory_available_gb']:,.0f} GB")
        if (c := result["chunked_prefill"]) is not None:
            print(f"  chunked prefill   {c['step_ms']:.2f} ms per step with {c['prefill_tokens_per_step']:,.0f} prompt "
                  f"tokens: {c['queries_per_s']:,.2f} queries/s")
    if not result["fits"]:
        print(f"error: needs {result['memory_needed_gb']:,.1f} GB, {args.gpus} x {args.gpu} have "
              f"{result['memory_available_gb']:,.0f} GB", file=sys.stderr)
        return 2
    return 0


def _train(args) -> int:
    read = FigureRecorder(default_catalog())
    try:
        est = self_hosted_training(read, args.model, args.gpu, method=args.method,
                                   training_tokens=args.training_tokens, epochs=args.epochs,
                                   gpus=args.gpus, cloud=args.cloud, sequence_length=args.sequence_length,
                                   micro_batch=args.micro_batch, recompute=args.recompute)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    result = {
        "model": args.model, "gpu": args.gpu, "gpus": args.gpus, "cloud": est.cloud, "method": args.method,
        "training_tokens": args.training_tokens, "epochs": args.epochs, "flops": est.flops,
        "sequence_length": est.sequence_length, "micro_batch": est.micro_batch, "recompute": est.recompute,
        "tokens_per_s_per_gpu": est.tokens_per_s_per_gpu,
        "compute_gpu_hours": est.compute_gpu_hours, "overhead_gpu_hours": est.overhead_gpu_hours,
        "gpu_hours": est.gpu_hours, "wall_clock_hours": est.wall_clock_hours,
        "usd_per_gpu_hour": est.usd_per_gpu_hour, "cost_usd": est.cost_usd,
        "state_gb": est.state_gb, "activation_gb": est.activation_gb,
        "memory_needed_gb": est.memory_needed_gb, "memory_available_gb": est.memory_available_gb,
        "fits": est.fits, "figures_used": figure_rows(read.used),
    }
    if not est.fits:
        ways = ["add GPUs (--gpus)", *(["use LoRA"] if args.method == "full" else []), "a shorter --sequence-length",
                *(["a smaller --micro-batch"] if est.micro_batch > 1 else []), *([] if est.recompute else ["--recompute"])]
        hint = ", ".join(ways[:-1]) + " or " + ways[-1]
        print(f"error: {est.refusal()}; {hint}", file=sys.stderr)
        if args.json:
            print(json.dumps(result, indent=2))
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.method} fine-tuning of {args.model} on {args.gpus} x {args.gpu} ({est.cloud}): "
              f"{est.gpu_hours:,.2f} GPU-hours ({est.compute_gpu_hours:,.2f} compute at "
              f"{est.tokens_per_s_per_gpu:,.0f} tokens/s per GPU + {est.overhead_gpu_hours:,.2f} overhead), "
              f"${est.cost_usd:,.2f}, {est.memory_needed_gb:,.1f} of {est.memory_available_gb:,.0f} GB "
              f"({est.activation_gb:,.1f} GB activations at {est.sequence_length:,} tokens x micro-batch "
              f"{est.micro_batch}, recomputation {'on' if est.recompute else 'off'})")
    return 0


def _tokens(args) -> int:
    encodings = ENCODINGS if args.encoding == "all" else (args.encoding,)
    rows = []
    for path in args.files:
        text = read_text_file(path)
        rows.append({"file": str(path), "characters": len(text),
                     **{e: count_tokens(text, e) for e in encodings}})
    if args.json:
        print(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
    else:
        for row in rows:
            counts = ", ".join(f"{row[e]:,} tokens ({e})" for e in encodings)
            print(f"{row['file']}: {counts}, {row['characters']:,} characters")
    return 0


def read_text_file(path: Path, limit: int = MAX_TEXT_FILE_BYTES) -> str:
    """A UTF-8 text file's content; refuses missing, huge or binary files with a message."""
    try:
        raw = read_regular_file(path, limit)
    except FileRefused as exc:
        raise UsageError(str(exc)) from None
    if b"\x00" in raw[:8192]:
        raise UsageError(f"{path}: looks like a binary file, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (invalid byte at position {exc.start})") from None


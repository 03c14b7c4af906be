"""``crossover catalog``: both price layers as rows, the whole-catalog checks, and ``catalog diff``
against another price source."""

from __future__ import annotations

import json

from pricing import checks as catalog_checks
from pricing import diff as catalog_diff
from pricing import listing, price_files
from pricing.bulk import bulk_models, settings as bulk_settings
from pricing.catalog import default_catalog
from simulator.files import FileRefused, read_regular_file

from . import history as history_command
from .errors import UsageError


def _check(catalog, args) -> int:
    """A report: exit 0 when it ran, whatever it found."""
    layers = {"curated", "bulk"} if args.layer == "all" else {args.layer}
    found = [f for f in catalog_checks.findings(catalog)
             if f.layer in layers and (not args.kind or f.key.split(".", 1)[0] == args.kind)]
    if args.json:
        print(json.dumps([f.to_dict() for f in found], indent=2))
        return 0
    for (layer, check), n in catalog_checks.counts(found).items():
        print(f"{n:>6,}  {layer:<8} {check}")
    for f in found:
        print(f"{f.layer:<8} {f.check:<24} {f.key}: {f.detail}")
    return 0


CATALOG_JSON = ("key", "value", "source", "as_of", "age_months", "assumption", "layer", "note")


def run(args) -> int:
    if args.history is not None:
        return history_command.run(args)
    catalog = default_catalog()
    if args.check:
        return _check(catalog, args)
    rows = listing.figure_rows(catalog, args.on) if args.layer != "bulk" else []
    if args.layer != "curated":
        rows += listing.bulk_rows(args.on)
    rows = [r for r in rows if not args.kind or r.kind == args.kind]
    if args.json:
        print(json.dumps([{k: v for k, v in r.to_dict().items() if k in CATALOG_JSON} for r in rows], indent=2))
        return 0
    layers = {"curated": f"curated figures checked up to {catalog.as_of}",
              "bulk": f"bulk figures of genai-prices as of {bulk_settings()['as_of']}"}
    shown = [text for layer, text in layers.items() if args.layer in (layer, "all")]
    print(f"{len(rows)} figures ({'; '.join(shown)}); ages relative to {args.on}")
    for r in rows:
        flag = " [assumption]" if r.assumption else ""
        value = "unknown" if r.value is None else f"{r.value:,.6g}"
        print(f"{r.key:<70} {value:>12}  {r.as_of:<10} {r.age_months:>5.1f} mo  {r.layer}{flag}"
              + (f"  ({r.note})" if r.note else ""))
    return 0


def run_diff(args) -> int:
    """A report: exit 0 when it ran, whatever it found; 2 (a UsageError) on a file it cannot read."""

    if args.kind or args.check or args.layer != "all":
        raise UsageError("catalog diff compares every kind in both layers: --kind, --layer and --check do not apply")
    try:
        data = read_regular_file(args.against, price_files.MAX_FILE_BYTES)
        against = price_files.read_price_file(data, str(args.against), args.on)
    except (FileRefused, price_files.PriceFileError) as exc:
        raise UsageError(str(exc)) from None
    result = catalog_diff.diff(against, default_catalog(), bulk_models(), args.on)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(diff_table(result))
    return 0


def _figure(value) -> str:
    if value is None:
        return "none"
    return f"{value:,.0f}" if abs(value) >= 1000 and value == round(value) else f"{value:,.6g}"  # context windows whole


def diff_table(r: dict) -> str:
    """Counts, then the rows: curated disagreements, retired, changed, new."""
    a, on = r["against"], r["on"]
    changed = {layer: sum(c["layer"] == layer for c in r["changed"]) for layer in ("curated", "bulk")}
    filled = sum(c["ours"] is None for c in r["changed"])
    retired = {per: sum(x["per"] == per for x in r["retired"]) for per in ("theirs", "curated")}
    lines = [f"{price_files.FORMATS[a['format']]} at {a['path']} (version {a['version'] or 'not stated'}): "
             f"{a['models']:,} models, {a['compared']:,} of them chat or embedding models of the catalog's providers; on {on}",
             f"{len(r['new']):>7,}  new: in their file, in neither layer",
             f"{len(r['changed']):>7,}  changed figures: {changed['curated']:,} curated, {changed['bulk']:,} bulk "
             f"({filled:,} of them a figure the catalog lacks)",
             f"{len(r['retired']):>7,}  retired on {on}: {retired['theirs']:,} per their file, {retired['curated']:,} per the curated data",
             f"{len(r['curated_disagreements']):>7,}  curated figures more than {catalog_checks.AGREE_WITHIN_PERCENT}% from theirs"]

    def rows(title, items, line):
        if items:
            lines.extend(["", f"{title}:", *(line(x) for x in items)])

    def change(c):
        ratio = f"{c['ratio']:.3g}x" if c["ratio"] is not None else "new figure"
        return (f"  {c['layer']:<8} {c['provider'] + '/' + c['model']:<56} {c['field']:<26} "
                f"{_figure(c['ours']):>12} -> {_figure(c['theirs']):<12} {ratio:>10}  ({c['their_key']})")

    rows(f"Curated figures more than {catalog_checks.AGREE_WITHIN_PERCENT}% from theirs", r["curated_disagreements"], change)
    rows("Retired", r["retired"], lambda x: (
        f"  {x['layer']:<8} {x['provider'] + '/' + x['model']:<56} {x['date'] or 'no date':<10} per {x['per']}"
        + (f", successor {x['successor']}" if x["successor"] else "") + (f"  ({x['their_key']})" if x["their_key"] else "")))
    rows("Changed", r["changed"], change)
    rows("New", r["new"], lambda n: (
        f"  {n['kind']:<9} {n['provider'] + '/' + n['model']:<56} in {_figure(n['input_usd_per_mtok'])}, "
        f"out {_figure(n['output_usd_per_mtok'])} $/MTok, context {_figure(n['context_window_tokens'])}  ({n['their_key']})"))
    return "\n".join(lines)

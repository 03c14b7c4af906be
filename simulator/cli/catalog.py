"""``crossover catalog``: both price layers as rows, and the whole-catalog checks."""

from __future__ import annotations

import json

from pricing import checks as catalog_checks
from pricing import listing
from pricing.bulk import settings as bulk_settings
from pricing.catalog import default_catalog

from . import history as history_command


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

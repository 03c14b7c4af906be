"""What changed between two versions of a scenario, field by field, in the editor's words and units.

:func:`diff` compares two :class:`Scenario` objects and returns one :class:`Change` per field that
differs: the editor's label with its unit (``ui/editing/fields.py``) and both values as the editor's
widget shows them, e.g. ``Monthly growth (%/month): 5.0 → 12.0`` for a growth stored as 0.05 and
0.12. A label the editor uses in several tabs ("Cache hit rate (% of requests)") is prefixed with
its tab. Lengths and the corpus are summarised by their form (a token count, a text of N
characters, N sample texts), long texts by their length, lists by their count; a range is described
as the Uncertainty tab does (``pert 0 / 5 / 10``) and replaces the row of the point value it sets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.scenario import OVERRIDES as OVERRIDE_PATH
from simulator.scenario import SETUPS, Scenario
from simulator.scenario.figure_text import figure_words
from ui.editing import (CARRY_LABELS, CONVERSATION, GROUPS, LENGTHS, NUMBER, NUMBERS, describe_range, format_value,
                        range_label)

CORPUS = "knowledge.corpus"
SHORT_TEXT = 80  # characters: a longer text is summarised by its length
_SKIPPED = {"schema_version", "ranges", "overrides"}  # the first is always the newest; the others have rows of their own
_REPEATED = {label for label, n in Counter([*(n.label for n in NUMBERS), *(w for w, _ in LENGTHS.values())]).items()
             if n > 1}
# The editor's words for the fields that are not numeric inputs (app_pages/editor.py).
WORDS = {"name": "Scenario name", "description": "Description", f"{CONVERSATION}.carry": "Each turn carries",
         f"{CONVERSATION}.keep_retrieval": "Earlier turns' retrieved chunks stay in the history (RAG, hybrid)",
         **{f"{s}.model.name": f"{GROUPS[s]}: Model" for s in SETUPS}}
VALUES = {f"{CONVERSATION}.carry": CARRY_LABELS}
# A section that may be absent, with the editor's switch for it: (label, absent, present).
SECTIONS = {CONVERSATION: ("Conversations (multi-turn)", "off", "on")}


@dataclass(frozen=True)
class Change:
    """One field that differs: its label (with its unit) and its value before and after, as shown."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


def diff(before: Scenario, after: Scenario) -> list[Change]:
    """The fields that differ between ``before`` and ``after``, in the editor's order (the
    schema's), then the overrides, then the ranges."""
    old, new = before.model_dump(), after.model_dump()
    ranged = set(before.ranges) & set(after.ranges)  # a point value set by a range on both sides: the range's row says it
    changes = [_change(label, show(path, a), show(path, b))
               for path, label, a, b in _leaves(old, new, "") if path not in ranged and a != b]
    changes += _overrides(old["overrides"], new["overrides"], ranged)
    for path in sorted(set(before.ranges) | set(after.ranges)):
        a, b = before.ranges.get(path), after.ranges.get(path)
        if a != b:
            changes.append(Change(f"{range_label(path)}, range", _range(path, a), _range(path, b)))
    return changes


def _change(label: str, before: str, after: str) -> Change:
    """A text or list summarised the same way on both sides still changed: say so."""
    return Change(label, before, after if after != before else f"{after}, changed")


def label(path: str) -> str:
    """The editor's label of ``path``, with its tab where the editor uses the label in several."""
    tab = GROUPS.get(path.split(".", 1)[0], "Scenario")
    if path in WORDS:
        return WORDS[path]
    if path in NUMBER:
        found = NUMBER[path].label
        return f"{tab}: {found}" if found in _REPEATED else found
    if path in LENGTHS:
        found = LENGTHS[path][0]
        return f"{tab}: {found}" if found in _REPEATED else found
    if path == CORPUS:
        return "Corpus"
    words = path.split(".", 1)[1].replace(".", " › ").replace("_", " ") if "." in path else path.replace("_", " ")
    return f"{tab}: {words}"


def show(path: str, value: Any) -> str:
    """``value`` of the field at ``path`` as the editor shows it."""
    if path in NUMBER:
        return _number(path, value)
    if path in LENGTHS:
        return _length(value)
    if path == CORPUS:
        return _corpus(value)
    if path in VALUES and value in VALUES[path]:
        return VALUES[path][value]
    return _plain(value)


def _leaves(old: Any, new: Any, prefix: str):
    """(path, label, before, after) of every field, descending into sections; a length, the
    corpus and a list are one field each. A section one side lacks (None) is compared as empty."""
    if prefix in LENGTHS or prefix == CORPUS or not (isinstance(old, Mapping) or isinstance(new, Mapping)):
        yield prefix, label(prefix), old, new
        return
    if old is None or new is None:  # a section added or taken away: one row for it, then its fields
        words, absent, present = SECTIONS.get(prefix, (label(prefix), "none", "set"))
        yield prefix, words, *((absent, present) if old is None else (present, absent))
    old, new = old or {}, new or {}
    for name in [*old, *(k for k in new if k not in old)]:
        path = f"{prefix}.{name}" if prefix else name
        if not prefix and name in _SKIPPED:
            continue
        yield from _leaves(old.get(name), new.get(name), path)


def _number(path: str, value: Any) -> str:
    spec = NUMBER[path]
    if value is None:
        return f"empty ({spec.empty_means or 'the catalog figure'})" if spec.optional else "–"
    shown = spec.to_widget(value)
    return str(shown) if spec.integer else (spec.format or "%.2f") % shown


def _length(value: Mapping[str, Any] | None) -> str:
    if value is None:
        return "–"
    if value.get("tokens") is not None:
        return f"{format_value(value['tokens'])} tokens"
    if value.get("text") is not None:
        return f"a text of {len(value['text']):,} characters"
    if value.get("samples") is not None:
        return _count(len(value["samples"]), "sample text")
    quantiles = value["quantiles"]
    return f"from traffic (median {format_value(quantiles[len(quantiles) // 2])} tokens)"


def _corpus(value: Mapping[str, Any]) -> str:
    if value.get("tokens") is not None:
        return f"{format_value(value['tokens'])} tokens"
    return f"{_count(len(value['documents']), 'sample document')} of {format_value(value['document_count'])}"


def _plain(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return format_value(value)
    if isinstance(value, (list, tuple)):
        return _count(len(value), "item")
    if isinstance(value, Mapping):
        return "set"
    text = str(value)
    return text if len(text) <= SHORT_TEXT and "\n" not in text.strip() else f"a text of {len(text):,} characters"


def _overrides(old: Mapping[str, float], new: Mapping[str, float], ranged: set[str]) -> list[Change]:
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        if OVERRIDE_PATH + key in ranged or old.get(key) == new.get(key):
            continue
        changes.append(Change(f"Override: {figure_words(key)}", _overridden(old.get(key)), _overridden(new.get(key))))
    return changes


def _overridden(value: float | None) -> str:
    return "the catalog figure" if value is None else format_value(value)


def _range(path: str, spec) -> str:
    return "a single value" if spec is None else describe_range(path, spec.model_dump(exclude_none=True))


def _count(n: int, one: str) -> str:
    return f"{n:,} {one}{'' if n == 1 else 's'}"

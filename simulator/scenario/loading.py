"""Reading scenario files: hardened YAML, migrations, validation, errors as ``file: field.path: what``.

YAML is read with ``safe_load`` semantics by a loader that counts aliases, nesting and values as it
composes the document, so a bomb is refused before it is built. Catalog names (models, GPUs,
stores) are checked against the catalog after the schema, so a typo gets "did you mean" help.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pricing.catalog import Catalog
from simulator.files import FileRefused, read_regular_file

from .checks import catalog_problems
from .migrations import migrate
from .paths import copy_tree, model_in, ranges_in_place
from .schema import (MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_FILE_MB, MAX_NODES, MAX_NUMBER_CHARS, MAX_STRING_CHARS,
                     SCHEMA_VERSION, Scenario, ScenarioError)

MAX_PROBLEMS_LISTED = 20  # of one kind found before validation, e.g. long numbers
MAX_PROBLEM_CHARS = 500   # one catalog problem line, whatever name it quotes


@dataclass(frozen=True)
class LongNumber:
    """Stands in for a number written with more than :data:`MAX_NUMBER_CHARS` characters.

    The YAML and JSON readers would convert it (``int()`` of more than 4,300 digits raises a
    ValueError; a float becomes inf) without knowing where it sits; the marker lets
    :func:`structure_problems` name the field. Hashable, so it can stand for a mapping key too.
    """

    chars: int

    def __str__(self) -> str:
        return f"a number written with {self.chars:,} characters; the limit is {MAX_NUMBER_CHARS}"


def _number_or_marker(convert):
    def read(written: str):
        return LongNumber(len(written)) if len(written) > MAX_NUMBER_CHARS else convert(written)
    return read


_JSON_SPECIAL = re.compile(r'["\\\[\]{}]')


def json_nesting_problem(text: str) -> str | None:
    """Why JSON text nests too deeply to be a scenario (the YAML limit, :data:`MAX_DEPTH`), or None.

    Read before ``json.loads``, whose recursion a few thousand brackets exhaust; brackets inside
    strings do not count. One pass over the quotes, backslashes and brackets: linear in the text
    (a regular expression for strings backtracks quadratically on unterminated ones).
    """
    depth, in_string, escaped_at = 0, False, -1
    for found in _JSON_SPECIAL.finditer(text):
        at, char = found.start(), found.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep; a scenario needs 4"
        elif char in "]}":
            depth -= 1
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UNICODE = "an unpaired surrogate escape (\\ud800 to \\udfff); it is not Unicode text"


def structure_problems(data: Any, origin: str, max_values: int | None = None) -> list[str]:
    """Long numbers and unpaired surrogates (with the path to each) and, if ``max_values`` is
    given, too many values.

    JSON's and YAML's ``\\ud800`` escapes read as lone surrogates, which pydantic cannot encode
    (it raised UnicodeEncodeError). One walk over data already limited in depth (:data:`MAX_DEPTH`)
    by its reader."""
    values = itertools.count()
    found = _walk(data, "", values)
    problems = [f"{origin}: {path or '(top level)'}: {what}"
                for path, what in itertools.islice(found, MAX_PROBLEMS_LISTED)]
    if max_values is not None and next(values) > max_values:
        problems.append(f"{origin}: more than {max_values:,} values; a scenario needs a few hundred")
    return problems


def _walk(node: Any, path: str, values: Iterator[int]) -> Iterator[tuple[str, str]]:
    next(values)
    if isinstance(node, LongNumber):
        yield path, str(node)
    elif isinstance(node, str) and _SURROGATE.search(node):
        yield path, _NOT_UNICODE
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, LongNumber) or isinstance(key, str) and _SURROGATE.search(key):
                yield path, f"a key that is {key}" if isinstance(key, LongNumber) else f"a key with {_NOT_UNICODE}"
                continue
            name = str(key) if len(str(key)) <= 60 else _short(str(key))
            yield from _walk(value, f"{path}.{name}" if path else name, values)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}.{i}" if path else str(i), values)


def parse_scenario_json(text: str, origin: str, catalog: Catalog | None = None) -> Scenario:
    """Parse and validate JSON text under the YAML limits; raise :class:`ScenarioError`.

    Nesting is checked before ``json.loads`` (whose recursion deep brackets exhaust), long numbers
    become :class:`LongNumber` markers, and the values are counted after reading."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([f"{origin}: {len(text):,} characters; the limit is {MAX_FILE_BYTES:,}"])
    nesting = json_nesting_problem(text)
    if nesting:
        raise ScenarioError([f"{origin}: {nesting}"])
    try:
        data = json.loads(text, parse_int=_number_or_marker(int), parse_float=_number_or_marker(float))
    except RecursionError:  # the nesting check should make this impossible; never a traceback
        raise ScenarioError([f"{origin}: nested too deeply to be a scenario"]) from None
    except ValueError as exc:  # json.JSONDecodeError
        where = f" at character {exc.pos:,}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ScenarioError([f"{origin}: not valid JSON{where}; it is damaged or cut short"]) from None
    problems = structure_problems(data, origin, MAX_NODES)
    if problems:
        raise ScenarioError(problems)
    return validate_scenario(data, origin, catalog)


# --- Loading ---------------------------------------------------------------------------------------


def parse_scenario(text: str | bytes, origin: str = "<scenario>", catalog: Catalog | None = None) -> Scenario:
    """Parse and validate YAML text; raise :class:`ScenarioError` listing every problem."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([f"{origin}: file is {len(text):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes ({MAX_FILE_MB} MB)"])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError([f"{origin}: not UTF-8 text (byte {exc.start})"]) from None
    try:
        data = _load_limited(text)
    except _TooBig as exc:
        raise ScenarioError([f"{origin}: {exc}"]) from None
    except (ValueError, OverflowError) as exc:
        # PyYAML's scanner raises these, not a YAMLError, for an escape that names no character
        # ("\U7fffffff": chr() out of range; one of 30 digits: too large for a C int). Found by
        # tests/test_hostile_scenarios.py's generated files.
        raise ScenarioError([f"{origin}: not valid YAML: a value cannot be read, such as an escape naming no character "
                             f"({_clipped(str(exc))})"]) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = str(getattr(exc, "problem", None) or exc)  # may quote a tag or key of any length
        raise ScenarioError([f"{origin}: not valid YAML{line}: {_clipped(problem)}"]) from None
    problems = structure_problems(data, origin)  # values were counted while composing
    if problems:
        raise ScenarioError(problems)
    return validate_scenario(data, origin, catalog)


class _TooBig(ValueError):
    pass


_SCALAR_KINDS = {"tag:yaml.org,2002:int": "an integer", "tag:yaml.org,2002:float": "a number",
                 "tag:yaml.org,2002:timestamp": "a date", "tag:yaml.org,2002:bool": "true or false"}


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that counts aliases, nesting and nodes while it composes the document."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = self._depth = self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooBig(f"more than {MAX_ALIASES} YAML aliases (*name); write the values out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(f"more than {MAX_NODES:,} YAML values; a scenario needs a few hundred")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep; a scenario needs 4")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_STRING_CHARS:
            raise _TooBig(f"a value of {len(node.value):,} characters at line {node.start_mark.line + 1}; "
                          f"the limit is {MAX_STRING_CHARS:,}")
        return node

    def construct_object(self, node, deep=False):
        """PyYAML's scalar constructors fail with plain ValueError, KeyError, IndexError or
        AttributeError (``start_date: 2027-13-45``, ``!!bool maybe``, ``!!int 0x``): made a YAML error
        at the value's line and column, like any other."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError) as exc:
            if not isinstance(node, yaml.ScalarNode):
                raise
            kind = _SCALAR_KINDS.get(node.tag, node.tag)
            why = f" ({exc})" if type(exc) is ValueError else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(node.value)} cannot be read as {kind}{why}", node.start_mark) from None


def _construct_number(tag: str):
    standard = yaml.SafeLoader.yaml_constructors[tag]

    def construct(loader, node):
        return LongNumber(len(node.value)) if len(node.value) > MAX_NUMBER_CHARS else standard(loader, node)
    return construct


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    _LimitedLoader.add_constructor(_tag, _construct_number(_tag))


def _load_limited(text: str) -> Any:
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def validate_scenario(data: Any, origin: str = "<scenario>", catalog: Catalog | None = None) -> Scenario:
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([f"{origin}: a scenario is a YAML mapping (key: value lines); this file is {kind}"])
    data, notices = migrate(data, SCHEMA_VERSION)
    version = data.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise ScenarioError([
            f"{origin}: schema_version: {version} is newer than this Crossover reads ({SCHEMA_VERSION}); "
            "update Crossover to open it"
        ])
    inline = ranges_in_place(data := copy_tree(data))
    if inline:
        given = data.get("ranges")
        data["ranges"] = {**(given if isinstance(given, dict) else {}), **inline}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        ranged = set(data.get("ranges") or ()) if isinstance(data.get("ranges"), dict) else set()
        errors = [err for err in exc.errors()  # a broken range leaves its value missing: say it once
                  if not (err["type"] == "missing" and ".".join(map(str, err["loc"])) in ranged)]
        raise ScenarioError([f"{origin}: {_describe(err)}" for err in errors]) from None
    if catalog is not None:
        problems = catalog_problems(scenario, catalog)
        if problems:
            # a problem may quote a name of any length (an override key): one line stays readable
            raise ScenarioError([_clipped(f"{origin}: {p}", MAX_PROBLEM_CHARS) for p in problems])
    scenario._notices = notices
    return scenario


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except FileRefused as exc:
        raise ScenarioError([str(exc)]) from None
    return parse_scenario(raw, str(path), catalog)


def _describe(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc[:1] == ["ranges"] and len(loc) > 1:
        loc = [*loc[1].split("."), *loc[2:]]  # a range is written in place of its value
    if not loc and err["msg"].startswith("Value error, "):
        return err["msg"][len("Value error, "):]  # whole-scenario checks name their own fields
    path = ".".join(p if len(p) <= 60 else _short(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = ".".join(loc[:-1]) or "the top level"
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(loc[-1], allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{path}: unknown key{hint} (allowed in {parent}: {', '.join(allowed)})"
    if kind == "missing":
        return f"{path}: required field is missing"
    if kind == "literal_error" and loc == ["schema_version"]:
        return f"schema_version: must be {SCHEMA_VERSION} (got {_short(err.get('input'))})"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return f"{path}: {_clipped(message)} (got {_short(err.get('input'))})"


def _clipped(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit - 3] + "..."


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4,300 digits (passed in as data, not read from text)
        return f"a number of about {value.bit_length() * math.log10(2):,.0f} digits"
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(loc: list[str]) -> list[str]:
    """Field names of the model found by following ``loc`` from :class:`Scenario`."""
    model: Any = Scenario
    for part in loc:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = model_in(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []

"""Every decoder of outside input under random and adversarial payloads.

Each entry point may only raise its documented error, with a message of bounded length, and must
finish fast whatever it is given (the size caps make that possible):

| entry point                         | input                       | documented error |
|-------------------------------------|-----------------------------|------------------|
| ``sharing.decode``                  | ``?d=`` share link          | ``ScenarioError`` |
| ``sharing.chart_range``             | ``?lo=`` / ``?hi=``         | ``LinkParamError`` |
| ``parse_scenario``                  | YAML text or bytes          | ``ScenarioError`` |
| ``eval_results.parse_eval_csv``     | evaluation CSV              | ``EvalDataError`` |
| ``uploads.decode_upload(s)``        | documents for token counts  | ``UploadError`` (``decode_uploads`` never raises) |
| ``price_files.read_price_file``     | ``catalog diff --against``  | ``PriceFileError`` |

The payloads mix random text and bytes with adversarial fragments: deep nesting, numbers with
thousands of digits, NaN / inf spellings, invalid UTF-8, NUL bytes, byte-order marks, very long
lines, many columns and rows, YAML tags, anchors and merges, duplicate keys, and wrong types at
every level of a valid scenario. Examples are derandomized and no example database is kept, so
every CI run tries the same 300 cases per entry point (about 13 s in all); a long run with
``CROSSOVER_INPUT_EXAMPLES`` set draws new random cases each time.
"""

import base64
import copy
import csv
import datetime as dt
import io
import json
import os
import re
import time
import zlib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HAND, ROOT
from pricing import bulk, diff, price_files
from pricing.catalog import default_catalog
from simulator import cli
from simulator.analysis import eval_results
from simulator.analysis.eval_results import EvalDataError, parse_eval_csv
from simulator.scenario import ScenarioError, loading, parse_scenario, schema
from simulator.storage import sharing, uploads

CATALOG = default_catalog()
SECONDS_PER_CALL = 5.0       # the slowest call here takes 0.1 s alone; the margin is for a busy machine
MAX_LINE_CHARS = 2_000       # one problem line, whatever the input repeats of itself
# Per entry point; the module takes about 13 s on the 2-core CI machine. A long, random run:
# CROSSOVER_INPUT_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_hostile_inputs.py
LONG_RUN = "CROSSOVER_INPUT_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("CROSSOVER_INPUT_EXAMPLES", "300"))

RUN = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])

SUPPORT_BOT = (ROOT / "scenarios" / "support-bot.yaml").read_text()
EVAL_CSV = "question,setup,pass\nq1,rag,1\nq2,rag,0\nq1,prompt_only,true\n"

HUGE = "9" * 5_000
TEXT_FRAGMENTS = [
    HUGE, "-" + HUGE, "1e" + HUGE, "0x" + "f" * 5_000, "0." + HUGE, "1" + "_0" * 2_500, "1:" + "59:" * 1_700 + "1",
    "nan", "NaN", "-inf", "Infinity", ".nan", "-.inf", "1e400", "1e-400", "-0", "0x", "0o9", "1_",
    "[" * 3_000, "]" * 3_000, "{" * 3_000, '{"a":' * 3_000, "- " * 3_000, "a:\n" + "".join(" " * i + "a:\n" for i in range(1, 60)),
    "\x00", "\ufeff", "\ufffe", "\u2028", "\u202e", "\x1b[31m", "\r\n", "\r", "\t",
    "x" * 200_000, ",".join(["c"] * 20_000), "q,rag,1\n" * 5_000, '"' * 1_001, '"\\' * 2_000,
    "!!python/object/apply:os.system ['id']", "!!python/name:os.system", "!!binary aGk=", "!!binary !!!",
    "!!set {a: 1}", "!!omap [a: 1]", "!!timestamp 2027-13-45", "start_date: 2027-02-30", "!!bool maybe",
    "!!int abc", "!!float .", "!custom x", "%TAG ! tag:example.com,2000:\n---\n", "%YAML 9.9\n---\n",
    "&a [1, 2]", "*a", "*undefined", "<<: *a", "<<: 5", "? [a]\n: 1", "a: 1\na: 2\n", "name: x\nname: y\n",
    "---\n...\n---\n", "schema_version: 99\n", "schema_version: 1\n", "ranges: {x: {dist: pert}}\n",
    "1.", "1.eJwDAAAAAAE", "2." + "A" * 50, "=" * 100, "%00", "../../etc/passwd", "![x](http://h/p.png)",
]
BYTE_FRAGMENTS = [b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf4\x90\x80\x80",
                  b"\x1f\x8b\x08\x00", b"\x00" * 16, b"%PDF-1.7", b"PK\x03\x04"]

fragments = st.sampled_from(TEXT_FRAGMENTS)
# str(...) keeps lone surrogates out: no outside input reaches these functions as a Python str with them
random_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@st.composite
def damaged(draw, base: str) -> str:
    """``base`` with one to three random or adversarial pieces inserted, and maybe cut short."""
    text = draw(st.sampled_from([base, "", base * 2]))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(fragments, random_text)) + text[at:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


@st.composite
def as_bytes(draw, texts) -> bytes:
    """Text encoded as UTF-8 (or UTF-16 with its BOM), with invalid bytes inserted at random."""
    text = draw(texts)
    raw = text.encode("utf-16") if draw(st.integers(0, 9)) == 0 else text.encode("utf-8")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.one_of(st.sampled_from(BYTE_FRAGMENTS), st.binary(max_size=16))) + raw[at:]
    return raw


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))


SCENARIO_PATHS = list(paths(HAND))
wrong_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(), random_text, fragments,
    st.lists(st.integers(), max_size=3), st.dictionaries(random_text, st.integers(), max_size=3),
    st.builds(lambda depth: json.loads("[" * depth + "]" * depth), st.integers(1, 30)),
)


@st.composite
def wrong_types(draw) -> dict:
    """The hand scenario with values of the wrong type (or hostile ones) anywhere, the whole tree included."""
    data = copy.deepcopy(HAND)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(SCENARIO_PATHS))
        if not path:
            return draw(wrong_values)
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[path[-1] if draw(st.booleans()) else draw(random_text)] = draw(wrong_values)
    return data


def dumped_yaml(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def dumped_json(data) -> str:
    return json.dumps(data)  # NaN and Infinity as Python writes them, which json.loads reads back


def pack(raw: bytes) -> str:
    return sharing.PREFIX + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def only_documented(call, error: type[Exception]):
    """Run ``call``: it returns or raises ``error`` with short, non-empty lines, within the time cap."""
    start = time.perf_counter()
    try:
        call()
    except error as exc:
        lines = getattr(exc, "problems", None) or [str(exc)]
        assert lines and all(lines), exc
        assert all(len(line) <= MAX_LINE_CHARS for line in lines), max(lines, key=len)[:300]
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS_PER_CALL, f"took {elapsed:.1f} s"


# --- share links ---------------------------------------------------------------------------------

link_payloads = st.one_of(
    wrong_types().map(lambda d: pack(dumped_json(d).encode())),
    damaged(dumped_json(HAND)).map(lambda t: pack(t.encode("utf-8"))),
    as_bytes(damaged(dumped_json(HAND))).map(pack),
    st.binary(max_size=300).map(lambda b: sharing.PREFIX + base64.urlsafe_b64encode(b).decode()),
    damaged(pack(dumped_json(HAND).encode())),
    random_text,
)


@RUN
@given(link_payloads)
def test_share_links_give_a_scenario_or_a_scenario_error(param):
    only_documented(lambda: sharing.decode(param, CATALOG), ScenarioError)


range_params = st.one_of(st.none(), fragments, random_text, st.sampled_from(["1e3", "1e+06", "1000000000", "0", "1e13"]))


@RUN
@given(range_params, range_params)
def test_chart_range_params_give_a_range_or_a_link_param_error(lo, hi):
    def read():
        low, high = sharing.chart_range(lo, hi, [10.0 ** k for k in range(13)], (1e3, 1e9))
        assert 1 <= low < high <= 1e12
    only_documented(read, sharing.LinkParamError)


# --- scenario files ------------------------------------------------------------------------------

scenario_texts = st.one_of(damaged(SUPPORT_BOT), damaged(dumped_yaml(HAND)), wrong_types().map(dumped_yaml),
                           wrong_types().map(dumped_json), random_text)


@RUN
@given(st.one_of(scenario_texts, as_bytes(scenario_texts)))
def test_scenario_text_gives_a_scenario_or_a_scenario_error(text):
    only_documented(lambda: parse_scenario(text, "hostile.yaml", CATALOG), ScenarioError)


# --- evaluation CSVs -----------------------------------------------------------------------------

def csv_of(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


csv_rows = st.lists(st.lists(st.one_of(random_text, fragments, st.sampled_from(["rag", "RAG", "1", "0.5", "true"])),
                             max_size=6), max_size=20)
csv_texts = st.one_of(damaged(EVAL_CSV), csv_rows.map(lambda rows: csv_of([["question", "setup", "score"], *rows])),
                      csv_rows.map(csv_of), random_text)


@RUN
@given(st.one_of(csv_texts, as_bytes(csv_texts)))
def test_evaluation_csv_gives_results_or_an_eval_data_error(data):
    only_documented(lambda: parse_eval_csv(data, "hostile.csv"), EvalDataError)


# --- uploads for token counting ------------------------------------------------------------------

file_names = st.one_of(st.sampled_from(["a.txt", "b.MD", "c.csv", "d.json", "e.pdf", ".txt", "", "noext",
                                        "../../etc/passwd.txt", "x" * 5_000 + ".txt", "a.txt\x00.exe",
                                        "![x](http://h/p.png).md"]),
                       random_text.map(lambda t: t + ".txt"), random_text)
upload_data = st.one_of(as_bytes(st.one_of(damaged("Some text to count.\n"), random_text)), st.binary(max_size=500))


@RUN
@given(file_names, upload_data)
def test_an_upload_gives_its_text_or_an_upload_error(name, data):
    only_documented(lambda: uploads.decode_upload(name, data), uploads.UploadError)


@RUN
@given(st.lists(st.tuples(file_names, upload_data), max_size=30), st.integers(0, 3_000))
def test_many_uploads_never_raise_and_report_each_refusal(files, extra_files):
    files = files + [("many.txt", b"x")] * extra_files
    start = time.perf_counter()
    decoded = uploads.decode_uploads(files)
    assert time.perf_counter() - start < SECONDS_PER_CALL
    assert len(decoded.errors) <= uploads.MAX_FILES + 1  # one line for everything past the count limit
    assert all(len(str(error)) <= MAX_LINE_CHARS for error in decoded.errors)
    assert len(decoded.texts) <= uploads.MAX_FILES


# --- price files to compare (catalog diff --against) ---------------------------------------------

DIFF_FIXTURES = ROOT / "tests" / "fixtures" / "catalog_diff"
LITELLM_MAP = (DIFF_FIXTURES / "model_prices_and_context_window.json").read_text()
GENAI_DATA_PY = (DIFF_FIXTURES / "data.py").read_text()
LITELLM_PATHS = list(paths(json.loads(LITELLM_MAP)))
# The fixtures' providers only: the bulk side is rebuilt for every call, and its 2,000 records would
# make this the slowest test here without testing more of their file.
FEW_BULK = [m for m in bulk.bulk_models() if m["provider"] in ("anthropic", "openai", "aws", "google")]


@st.composite
def litellm_wrong_types(draw) -> dict:
    """The LiteLLM fixture with values of the wrong type (or hostile ones) anywhere."""
    data = json.loads(LITELLM_MAP)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(LITELLM_PATHS))
        if not path:
            return draw(wrong_values)
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node[path[-1] if draw(st.booleans()) else draw(random_text)] = draw(wrong_values)
    return data


price_file_texts = st.one_of(damaged(LITELLM_MAP), damaged(GENAI_DATA_PY), litellm_wrong_types().map(dumped_json), random_text)


def compare(data: bytes) -> None:
    on = dt.date(2026, 12, 2)
    result = diff.diff(price_files.read_price_file(data, "hostile.json", on), CATALOG, FEW_BULK, on)
    json.dumps(result, allow_nan=False)  # finite numbers only


@RUN
@given(st.one_of(price_file_texts.map(str.encode), as_bytes(price_file_texts)))
def test_a_price_file_to_compare_gives_a_diff_or_a_price_file_error(data):
    only_documented(lambda: compare(data), price_files.PriceFileError)


@pytest.mark.parametrize("fragment", TEXT_FRAGMENTS)
def test_each_adversarial_fragment_alone(fragment):
    """Every fragment on its own, so a failing one is named even if generation never picks it."""
    only_documented(lambda: parse_scenario(fragment, "f.yaml", CATALOG), ScenarioError)
    only_documented(lambda: sharing.decode(pack(fragment.encode()), CATALOG), ScenarioError)
    only_documented(lambda: parse_eval_csv(fragment, "f.csv"), EvalDataError)
    only_documented(lambda: uploads.decode_upload("f.txt", fragment.encode()), uploads.UploadError)
    only_documented(lambda: sharing.chart_range(fragment, None, [1.0, 10.0], (1.0, 10.0)), sharing.LinkParamError)
    only_documented(lambda: compare(fragment.encode()), price_files.PriceFileError)


# --- SECURITY.md lists every limit with its value and its test -------------------------------------

from simulator.traffic import formats as traffic_formats, readers as traffic_readers, validate as traffic_validate  # noqa: E402

DECODERS = {"scenario": schema, "loading": loading, "sharing": sharing, "eval_results": eval_results,
            "uploads": uploads, "cli": cli, "price_files": price_files, "formats": traffic_formats,
            "readers": traffic_readers, "validate": traffic_validate}
# schema.py also holds field bounds (MAX_OVERRIDE, MAX_DRAWS): ranges of values, described in prose
NOT_READ_LIMITS = {("scenario", "MAX_OVERRIDE"), ("scenario", "MAX_DRAWS")}
ROW = re.compile(r"^\|[^|]*\|\s*([\d,]+)[^|]*\|\s*`(\w+)\.(MAX_\w+)`\s*\|\s*`(tests/\w+\.py)::(\w+)`\s*\|$", re.M)


def test_security_md_lists_every_limit():
    rows = ROW.findall((ROOT / "SECURITY.md").read_text())
    assert len(rows) >= 20, "the tables' format changed: update ROW"
    listed = set()
    for value, decoder, name, test_file, test_name in rows:
        assert getattr(DECODERS[decoder], name) == int(value.replace(",", "")), (decoder, name)
        assert f"def {test_name}(" in (ROOT / test_file).read_text(), (test_file, test_name)
        listed.add((decoder, name))
    for decoder, module in DECODERS.items():  # constants defined in the module (not imported), bytes not MB
        defined = set(re.findall(r"^(MAX_\w+) = ", Path(module.__file__).read_text(), re.M))
        missing = {(decoder, n) for n in defined if not n.endswith("_MB")} - listed - NOT_READ_LIMITS
        assert not missing, f"limits not in SECURITY.md: {sorted(missing)}"

"""Each shipped traffic sample imports as its format; malformed and hostile files get a message that
names the row and field (or the file and the problem), keep the good rows, count the bad ones, and
never raise anything but TrafficError."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os

import pytest

import sys

from conftest import ROOT, cli
from simulator.traffic.engine import connect
from simulator.traffic.formats import MAX_TRAFFIC_BYTES, TrafficError, read_traffic
sys.path.insert(0, str(ROOT / "scripts"))
from synthetic_traffic import SAMPLES

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
SAMPLE_DIR = ROOT / "samples" / "traffic"
HEADER = "timestamp,model,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,conversation_id\n"
GOOD = "2026-11-02T10:00:00Z,gpt-4.1-mini,900,200,0,0,c1\n"


def read(path, **kw):
    con = connect()
    report = read_traffic(path, con, now=NOW, **kw)
    return report, con


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_shipped_sample_imports_as_its_format(name):
    fmt, spec = SAMPLES[name]
    report, con = read(SAMPLE_DIR / name)
    assert report.format == fmt
    assert report.rows_kept == report.rows_read > 0 and not report.problems
    table = "buckets" if fmt == "openai-usage" else "requests"
    (model,) = {m for (m,) in con.execute(f"SELECT DISTINCT model FROM {table}").fetchall()}
    assert model == spec.model


def test_the_samples_are_what_the_generator_makes(tmp_path):
    # The shipped files are reproducible: `scripts/synthetic_traffic.py` writes the same bytes.
    from synthetic_traffic import WRITERS, generate
    for name, (fmt, spec) in SAMPLES.items():
        WRITERS[fmt](generate(spec), tmp_path / name, spec.model)
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def csv_file(tmp_path, *rows: str, header: str = HEADER):
    path = tmp_path / "log.csv"
    path.write_text(header + "".join(rows))
    return path


@pytest.mark.parametrize("row, message", [
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,-5,200,,,\n", "row 2: input_tokens: negative (-5)"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,900,lots,,,\n", "row 2: output_tokens: not a number (lots)"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,900.5,200,,,\n", "row 2: input_tokens: not a whole number of tokens (900.5)"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,,200,,,\n", "row 2: input_tokens: missing"),
    ("2026-11-02T10:00:00Z,,900,200,,,\n", "row 2: model: missing"),
    ("yesterday,gpt-4.1-mini,900,200,,,\n", "row 2: timestamp: not a date and time (yesterday)"),
    ("2014-12-31T23:59:59Z,gpt-4.1-mini,900,200,,,\n", "row 2: timestamp: before 2015 (2014-12-31 23:59:59 UTC)"),
    ("2026-12-02T12:00:01Z,gpt-4.1-mini,900,200,,,\n", "row 2: timestamp: more than a day after this import's clock"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,900,200,901,,\n", "row 2: cached_input_tokens: more than input_tokens (901 > 900)"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,900,200,,201,\n", "row 2: reasoning_tokens: more than output_tokens (201 > 200)"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,9e99,200,,,\n", "row 2: input_tokens: over 1,000,000,000 tokens"),
    ("2026-11-02T10:00:00Z,gpt-4.1-mini,nan,200,,,\n", "row 2: input_tokens: not a number (nan)"),
    (f"2026-11-02T10:00:00Z,{'m' * 201},900,200,,,\n", "row 2: model: longer than 200 characters"),
])
def test_a_bad_row_is_named_with_its_field_and_the_good_rows_are_kept(tmp_path, row, message):
    report, con = read(csv_file(tmp_path, GOOD, row, GOOD))
    assert report.rows_read == 3 and report.rows_kept == 2 and report.rows_refused == 1
    [problem] = report.problems
    assert problem.startswith(message), problem
    assert con.execute("SELECT count(*) FROM requests").fetchall() == [(2,)]


def test_a_day_after_the_clock_is_still_accepted(tmp_path):
    report, _ = read(csv_file(tmp_path, "2026-12-02T11:59:00Z,gpt-4.1-mini,900,200,,,\n"))
    assert report.rows_kept == 1


def test_timestamps_out_of_order_are_kept_and_counted(tmp_path):
    rows = ["2026-11-02T10:00:00Z,m,1,1,,,\n", "2026-11-02T09:00:00Z,m,1,1,,,\n", "2026-11-02T11:00:00Z,m,1,1,,,\n",
            "2026-11-02T10:30:00Z,m,1,1,,,\n"]
    report, _ = read(csv_file(tmp_path, *rows))
    assert report.rows_kept == 4 and report.out_of_order == 2
    assert any("2 rows are earlier than the row before" in n for n in report.notes)


def test_unix_times_in_seconds_milliseconds_and_nanoseconds_mean_the_same_moment(tmp_path):
    rows = ["1793613600,m,1,1,,,\n", "1793613600000,m,1,1,,,\n", "1793613600000000000,m,1,1,,,\n",
            "2026-11-02T10:00:00Z,m,1,1,,,\n", "2026-11-02 12:00:00+02:00,m,1,1,,,\n"]
    _, con = read(csv_file(tmp_path, *rows))
    assert con.execute("SELECT count(DISTINCT ts), min(ts) FROM requests").fetchall() == [(1, dt.datetime(2026, 11, 2, 10))]


def test_more_bad_rows_than_shown_are_all_counted(tmp_path):
    report, _ = read(csv_file(tmp_path, *(["2026-11-02T10:00:00Z,m,-1,1,,,\n"] * 50), GOOD))
    assert report.rows_refused == 50 and len(report.problems) == 20 and report.rows_kept == 1


def test_a_missing_column_is_named(tmp_path):
    path = csv_file(tmp_path, "2026-11-02T10:00:00Z,m,5\n", header="timestamp,model,input_tokens\n")
    with pytest.raises(TrafficError, match="log.csv: missing column output_tokens"):
        read(path)


def test_prompt_text_in_a_file_is_never_read_into_the_table(tmp_path):
    path = csv_file(tmp_path, "2026-11-02T10:00:00Z,m,5,3,the secret prompt\n",
                    header="timestamp,model,input_tokens,output_tokens,prompt\n")
    report, con = read(path)
    assert "prompt" in report.notes[0]
    dumped = json.dumps(con.execute("SELECT * FROM requests").fetchall(), default=str)
    assert "secret" not in dumped and "secret" not in json.dumps(report.to_json())


def test_a_file_over_the_limit_is_refused_before_parsing_even_when_sparse(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as fh:
        fh.truncate(MAX_TRAFFIC_BYTES + 1)  # a sparse file: no disk used, nothing to parse in time
    with pytest.raises(TrafficError, match=f"huge.jsonl: {MAX_TRAFFIC_BYTES + 1:,} bytes, over the limit"):
        read(path)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), "not a text file"),
    (lambda p: p.write_bytes(gzip.compress(HEADER.encode() + GOOD.encode())), "gzip-compressed; decompress it first"),
    (lambda p: p.write_bytes(b"timestamp,model\n\xff\xfe bad"), "not UTF-8"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: os.mkfifo(p), "not a regular file"),
])
def test_what_is_not_a_text_file_is_refused_with_a_reason(tmp_path, make, message):
    path = tmp_path / "traffic.csv"
    make(path)
    with pytest.raises(TrafficError, match=message):
        read(path)


GOOD_RECORD = json.dumps({"timestamp": "2026-11-02T10:00:00Z", "model": "m", "input_tokens": 1, "output_tokens": 1})


def test_a_deeply_nested_record_is_one_refused_record(tmp_path):
    path = tmp_path / "nested.jsonl"
    depth = 10_000
    path.write_text("[" * depth + "]" * depth + "\n" + GOOD_RECORD + "\n")
    report, _ = read(path)
    assert report.rows_read == 2 and report.rows_kept == 1
    assert report.problems[0].startswith("record 1: timestamp: missing")


def test_a_json_bomb_is_a_message_not_a_crash(tmp_path):
    # Seven million empty arrays in one 14 MB line: under the 16 MiB record limit, but the parsed
    # document needs more than the import's memory limit.
    path = tmp_path / "bomb.jsonl"
    depth = 7_000_000
    path.write_text("[" * depth + "]" * depth + "\n" + GOOD_RECORD + "\n")
    with pytest.raises(TrafficError, match="bomb.jsonl: .*(more memory than the import's 512MB limit|nested)"):
        read(path)


def test_a_record_over_the_object_limit_is_refused_with_a_message(tmp_path):
    path = tmp_path / "wide.jsonl"
    path.write_text(json.dumps({"timestamp": "2026-11-02T10:00:00Z", "model": "m", "pad": "x" * (17 * 1024 * 1024)}) + "\n")
    with pytest.raises(TrafficError, match="wide.jsonl: cannot be read as JSON lines.*(over 16 MiB|a very large or deeply nested JSON record)"):
        read(path)


def test_otlp_with_wrong_types_and_missing_usage_names_the_span(tmp_path):
    def span(attrs):
        return {"startTimeUnixNano": "1762077600000000000",
                "attributes": [{"key": k, "value": v} for k, v in attrs.items()]}
    spans = [span({"gen_ai.request.model": {"stringValue": "gpt-4.1-mini"}, "gen_ai.usage.input_tokens": {"intValue": "10"},
                   "gen_ai.usage.output_tokens": {"intValue": 5}}),
             span({"gen_ai.request.model": {"stringValue": "gpt-4.1-mini"}, "gen_ai.usage.input_tokens": {"boolValue": True}}),
             span({"db.system": {"stringValue": "qdrant"}})]
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n" + "not json\n")
    with pytest.raises(TrafficError, match="spans.jsonl: cannot be read as OpenTelemetry"):
        read(path)
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
    report, _ = read(path)
    assert report.format == "otlp" and report.rows_kept == 1 and report.skipped == 1
    assert report.problems == ["line 1, span 2: input_tokens: missing; output_tokens: missing"]


def test_a_file_with_no_rows_says_what_it_looked_for(tmp_path):
    path = tmp_path / "empty-spans.jsonl"
    path.write_text(json.dumps({"resourceSpans": []}) + "\n")
    with pytest.raises(TrafficError, match="no spans with GenAI usage found"):
        read(path)


def test_the_cli_prints_a_message_and_exits_2_on_a_bad_file_never_a_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    result = cli("traffic", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "bad.csv: missing columns timestamp, model, input_tokens, output_tokens" in result.stderr
    result = cli("traffic", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr


def test_the_cli_fits_the_csv_sample_as_text_and_json():
    sample = str(SAMPLE_DIR / "support-bot-requests.csv")
    text = cli("traffic", sample)
    assert text.returncode == 0, text.stderr
    assert "queries per month (at the end)" in text.stdout and "peak to average" in text.stdout
    data = json.loads(cli("traffic", sample, "--json", "--model", "claude-haiku-4-5").stdout)
    workload = data["workload"]
    assert workload["queries_per_month"]["requests"] > 1000 and workload["queries_per_month"]["days"] == 15
    assert len(workload["lengths"]["query"]["value"]) == 21
    assert data["file"]["sha256"] and data["file"]["rows_kept"] == 1571


def test_prompt_text_without_a_count_is_counted_locally_and_dropped(tmp_path, catalog):
    from simulator.model.tokens import count_tokens
    from simulator.traffic.fit import fit_traffic
    prompt = "How do I reset my password when the reset email never arrives?"
    path = csv_file(tmp_path, f'2026-11-02T10:00:00Z,claude-haiku-4-5,,40,"{prompt}",\n',
                    "2026-11-02T10:05:00Z,claude-haiku-4-5,116,40,,\n",
                    header="timestamp,model,input_tokens,output_tokens,prompt,completion\n")
    report, con = read(path)
    assert report.rows_kept == 2 and any("counted with o200k_base" in n for n in report.notes)
    rows = con.execute("SELECT input_tokens, input_counted FROM requests ORDER BY seq").fetchall()
    assert rows == [(count_tokens(prompt), True), (116, False)]
    assert prompt not in json.dumps(con.execute("SELECT * FROM requests").fetchall(), default=str)
    # The counted row is already in o200k_base tokens; the logged one is Claude's and is divided by its ratio.
    fit = fit_traffic(con, report, catalog).by_model["claude-haiku-4-5"]
    ratio = fit.tokens.ratio
    assert ratio > 1
    assert fit.values["lengths"]["query"]["value"][0] == pytest.approx(min(count_tokens(prompt), 116 / ratio), abs=0.05)
    assert fit.to_json()["tokens"]["counted_from_text"] == 1

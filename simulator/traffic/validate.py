"""Every row of a traffic file checked in SQL: what is kept, what is refused and why.

A reader hands over a staging query whose columns are all text as found in the file (``STAGED``);
:func:`check_rows` parses them once into a typed table, names each bad row's field and problem
("row 12: input_tokens: negative (-5)"), keeps the good rows and counts the rest. Timestamps out of
file order are kept (spans of concurrent requests end up out of order in every exporter) and counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

# The staging columns every reader produces, as text ("" and NULL both mean absent).
STAGED = ("seq", "locator", "skip", "ts", "model", "input_tokens", "output_tokens", "cached_input_tokens",
          "reasoning_tokens", "conversation_id", "prompt_text", "completion_text")
COUNTER = "o200k_tokens"  # the SQL function engine.text_counter registers
REQUIRED = ("ts", "model", "input_tokens", "output_tokens")
OPTIONAL_COUNTS = ("cached_input_tokens", "reasoning_tokens")
FIELD_NAMES = {"ts": "timestamp"}  # how a column is named in a message

EARLIEST = dt.datetime(2015, 1, 1)  # before any hosted LLM API: a wrong unit or a placeholder
CLOCK_SLACK = dt.timedelta(days=1)  # a timestamp this far past the import's clock is refused
MAX_TOKENS = 1_000_000_000          # per request; more is a corrupt field, not a request
MAX_PROBLEMS = 20                   # messages shown; the rest are counted
MAX_MODEL_CHARS = 200               # as a scenario's model name


@dataclass(frozen=True)
class RowCheck:
    rows_read: int
    rows_kept: int
    problems: list[str]   # the first MAX_PROBLEMS, "row N: field: problem"
    out_of_order: int     # kept rows earlier than the kept row before them in the file
    skipped: int = 0      # records marked ``skip`` by the reader: not model calls


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _timestamp(col: str) -> str:
    """Text -> TIMESTAMP (UTC): ISO 8601 with or without an offset, or Unix time in s, ms, µs or ns
    (told apart by magnitude: 1e11 s is the year 5138, 1e11 ms is 1973)."""
    number = f"TRY_CAST({col} AS DOUBLE)"
    seconds = (f"{number} / CASE WHEN abs({number}) >= 1e17 THEN 1e9 WHEN abs({number}) >= 1e14 THEN 1e6 "
               f"WHEN abs({number}) >= 1e11 THEN 1e3 ELSE 1 END")
    return (f"CASE WHEN regexp_full_match(trim({col}), '-?[0-9]+(\\.[0-9]*)?') THEN "
            f"CASE WHEN ({seconds}) BETWEEN 0 AND 32503680000 THEN to_timestamp({seconds})::TIMESTAMP END "
            f"ELSE TRY_CAST(TRY_CAST(trim({col}) AS TIMESTAMPTZ) AS TIMESTAMP) END")


def _count_problem(col: str, required: bool) -> str:
    number = f"TRY_CAST(trim({col}) AS DOUBLE)"
    missing = f"'{col}: missing'" if required else "NULL"
    return (f"CASE WHEN {col} IS NULL OR trim({col}) = '' THEN {missing} "
            f"WHEN {number} IS NULL OR isnan({number}) OR isinf({number}) THEN '{col}: not a number (' || left({col}, 40) || ')' "
            f"WHEN {number} < 0 THEN '{col}: negative (' || {col} || ')' "
            f"WHEN {number} <> floor({number}) THEN '{col}: not a whole number of tokens (' || {col} || ')' "
            f"WHEN {number} > {MAX_TOKENS} THEN '{col}: over {MAX_TOKENS:,} tokens in one request (' || {col} || ')' END")


def _count(col: str) -> str:
    return f"TRY_CAST(TRY_CAST(trim({col}) AS DOUBLE) AS BIGINT)"


def _empty(col: str) -> str:
    return f"({col} IS NULL OR trim({col}) = '')"


def check_rows(con: duckdb.DuckDBPyConnection, staged_sql: str, *, now: dt.datetime, uses_text: bool = False) -> RowCheck:
    """Parse ``staged_sql`` (columns :data:`STAGED`) into the table ``requests`` (ts TIMESTAMP UTC,
    model, input/output/cached_input/reasoning tokens, conversation_id, and whether the input and
    output counts were counted here from text), keeping the rows without a problem. ``uses_text``:
    the staging has text to count where a count is empty (the connection has engine.text_counter)."""
    latest = (now.astimezone(dt.timezone.utc).replace(tzinfo=None) + CLOCK_SLACK).isoformat(sep=" ")
    ts_problem = (f"CASE WHEN ts IS NULL OR trim(ts) = '' THEN 'timestamp: missing' "
                  f"WHEN parsed_ts IS NULL THEN 'timestamp: not a date and time (' || left(ts, 40) || ')' "
                  f"WHEN parsed_ts < TIMESTAMP {_sql_text(EARLIEST.isoformat(sep=' '))} THEN "
                  f"'timestamp: before 2015 (' || strftime(parsed_ts, '%Y-%m-%d %H:%M:%S') || ' UTC)' "
                  f"WHEN parsed_ts > TIMESTAMP {_sql_text(latest)} THEN "
                  f"'timestamp: more than a day after this import''s clock (' || strftime(parsed_ts, '%Y-%m-%d %H:%M:%S') || ' UTC)' END")
    model_problem = (f"CASE WHEN model IS NULL OR trim(model) = '' THEN 'model: missing' "
                     f"WHEN length(model) > {MAX_MODEL_CHARS} THEN 'model: longer than {MAX_MODEL_CHARS} characters' END")
    problems = [ts_problem, model_problem, _count_problem("input_tokens", True), _count_problem("output_tokens", True),
                *(_count_problem(c, False) for c in OPTIONAL_COUNTS),
                f"CASE WHEN {_count('cached_input_tokens')} > {_count('input_tokens')} THEN "
                "'cached_input_tokens: more than input_tokens (' || cached_input_tokens || ' > ' || input_tokens || ')' END",
                f"CASE WHEN {_count('reasoning_tokens')} > {_count('output_tokens')} THEN "
                "'reasoning_tokens: more than output_tokens (' || reasoning_tokens || ' > ' || output_tokens || ')' END"]
    if uses_text:
        # A count left empty beside a text is the text's o200k_base count; the text goes no further.
        def filled(count: str, text: str) -> str:
            return f"CASE WHEN {_empty(count)} AND {text} IS NOT NULL THEN CAST({COUNTER}({text}) AS VARCHAR) ELSE {count} END"
        staged_sql = (f"SELECT * REPLACE ({filled('input_tokens', 'prompt_text')} AS input_tokens, "
                      f"{filled('output_tokens', 'completion_text')} AS output_tokens), "
                      f"{_empty('input_tokens')} AND prompt_text IS NOT NULL AS input_counted, "
                      f"{_empty('output_tokens')} AND completion_text IS NOT NULL AS output_counted FROM ({staged_sql})")
    else:
        staged_sql = f"SELECT *, false AS input_counted, false AS output_counted FROM ({staged_sql})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT seq, locator, skip, parsed_ts AS ts, trim(model) AS model,
               {_count('input_tokens')} AS input_tokens, {_count('output_tokens')} AS output_tokens,
               {_count('cached_input_tokens')} AS cached_input_tokens, {_count('reasoning_tokens')} AS reasoning_tokens,
               NULLIF(trim(conversation_id), '') AS conversation_id, input_counted, output_counted,
               CASE WHEN skip THEN [] ELSE list_filter([{', '.join(problems)}], lambda p: p IS NOT NULL) END AS problems
        FROM (SELECT *, {_timestamp('ts')} AS parsed_ts FROM ({staged_sql}))
    """)
    skipped, = con.execute("SELECT count(*) FROM checked WHERE skip").fetchall()[0]
    con.execute("DELETE FROM checked WHERE skip")
    rows_read, bad = con.execute("SELECT count(*), count(*) FILTER (WHERE len(problems) > 0) FROM checked").fetchall()[0]
    shown = con.execute(f"""SELECT locator || ': ' || array_to_string(problems, '; ') FROM checked
                            WHERE len(problems) > 0 ORDER BY seq LIMIT {MAX_PROBLEMS}""").fetchall()
    con.execute("""
        CREATE OR REPLACE TABLE requests AS
        SELECT seq, ts, model, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, conversation_id,
               input_counted, output_counted
        FROM checked WHERE len(problems) = 0
    """)
    con.execute("DROP TABLE checked")
    (out_of_order,) = con.execute(
        "SELECT count(*) FROM (SELECT ts < lag(ts) OVER (ORDER BY seq) AS early FROM requests) WHERE early").fetchall()[0]
    return RowCheck(rows_read=rows_read, rows_kept=rows_read - bad, problems=[r[0] for r in shown],
                    out_of_order=out_of_order, skipped=skipped)


def check_buckets(con: duckdb.DuckDBPyConnection, staged_sql: str, *, now: dt.datetime) -> RowCheck:
    """Parse ``staged_sql`` (seq, locator, start, end, model, requests, input_tokens, output_tokens,
    cached_input_tokens; all text) into the table ``buckets``: usage summed over fixed periods."""
    latest = (now.astimezone(dt.timezone.utc).replace(tzinfo=None) + CLOCK_SLACK).isoformat(sep=" ")
    problems = [
        f"CASE WHEN start_ts IS NULL THEN 'start_time: missing or not a date and time' "
        f"WHEN start_ts < TIMESTAMP {_sql_text(EARLIEST.isoformat(sep=' '))} THEN 'start_time: before 2015' "
        f"WHEN start_ts > TIMESTAMP {_sql_text(latest)} THEN 'start_time: more than a day after this import''s clock' END",
        "CASE WHEN end_ts IS NULL THEN 'end_time: missing or not a date and time' "
        "WHEN start_ts IS NOT NULL AND end_ts <= start_ts THEN 'end_time: not after start_time' END",
        _count_problem("requests", True), _count_problem("input_tokens", True), _count_problem("output_tokens", True),
        _count_problem("cached_input_tokens", False),
    ]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT seq, locator, start_ts AS start, end_ts AS "end", coalesce(NULLIF(trim(model), ''), '(all models)') AS model,
               {_count('requests')} AS requests, {_count('input_tokens')} AS input_tokens,
               {_count('output_tokens')} AS output_tokens, {_count('cached_input_tokens')} AS cached_input_tokens,
               list_filter([{', '.join(problems)}], lambda p: p IS NOT NULL) AS problems
        FROM (SELECT *, {_timestamp('start')} AS start_ts, {_timestamp('"end"')} AS end_ts FROM ({staged_sql}))
    """)
    rows_read, bad = con.execute("SELECT count(*), count(*) FILTER (WHERE len(problems) > 0) FROM checked").fetchall()[0]
    shown = con.execute(f"""SELECT locator || ': ' || array_to_string(problems, '; ') FROM checked
                            WHERE len(problems) > 0 ORDER BY seq LIMIT {MAX_PROBLEMS}""").fetchall()
    con.execute("""CREATE OR REPLACE TABLE buckets AS SELECT start, "end", model, requests, input_tokens, output_tokens,
                   cached_input_tokens FROM checked WHERE len(problems) = 0""")
    con.execute("DROP TABLE checked")
    return RowCheck(rows_read=rows_read, rows_kept=rows_read - bad, problems=[r[0] for r in shown], out_of_order=0)

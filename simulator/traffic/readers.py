"""One staging query per traffic format: the file's fields as text, in the columns validation expects.

Only counts, times, model names and conversation ids are selected; prompt and completion text, where
a file has it, is never read into the table (nor into a scenario or a link).

Formats and where their fields are defined:
- OpenTelemetry GenAI spans, OTLP JSON lines (one ExportTraceServiceRequest per line, as the
  OpenTelemetry Collector's file exporter and OpenLLMetry, OpenLIT and Langfuse write them):
  https://github.com/open-telemetry/semantic-conventions/blob/v1.38.0/docs/gen-ai/gen-ai-spans.md
  Older names (``gen_ai.usage.prompt_tokens``, OpenLLMetry's ``cache_read_input_tokens``) are read too.
- Plain CSV / JSON lines: ``timestamp, model, input_tokens, output_tokens`` and optional
  ``cached_input_tokens, reasoning_tokens, conversation_id``.
- OpenAI's Usage API (``GET /v1/organization/usage/completions``, pages of time buckets), a provider
  export every OpenAI customer can pull; fields as in OpenAPI spec 2.3.0:
  https://docs.rs/crate/openai-client-base/0.16.0/source/src/models/usage_completions_result.rs
- Langfuse observations (``GET /api/public/observations`` or v2, pages with ``data``; GENERATION rows
  are requests), the open-source tracing product most teams self-host; fields as in
  https://docs.rs/crate/langfuse-client-base/0.15.0/source/src/models/observation.rs
"""

from __future__ import annotations

MAX_OBJECT_BYTES = 16 * 1024 * 1024  # one JSON line (or a whole JSON document) at most
NO_TEXT = "NULL::VARCHAR AS prompt_text, NULL::VARCHAR AS completion_text"  # formats whose text is not counted


def _q(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _json_objects(path: str, fmt: str = "auto") -> str:
    """Each JSON record of the file with its ordinal (the line of a JSON-lines file)."""
    return (f"(SELECT ordinality AS record, json FROM read_json_objects({_q(path)}, format='{fmt}', "
            f"maximum_object_size={MAX_OBJECT_BYTES}) WITH ORDINALITY)")


# A record's position and its item's position in one orderable number: a 16 MiB line holds fewer
# than a million spans.
ITEMS_PER_RECORD = 1_000_000


# Attribute names in order of preference: the current GenAI semantic conventions first.
OTEL_FIELDS = {
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "input_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cached_input_tokens": ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"),
    "reasoning_tokens": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
    "conversation_id": ("gen_ai.conversation.id", "session.id", "langfuse.session.id"),
}
# Spans that are not a generation (embeddings, retrieval, tools, the app's own spans) are left out.
OTEL_GENERATION = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.request.model")
OTEL_NOT_GENERATION = ("embeddings", "execute_tool", "create_agent")


def _attr(names: tuple[str, ...]) -> str:
    return "coalesce(" + ", ".join(f"attrs['{n}']" for n in names) + ")"


def otlp(path: str) -> str:
    """Staging query for OTLP JSON lines; spans that are not a generation are marked ``skip``.

    Each line's spans are reduced to the few attributes kept while the line is parsed, so no span's
    JSON is held past its line (a window over whole spans held 1 GB for a million spans)."""
    as_map = ("map_from_entries(list_transform(CAST(coalesce(s->'attributes', '[]') AS STRUCT(key VARCHAR, value JSON)[]), "
              "lambda a: {'k': a.key, 'v': coalesce(a.value->>'stringValue', a.value->>'intValue', a.value->>'doubleValue')}))")
    fields = ", ".join(f"'{c}': {_attr(names)}" for c, names in OTEL_FIELDS.items())
    generation = (f"({' OR '.join(f'attrs[{chr(39)}{n}{chr(39)}] IS NOT NULL' for n in OTEL_GENERATION)}) "
                  f"AND coalesce(attrs['gen_ai.operation.name'], '') NOT IN {OTEL_NOT_GENERATION}")
    return f"""
        WITH lines AS (
            SELECT record, list_transform(
                list_transform(json_extract(json, '$.resourceSpans[*].scopeSpans[*].spans[*]'),
                               lambda s: {{'start': s->>'startTimeUnixNano', 'attrs': {as_map}}}),
                lambda x: {{'start': x.start, 'skip': NOT ({generation.replace("attrs[", "x.attrs[")}),
                           {fields.replace("attrs[", "x.attrs[")}}}) AS spans
            FROM {_json_objects(path, 'newline_delimited')}),
        spans AS (SELECT record, generate_subscripts(spans, 1) AS n, unnest(spans) AS s FROM lines)
        SELECT record * {ITEMS_PER_RECORD} + n AS seq, 'line ' || record || ', span ' || n AS locator, s.skip AS skip,
               s.start AS ts, {', '.join(f's.{c} AS {c}' for c in OTEL_FIELDS)}, {NO_TEXT}
        FROM spans
    """


TABLE_COLUMNS = ("timestamp", "model", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens",
                 "conversation_id")
# Text a CSV or JSON-lines log may carry instead of counts: counted with o200k_base where the count
# is empty, then dropped (never in the table).
TEXT_COLUMNS = {"prompt": "input_tokens", "completion": "output_tokens"}
REQUIRED_COLUMNS = TABLE_COLUMNS[:4]


def _table_select(source: str, present: set[str], locator: str = "row") -> str:
    def col(name: str) -> str:
        return f'CAST("{name}" AS VARCHAR)' if name in present else "NULL::VARCHAR"
    return (f"SELECT ordinality AS seq, '{locator} ' || ordinality AS locator, false AS skip, {col('timestamp')} AS ts, "
            + ", ".join(f"{col(c)} AS {c}" for c in TABLE_COLUMNS[1:])
            + "".join(f", {col(t)} AS {t}_text" for t in TEXT_COLUMNS) + f" FROM {source}")


def csv_source(path: str, numbered: bool = True) -> str:
    """The CSV as a table, every field as text (validation names a bad value instead of the reader
    guessing a type), with its data row number as ``ordinality`` when ``numbered``."""
    source = (f"read_csv({_q(path)}, header=true, all_varchar=true, auto_detect=true, strict_mode=true, "
              f"max_line_size={MAX_OBJECT_BYTES})")
    return source + " WITH ORDINALITY" if numbered else source


def table(source: str, present: set[str]) -> str:
    """Staging query for a CSV (``source`` from :func:`csv_source`) with the columns ``present``."""
    return _table_select(source, present)


def jsonl(path: str) -> str:
    """Staging query for JSON lines (or a JSON array) with one request per record, fields named as
    the CSV's columns."""
    fields = ", ".join(f"""json->>'{c}' AS "{c}\"""" for c in TABLE_COLUMNS)
    # Text only where it is a string: a messages array is not counted (its JSON is not what the model read).
    texts = "".join(f""", CASE WHEN json_type(json, '{t}') = 'VARCHAR' THEN json->>'{t}' END AS "{t}\"""" for t in TEXT_COLUMNS)
    return _table_select(f"(SELECT record AS ordinality, {fields}{texts} FROM {_json_objects(path)})",
                         {*TABLE_COLUMNS, *TEXT_COLUMNS}, locator="record")


def _first(row: str, *paths: str) -> str:
    return "coalesce(" + ", ".join(f"{row}->>'{p}'" for p in paths) + ")"


def openai_usage(path: str) -> str:
    """Staging query for OpenAI Usage API pages: each bucket's results, one row per model (when the
    export was grouped by model) and bucket."""
    return f"""
        WITH buckets AS (SELECT record, generate_subscripts(b, 1) AS i, unnest(b) AS bucket FROM
                         (SELECT record, json_extract(json, '$.data[*]') AS b FROM {_json_objects(path)})),
        results AS (SELECT record, i, bucket->>'start_time' AS start, bucket->>'end_time' AS "end",
                           generate_subscripts(r, 1) AS j, unnest(r) AS r FROM
                           (SELECT *, json_extract(bucket, '$.results[*]') AS r FROM buckets))
        SELECT (record * {ITEMS_PER_RECORD} + i) * 1000 + j AS seq,
               'page ' || record || ', bucket ' || i || ', result ' || j AS locator,
               start, "end", r->>'model' AS model, r->>'num_model_requests' AS requests,
               r->>'input_tokens' AS input_tokens, r->>'output_tokens' AS output_tokens,
               r->>'input_cached_tokens' AS cached_input_tokens
        FROM results
    """


LANGFUSE_FIELDS = {
    "model": ("model", "providedModelName"),
    "input_tokens": ("usageDetails.input", "usage.input", "promptTokens"),
    "output_tokens": ("usageDetails.output", "usage.output", "completionTokens"),
    "cached_input_tokens": ("usageDetails.input_cached_tokens", "usageDetails.cache_read_input_tokens",
                            "usageDetails.input_cache_read"),
    "reasoning_tokens": ("usageDetails.output_reasoning_tokens", "usageDetails.reasoning_tokens"),
    "conversation_id": ("sessionId",),
}


def langfuse(path: str) -> str:
    """Staging query for Langfuse observations: pages (``{"data": [...]}``), a JSON array or JSON
    lines of observations; observations that are not a GENERATION are marked ``skip``."""
    def field(name: str) -> str:
        return "coalesce(" + ", ".join(f"o->>'$.{p}'" for p in LANGFUSE_FIELDS[name]) + ")"
    return f"""
        WITH obs AS (SELECT record, generate_subscripts(items, 1) AS i, unnest(items) AS o FROM
            (SELECT record, CASE WHEN json_type(json, '$.data') = 'ARRAY' THEN json_extract(json, '$.data[*]')
                                 ELSE [json] END AS items FROM {_json_objects(path)}))
        SELECT record * {ITEMS_PER_RECORD} + i AS seq,
               'record ' || record || ', observation ' || i AS locator,
               upper(coalesce(o->>'type', '')) <> 'GENERATION' AS skip, o->>'startTime' AS ts,
               {', '.join(f'{field(c)} AS {c}' for c in LANGFUSE_FIELDS)}, {NO_TEXT}
        FROM obs
    """

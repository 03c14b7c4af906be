"""Reading a traffic file: checks before parsing, the format told from its content, every row checked.

:func:`read_traffic` refuses what is not a regular, non-empty text file under the size limit before
DuckDB sees a byte (the size comes from ``fstat``, so a sparse file of terabytes is refused at once),
tells the format from the first bytes, and leaves the rows in DuckDB: the table ``requests`` (one row
per request) or ``buckets`` (usage summed over fixed periods, from a usage export). Bad rows are
counted and the first ones named; a file that cannot be read at all raises :class:`TrafficError` with
a message meant for the user, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import readers
from simulator.units import UPLOAD_MB

from .engine import MEMORY_LIMIT, text_counter
from .validate import COUNTER, RowCheck, check_buckets, check_rows

MAX_TRAFFIC_BYTES = 4 * 1024 ** 3  # 4 GiB: a month at several million requests is ~1 GB of OTLP JSON
# Through the dashboard the file is held in the server's memory while it is read, so an upload is
# smaller than a file the CLI reads from disk: 200 MB is a week of a busy bot as CSV.
MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * UPLOAD_MB
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "traffic"
SNIFF_BYTES = 64 * 1024
COMPRESSED = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"(\xb5/\xfd": "zstd", b"BZh": "bzip2", b"\xfd7zXZ": "xz"}
FORMATS = {
    "otlp": "OpenTelemetry GenAI spans (OTLP JSON lines)",
    "csv": "CSV (timestamp, model, input_tokens, output_tokens, ...)",
    "jsonl": "JSON lines (timestamp, model, input_tokens, output_tokens, ...)",
    "openai-usage": "OpenAI Usage API export (completions, time buckets)",
    "langfuse": "Langfuse observations export",
}


class TrafficError(ValueError):
    """A traffic file that cannot be read; the message names the file and says what is wrong."""


@dataclass
class ImportReport:
    """What was read from a traffic file, and what was left out and why."""

    file_name: str
    format: str                  # a key of FORMATS
    sha256: str
    size_bytes: int
    granularity: str             # "requests" (one row each) or "buckets" (sums over periods)
    rows_read: int
    rows_kept: int
    problems: list[str]          # the first bad rows, "row N: field: problem"
    out_of_order: int = 0
    skipped: int = 0             # records that are not model calls (other spans, events)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_refused(self) -> int:
        return self.rows_read - self.rows_kept

    def to_json(self) -> dict:
        return {"file": self.file_name, "format": self.format, "sha256": self.sha256, "bytes": self.size_bytes,
                "granularity": self.granularity, "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "rows_refused": self.rows_refused, "problems": self.problems, "out_of_order": self.out_of_order,
                "skipped_records": self.skipped, "notes": self.notes}


def check_upload_size(name: str, size_bytes: int) -> None:
    """Raise TrafficError if an upload of ``size_bytes`` is over :data:`MAX_UPLOAD_BYTES`, before it is
    written anywhere; worded as the dashboard's other uploads are (name, size, limit)."""
    if size_bytes > MAX_UPLOAD_BYTES:
        raise TrafficError(f"{name}: {size_bytes:,} bytes is over the limit of {MAX_UPLOAD_MB} MB "
                           f"({MAX_UPLOAD_BYTES:,} bytes); export a shorter period or split the file")


def shipped_samples() -> list[Path]:
    """The sample traffic files shipped in samples/traffic, one of each format, by name."""
    if not SAMPLES_DIR.is_dir():  # an installed copy without the repository's samples
        return []
    return sorted(p for p in SAMPLES_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


def _checked_head(path: Path, max_bytes: int, name: str) -> tuple[int, str, bytes]:
    """(size, sha256, first bytes) of a regular file within the limit; raises TrafficError naming ``name``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise TrafficError(f"{name}: cannot read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = "is a directory, not a file"
    elif not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file (a pipe, device or socket)"
    elif info.st_size > max_bytes:
        problem = (f"{info.st_size:,} bytes, over the limit of {max_bytes:,} bytes; export a shorter period or "
                   "split the file")
    elif info.st_size == 0:
        problem = "is empty"
    if problem:
        os.close(fd)
        raise TrafficError(f"{name}: {problem}")
    with os.fdopen(fd, "rb") as fh:
        digest = hashlib.sha256()
        head = b""
        try:
            while chunk := fh.read(1 << 20):
                if not head:
                    head = chunk[:SNIFF_BYTES]
                    _check_text(name, head)
                digest.update(chunk)
        except OSError as exc:
            raise TrafficError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return info.st_size, digest.hexdigest(), head


def _check_text(name: str, head: bytes) -> None:
    for magic, kind in COMPRESSED.items():
        if head.startswith(magic):
            raise TrafficError(f"{name}: is {kind}-compressed; decompress it first (a compressed file's "
                               "size says nothing about what it expands to)")
    if b"\x00" in head:
        raise TrafficError(f"{name}: is not a text file (it holds NUL bytes)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a character cut at the sniff's end is fine
            raise TrafficError(f"{name}: is not UTF-8 text (byte {exc.start})") from None


def sniff(head: bytes) -> str:
    """The format of a file from its first bytes (a key of FORMATS)."""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return "csv"
    first = text.split("\n", 1)[0]
    try:
        keys = set(json.loads(first)) if first.startswith("{") else set()
    except ValueError:
        keys = set()
    if "resourceSpans" in keys or re.search(r'"resourceSpans"\s*:', text[:4096]):
        return "otlp"
    if re.search(r'"object"\s*:\s*"(page|bucket)"', text) or "organization.usage.completions.result" in text:
        return "openai-usage"
    if re.search(r'"(traceId|usageDetails|startTime)"\s*:', text) and re.search(r'"type"\s*:\s*"[A-Z]+"', text):
        return "langfuse"
    return "jsonl"


def _duckdb_message(name: str, exc: duckdb.Error) -> str:
    """DuckDB's error in one line, without its internals."""
    text = str(exc).split("\n")[0]
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text)
    if "maximum_object_size" in str(exc) or "object size" in text.lower():
        text = (f"a JSON record over {readers.MAX_OBJECT_BYTES // (1024 * 1024)} MiB; export one record per "
                "line (JSON lines)")
    elif "failed to allocate" in text:
        text = (f"a record needs more memory than the import's {MEMORY_LIMIT} limit (a very large or deeply "
                "nested JSON record); export one request per line")
    elif "maximum line size" in text.lower():
        text = f"a line over {readers.MAX_OBJECT_BYTES // (1024 * 1024)} MiB"
    return f"{name}: cannot be read as {FORMATS.get(getattr(exc, 'crossover_format', ''), 'this format')}: {text[:300]}"


def read_traffic(path: str | Path, con: duckdb.DuckDBPyConnection, *, now: dt.datetime | None = None,
                 max_bytes: int = MAX_TRAFFIC_BYTES, name: str | None = None) -> ImportReport:
    """Read the traffic file at ``path`` into ``con`` (tables ``requests`` or ``buckets``).

    ``now`` is the import's clock (timestamps more than a day after it are refused); ``name`` is the
    file's name in messages and the report (an upload's own name rather than its temporary path).
    """
    path = Path(path)
    name = name or path.name
    now = now or dt.datetime.now(dt.timezone.utc)
    size, sha256, head = _checked_head(path, max_bytes, name)
    fmt = sniff(head)
    notes: list[str] = []
    try:
        if fmt == "openai-usage":
            check = check_buckets(con, readers.openai_usage(str(path)), now=now)
            granularity = "buckets"
        else:
            if fmt == "csv":
                check = _read_csv(con, path, name, now, notes)
            elif fmt == "jsonl":
                with text_counter(con, COUNTER):
                    check = check_rows(con, readers.jsonl(str(path)), now=now, uses_text=True)
            else:
                check = check_rows(con, (readers.otlp if fmt == "otlp" else readers.langfuse)(str(path)), now=now)
            granularity = "requests"
    except duckdb.Error as exc:
        exc.crossover_format = fmt
        raise TrafficError(_duckdb_message(name, exc)) from None
    if check.rows_read == 0:
        what = "spans with GenAI usage" if fmt == "otlp" else "generations" if fmt == "langfuse" else "rows"
        raise TrafficError(f"{name}: no {what} found (read as {FORMATS[fmt]})")
    if check.out_of_order:
        notes.append(f"{_plural(check.out_of_order, 'row')} earlier than the row before (kept: the fit sorts by time)")
    if check.skipped:
        notes.append(f"{_plural(check.skipped, 'record')} not model calls (other spans or observations): left out")
    return ImportReport(file_name=name, format=fmt, sha256=sha256, size_bytes=size, granularity=granularity,
                        rows_read=check.rows_read, rows_kept=check.rows_kept, problems=check.problems,
                        out_of_order=check.out_of_order, skipped=check.skipped, notes=notes)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s are' if n != 1 else ' is'}"


def _read_csv(con, path: Path, name: str, now: dt.datetime, notes: list[str]) -> RowCheck:
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {readers.csv_source(str(path), False)}").fetchall()]
    present = {c.strip().lower() for c in columns}
    if len(present) != len(columns) or any(c != c.strip().lower() for c in columns):
        # Column names are matched as written; say which differ only by case or spaces.
        odd = [c for c in columns if c != c.strip().lower()]
        if odd:
            raise TrafficError(f"{name}: column names must be lower case without spaces: {', '.join(odd[:5])}")
    # A count may be given as text to count instead (prompt for input_tokens, completion for output_tokens).
    given = present | {count for text, count in readers.TEXT_COLUMNS.items() if text in present}
    missing = [c for c in readers.REQUIRED_COLUMNS if c not in given]
    if missing:
        raise TrafficError(f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                           f"(the header has {', '.join(columns[:12])}; a CSV needs "
                           f"{', '.join(readers.REQUIRED_COLUMNS)})")
    ignored = sorted(present - set(readers.TABLE_COLUMNS) - set(readers.TEXT_COLUMNS))
    if ignored:
        notes.append(f"columns not used (not read, not stored): {', '.join(ignored[:10])}")
    texts = sorted(present & set(readers.TEXT_COLUMNS))
    if texts:
        notes.append(f"{' and '.join(texts)} text is counted with o200k_base where a count is empty, then dropped "
                     "(never stored)")
    with text_counter(con, COUNTER):
        return check_rows(con, readers.table(readers.csv_source(str(path)), present), now=now, uses_text=bool(texts))

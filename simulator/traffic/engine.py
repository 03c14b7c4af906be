"""The DuckDB connection traffic files are read with: bounded memory, two threads, UTC, offline.

A month of traffic at a few million requests is a gigabyte of JSON; DuckDB streams it and
aggregates in SQL, spilling to a temporary directory past its memory limit. 512 MB leaves room
under the 1 GB the benchmark allows for Python, NumPy and DuckDB's own buffers. Two threads is
this project's machines (2 cores); more would only raise peak memory. No extension is installed or
loaded at run time (these machines reach package registries and nothing else): JSON and ICU are
built into the wheel.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from simulator.model.tokens import encoding

MEMORY_LIMIT = "512MB"
THREADS = 2


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection set up for reading traffic files."""
    con = duckdb.connect(config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": MEMORY_LIMIT,
        "threads": THREADS,
        # Row numbers in messages follow the file's order.
        "preserve_insertion_order": True,
        "temp_directory": tempfile.gettempdir() + "/crossover-duckdb",
    })
    # Timestamps without an offset are read as UTC, whatever the machine's zone.
    con.execute("SET TimeZone = 'UTC'")
    return con


@contextmanager
def text_counter(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """SQL function ``name(text) -> o200k_base tokens`` on ``con`` while the block runs: a log's prompt
    text is counted here, locally, and never kept. Removed afterwards (a Python function left on a
    connection keeps it alive past its close)."""
    o200k = encoding("o200k_base")
    con.create_function(name, lambda text: None if text is None else len(o200k.encode_ordinary(text)),
                        [duckdb.sqltype("VARCHAR")], duckdb.sqltype("BIGINT"), null_handling="special")
    try:
        yield
    finally:
        con.remove_function(name)

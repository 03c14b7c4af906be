"""Traffic logs in, a fitted workload out: read a usage log or trace export into DuckDB with
bounded memory (``formats``), check every row (``validate``), and fit volume, growth, peaks, lengths,
caching and conversations from it (``fit``). Only counts and times are kept, never prompt text."""

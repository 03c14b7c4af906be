"""Numeric command-line flags held to the bounds of the scenario field each stands for."""

from __future__ import annotations

import argparse
import math

from simulator.scenario import MAX_NUMBER_CHARS, field_bounds, range_target, schema_bounds


class NumberIn:
    """An argparse ``type``: a finite number within the bounds of a scenario field, else a message.

    argparse prefixes it with the flag, so the user reads ``argument --volume: must be a number
    from 1 to 1e+12 (got 1e300)`` and the exit code is 2. The text's length is checked first:
    ``int()`` of more than 4,300 digits raises, and the value is not worth echoing back.
    """

    def __init__(self, kind: type, lo: float, hi: float, lo_exclusive: bool = False):
        self.kind, self.lo, self.hi, self.lo_exclusive = kind, lo, hi, lo_exclusive

    @classmethod
    def of_field(cls, path: str, kind: type | None = None) -> "NumberIn":
        """The bounds and (unless ``kind`` is given) the number type of a scenario field, e.g.
        ``workload.queries_per_month``."""
        lo, exclusive, hi = schema_bounds(path)
        return cls(kind or range_target(path), lo, hi, exclusive)

    @classmethod
    def of_product(cls, path_a: str, path_b: str) -> "NumberIn":
        """A float from the product of two fields' smallest to the product of their largest values."""
        (lo_a, hi_a), (lo_b, hi_b) = field_bounds(path_a), field_bounds(path_b)
        return cls(float, lo_a * lo_b, hi_a * hi_b)

    def allowed(self) -> str:
        kind = "an integer" if self.kind is int else "a number"
        lo, hi = self._show(self.lo), self._show(self.hi)
        return f"{kind} above {lo} and at most {hi}" if self.lo_exclusive else f"{kind} from {lo} to {hi}"

    def _show(self, bound: float) -> str:
        return f"{int(bound):,}" if self.kind is int else f"{bound:g}"

    def __call__(self, text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise argparse.ArgumentTypeError(
                f"must be {self.allowed()} (got a number written with {len(text):,} characters)")
        try:
            value = self.kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not self._within(value):
            raise argparse.ArgumentTypeError(f"must be {self.allowed()} (got {text})")
        return value

    def _within(self, value: float) -> bool:
        above_lo = value > self.lo if self.lo_exclusive else value >= self.lo
        return above_lo and value <= self.hi

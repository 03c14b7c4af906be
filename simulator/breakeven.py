"""Break-even volumes between two setups, solved exactly, and payback months.

Between consecutive breakpoints of both curves the cost difference ``d(q) = a(q) - b(q)`` is
affine, so each segment is solved in closed form; at a breakpoint a jump (a new GPU, a plan
minimum) may flip the sign by itself, and the crossing then sits exactly on the breakpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .curves import CostCurve

DEFAULT_RANGE = (1.0, 1e12)
RELATIVE_TIE = 1e-9  # differences this small relative to the costs count as a tie


@dataclass(frozen=True)
class BreakEven:
    a: str
    b: str
    crossings: list[float]
    cheaper_at_low_volume: str | None  # None: equal cost at the low end of the range

    @property
    def first(self) -> float | None:
        return self.crossings[0] if self.crossings else None


def crossings(curve_a: CostCurve, curve_b: CostCurve, lo: float = DEFAULT_RANGE[0],
              hi: float = DEFAULT_RANGE[1]) -> tuple[list[float], float]:
    """Every volume in ``[lo, hi]`` where the sign of ``a - b`` flips, and the sign of ``a - b`` at ``lo``."""
    if not 0 < lo < hi:
        raise ValueError(f"range must satisfy 0 < lo < hi, got {lo} and {hi}")
    edges = np.unique(np.concatenate([[lo, hi], curve_a.breakpoints(lo, hi), curve_b.breakpoints(lo, hi)]))
    left, right = edges[:-1], edges[1:]
    width = right - left
    # Two interior points of each segment determine its affine piece exactly.
    t1, t2 = left + width / 3.0, left + 2.0 * width / 3.0
    d1 = curve_a.total(t1) - curve_b.total(t1)
    d2 = curve_a.total(t2) - curve_b.total(t2)
    scale = np.maximum.reduce([np.abs(curve_a.total(t1)), np.abs(curve_b.total(t1)), np.ones_like(t1)])
    slope = (d2 - d1) / (t2 - t1)
    at_left = d1 - slope * (t1 - left)    # limit from inside the segment at its left edge
    at_right = d1 + slope * (right - t1)  # ... and at its right edge
    # Interleave the limits: [L0, R0, L1, R1, ...] at positions [b0, b1, b1, b2, ...].
    values = np.column_stack([at_left, at_right]).ravel()
    positions = np.column_stack([left, right]).ravel()
    tie = np.repeat(scale, 2) * RELATIVE_TIE
    signs = np.where(np.abs(values) <= tie, 0.0, np.sign(values))
    nonzero = np.flatnonzero(signs)
    if nonzero.size == 0:
        return [], 0.0
    flips = np.flatnonzero(signs[nonzero[1:]] != signs[nonzero[:-1]])
    found = []
    for j in flips:
        i, k = nonzero[j], nonzero[j + 1]
        if k == i + 1 and i % 2 == 0:  # inside one segment: solve the affine piece
            seg = i // 2
            found.append(float(left[seg] - at_left[seg] / slope[seg]))
        elif k == i + 1:  # across a breakpoint: the jump itself flips the sign
            found.append(float(positions[k]))
        else:  # through zeros: the crossing is where the difference first reached zero
            found.append(float(positions[i + 1]))
    return found, float(signs[nonzero[0]])


def break_even(name_a: str, curve_a: CostCurve, name_b: str, curve_b: CostCurve,
               lo: float = DEFAULT_RANGE[0], hi: float = DEFAULT_RANGE[1]) -> BreakEven:
    found, first_sign = crossings(curve_a, curve_b, lo, hi)
    cheaper = None if first_sign == 0 else (name_b if first_sign > 0 else name_a)
    return BreakEven(a=name_a, b=name_b, crossings=found, cheaper_at_low_volume=cheaper)


def monthly_volumes(queries_per_month: float, monthly_growth: float, months: int) -> np.ndarray:
    """Volume in each month ``m = 0 .. months-1``: ``q x (1 + g)^m`` [queries/month]."""
    return queries_per_month * (1.0 + monthly_growth) ** np.arange(months, dtype=float)


def payback_months(running_setup: np.ndarray, one_time_setup: float,
                   running_reference: np.ndarray, one_time_reference: float) -> float | None:
    """Months until the setup's extra one-time cost is repaid by lower running costs.

    ``running_*`` are month-by-month running costs (one-time costs excluded). Returns the first
    month count ``M`` at which cumulative savings cover the extra one-time cost (0 when the setup
    costs no more up front), interpolated within the month; None if never within the months given.
    """
    extra = one_time_setup - one_time_reference
    if extra <= 0:
        return 0.0
    savings = np.cumsum(running_reference - running_setup)
    reached = np.flatnonzero(savings >= extra)
    if reached.size == 0:
        return None
    m = int(reached[0])
    before = savings[m - 1] if m > 0 else 0.0
    gained = savings[m] - before
    return float(m + (extra - before) / gained) if gained > 0 else float(m + 1)

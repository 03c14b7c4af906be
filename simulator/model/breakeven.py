"""Break-even volumes between two setups, solved exactly, and payback months.

Between consecutive breakpoints of both curves the cost difference ``d(q) = a(q) - b(q)`` is
affine, so each segment is solved in closed form; at a breakpoint a jump (a new GPU, a plan
minimum) may flip the sign by itself, and the crossing then sits exactly on the breakpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .curves import CostCurve

SOLVED_RANGE = (1.0, 1e12)  # queries/month in which every crossing is solved (the chart shows less)
RELATIVE_TIE = 1e-12  # differences this small relative to the costs are rounding: a tie
MAX_SEGMENTS = 20_000  # beyond this many steps, scan only where the curves' bounds overlap


@dataclass(frozen=True)
class BreakEven:
    a: str
    b: str
    crossings: list[float]
    cheaper_at_low_volume: str | None  # None: equal cost at the low end of the range
    truncated: bool = False  # the curves stay within one step of each other too long to list every flip

    @property
    def first(self) -> float | None:
        return self.crossings[0] if self.crossings else None


@dataclass(frozen=True)
class _Scan:
    found: list[float]
    first_sign: float  # sign of a - b at the start (0: tie throughout)
    last_sign: float   # ... and at the end


def _scan(curve_a: CostCurve, curve_b: CostCurve, lo: float, hi: float) -> _Scan:
    """Exact scan over every breakpoint of both curves in ``[lo, hi]``."""
    edges = np.unique(np.concatenate([[lo, hi], curve_a.breakpoints(lo, hi), curve_b.breakpoints(lo, hi)]))
    left, right = edges[:-1], edges[1:]
    width = right - left
    # Two interior points of each segment determine its affine piece exactly.
    t1, t2 = left + width / 3.0, left + 2.0 * width / 3.0
    a1, b1 = curve_a.total(t1), curve_b.total(t1)
    d1 = a1 - b1
    d2 = curve_a.total(t2) - curve_b.total(t2)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(t2 > t1, (d2 - d1) / (t2 - t1), 0.0)  # 0 for segments narrower than rounding
    at_left = d1 - slope * (t1 - left)    # limit from inside the segment at its left edge
    at_right = d1 + slope * (right - t1)  # ... and at its right edge
    scale = np.maximum(np.maximum(np.abs(a1), np.abs(b1)), 1.0)
    # Interleave the limits: [L0, R0, L1, R1, ...] at positions [b0, b1, b1, b2, ...].
    values = np.column_stack([at_left, at_right]).ravel()
    positions = np.column_stack([left, right]).ravel()
    tie = np.repeat(scale, 2) * RELATIVE_TIE
    signs = np.where(np.abs(values) <= tie, 0.0, np.sign(values))
    nonzero = np.flatnonzero(signs)
    if nonzero.size == 0:
        return _Scan([], 0.0, 0.0)
    flips = np.flatnonzero(signs[nonzero[1:]] != signs[nonzero[:-1]])
    i, k = nonzero[flips], nonzero[flips + 1]
    inside = (k == i + 1) & (i % 2 == 0)   # within one segment: solve its affine piece
    jump = (k == i + 1) & (i % 2 == 1)     # across a breakpoint: the jump itself flips the sign
    found = np.where(jump, positions[np.minimum(k, positions.size - 1)], positions[np.minimum(i + 1, positions.size - 1)])
    seg = i[inside] // 2
    if seg.size:
        root = left[seg] - at_left[seg] / slope[seg]
        # One Newton step evaluated at the root itself removes the rounding of the far-away samples.
        root = root - (curve_a.total(root) - curve_b.total(root)) / slope[seg]
        found[inside] = np.clip(root, left[seg], right[seg])
    return _Scan([float(x) for x in found], float(signs[nonzero[0]]), float(signs[nonzero[-1]]))


def crossings(curve_a: CostCurve, curve_b: CostCurve, lo: float = SOLVED_RANGE[0],
              hi: float = SOLVED_RANGE[1]) -> tuple[list[float], float, bool]:
    """Every volume in ``[lo, hi]`` where the sign of ``a - b`` flips; the sign at ``lo``; truncated?

    Curves with very many steps (a GPU replica per few thousand queries over a range to 1e12) are
    scanned exactly only where their bounds overlap; elsewhere the bounds alone fix the sign.
    """
    if not 0 < lo < hi:
        raise ValueError(f"range must satisfy 0 < lo < hi, got {lo} and {hi}")
    if curve_a.step_count(lo, hi) + curve_b.step_count(lo, hi) <= MAX_SEGMENTS:
        scan = _scan(curve_a, curve_b, lo, hi)
        return scan.found, scan.first_sign, False
    low_a, high_a = curve_a.bounds()
    low_b, high_b = curve_b.bounds()
    cuts = np.unique([lo, hi, *_scan(low_a, high_b, lo, hi).found, *_scan(high_a, low_b, lo, hi).found])
    mids = np.sqrt(cuts[:-1] * cuts[1:])
    status = np.where(low_a.total(mids) - high_b.total(mids) > 0, 1.0,
                      np.where(high_a.total(mids) - low_b.total(mids) < 0, -1.0, 0.0))
    regions: list[list[float]] = []
    for start, end, sign in zip(cuts[:-1], cuts[1:], status):
        if regions and regions[-1][2] == sign:
            regions[-1][1] = end
        else:
            regions.append([start, end, sign])
    width = min(curve_a.min_step_width(), curve_b.min_step_width())
    found: list[float] = []
    first: float | None = None
    last: float | None = None
    truncated = False
    for start, end, sign in regions:
        if sign != 0:  # the bounds alone fix the sign: no crossing inside
            region_first, region_last, region_found = sign, sign, []
        else:
            stop = min(end, start + MAX_SEGMENTS * width)
            scan = _scan(curve_a, curve_b, start, stop)
            region_first, region_found = scan.first_sign, scan.found
            region_last = scan.last_sign if stop == end else None  # None: unknown beyond the part scanned
            truncated = truncated or bool(stop < end)  # a NumPy bool would reach the JSON as "False"
        if last and region_first and region_first != last:
            found.append(float(start))
        found.extend(region_found)
        if first is None:
            first = region_first
        if region_last is None or region_last != 0:
            last = region_last
    return found, first or 0.0, truncated


def break_even(name_a: str, curve_a: CostCurve, name_b: str, curve_b: CostCurve,
               lo: float = SOLVED_RANGE[0], hi: float = SOLVED_RANGE[1]) -> BreakEven:
    """Every volume in ``[lo, hi]`` [queries/month] where curves ``a`` and ``b`` [USD/month] cross,
    and which one is cheaper below the first crossing."""
    found, first_sign, truncated = crossings(curve_a, curve_b, lo, hi)
    cheaper = None if first_sign == 0 else (name_b if first_sign > 0 else name_a)
    return BreakEven(a=name_a, b=name_b, crossings=found, cheaper_at_low_volume=cheaper, truncated=truncated)


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

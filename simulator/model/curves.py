"""Monthly cost as a piecewise-affine function of query volume, with its breakpoints known.

Every cost part of every setup is one of three shapes, each a function of ``q`` [queries/month]:

- :class:`Affine`: ``fixed + per_query x q`` (token prices, fixed fees, people);
- :class:`Floor`: ``max(minimum, fixed + per_query x q)`` (a plan's monthly minimum);
- :class:`Staircase`: ``unit_cost x max(min_units, ceil(q / queries_per_unit))`` (GPU replicas,
  database instances: a new unit each time the peak load outgrows the last one).

Because the breakpoints (kinks and jumps) are known exactly, break-even volumes can be solved
segment by segment instead of read off a grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np



@dataclass(frozen=True)
class Affine:
    fixed_usd: float = 0.0
    usd_per_query: float = 0.0

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return self.fixed_usd + self.usd_per_query * q

    def breakpoints(self, lo: float, hi: float) -> np.ndarray:
        return np.empty(0)


@dataclass(frozen=True)
class Floor:
    minimum_usd: float
    fixed_usd: float = 0.0
    usd_per_query: float = 0.0

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return np.maximum(self.minimum_usd, self.fixed_usd + self.usd_per_query * q)

    def breakpoints(self, lo: float, hi: float) -> np.ndarray:
        if self.usd_per_query <= 0:
            return np.empty(0)
        kink = (self.minimum_usd - self.fixed_usd) / self.usd_per_query
        return np.array([kink]) if lo < kink < hi else np.empty(0)


@dataclass(frozen=True)
class Staircase:
    unit_cost_usd: float
    queries_per_unit: float
    min_units: int = 0

    def units(self, q: np.ndarray) -> np.ndarray:
        # Coefficients may be arrays of Monte Carlo draws (shape (draws, 1)) against volumes (volumes,).
        width = np.asarray(self.queries_per_unit, float)
        usable = np.isfinite(width) & (width > 0)
        needed = np.ceil(np.asarray(q, float) / np.where(usable, width, 1.0))
        return np.maximum(self.min_units, np.where(usable, needed, 0.0))

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return self.unit_cost_usd * self.units(q)

    def _step_range(self, lo: float, hi: float) -> tuple[int, int]:
        if not np.isfinite(self.queries_per_unit) or self.queries_per_unit <= 0 or self.unit_cost_usd == 0:
            return 0, -1
        first = max(self.min_units, int(np.floor(lo / self.queries_per_unit)))
        return first, int(np.floor(hi / self.queries_per_unit))

    def step_count(self, lo: float, hi: float) -> int:
        first, last = self._step_range(lo, hi)
        return max(0, last - first + 1)

    def breakpoints(self, lo: float, hi: float) -> np.ndarray:
        """Volumes where one more unit is needed: just above ``k x queries_per_unit``."""
        first, last = self._step_range(lo, hi)
        steps = np.arange(first, last + 1, dtype=float) * self.queries_per_unit
        return steps[(steps > lo) & (steps < hi)]

    def bounds(self) -> tuple[Floor, Floor]:
        """Continuous lower and upper bounds: ``x <= ceil(x) <= x + 1`` for ``x = q / queries_per_unit``."""
        slope = self.unit_cost_usd / self.queries_per_unit if np.isfinite(self.queries_per_unit) and self.queries_per_unit > 0 else 0.0
        floor = self.unit_cost_usd * self.min_units
        return Floor(floor, 0.0, slope), Floor(floor, self.unit_cost_usd if slope else 0.0, slope)


Part = Affine | Floor | Staircase


@dataclass(frozen=True)
class CostCurve:
    """A setup's monthly cost, part by part; every part shares the names in ``PARTS``."""

    parts: dict[str, tuple[Part, ...]] = field(default_factory=dict)

    def breakdown(self, q) -> dict[str, np.ndarray]:
        q = np.asarray(q, dtype=float)
        out = {}
        for name, pieces in self.parts.items():
            total = np.zeros(q.shape)
            for piece in pieces:
                total = total + piece(q)
            out[name] = total
        return out

    def total(self, q) -> np.ndarray:
        """The monthly cost at ``q``: affine parts merged first, so Monte Carlo draws of shape
        (draws, 1) against volumes (volumes,) cost one multiply-add instead of one per part."""
        q = np.asarray(q, dtype=float)
        fixed, per_query = 0.0, 0.0
        others = []
        for pieces in self.parts.values():
            for piece in pieces:
                if isinstance(piece, Affine):
                    fixed, per_query = fixed + piece.fixed_usd, per_query + piece.usd_per_query
                else:
                    others.append(piece)
        total = fixed + per_query * q
        for piece in others:
            total = total + piece(q)
        return total

    def breakpoints(self, lo: float, hi: float) -> np.ndarray:
        found = [piece.breakpoints(lo, hi) for pieces in self.parts.values() for piece in pieces]
        return np.unique(np.concatenate(found)) if found else np.empty(0)

    def step_count(self, lo: float, hi: float) -> int:
        """How many breakpoints the curve has in ``[lo, hi]``, without listing them."""
        return sum(piece.step_count(lo, hi) if isinstance(piece, Staircase) else 1
                   for pieces in self.parts.values() for piece in pieces)

    def min_step_width(self) -> float:
        widths = [piece.queries_per_unit for pieces in self.parts.values() for piece in pieces
                  if isinstance(piece, Staircase) and piece.queries_per_unit > 0]
        return min(widths, default=np.inf)

    def bounds(self) -> tuple["CostCurve", "CostCurve"]:
        """Curves with few breakpoints that enclose this one: staircases replaced by their bounds."""
        lower: dict[str, tuple[Part, ...]] = {}
        upper: dict[str, tuple[Part, ...]] = {}
        for name, pieces in self.parts.items():
            lo_pieces, hi_pieces = [], []
            for piece in pieces:
                if isinstance(piece, Staircase):
                    below, above = piece.bounds()
                    lo_pieces.append(below)
                    hi_pieces.append(above)
                else:
                    lo_pieces.append(piece)
                    hi_pieces.append(piece)
            lower[name], upper[name] = tuple(lo_pieces), tuple(hi_pieces)
        return CostCurve(lower), CostCurve(upper)

    def scaled(self, factor: float) -> "CostCurve":
        """This curve times ``factor``: every dollar figure multiplied, the volumes left alone.

        Exact piece by piece (``max(m, a + b q) x f = max(f m, f a + f b q)`` for ``f >= 0``; a
        staircase keeps its steps), so ``curve.scaled(1 / accuracy)`` is the cost per correct answer
        times the volume and break-even volumes on it can be solved as on any curve.
        """
        if not (np.isfinite(factor) and factor >= 0):
            raise ValueError(f"scale factor must be a finite number >= 0, got {factor}")
        return CostCurve({name: tuple(_scaled_piece(piece, factor) for piece in pieces)
                          for name, pieces in self.parts.items()})


def _scaled_piece(piece: Part, factor: float) -> Part:
    if isinstance(piece, Affine):
        return Affine(piece.fixed_usd * factor, piece.usd_per_query * factor)
    if isinstance(piece, Floor):
        return Floor(piece.minimum_usd * factor, piece.fixed_usd * factor, piece.usd_per_query * factor)
    return Staircase(piece.unit_cost_usd * factor, piece.queries_per_unit, piece.min_units)

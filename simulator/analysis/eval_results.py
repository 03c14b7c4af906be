"""Evaluation results: an evaluation CSV (or counts typed in) read into accuracy per setup with
95% intervals. No Streamlit.

An evaluation CSV has one row per (question, setup) with the columns ``question``, ``setup`` and
exactly one of ``score`` (a grade in [0, 1]) or ``pass`` (0 or 1, or true / false); other columns
are ignored. :func:`parse_eval_csv` reads it into :class:`EvalResults` (per setup: n, mean accuracy
and a 95% interval) or raises :class:`EvalDataError` listing every problem, each naming the file,
the row as a spreadsheet numbers it (header = row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from simulator.scenario import MAX_NUMBER_CHARS, SETUP_LABELS, SETUPS  # a cell's number: the scenario files' limit
from simulator.units import UPLOAD_MB

MAX_EVAL_MB = 5
MAX_EVAL_BYTES = MAX_EVAL_MB * UPLOAD_MB
MAX_EVAL_ROWS = 100_000  # data rows, the header not counted
MAX_EVAL_COLUMNS = 100   # three are read; the rest are ignored, but each is kept while reading
MAX_CELL_CHARS = 10_000  # a question fits; below the csv module's own 131,072, so ours speaks first
COLUMNS_LISTED = 10      # a header problem names this many columns, each shortened
MAX_PROBLEMS_LISTED = 20
SMALL_SAMPLE = 30  # fewer answers than this per setup: the interval is wide, say so

# Two-sided 95% critical values of Student's t, t(0.975, df), for df = 1 .. 30, to 3 decimals, as in
# any standard t table (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2,
# "Critical values of the Student's t distribution"). Beyond df = 30 the normal value Z_975 is used
# (it understates the width slightly: t(0.975, 60) = 2.000, t(0.975, 120) = 1.980).
T_975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
    11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
    20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
    29: 2.045, 30: 2.042,
}
Z_975 = 1.96  # standard normal 97.5% quantile: two-sided 95%

_SETUP_NAMES = {**{s: s for s in SETUPS}, **{label.lower(): s for s, label in SETUP_LABELS.items()}}
_PASS_WORDS = {"0": 0, "1": 1, "false": 0, "true": 1}
_ALLOWED_SETUPS = f"{', '.join(SETUPS)} (or {', '.join(SETUP_LABELS[s] for s in SETUPS)})"


class EvalDataError(ValueError):
    """The evaluation file cannot be used; ``problems`` holds one message per problem, for the user."""

    def __init__(self, problems: list[str]):
        if len(problems) > MAX_PROBLEMS_LISTED:
            problems = [*problems[:MAX_PROBLEMS_LISTED], f"... and {len(problems) - MAX_PROBLEMS_LISTED:,} more"]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class SetupAccuracy:
    """One setup's share of correct answers, with its 95% interval."""

    setup: str
    n: int
    accuracy: float
    low: float
    high: float
    method: str  # "wilson" (pass/fail) or "t" (scores)

    @property
    def small_sample(self) -> bool:
        """Fewer than 30 answers: the interval is wide and the UI should say so."""
        return self.n < SMALL_SAMPLE


@dataclass(frozen=True)
class EvalResults:
    origin: str
    kind: str  # "pass" or "score": the column the file had
    setups: dict[str, SetupAccuracy]  # only the setups the file has rows for, in SETUPS order
    warnings: list[str] = field(default_factory=list)

    def __contains__(self, setup: str) -> bool:
        return setup in self.setups

    def __getitem__(self, setup: str) -> SetupAccuracy:
        return self.setups[setup]


def wilson_interval(successes: int, n: int, z: float = Z_975) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``p = successes / n``.

    ``(p + z^2 / 2n  +-  z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)``

    E. B. Wilson (1927), "Probable inference, the law of succession, and statistical inference",
    JASA 22(158), 209-212; recommended over the plain normal interval by A. Agresti and B. A. Coull
    (1998), "Approximate is better than 'exact' for interval estimation of binomial proportions",
    The American Statistician 52(2), 119-126. Unlike ``p +- z sqrt(p (1 - p) / n)`` it stays inside
    [0, 1] and does not collapse to a point when every answer passes or every answer fails.
    """
    if n <= 0:
        raise ValueError(f"need at least one answer, got n = {n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)   # exact ends instead of rounding crumbs
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def t_quantile_975(df: int) -> float:
    """t(0.975, df) from the table :data:`T_975`; the normal 1.96 beyond df = 30."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    return T_975.get(df, Z_975)


def mean_interval(scores: list[float]) -> tuple[float, float, float]:
    """Mean score and its 95% t interval ``mean +- t(0.975, n-1) s / sqrt(n)``, clipped to [0, 1].

    ``s`` is the sample standard deviation (n - 1 in the denominator). With one score there is no
    spread to measure: the interval is all of [0, 1].
    """
    n = len(scores)
    if n == 0:
        raise ValueError("need at least one score")
    mean = math.fsum(scores) / n
    if n == 1:
        return mean, 0.0, 1.0
    s = math.sqrt(math.fsum((x - mean) ** 2 for x in scores) / (n - 1))
    half = t_quantile_975(n - 1) * s / math.sqrt(n)
    return mean, max(0.0, mean - half), min(1.0, mean + half)


# --- parsing ---------------------------------------------------------------------------------------

def _decode(data: bytes | str, origin: str) -> str:
    """Size, binary and UTF-8 checks, before any parsing."""
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_EVAL_BYTES:
        raise EvalDataError([f"{origin}: {len(raw):,} bytes is over the limit of {MAX_EVAL_MB} MB "
                             f"({MAX_EVAL_BYTES:,} bytes)"])
    if b"\x00" in raw:
        raise EvalDataError([f"{origin}: looks like a binary file (it contains NUL bytes), not a CSV"])
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise EvalDataError([f"{origin}: not UTF-8 text (invalid byte at position {exc.start:,}); "
                                 "save it as CSV UTF-8 and upload it again"]) from None
    if not text.strip():
        raise EvalDataError([f"{origin}: the file is empty"])
    return text


def _read_rows(text: str, origin: str) -> list[list[str]]:
    """Every record; index i is spreadsheet row i + 1 (blank lines kept as [] so numbers match)."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_EVAL_ROWS + 1:
                raise EvalDataError([f"{origin}: more than {MAX_EVAL_ROWS:,} data rows; "
                                     "split the evaluation into smaller files"])
            _check_width(row, len(rows), origin)
    except csv.Error as exc:
        raise EvalDataError([f"{origin}: row {len(rows) + 1}: cannot be read as CSV ({exc})"]) from None
    return rows


def _check_width(row: list[str], number: int, origin: str) -> None:
    """The column and cell limits, checked on each record as it is read."""
    if len(row) > MAX_EVAL_COLUMNS:
        raise EvalDataError([f"{origin}: row {number}: {len(row):,} columns; the limit is {MAX_EVAL_COLUMNS:,}"])
    for column, cell in enumerate(row, 1):
        if len(cell) > MAX_CELL_CHARS:
            raise EvalDataError([f"{origin}: row {number}, column {column}: {len(cell):,} characters; "
                                 f"the limit for one cell is {MAX_CELL_CHARS:,}"])


def _listed(row: list[str]) -> str:
    """The first few column names, shortened, for a header problem."""
    names = ", ".join(_show(cell.strip()) or "(blank)" for cell in row[:COLUMNS_LISTED]) or "(none)"
    return names + (f" and {len(row) - COLUMNS_LISTED:,} more" if len(row) > COLUMNS_LISTED else "")


def _blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _header(row: list[str], number: int, origin: str) -> tuple[dict[str, int], str | None, list[str]]:
    """Column positions, the value column ("score" / "pass" / None) and the header's problems."""
    names = [cell.strip().lower() for cell in row]
    found = _listed(row)
    where = f"{origin}: row {number} (header)"
    problems: list[str] = []
    columns: dict[str, int] = {}
    for wanted in ("question", "setup", "score", "pass"):
        positions = [i for i, name in enumerate(names) if name == wanted]
        if len(positions) > 1:
            problems.append(f"{where}, {wanted}: the column appears {len(positions)} times; keep one")
        if positions:
            columns[wanted] = positions[0]
    for wanted in ("question", "setup"):
        if wanted not in columns:
            problems.append(f"{where}, {wanted}: missing column {wanted!r} (the columns are: {found})")
    value = None
    if "score" in columns and "pass" in columns:
        problems.append(f"{where}, score and pass: both columns are present; keep exactly one "
                        "(score for grades from 0 to 1, pass for 0 / 1)")
    elif "score" in columns or "pass" in columns:
        value = "score" if "score" in columns else "pass"
    else:
        problems.append(f"{where}, score or pass: missing column; add 'score' (a grade from 0 to 1) or "
                        f"'pass' (0 or 1) (the columns are: {found})")
    return columns, value, problems


def _show(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _too_long(cell: str) -> str | None:
    if len(cell) > MAX_NUMBER_CHARS:
        return f"a number written with {len(cell):,} characters; the limit is {MAX_NUMBER_CHARS}"
    return None


def _parse_score(cell: str) -> tuple[float | None, str | None]:
    if _too_long(cell):
        return None, _too_long(cell)
    try:
        x = float(cell)
    except ValueError:
        return None, f"{_show(cell)!r} is not a number"
    if math.isnan(x):
        return None, f"{cell} is not a number"
    if not 0 <= x <= 1:
        return None, f"{_show(cell)} is outside 0 to 1"
    return x, None


def _parse_pass(cell: str) -> tuple[float | None, str | None]:
    word = _PASS_WORDS.get(cell.lower())
    if word is not None:
        return float(word), None
    if _too_long(cell):
        return None, _too_long(cell)
    try:
        x = float(cell)
    except ValueError:
        x = math.nan
    if x in (0, 1):  # "1.0" as some spreadsheets export it
        return x, None
    return None, f"{_show(cell)!r} is not 0 or 1 (true / false also work)"


def parse_eval_csv(data: bytes | str, origin: str = "eval.csv") -> EvalResults:
    """Read an evaluation CSV (see the module docstring); raise :class:`EvalDataError` if it is unusable.

    Limits, checked before parsing: at most 5 MB, UTF-8 (a byte-order mark is fine), no NUL bytes;
    while reading: at most 100,000 data rows, 100 columns and 10,000 characters in a cell. Blank
    rows are skipped; extra columns are ignored.
    """
    text = _decode(data, origin)
    rows = _read_rows(text, origin)
    header_at = next((i for i, row in enumerate(rows) if not _blank(row)), None)
    if header_at is None:
        raise EvalDataError([f"{origin}: the file is empty"])
    columns, value, problems = _header(rows[header_at], header_at + 1, origin)
    if problems:
        raise EvalDataError(problems)
    data_rows = [(i + 1, row) for i, row in enumerate(rows) if i > header_at and not _blank(row)]
    if not data_rows:
        raise EvalDataError([f"{origin}: no data rows under the header (row {header_at + 1})"])

    parse_value = _parse_score if value == "score" else _parse_pass
    width = len(rows[header_at])
    seen: dict[tuple[str, str], int] = {}
    values: dict[str, list[float]] = {}
    questions: dict[str, set[str]] = {}
    for number, row in data_rows:
        where = f"{origin}: row {number}"
        if len(row) > width and not _blank(row[width:]):
            problems.append(f"{where}: {len(row)} cells but the header has {width} columns "
                            "(a comma inside a question needs the question in double quotes)")
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        question, setup_cell, value_cell = cells["question"], cells["setup"], cells[value]
        x: float | None = None
        ok = True
        if not question:
            problems.append(f"{where}, question: empty")
            ok = False
        setup = _SETUP_NAMES.get(setup_cell.lower())
        if setup is None:
            shown = "empty" if not setup_cell else f"{_show(setup_cell)!r} is not a setup"
            problems.append(f"{where}, setup: {shown}; use one of {_ALLOWED_SETUPS}")
            ok = False
        if not value_cell:
            problems.append(f"{where}, {value}: empty")
            ok = False
        else:
            x, problem = parse_value(value_cell)
            if problem:
                problems.append(f"{where}, {value}: {problem}")
                ok = False
        if question and setup is not None:
            first = seen.setdefault((question, setup), number)
            if first != number:
                problems.append(f"{where}, question and setup: {_show(question)!r} with {setup} already "
                                f"appears in row {first}")
                ok = False
        if ok:
            values.setdefault(setup, []).append(x)
            questions.setdefault(setup, set()).add(question)
    if problems:
        raise EvalDataError(problems)

    setups = {}
    for setup in SETUPS:
        if setup not in values:
            continue
        xs = values[setup]
        if value == "pass":
            passed = int(sum(xs))
            low, high = wilson_interval(passed, len(xs))
            setups[setup] = SetupAccuracy(setup, len(xs), passed / len(xs), low, high, "wilson")
        else:
            mean, low, high = mean_interval(xs)
            setups[setup] = SetupAccuracy(setup, len(xs), mean, low, high, "t")
    warnings = []
    if len({frozenset(q) for q in questions.values()}) > 1:
        sizes = ", ".join(f"{s} {len(questions[s]):,}" for s in setups)
        warnings.append(f"{origin}: the setups were not all evaluated on the same questions ({sizes}); "
                        "their accuracies are not strictly comparable")
    return EvalResults(origin, value, setups, warnings)


def results_from_counts(counts: dict[str, tuple[int, int]], origin: str = "entered by hand") -> EvalResults:
    """Evaluation results typed in as (correct answers, questions) per setup; Wilson intervals.

    Setups with 0 questions are left out; anything impossible raises :class:`EvalDataError`."""
    problems, setups = [], {}
    for name in SETUPS:
        if name not in counts:
            continue
        correct, total = counts[name]
        if total == 0:
            continue
        if not (isinstance(correct, int) and isinstance(total, int)) or total < 0 or not 0 <= correct <= total:
            problems.append(f"{origin}: {name}: {correct} correct out of {total} questions is impossible")
            continue
        low, high = wilson_interval(correct, total)
        setups[name] = SetupAccuracy(name, total, correct / total, low, high, "wilson")
    if problems:
        raise EvalDataError(problems)
    if not setups:
        raise EvalDataError([f"{origin}: no setup has any questions"])
    return EvalResults(origin=origin, kind="pass", setups=setups)

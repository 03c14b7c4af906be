"""Evaluation CSVs, accuracy intervals by hand, cost per correct answer and its break-even volumes."""

import math

import pytest

from simulator.model.breakeven import break_even
from simulator.model.curves import Affine, CostCurve, Floor, Staircase
from simulator.model.evaluate import evaluate
from simulator.analysis.eval_results import (
    MAX_CELL_CHARS, MAX_EVAL_BYTES, MAX_EVAL_COLUMNS, MAX_EVAL_ROWS, MAX_NUMBER_CHARS, T_975, EvalDataError, parse_eval_csv, results_from_counts, t_quantile_975,
    wilson_interval,
)
from simulator.analysis.quality import adjusted_evaluation, cost_per_correct_answer, quality_break_even

# 4 questions x 2 setups, pass / fail: prompt-only passes 3 of 4, fine-tuned 2 of 4.
PASS_CSV = """question,setup,pass
q1,prompt_only,1
q2,prompt_only,1
q3,prompt_only,0
q4,prompt_only,true
q1,fine_tuned,1
q2,fine_tuned,0
q3,fine_tuned,FALSE
q4,fine_tuned,1
"""

# Wilson, z = 1.96, z^2 = 3.8416, n = 4: z^2/n = 0.9604, denominator 1 + 0.9604 = 1.9604, z^2/2n = 0.4802,
# z^2/4n^2 = 3.8416/64 = 0.060025.
# p = 0.75: centre = (0.75 + 0.4802) / 1.9604 = 0.62752; radicand = 0.75 x 0.25 / 4 + 0.060025 = 0.1069,
#   sqrt = 0.32696; half = 1.96 / 1.9604 x 0.32696 = 0.32689  ->  [0.3006, 0.9544]
# p = 0.5:  centre = (0.5 + 0.4802) / 1.9604 = 0.5;     radicand = 0.0625 + 0.060025 = 0.122525,
#   sqrt = 0.35004; half = 0.99980 x 0.35004 = 0.34996  ->  [0.1500, 0.8500]
PROMPT_ONLY_INTERVAL = (0.3006, 0.9544)
FINE_TUNED_INTERVAL = (0.1500, 0.8500)


def problems(data, origin="eval.csv"):
    with pytest.raises(EvalDataError) as info:
        parse_eval_csv(data, origin)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


# --- accuracy and intervals by hand -----------------------------------------------------------------

def test_pass_data_wilson_by_hand():
    r = parse_eval_csv(PASS_CSV.encode())
    assert r.kind == "pass" and list(r.setups) == ["prompt_only", "fine_tuned"]
    po, ft = r["prompt_only"], r["fine_tuned"]
    assert (po.n, po.accuracy, po.method) == (4, 0.75, "wilson")
    assert (ft.n, ft.accuracy) == (4, 0.5)
    assert (po.low, po.high) == pytest.approx(PROMPT_ONLY_INTERVAL, abs=5e-5)
    assert (ft.low, ft.high) == pytest.approx(FINE_TUNED_INTERVAL, abs=5e-5)
    assert po.small_sample and ft.small_sample
    assert "rag" not in r and r.warnings == []


def test_wilson_ends_are_exact_and_large_samples_are_not_small():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    # p = 0: high = 2 x (z^2/2n) / (1 + z^2/n) = 0.38416 / 1.38416 = 0.27754
    assert wilson_interval(0, 10)[1] == pytest.approx(0.27754, abs=5e-6)
    csv_text = "question,setup,pass\n" + "".join(f"q{i},rag,{i % 2}\n" for i in range(30))
    r = parse_eval_csv(csv_text)["rag"]
    assert r.n == 30 and r.accuracy == 0.5 and not r.small_sample


def test_score_data_t_interval_by_hand():
    text = """Question,Setup,Score
a,RAG,0.2
b,rag,0.4
c,Rag,0.6
d,rag,0.8
e,rag,1
a,Hybrid,1
b,hybrid,1.0
c,HYBRID,0.9
"""
    r = parse_eval_csv(text)
    assert r.kind == "score"
    rag, hybrid = r["rag"], r["hybrid"]
    # rag: mean 0.6; deviations -0.4 -0.2 0 0.2 0.4, squares sum 0.4, s = sqrt(0.4 / 4) = 0.316228
    # t(0.975, 4) = 2.776; half = 2.776 x 0.316228 / sqrt(5) = 2.776 x 0.141421 = 0.392586
    assert (rag.n, rag.method) == (5, "t")
    assert rag.accuracy == pytest.approx(0.6)
    assert (rag.low, rag.high) == pytest.approx((0.207414, 0.992586), abs=1e-6)
    # hybrid: mean 2.9 / 3 = 0.966667; squares (1/30)^2 x 2 + (2/30)^2 = 0.0066667, s = sqrt(0.0033333) = 0.057735
    # t(0.975, 2) = 4.303; half = 4.303 x 0.057735 / sqrt(3) = 4.303 / 30 = 0.143433 -> [0.823233, 1.11 -> clipped 1]
    assert hybrid.accuracy == pytest.approx(0.966667, abs=1e-6)
    assert (hybrid.low, hybrid.high) == pytest.approx((0.823233, 1.0), abs=1e-6)
    # a, b, c were scored for both, d and e only for rag
    assert r.warnings == ["eval.csv: the setups were not all evaluated on the same questions (rag 5, hybrid 3); "
                          "their accuracies are not strictly comparable"]


def test_single_score_interval_is_everything():
    r = parse_eval_csv("question,setup,score\nq,rag,0.7\n")["rag"]
    assert (r.accuracy, r.low, r.high) == (0.7, 0.0, 1.0)


def test_t_table():
    assert len(T_975) == 30 and T_975[1] == 12.706 and T_975[30] == 2.042
    assert t_quantile_975(10) == 2.228 and t_quantile_975(31) == 1.96 and t_quantile_975(1000) == 1.96
    values = [T_975[df] for df in range(1, 31)]
    assert values == sorted(values, reverse=True)


def test_bom_blank_rows_extra_columns_and_labels():
    text = "\ufeffquestion,setup,pass,notes\r\n\r\nq1,Prompt-only,1,fine\r\nq1,FINE-TUNED,0,\r\n,,,\r\nq2,prompt_only,1.0,x\r\n"
    r = parse_eval_csv(text.encode("utf-8"))
    assert r["prompt_only"].n == 2 and r["prompt_only"].accuracy == 1.0
    assert r["fine_tuned"].accuracy == 0.0
    assert parse_eval_csv(text)["prompt_only"].n == 2  # str input too


# --- refusals, each with its message ----------------------------------------------------------------

def test_missing_columns():
    assert problems("question,score\nq,0.5\n") == [
        "eval.csv: row 1 (header), setup: missing column 'setup' (the columns are: question, score)"]
    assert problems("Setup,notes\nrag,x\n", "my eval.csv") == [
        "my eval.csv: row 1 (header), question: missing column 'question' (the columns are: Setup, notes)",
        "my eval.csv: row 1 (header), score or pass: missing column; add 'score' (a grade from 0 to 1) or "
        "'pass' (0 or 1) (the columns are: Setup, notes)",
    ]


def test_both_score_and_pass():
    assert problems("question,setup,score,pass\nq,rag,1,1\n") == [
        "eval.csv: row 1 (header), score and pass: both columns are present; keep exactly one "
        "(score for grades from 0 to 1, pass for 0 / 1)"]


def test_neither_score_nor_pass():
    assert problems("question,setup\nq,rag\n") == [
        "eval.csv: row 1 (header), score or pass: missing column; add 'score' (a grade from 0 to 1) or "
        "'pass' (0 or 1) (the columns are: question, setup)"]


def test_repeated_column():
    assert problems("question,setup,score,Score\nq,rag,1,1\n") == [
        "eval.csv: row 1 (header), score: the column appears 2 times; keep one"]


def test_empty_file_and_no_data_rows():
    assert problems(b"") == ["eval.csv: the file is empty"]
    assert problems(b"  \n\n") == ["eval.csv: the file is empty"]
    assert problems(b"question,setup,pass\n\n,,\n") == ["eval.csv: no data rows under the header (row 1)"]


def test_unknown_and_empty_setup():
    allowed = "use one of prompt_only, rag, fine_tuned, hybrid (or Prompt-only, RAG, Fine-tuned, Hybrid)"
    assert problems("question,setup,pass\nq1,rag,1\nq2,gpt-5,1\nq3,,0\n") == [
        f"eval.csv: row 3, setup: 'gpt-5' is not a setup; {allowed}",
        f"eval.csv: row 4, setup: empty; {allowed}",
    ]


def test_values_out_of_range_or_not_numbers():
    text = """question,setup,score
q1,rag,0.5
q2,rag,1.4
q3,rag,-0.1
q4,rag,high
q5,rag,
q6,rag,nan
q7,rag,inf
,rag,1
"""
    assert problems(text) == [
        "eval.csv: row 3, score: 1.4 is outside 0 to 1",
        "eval.csv: row 4, score: -0.1 is outside 0 to 1",
        "eval.csv: row 5, score: 'high' is not a number",
        "eval.csv: row 6, score: empty",
        "eval.csv: row 7, score: nan is not a number",
        "eval.csv: row 8, score: inf is outside 0 to 1",
        "eval.csv: row 9, question: empty",
    ]


def test_a_number_with_thousands_of_digits_is_refused_by_its_length():
    long = "0." + "9" * 5_000  # float() reads it as 1.0: a typo'd cell must not pass as a perfect score
    assert problems(f"question,setup,score\nq1,rag,{long}\nq2,rag,{'9' * 5_000}\n") == [
        f"eval.csv: row 2, score: a number written with 5,002 characters; the limit is {MAX_NUMBER_CHARS}",
        f"eval.csv: row 3, score: a number written with 5,000 characters; the limit is {MAX_NUMBER_CHARS}",
    ]
    assert problems(f"question,setup,pass\nq1,rag,{'1' * 5_000}\n") == [
        f"eval.csv: row 2, pass: a number written with 5,000 characters; the limit is {MAX_NUMBER_CHARS}"]


def test_pass_values_must_be_zero_or_one():
    assert problems("question,setup,pass\nq1,rag,2\nq2,rag,yes\nq3,rag,0.5\n") == [
        "eval.csv: row 2, pass: '2' is not 0 or 1 (true / false also work)",
        "eval.csv: row 3, pass: 'yes' is not 0 or 1 (true / false also work)",
        "eval.csv: row 4, pass: '0.5' is not 0 or 1 (true / false also work)",
    ]


def test_duplicate_question_and_setup():
    # "RAG" is the label of rag: the same setup
    assert problems("question,setup,pass\nq1,rag,1\nq1,hybrid,1\n\nq1,RAG,0\n") == [
        "eval.csv: row 5, question and setup: 'q1' with rag already appears in row 2"]


def test_too_many_cells():
    assert problems('question,setup,pass\nwhat, then?,rag,1\n"what, now?",rag,1\nq,rag,1,,\n') == [
        "eval.csv: row 2: 4 cells but the header has 3 columns "
        "(a comma inside a question needs the question in double quotes)"]


def test_binary_and_non_utf8():
    assert problems(b"question,setup,pass\n\x00\x01\x02") == [
        "eval.csv: looks like a binary file (it contains NUL bytes), not a CSV"]
    assert problems("question,setup,pass\ncafé,rag,1\n".encode("latin-1")) == [
        "eval.csv: not UTF-8 text (invalid byte at position 23); save it as CSV UTF-8 and upload it again"]


def test_size_and_row_limits():
    big = b"question,setup,pass\n" + b"x" * MAX_EVAL_BYTES
    assert problems(big) == [f"eval.csv: {len(big):,} bytes is over the limit of 5 MB (5,000,000 bytes)"]
    rows = "question,setup,pass\n" + "".join(f"q{i},rag,1\n" for i in range(MAX_EVAL_ROWS + 1))
    assert problems(rows) == ["eval.csv: more than 100,000 data rows; split the evaluation into smaller files"]
    at_limit = "question,setup,pass\n" + "".join(f"q{i},rag,1\n" for i in range(MAX_EVAL_ROWS))
    assert parse_eval_csv(at_limit)["rag"].n == MAX_EVAL_ROWS


def test_column_and_cell_limits():
    wide = ",".join(f"c{i}" for i in range(MAX_EVAL_COLUMNS + 1)) + "\n"
    assert problems(wide) == [f"eval.csv: row 1: {MAX_EVAL_COLUMNS + 1:,} columns; the limit is {MAX_EVAL_COLUMNS:,}"]
    long_cell = "x" * (MAX_CELL_CHARS + 1)
    assert problems(f"question,setup,pass\n{long_cell},rag,1\n") == [
        f"eval.csv: row 2, column 1: {MAX_CELL_CHARS + 1:,} characters; the limit for one cell is {MAX_CELL_CHARS:,}"]


def test_a_header_problem_lists_a_few_short_column_names():
    header = ",".join(["x" * 5_000] * 30)  # used to repeat all 150,000 characters in the message
    (problem, *_) = problems(header + "\n1\n")
    assert len(problem) < 1_000
    assert problem.endswith("(the columns are: " + ", ".join(["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."] * 10)
                            + " and 20 more)")


def test_problems_are_capped_at_twenty():
    text = "question,setup,score\n" + "".join(f"q{i},rag,{i + 2}\n" for i in range(25))
    listed = problems(text)
    assert len(listed) == 21
    assert listed[0] == "eval.csv: row 2, score: 2 is outside 0 to 1"
    assert listed[19] == "eval.csv: row 21, score: 21 is outside 0 to 1"
    assert listed[20] == "... and 5 more"


# --- cost per correct answer ------------------------------------------------------------------------

def test_cost_per_correct_answer_by_hand(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    out = cost_per_correct_answer(ev, parse_eval_csv(PASS_CSV))
    assert set(out) == {"prompt_only", "fine_tuned"}  # rag and hybrid have no evaluation data
    po = out["prompt_only"]
    # HAND prompt-only: $3,100 a month at 1M queries -> $0.0031 a query; / 0.75 = $0.0041333
    assert po["accuracy"] == 0.75
    assert po["cost_per_query_usd"] == pytest.approx(0.0031)
    assert po["cost_per_correct_answer_usd"] == pytest.approx(0.0031 / 0.75)
    # interval: 0.0031 / 0.9544 = 0.0032481 ... 0.0031 / 0.3006 = 0.010312
    assert po["low"] == pytest.approx(0.0031 / PROMPT_ONLY_INTERVAL[1], rel=1e-4)
    assert po["high"] == pytest.approx(0.0031 / PROMPT_ONLY_INTERVAL[0], rel=2e-4)
    assert po["reason"] is None and po["small_sample"] and po["n"] == 4
    # HAND fine-tuned: 40 + 80 + 0.2 (retraining, 2 runs / 10 months) + 2,000 + 2,200.1 = $4,320.30 a month -> $0.0043203; / 0.5
    ft = out["fine_tuned"]
    assert ft["cost_per_correct_answer_usd"] == pytest.approx(0.0043203 / 0.5)
    # at another volume the cost per query changes: prompt-only 1,500 + 1.6e-3 q at q = 10M -> 0.00175
    at_10m = cost_per_correct_answer(ev, parse_eval_csv(PASS_CSV), volume=1e7)["prompt_only"]
    assert at_10m["cost_per_correct_answer_usd"] == pytest.approx(0.00175 / 0.75)
    with pytest.raises(ValueError, match="volume must be a positive number"):
        cost_per_correct_answer(ev, parse_eval_csv(PASS_CSV), volume=0)


def test_zero_accuracy_has_no_cost_per_correct_answer(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    results = parse_eval_csv("question,setup,pass\n" + "".join(f"q{i},rag,0\n" for i in range(10)))
    rag = cost_per_correct_answer(ev, results)["rag"]
    assert rag["accuracy"] == 0.0 and rag["cost_per_correct_answer_usd"] is None
    assert rag["reason"] == "no correct answers in 10 evaluated: every query costs money and none is answered right"
    assert rag["high"] is None  # the interval's lower end is 0: unbounded
    # low = cost / upper, with upper = 0.38416 / 1.38416 = 0.27754 (see the Wilson test above)
    assert rag["low"] == pytest.approx(rag["cost_per_query_usd"] / 0.27754, rel=1e-4)


def test_infeasible_setups_are_left_out(make_scenario, catalog):
    ev = evaluate(make_scenario(**{"fine_tuned.model.name": "gpt-4o-mini", "workload.start_date": "2026-12-01"}),
                  catalog)
    assert "fine_tuned" not in ev.feasible
    assert set(cost_per_correct_answer(ev, parse_eval_csv(PASS_CSV))) == {"prompt_only"}
    assert quality_break_even(ev, parse_eval_csv(PASS_CSV)) == []


# --- scaled curves and quality break-even -----------------------------------------------------------

def test_scaled_multiplies_every_dollar_figure():
    curve = CostCurve({"a": (Affine(10.0, 0.5), Floor(50.0, 1.0, 0.25)), "b": (Staircase(100.0, 1000.0, 2),)})
    scaled = curve.scaled(4)
    assert scaled.parts == {"a": (Affine(40.0, 2.0), Floor(200.0, 4.0, 1.0)), "b": (Staircase(400.0, 1000.0, 2),)}
    q = [1.0, 150.0, 999.0, 1001.0, 5e6]
    assert list(scaled.total(q)) == pytest.approx(list(4 * curve.total(q)))
    assert list(scaled.breakpoints(1, 1e7)) == list(curve.breakpoints(1, 1e7))
    assert curve.parts["a"][0] == Affine(10.0, 0.5)  # the original is untouched
    with pytest.raises(ValueError, match="scale factor must be a finite number >= 0"):
        curve.scaled(-1)
    with pytest.raises(ValueError):
        curve.scaled(math.inf)


def test_scaled_break_even_by_hand():
    a = CostCurve({"x": (Affine(100.0, 0.01),)})
    b = CostCurve({"x": (Affine(1000.0, 0.001),)})
    # plain: 100 + 0.01 q = 1,000 + 0.001 q  ->  q = 900 / 0.009 = 100,000
    assert break_even("a", a, "b", b).first == pytest.approx(100_000, rel=1e-12)
    # accuracies 0.5 and 0.8: 200 + 0.02 q = 1,250 + 0.00125 q  ->  q = 1,050 / 0.01875 = 56,000
    found = break_even("a", a.scaled(1 / 0.5), "b", b.scaled(1 / 0.8))
    assert found.first == pytest.approx(56_000, rel=1e-12)
    assert found.cheaper_at_low_volume == "a"


def accuracies_csv(**passed_of_ten):
    return "question,setup,pass\n" + "".join(
        f"q{i},{setup},{int(i < k)}\n" for setup, k in passed_of_ten.items() for i in range(10))


def test_quality_break_even_moves_towards_the_accurate_setup(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    plain = next(b for b in ev.break_even if (b.a, b.b) == ("prompt_only", "fine_tuned"))
    results = parse_eval_csv(accuracies_csv(prompt_only=5, fine_tuned=9, rag=0))
    pairs = quality_break_even(ev, results)
    assert [(b.a, b.b) for b in pairs] == [("prompt_only", "fine_tuned")]  # rag (accuracy 0) and hybrid left out
    quality = pairs[0]
    # prompt-only 1,500 + 1.6e-3 q at accuracy 0.5; fine-tuned 4,200.30 + 1.2e-4 q at 0.9:
    # 3,000 + 3.2e-3 q = 4,667.0 + 1.3333e-4 q  ->  q = 1,667.0 / 3.06667e-3 = 543,587
    expected = (4_200.30 / 0.9 - 1_500 / 0.5) / (1.6e-3 / 0.5 - 1.2e-4 / 0.9)
    assert quality.first == pytest.approx(expected, rel=1e-9)
    assert quality.first == pytest.approx(543_587, rel=1e-5)
    assert plain.first == pytest.approx(2_700.30 / 1.48e-3, rel=1e-9)  # 1,824,561
    assert quality.first < plain.first
    assert quality.cheaper_at_low_volume == "prompt_only"


def test_adjusted_evaluation_redraws_on_cost_per_correct_answer(make_scenario, catalog):
    ev = evaluate(make_scenario(), catalog)
    results = parse_eval_csv("question,setup,pass\nq1,prompt_only,1\nq2,prompt_only,0\nq1,fine_tuned,1\nq2,fine_tuned,1\n")
    adjusted = adjusted_evaluation(ev, results)
    assert adjusted.feasible == ["prompt_only", "fine_tuned"]
    # prompt-only at 1M queries: $3,100 / accuracy 0.5 = $6,200 for a month of correct answers
    assert float(adjusted.monthly_cost("prompt_only", 1e6)) == pytest.approx(6_200.0)
    assert "no evaluation data" in adjusted.setups["rag"].problems
    [pair] = adjusted.break_even
    # 1,500 + 1.6e-3 q over 0.5 = 4,200.30 + 1.2e-4 q over 1.0  ->  q = (4,200.30 - 3,000) / (3.2e-3 - 1.2e-4)
    assert pair.first == pytest.approx((4_200.30 - 3_000) / (3.2e-3 - 1.2e-4), rel=1e-9)


def test_results_typed_in_by_hand():
    r = results_from_counts({"prompt_only": (3, 4), "rag": (0, 0)})
    assert list(r.setups) == ["prompt_only"]
    # Wilson, 3 of 4, z = 1.96: the same interval as the CSV test computes by hand
    assert (round(r["prompt_only"].low, 4), round(r["prompt_only"].high, 4)) == (0.3006, 0.9544)
    with pytest.raises(EvalDataError, match="5 correct out of 4 questions is impossible"):
        results_from_counts({"rag": (5, 4)})
    with pytest.raises(EvalDataError, match="no setup has any questions"):
        results_from_counts({"rag": (0, 0)})

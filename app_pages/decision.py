"""Decision: the field's rule of thumb as a questionnaire, a reasoned recommendation, and the numbers."""

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.analysis import answer, decision, eval_results, quality
from simulator.scenario import KNOWLEDGE_CHANGE, ScenarioError
from ui import charts, fmt, summary

ev = state.evaluation()
scenario = ev.scenario
answers = scenario.decision

st.title("Decision")
st.caption("Answer what you know; each question says why it matters. The recommendation is the cheapest setup "
           "that meets the requirements, as on every page; the usual rule of thumb's pick is checked against it.")

YES_NO = {None: "Not sure", True: "Yes", False: "No"}
QUESTIONS = [
    ("needs_private_knowledge", "Does the task need knowledge the model lacks (private, recent or niche)?",
     "Missing knowledge is what retrieval supplies; fine-tuning teaches behaviour, not facts that change."),
    ("behaviour_gap", "Does it need a behaviour a prompt does not reliably produce (format, tone, domain reasoning)?",
     "Behaviour that prompting cannot hold is what fine-tuning is for."),
    ("citations_required", "Must answers show their sources?",
     "Retrieval can point to the passage it used; a fine-tuned model cannot."),
]
with st.form("dec_form"):
    values = {}
    for name, question, why in QUESTIONS:
        current = getattr(answers, name)
        values[name] = st.radio(question, options=list(YES_NO), index=list(YES_NO).index(current),
                                format_func=YES_NO.get, horizontal=True, key=f"dec_{name}")
        st.caption(why)
    changes = [None, *KNOWLEDGE_CHANGE]
    values["knowledge_changes"] = st.selectbox(
        "How often does that knowledge change?", options=changes, index=changes.index(answers.knowledge_changes),
        format_func=lambda v: "Not sure" if v is None else v, key="dec_knowledge_changes")
    st.caption("Fast-changing knowledge favours retrieval: a fine-tuned model is stale between retrainings.")
    examples = st.number_input(
        "Good labelled examples available (0 if none)", min_value=0, max_value=100_000_000, step=100,
        value=answers.labelled_examples, key="dec_labelled_examples", placeholder="Not sure")
    st.caption("Fine-tuning needs hundreds to thousands of good examples; below "
               f"{ev.catalog.defaults.decision.min_labelled_examples.value:,.0f} (an assumption) it is ruled out.")
    values["labelled_examples"] = None if examples is None else int(examples)
    budget = st.number_input(
        "p95 latency budget (ms)", min_value=1.0, max_value=600_000.0, step=500.0,
        value=answers.latency_budget_ms, key="dec_latency_budget_ms", placeholder="No budget")
    st.caption("Setups whose simulated p95 end-to-end latency exceeds it are ruled out.")
    values["latency_budget_ms"] = budget
    saved = st.form_submit_button("Use these answers", type="primary")
if saved:
    try:
        state.replace(decision.with_answers(scenario, values))
        st.rerun()
    except (ScenarioError, ValueError) as exc:
        st.error(f"Answers not used: {fmt.plain(str(exc).splitlines()[0])}")

pick = answer.headline(ev)
rec = decision.recommend(ev)
st.subheader(summary.headline_title(pick))
st.markdown(" ".join(summary.headline(pick)))
if rec.ruled_out:
    st.markdown("**Ruled out**")
    for name, why in rec.ruled_out.items():
        st.markdown(f"- {fmt.setup(name)}: {why}")
st.markdown(f"**The usual rule of thumb picks {fmt.setup(rec.recommendation)}**")
for reason in rec.reasons:
    st.markdown(f"- {reason}")
if rec.numbers_agree:
    st.success(f"The numbers agree: {fmt.setup(rec.recommendation)} costs within "
               f"{decision.AGREE_WITHIN:.0%} of the cheapest setup that meets the requirements at your volume"
               + (" and meets the latency budget." if answers.latency_budget_ms else "."))
else:
    st.warning(f"The numbers disagree: {rec.disagreement}.")

if answers.knowledge_changes and st.button("Pre-fill re-embedding and retraining from the answers", key="dec_prefill"):
    changed, lines = decision.prefilled(scenario, ev.catalog)
    state.replace(changed)
    st.session_state["dec_prefilled"] = lines
    st.rerun()
for line in st.session_state.pop("dec_prefilled", []):
    st.info(f"Set {line}. Edit it on the Scenario editor page.")

st.subheader(f"At {fmt.volume(scenario.workload.queries_per_month)} queries/month")
st.dataframe(pd.DataFrame([{
    "setup": fmt.setup(n) + (" (recommended)" if n == pick.setup else "")
             + (" (rule of thumb)" if n == rec.recommendation and n != pick.setup else ""),
    "monthly cost": fmt.usd_month(rec.costs_usd_per_month[n]) if rec.costs_usd_per_month[n] is not None else "infeasible",
    "p95 latency": fmt.ms(rec.latency_p95_ms[n]),
    "ruled out": "yes, see below" if n in rec.ruled_out else "",
} for n in ev.setups]), hide_index=True, width="stretch")
# A reason is a sentence: in a cell it would be cut at the column's width.
if rec.ruled_out:
    st.markdown("\n".join(f"- **{fmt.setup(n)}** is ruled out: {fmt.plain(reason)}" for n, reason in rec.ruled_out.items()))

st.subheader("Quality-adjusted cost")
st.caption("Upload evaluation results (CSV with columns question, setup, and score in 0..1 or pass 0/1). "
           "Accuracy gets a 95% interval; cost per correct answer = cost per query / accuracy.")
upload = st.file_uploader("Evaluation results (CSV)", type=["csv"], key="dec_eval",
                          max_upload_size=eval_results.MAX_EVAL_MB)  # the browser enforces it; parse_eval_csv too
if upload is not None:
    try:
        results = eval_results.parse_eval_csv(upload.getvalue(), upload.name)
    except eval_results.EvalDataError as exc:
        st.error("This file cannot be used; nothing was changed:\n\n"
                 + "\n".join(f"- {fmt.plain(p)}" for p in exc.problems))  # they repeat cells of the file
    else:
        st.session_state["dec_eval_results"] = results
with st.expander("Or type the results in"):
    typed = st.data_editor(
        pd.DataFrame({"setup": [fmt.setup(n) for n in ev.setups], "questions": 0, "correct": 0}),
        disabled=["setup"], hide_index=True, key="dec_typed",
        column_config={"questions": st.column_config.NumberColumn(min_value=0, step=1),
                       "correct": st.column_config.NumberColumn(min_value=0, step=1)})
    if st.button("Use these results", key="dec_typed_use"):
        try:
            counts = {n: (int(c), int(q)) for n, q, c in zip(ev.setups, typed["questions"], typed["correct"])}
            st.session_state["dec_eval_results"] = eval_results.results_from_counts(counts)
        except (eval_results.EvalDataError, ValueError, TypeError) as exc:
            st.error(fmt.plain(str(exc)))
results = st.session_state.get("dec_eval_results")
if results is not None:
    per_setup = quality.cost_per_correct_answer(ev, results)
    st.dataframe(pd.DataFrame([{
        "setup": fmt.setup(n), "answers": r["n"], "accuracy": f"{r['accuracy']:.1%}",
        "95% interval": f"{r['accuracy_low']:.1%} – {r['accuracy_high']:.1%}" + (" (small sample: wide)" if r["small_sample"] else ""),
        "cost per query": fmt.usd(r["cost_per_query_usd"]),
        "cost per correct answer": fmt.usd(r["cost_per_correct_answer_usd"]),
    } for n, r in per_setup.items()]), hide_index=True, width="stretch")
    adjusted = quality.adjusted_evaluation(ev, results)
    if adjusted.feasible:
        lo, hi = state.view_range()
        st.plotly_chart(charts.break_even_figure(adjusted, lo, hi, y_title="Monthly cost / accuracy (USD)",
                                                 title="Cost per unit of accuracy across query volume"),
                        key="dec_quality_chart", width="stretch")

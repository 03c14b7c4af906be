"""Tokens: count pasted text and uploaded documents; each setup's per-query tokens against its context window."""

import pandas as pd
import streamlit as st

from app_pages import state
from simulator.analysis.context_fit import context_fits
from simulator.model.tokens import ENCODINGS, count_texts
from simulator.storage import uploads
from ui import charts_tokens, fmt

PROGRESS_ABOVE_CHARACTERS = 200_000  # show progress when there is this much text or several files
PROGRESS_ABOVE_INPUTS = 3

st.title("Tokens")
st.caption("Count tokens with tiktoken (offline) in both OpenAI encodings, then see how the current scenario's "
           "average query is made up in each setup's model.")

# --- Counting your texts ----------------------------------------------------------------------------

st.subheader("Count your texts")
text = st.text_area("Paste text", key="tokens_text", height=160,
                    placeholder="Paste a system prompt, a document, an example answer…")
files = st.file_uploader(
    "Or upload documents", type=list(uploads.EXTENSIONS), accept_multiple_files=True, key="tokens_files",
    max_upload_size=uploads.MAX_FILE_MB,
    help=f"UTF-8 text: {', '.join('.' + e for e in uploads.EXTENSIONS)}; up to {uploads.MAX_FILE_MB} MB per file "
         f"and {uploads.MAX_TOTAL_MB} MB in total.",
)

inputs: list[tuple[str, str]] = []
if text:
    inputs.append(("Pasted text", text))
if files:
    decoded = uploads.decode_uploads([(f.name, f.getvalue()) for f in files])
    for error in decoded.errors:
        st.error(fmt.plain(str(error)))  # the message repeats the file's name
    inputs.extend(decoded.texts)


def count_inputs(items: list[tuple[str, str]]) -> tuple[list[dict], dict]:
    """simulator.model.tokens.count_texts, with a progress bar when there is a lot to count."""
    large = len(items) > PROGRESS_ABOVE_INPUTS or sum(len(t) for _, t in items) > PROGRESS_ABOVE_CHARACTERS
    bar = st.progress(0.0, text="Counting tokens…") if large else None
    rows, totals = count_texts(items, (lambda share, label: bar.progress(share, text=f"Counting {label}…"))
                               if bar is not None else None)
    if bar is not None:
        bar.empty()
    return rows, totals


if not inputs:
    st.info("Paste text or upload files to count their tokens.")
else:
    counted, totals = count_inputs(inputs)
    columns = st.columns(len(ENCODINGS) + 1)
    for column, encoding in zip(columns, ENCODINGS):
        column.metric(f"Total, {encoding}", f"{fmt.tokens(totals[encoding])} tokens")
    columns[-1].metric("Total, characters", f"{fmt.tokens(totals['characters'])} characters")

    def row(values: dict) -> dict:
        ratio = values["characters_per_token"]
        return {
            "input": values["input"],
            "characters": fmt.tokens(values["characters"]),
            "o200k_base tokens": fmt.tokens(values["o200k_base"]),
            "cl100k_base tokens": fmt.tokens(values["cl100k_base"]),
            "characters per o200k_base token": "–" if ratio is None else f"{ratio:.2f}",
        }

    table = [row(r) for r in counted]
    if len(counted) > 1:
        table.append(row(totals))
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="tokens_counts")

# --- The current scenario ---------------------------------------------------------------------------

ev = state.evaluation()
fits = context_fits(ev)
st.subheader("Per query in the current scenario")
st.caption(f"{fmt.plain(ev.scenario.name)}: the average query of each setup, in its model's own tokens. Lengths typed as "
           "numbers are o200k_base tokens; models with other tokenizers use a sourced ratio.")

show_window = st.toggle("Scale the axis to the context windows", key="tokens_show_window",
                        help="Off: the axis fits the bars and larger windows are marked at its right edge.")
st.plotly_chart(charts_tokens.composition_figure(fits, show_window), key="tokens_composition", width="stretch")

for fit in fits:
    if not fit.feasible:
        st.warning(f"**{fmt.setup(fit.setup)}** is infeasible: {'; '.join(fit.problems) or 'see the cost breakdown'}")


def share_text(share: float | None) -> str:
    if share is None:
        return "–"
    return "under 0.1%" if share < 0.001 else f"{share:.1%}"


def fits_text(fit) -> str:
    if fit.fits is None:
        return "unknown"
    return "yes" if fit.fits else "no"


def counted_as(encoding: str | None) -> tuple[str, str | None]:
    """The encoding and ratio a setup's tokens are counted in, and the ratio's source apart: the label
    reads "o200k_base x 1.16 (claude tokenizer, ratio from <url>)", too long for a cell."""
    if not encoding:
        return "–", None
    short, _, source = encoding.partition(", ratio from ")
    return (short + ")", source.removesuffix(")")) if source else (short, None)


# A problem is the infeasible warning's sentence above, and the ratio's source goes under the table:
# in a cell either would be cut at the column's width.
st.dataframe(pd.DataFrame([
    {
        "setup": fmt.setup(fit.setup),
        "model": fmt.model_name(fit.model),
        "input tokens": fmt.tokens(fit.input_tokens),
        "output tokens": fmt.tokens(fit.output_tokens),
        "context window (tokens)": fmt.tokens(fit.context_window_tokens),
        "fits": fits_text(fit),
        "share of window": share_text(fit.window_share),
        "counted as": counted_as(fit.encoding)[0],
    }
    for fit in fits
]), hide_index=True, width="stretch", key="tokens_fits", column_config={
    "input tokens": st.column_config.TextColumn("input"),
    "output tokens": st.column_config.TextColumn("output"),
    "context window (tokens)": st.column_config.TextColumn("window", help="The model's context window, in its tokens."),
    "share of window": st.column_config.TextColumn("share", help="Input and output tokens as a share of the window."),
})
sources = dict(counted_as(fit.encoding) for fit in fits)
if any(sources.values()):
    st.caption("Ratios to o200k_base: " + "; ".join(f"{fmt.plain(short)} from {fmt.plain(source)}"
                                                    for short, source in sources.items() if source))

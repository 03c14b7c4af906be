"""Lengths typed as a token count, a text or sample texts; sample and document splitting; counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
import re

from pydantic import BaseModel

from .fields import DOCUMENT_SEPARATOR, LENGTH_MODES, SAMPLE_LENGTHS


# --- Lengths: token count, text or sample texts -----------------------------------------------------


def split_samples(text: str) -> list[str]:
    """Sample texts separated by blank lines (one or more empty lines); each sample may span lines."""
    return [s.strip() for s in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if s.strip()]


def join_samples(samples: list[str]) -> str:
    return "\n\n".join(samples)


def split_documents(text: str) -> list[str]:
    """Sample documents separated by a line holding only ``---``."""
    parts = re.split(rf"(?m)^[ \t]*{re.escape(DOCUMENT_SEPARATOR)}[ \t]*$", text.replace("\r\n", "\n"))
    return [p.strip() for p in parts if p.strip()]


def join_documents(documents: list[str]) -> str:
    return f"\n{DOCUMENT_SEPARATOR}\n".join(documents)


def length_modes(path: str, current: str | None = None) -> tuple[str, ...]:
    """Query and answer take sample texts too; other lengths only if they already use samples. A
    length fitted from traffic keeps its quantiles as a choice until another mode is picked."""
    modes = LENGTH_MODES if path in SAMPLE_LENGTHS or current == "samples" else ("tokens", "text")
    return (*modes, "quantiles") if current == "quantiles" else modes


def join_quantiles(quantiles: list[float]) -> str:
    return ", ".join(f"{q:g}" for q in quantiles)


def split_quantiles(text: str) -> list[float] | str:
    """Comma-separated numbers; what does not parse is handed on as typed, for validation to name."""
    try:
        return [float(part) for part in text.replace("\n", ",").split(",") if part.strip()]
    except ValueError:
        return text


def length_to_inputs(length: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    """Widget values (mode, tokens, text, samples) of a scenario length; unused ones get sensible fillers."""
    if isinstance(length, BaseModel):
        length = length.model_dump()
    tokens, text, samples = length.get("tokens"), length.get("text"), length.get("samples")
    quantiles = length.get("quantiles")
    if tokens is not None:
        return {"mode": "tokens", "tokens": float(tokens), "text": "", "samples": "", "quantiles": ""}
    if text is not None:
        return {"mode": "text", "tokens": float(mean_token_count([text])), "text": text, "samples": text.strip(),
                "quantiles": ""}
    if quantiles is not None:
        return {"mode": "quantiles", "tokens": float(round(sum(quantiles) / len(quantiles))), "text": "",
                "samples": "", "quantiles": join_quantiles(quantiles)}
    samples = list(samples or [])
    return {"mode": "samples", "tokens": float(mean_token_count(samples)), "text": samples[0] if samples else "",
            "samples": join_samples(samples), "quantiles": ""}


def length_from_inputs(mode: str, tokens: Any = None, text: Any = None, samples: Any = None,
                       quantiles: Any = None) -> dict[str, Any]:
    """The schema dict of a length from the chosen mode: ``{"tokens": n}``, ``{"text": s}`` or ``{"samples": [...]}``.

    Samples are separated by blank lines. Nothing is checked here: validation reports what is wrong.
    """
    if mode == "text":
        return {"text": "" if text is None else str(text)}
    if mode == "samples":
        return {"samples": split_samples("" if samples is None else str(samples))}
    if mode == "quantiles":
        return {"quantiles": split_quantiles("" if quantiles is None else str(quantiles))}
    return {"tokens": None if tokens is None else float(tokens)}


def mean_token_count(texts: list[str]) -> float:
    """Mean o200k_base token count, rounded (0 when there is nothing to count)."""
    texts = [t for t in texts if t]
    if not texts:
        return 0.0
    try:
        from simulator.model.tokens import count_many

        return float(round(float(count_many(texts).mean())))
    except Exception:  # tiktoken not usable: the filler value is only a starting point
        return 0.0


def count_preview(mode: str, text: str | None) -> str:
    """A one-line token count of what is typed in a text or samples box."""
    text = text or ""
    if mode == "text":
        texts = [text] if text else []
    elif mode == "samples":
        texts = split_samples(text)
    elif mode == "documents":
        texts = split_documents(text)
    else:
        return ""
    if not texts:
        return "Nothing to count yet."
    try:
        from simulator.model.tokens import count_many

        counts = count_many(texts)
    except Exception as exc:  # never fail the page over a preview
        return f"Could not count tokens here ({exc}); the simulator counts them when the scenario is applied."
    if len(texts) == 1:
        return f"{counts[0]:,.0f} tokens (o200k_base)."
    unit = "documents" if mode == "documents" else "samples"
    return (f"{len(texts)} {unit}: mean {counts.mean():,.0f} tokens (o200k_base), "
            f"from {counts.min():,.0f} to {counts.max():,.0f}.")

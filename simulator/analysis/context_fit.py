"""Per-query token composition of each setup and whether it fits its model's context window.

Pure arithmetic on :class:`~simulator.model.setups.SetupModel` results, shared by the dashboard's Tokens
page (which only draws it). Sums are of the average query, in the model's own tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model.evaluate import Evaluation
from simulator.model.setups import SetupModel

TOKEN_PARTS = ("system_prompt", "few_shot", "retrieved_chunks", "query", "answer", "reasoning")
OUTPUT_PARTS = ("answer", "reasoning")


@dataclass(frozen=True)
class ContextFit:
    setup: str
    model: str
    encoding: str
    composition: dict[str, float]  # every TOKEN_PARTS key, 0 where the part does not apply
    input_tokens: float
    output_tokens: float
    context_window_tokens: float | None
    feasible: bool
    problems: tuple[str, ...]
    max_prompt_tokens: float | None = None  # the provider's prompt cap, where it is below the window

    @property
    def prompt_fits(self) -> bool:
        """The average query's prompt within the provider's prompt cap (True when there is none)."""
        return self.max_prompt_tokens is None or self.input_tokens <= self.max_prompt_tokens

    @property
    def total_tokens(self) -> float:
        return self.input_tokens + self.output_tokens

    @property
    def fits(self) -> bool | None:
        """Input + output of the average query within the window, and its prompt within the prompt cap;
        None when the window is unknown."""
        if self.context_window_tokens is None:
            return None
        return self.total_tokens <= self.context_window_tokens and self.prompt_fits

    @property
    def window_share(self) -> float | None:
        """Share of the context window the average query uses (1.0 = full)."""
        if not self.context_window_tokens:
            return None
        return self.total_tokens / self.context_window_tokens


def context_fit(setup: SetupModel) -> ContextFit:
    """How an average query's tokens [model tokens] fill the setup's context window."""
    tokens = setup.tokens or {}
    composition = {part: float(tokens.get(part, 0.0)) for part in TOKEN_PARTS}
    for part, value in tokens.items():  # a part this module does not know yet still counts
        composition.setdefault(part, float(value))
    window = setup.details.get("context_window_tokens")
    cap = setup.details.get("max_prompt_tokens")
    return ContextFit(
        setup=setup.name, model=setup.model, encoding=setup.encoding, composition=composition,
        input_tokens=sum(v for k, v in composition.items() if k not in OUTPUT_PARTS),
        output_tokens=sum(v for k, v in composition.items() if k in OUTPUT_PARTS),
        context_window_tokens=float(window) if isinstance(window, (int, float)) else None,
        feasible=setup.feasible, problems=tuple(setup.problems),
        max_prompt_tokens=float(cap) if isinstance(cap, (int, float)) else None,
    )


def context_fits(ev: Evaluation) -> list[ContextFit]:
    """One :class:`ContextFit` per setup, in the scenario's setup order."""
    return [context_fit(s) for s in ev.setups.values()]

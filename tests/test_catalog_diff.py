"""``crossover catalog diff`` (issue 11.4): another price source against both layers of the catalog.

The fixtures under ``tests/fixtures/catalog_diff/`` are hand-made, a few models each, in the two
formats: LiteLLM's ``model_prices_and_context_window.json`` and a genai-prices ``data.py``. The
catalog's figures they are compared with are those of the shipped curated data and of the pinned
genai-prices 0.2.3 (``data/bulk.yaml``); each expected ratio is written out by hand below.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import ROOT, cli
from pricing import bulk, diff, price_files
from pricing.catalog import default_catalog

FIXTURES = ROOT / "tests" / "fixtures" / "catalog_diff"
LITELLM = FIXTURES / "model_prices_and_context_window.json"
DATA_PY = FIXTURES / "data.py"
TODAY = dt.date(2026, 12, 2)


def run_diff(path: Path, on: dt.date = TODAY) -> dict:
    against = price_files.read_price_file(path.read_bytes(), str(path), on)
    return diff.diff(against, default_catalog(), bulk.bulk_models(), on)


def row(rows: list[dict], **wanted) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in wanted.items())]
    assert len(found) == 1, (wanted, found)
    return found[0]


def curated(name: str, kind: str = "llm") -> str:
    """The curated entry known by ``name`` (its id or an alias: the catalog's names before schema 4)."""
    return default_catalog().key_of(kind, name)


def bulk_record(provider: str, model: str) -> dict:
    return next(m for m in bulk.bulk_models() if (m["provider"], m["id"]) == (provider, model))


# --- formats ---------------------------------------------------------------------------------------


def test_each_format_is_detected_and_named():
    litellm = price_files.read_price_file(LITELLM.read_bytes(), "prices.json", TODAY)
    assert (litellm.format, litellm.version, litellm.models) == ("litellm", None, 10)  # 11 keys less sample_spec
    genai = price_files.read_price_file(DATA_PY.read_bytes(), "data.py", TODAY)
    assert (genai.format, genai.version, genai.models) == ("genai-prices", None, 7)  # cursor's model counted too
    assert price_files.FORMATS == {"genai-prices": "genai-prices data.py", "litellm": "LiteLLM model_prices_and_context_window.json"}


def test_only_chat_and_embedding_models_of_the_allowed_providers_are_compared():
    litellm = {m.key: m for m in price_files.read_price_file(LITELLM.read_bytes(), "prices.json", TODAY).entries}
    assert "dall-e-3" not in litellm  # an image model
    assert "fal_ai/fal-ai/flux-pro" not in litellm  # a provider the catalog does not take
    assert "bedrock/us-gov-west-1/anthropic.claude-quill-1-v1:0" not in litellm  # a regional price list
    embedding = litellm["gemini/gemini-embedding-2"]
    assert (embedding.kind, embedding.figures) == ("embedding", {"input_usd_per_mtok": 0.2})  # 2e-07 per token; LiteLLM's output 0 dropped
    genai = {m.key for m in price_files.read_price_file(DATA_PY.read_bytes(), "data.py", TODAY).entries}
    assert genai == {"anthropic/claude-haiku-4-5", "anthropic/claude-sonnet-5", "anthropic/claude-quill-1",
                     "openai/gpt-5.4", "openai/gpt-4o-2024-05-13"}  # no tts-1 (audio), no cursor (left out)


def test_a_genai_prices_data_py_is_read_by_the_bulk_layers_rules():
    """The pinned package's own data.py gives exactly the bulk layer's records: same providers, kinds,
    prices and windows (same date), so a newer data.py is compared like for like."""
    on = dt.date.fromisoformat(bulk.settings()["as_of"])
    installed = Path(__import__("importlib.util").util.find_spec("genai_prices").submodule_search_locations[0]) / "data.py"
    against = price_files.read_price_file(installed.read_bytes(), str(installed), on)
    assert against.version == bulk.settings()["version"]  # byte for byte the pinned copy
    ours = {(m["provider"], m["id"]): ({**m["prices"], **({"context_window_tokens": m["context_window_tokens"]}
                                                           if m["context_window_tokens"] is not None else {})}, m["kind"])
            for m in bulk.bulk_models() if m["source"].startswith("genai-prices")}  # not Azure's LiteLLM subset
    theirs = {(m.provider, m.id): (m.figures, m.kind) for m in against.entries}
    assert theirs == ours
    result = diff.diff(against, default_catalog(), bulk.bulk_models(), on)
    assert result["new"] == [] and [c for c in result["changed"] if c["layer"] == "bulk"] == []


# --- the LiteLLM key table -------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "route", "expected"), [
    ("claude-haiku-4-5-20251001", "anthropic", ("anthropic", "claude-haiku-4-5-20251001")),
    ("gpt-4o", "openai", ("openai", "gpt-4o")),
    ("gemini/gemini-2.5-flash", "gemini", ("google", "gemini-2.5-flash")),
    ("gemini-2.5-flash", "vertex_ai-language-models", ("google", "gemini-2.5-flash")),
    ("vertex_ai/claude-haiku-4-5@20251001", "vertex_ai-anthropic_models", ("google", "claude-haiku-4-5@20251001")),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock_converse", ("aws", "anthropic.claude-haiku-4-5-20251001-v1:0")),
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", ("aws", "us.anthropic.claude-haiku-4-5-20251001-v1:0")),
    ("bedrock/converse/anthropic.claude-sonnet-5", "bedrock", ("aws", "anthropic.claude-sonnet-5")),
    ("bedrock_mantle/openai.gpt-oss-120b", "bedrock_mantle", ("aws", "openai.gpt-oss-120b")),
    ("bedrock/us-gov-west-1/anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", None),  # a region's price list
    ("bedrock/*/1-month-commitment/cohere.command-text-v14", "bedrock", None),  # committed throughput
    ("bedrock/claude_platform/claude-haiku-4-5", "bedrock", None),
    ("azure/gpt-4o", "azure", ("azure", "gpt-4o")),
    ("azure/eu/gpt-4o", "azure", None),  # a data zone's price list
    ("azure_ai/claude-haiku-4-5", "azure_ai", ("azure", "claude-haiku-4-5")),
    ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together_ai", ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct", "fireworks_ai",
     ("fireworks", "accounts/fireworks/models/llama-v3p1-8b-instruct")),
    ("groq/llama-3.1-8b-instant", "groq", ("groq", "llama-3.1-8b-instant")),
    ("mistral/mistral-small-2603", "mistral", ("mistral", "mistral-small-2603")),
    ("command-r-08-2024", "cohere_chat", ("cohere", "command-r-08-2024")),
    ("voyage/voyage-4", "voyage", ("voyageai", "voyage-4")),
    ("xai/grok-4.20", "xai", ("x-ai", "grok-4.20")),
    ("moonshot/kimi-k3", "moonshot", ("moonshotai", "kimi-k3")),
    ("cloudflare/@cf/meta/llama-3.1-8b-instruct-fp8-fast", "cloudflare", ("cloudflare", "@cf/meta/llama-3.1-8b-instruct-fp8-fast")),
])
def test_litellm_keys_map_to_the_catalogs_provider_and_api_id(key, route, expected):
    provider = price_files.LITELLM_PROVIDERS[route][0]
    model = price_files.litellm_id(key, provider)
    assert (None if model is None else (provider, model)) == expected


def test_every_mapped_route_is_an_allowed_provider_and_unknown_routes_are_not_taken():
    assert {provider for provider, _ in price_files.LITELLM_PROVIDERS.values()} <= set(bulk.PROVIDERS)
    assert not {"fal_ai", "deepinfra", "github_copilot", "openai-decisions"} & set(price_files.LITELLM_PROVIDERS)


@pytest.mark.parametrize(("key", "route", "layer", "ours"), [
    # Bedrock's in-region id and its US cross-region profile are genai-prices' regional. record
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", "bulk", ("aws", "regional.anthropic.claude-haiku-4-5-20251001-v1:0")),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", "bulk", ("aws", "global.anthropic.claude-haiku-4-5-20251001-v1:0")),
    ("vertex_ai/claude-haiku-4-5@20251001", "vertex_ai-anthropic_models", "bulk", ("google", "claude-haiku-4-5")),
    ("claude-haiku-4-5-20251001", "anthropic", "curated", ("anthropic", curated("claude-haiku-4.5"))),  # a snapshot
    ("groq/llama-3.1-8b-instant", "groq", "curated", ("groq", curated("llama-3.1-8b-groq"))),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p3-70b-instruct", "fireworks_ai", "curated",
     ("fireworks", curated("llama-3.3-70b-fireworks"))),
    ("together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", "together_ai", "curated",
     ("together", curated("llama-3.1-8b-together"))),
    ("mistral/mistral-small-2603", "mistral", "curated", ("mistral", curated("mistral-small-4"))),  # the bulk record's id
    ("voyage/voyage-4", "voyage", "curated", ("voyageai", "voyage-4")),
    ("cohere/embed-v4.0", "cohere", "curated", ("cohere", curated("cohere-embed-v4.0", "embedding"))),
])
def test_their_keys_find_our_models(key, route, layer, ours):
    entry = {"litellm_provider": route, "mode": "embedding" if "embed" in key or "voyage" in key else "chat",
             "input_cost_per_token": 1e-06, "output_cost_per_token": 0.0 if "embed" in key or "voyage" in key else 2e-06}
    their = price_files._litellm_entry("prices.json", key, entry)
    bulk_side = diff._bulk_side(bulk.bulk_models())
    side = bulk_side if layer == "bulk" else diff._curated_side(default_catalog(), bulk_side)
    found = diff._Index(side).find(their)
    assert found is not None and (found[0].provider, found[0].model) == ours


def test_a_dated_snapshot_with_a_record_of_its_own_is_not_taken_for_the_undated_model():
    """gpt-4o-2024-05-13 ($5 / $15) is its own bulk record: it must not also reach the curated gpt-4o ($2.50 / $10)."""
    result = run_diff(DATA_PY)
    assert not [r for r in result["changed"] + result["retired"] if r["model"] == "gpt-4o"]


def test_a_moving_latest_name_is_matched_by_id_only_and_never_new():
    assert diff.moving("mistral-large-latest") and diff.moving("grok-4.20-beta-latest-reasoning")
    assert not diff.moving("claude-sonnet-5")
    result = run_diff(LITELLM)
    assert not [r for r in result["new"] + result["changed"] if "latest" in r["their_key"]]


# --- what the fixtures hold --------------------------------------------------------------------------


def test_litellm_fixture_new_changed_retired_and_a_curated_disagreement():
    result = run_diff(LITELLM)
    assert [(n["provider"], n["model"]) for n in result["new"]] == [("anthropic", "claude-quill-1")]
    quill = result["new"][0]
    # 4e-06 and 2e-05 USD per token are 4 and 20 USD per million tokens
    assert (quill["input_usd_per_mtok"], quill["output_usd_per_mtok"], quill["context_window_tokens"]) == (4.0, 20.0, 500_000)

    # gpt-5.4 is bulk-only: genai-prices 0.2.3 has $2.50 input; the fixture says 2.75e-06 per token = $2.75
    assert bulk_record("openai", "gpt-5.4")["prices"]["input_usd_per_mtok"] == 2.5
    change = row(result["changed"], model="gpt-5.4", field="input_usd_per_mtok")
    assert change == {"model": "gpt-5.4", "provider": "openai", "field": "input_usd_per_mtok", "ours": 2.5,
                      "theirs": 2.75, "ratio": 1.1, "layer": "bulk", "their_key": "gpt-5.4"}  # 2.75 / 2.5 = 1.1

    # claude-sonnet-5: curated $2 input (issue 11: $3 was wrong); the fixture's 3e-06 is $3: 3 / 2 = 1.5
    assert default_catalog().llm["claude-sonnet-5"].prices.input_usd_per_mtok.value == 2.0
    disagreement = row(result["curated_disagreements"], model="claude-sonnet-5")
    assert (disagreement["field"], disagreement["ours"], disagreement["theirs"], disagreement["ratio"]) == (
        "input_usd_per_mtok", 2.0, 3.0, 1.5)
    assert disagreement["key"] == "llm.claude-sonnet-5.prices.input_usd_per_mtok"
    assert row(result["changed"], model="claude-sonnet-5", layer="bulk")["ratio"] == 1.5  # the bulk figure too
    assert len(result["curated_disagreements"]) == 1  # its output, cache and window agree; so does the embedding

    # the Bedrock US profile at 1.1e-06 matches genai-prices' regional record ($1.10, Bedrock's +10%): no change
    assert not [r for r in result["changed"] if r["provider"] == "aws"]


def test_on_decides_what_is_retired():
    """gpt-5.4-mini's deprecation_date in the fixture is 2027-03-01: retired on that day, not the day before."""
    def theirs(on):
        return [(r["model"], r["date"], r["successor"]) for r in run_diff(LITELLM, on)["retired"] if r["per"] == "theirs"]
    assert theirs(dt.date(2027, 2, 28)) == []
    assert theirs(dt.date(2027, 3, 1)) == [("gpt-5.4-mini", "2027-03-01", "gpt-5.6-luna")]
    # the curated available_until counts the same way: gpt-4o retires on 2027-01-14
    curated = {dt.date(2027, 1, 13): False, dt.date(2027, 1, 14): True}
    for on, retired in curated.items():
        rows = run_diff(LITELLM, on)["retired"]
        assert any(r["model"] == "gpt-4o" and r["per"] == "curated" for r in rows) is retired, on


def test_genai_prices_fixture_new_changed_retired_and_a_curated_disagreement():
    result = run_diff(DATA_PY)
    assert [(n["provider"], n["model"]) for n in result["new"]] == [("anthropic", "claude-quill-1")]
    assert result["new"][0]["input_usd_per_mtok"] == 4.0  # the time-of-day price ($2) is left out, as in the bulk layer
    # claude-haiku-4-5 at $1.10 against the curated claude-haiku-4.5's $1: 1.1 / 1 = 1.1, more than 2% off
    disagreement = row(result["curated_disagreements"], model=curated("claude-haiku-4.5"))
    assert (disagreement["field"], disagreement["ours"], disagreement["theirs"], disagreement["ratio"]) == (
        "input_usd_per_mtok", 1.0, 1.1, 1.1)
    retired = row(result["retired"], model="gpt-4o-2024-05-13")  # deprecated=True: a flag, no date
    assert (retired["layer"], retired["per"], retired["date"]) == ("bulk", "theirs", None)


def test_a_dated_price_in_their_data_py_counts_from_its_start_date():
    """gpt-5.4 goes from $2.50 to $3 on 2027-01-01 in the fixture: 3 / 2.5 = 1.2 from that day on."""
    assert not [r for r in run_diff(DATA_PY, dt.date(2026, 12, 31))["changed"] if r["model"] == "gpt-5.4"]
    change = row(run_diff(DATA_PY, dt.date(2027, 1, 1))["changed"], model="gpt-5.4")
    assert (change["field"], change["ours"], change["theirs"], change["ratio"], change["layer"]) == (
        "input_usd_per_mtok", 2.5, 3.0, 1.2, "bulk")


# --- bad files -------------------------------------------------------------------------------------


LITELLM_ENTRY = ('"gpt-5.4": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": %s, '
                 '"output_cost_per_token": 1.5e-05%s}')
GPT = "providers = [Provider(id='openai', models=[ModelInfo(id='gpt-5.4', match=ClauseEquals(equals='gpt-5.4'), %s)])]\n"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("prices.json", "{bad json", "not valid JSON (line 1, column 2"),
    ("prices.json", "[1, 2]", "JSON, but not LiteLLM's price map: expected an object of model keys, got a list"),
    ("prices.json", '{"a": {"x": 1}}', "JSON, but not LiteLLM's price map: no entry has a litellm_provider"),
    ("prices.json", '{"gpt-5.4": 5, "b": {"litellm_provider": "openai"}}', "gpt-5.4: expected an object of fields, got a number"),
    ("prices.json", "{" + LITELLM_ENTRY % ('"3e-06"', "") + "}", "gpt-5.4: input_cost_per_token: expected a number, got text"),
    ("prices.json", "{" + LITELLM_ENTRY % ("-1e-06", "") + "}", "gpt-5.4: input_cost_per_token: -1e-06 is out of range"),
    ("prices.json", "{" + LITELLM_ENTRY % ("1e300", "") + "}", "gpt-5.4: input_cost_per_token: 1e+300 is out of range"),
    ("prices.json", "{" + LITELLM_ENTRY % ("1e-06", ', "deprecation_date": "soon"') + "}",
     "gpt-5.4: deprecation_date: expected a date YYYY-MM-DD, got 'soon'"),
    ("prices.json", '{"gpt-5.4": {"litellm_provider": 7}}', "gpt-5.4: litellm_provider: expected text, got a number"),
    ("prices.json", "{" + LITELLM_ENTRY % ("1e-06", ', "max_input_tokens": 1.5') + "}",
     "gpt-5.4: max_input_tokens: expected a whole number of tokens"),
    ("data.py", "def f(:\n", "neither JSON nor Python (line 1"),
    ("data.py", "x = 1\n", "Python, but not a genai-prices data.py: no `providers = [Provider(...), ...]` list"),
    ("data.py", "providers = [Provider(id=7)]\n", "providers[0]: id: expected str, got a number"),
    ("data.py", "providers = [5]\n", "providers[0]: expected Provider(...), got '5'"),
    ("data.py", GPT % "context_window='big', prices=ModelPrice(input_mtok=Decimal('1'), output_mtok=Decimal('2'))",
     "openai/gpt-5.4: context_window: expected int, got text"),
    ("data.py", GPT % "prices=ModelPrice(input_mtok=Decimal('x'), output_mtok=Decimal('2'))",
     "line 1: \"Decimal('x')\": not a finite number"),
    ("data.py", GPT % "prices=ModelPrice(input_mtok=7, output_mtok=Decimal('2'))",
     "openai/gpt-5.4: prices: unexpected shape (input_mtok: unexpected price 7)"),
    ("data.py", "providers = [Provider(id=SOME_NAME)]\n", "line 1: only literal values are read, not 'SOME_NAME'"),
    ("data.py", b"\xff\xfeproviders", "not UTF-8 text (invalid byte at position 0)"),
    ("data.py", "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    ("data.py", "providers = " + "[" * 300 + "]" * 300, "neither JSON nor Python (line 1: too many nested parentheses)"),
])
def test_a_bad_file_gives_one_message_naming_the_file_and_the_problem(name, content, message):
    data = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(price_files.PriceFileError) as caught:
        price_files.read_price_file(data, f"dir/{name}", TODAY)
    text = str(caught.value)
    assert text.startswith(f"dir/{name}: ") and message in text and "\n" not in text, text


def test_a_file_over_the_cap_is_refused():
    with pytest.raises(price_files.PriceFileError, match="over the limit of 10,000,000 bytes"):
        price_files.read_price_file(b" " * (price_files.MAX_FILE_BYTES + 1), "x", TODAY)


def test_figures_beyond_the_limit_are_refused():
    entry = {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06,
             "max_input_tokens": price_files.MAX_FIGURE + 1}
    with pytest.raises(price_files.PriceFileError, match="max_input_tokens: .* is out of range"):
        price_files._litellm_entry("p.json", "gpt-x", entry)
    source = ("providers = [Provider(id='openai', models=[ModelInfo(id='gpt-x', match=ClauseEquals(equals='gpt-x'), "
              "prices=ModelPrice(input_mtok=Decimal('1e999'), output_mtok=Decimal('2')))])]\n")
    with pytest.raises(price_files.PriceFileError, match="openai/gpt-x: input_usd_per_mtok: inf is out of range"):
        price_files.read_price_file(source.encode(), "data.py", TODAY)


def test_a_long_model_key_is_shortened_in_its_message():
    with pytest.raises(price_files.PriceFileError) as caught:
        price_files.read_price_file(json.dumps({"k" * 5_000: 1, "b": {"litellm_provider": "x"}}).encode(), "p.json", TODAY)
    assert len(str(caught.value)) < 200 and "k" * price_files.MAX_NAME_CHARS not in str(caught.value)


def test_a_data_py_is_read_never_run(tmp_path):
    """Code in a data.py is not executed: a call that would write a file is refused with its line, and
    statements outside the providers list are not run either."""
    marker = tmp_path / "ran"
    calls = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    with pytest.raises(price_files.PriceFileError, match="line 1: only the package's constructors are read, not a call of"):
        price_files.read_price_file(f"providers = [Provider(id={calls})]\n".encode(), "data.py", TODAY)
    read = price_files.read_price_file(f"{calls}\nproviders = [Provider(id='openai', models=[])]\n".encode(), "data.py", TODAY)
    assert (read.format, read.models) == ("genai-prices", 0)
    assert not marker.exists()


# --- the command line --------------------------------------------------------------------------------


def test_cli_json_shape_and_exit_0():
    run = cli("catalog", "diff", "--against", str(LITELLM), "--on", "2027-03-01", "--json")
    assert run.returncode == 0, run.stderr
    r = json.loads(run.stdout)
    assert set(r) == {"against", "on", "new", "changed", "retired", "curated_disagreements"}
    assert r["against"] == {"path": str(LITELLM), "format": "litellm", "version": None, "models": 10, "compared": 7}
    assert r["on"] == "2027-03-01"
    for c in r["changed"]:
        assert set(c) >= {"model", "provider", "field", "ours", "theirs", "ratio", "layer"}
        assert c["layer"] in ("curated", "bulk") and c["field"] in diff.COMPARED
    assert {"model", "provider", "layer", "date", "per", "successor"} <= set(r["retired"][0])
    assert r["curated_disagreements"] == [c for c in r["changed"] if c["layer"] == "curated"]


def test_cli_table_gives_counts_then_rows():
    run = cli("catalog", "diff", "--against", str(DATA_PY), "--on", "2026-12-02")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"genai-prices data.py at {DATA_PY} (version not stated): 7 models, 5 of them")
    assert lines[1].split() == ["1", "new:", "in", "their", "file,", "in", "neither", "layer"]
    assert "Curated figures more than 2% from theirs:" in lines and "New:" in lines
    assert any(f"anthropic/{curated('claude-haiku-4.5')} " in line and "1.1x" in line for line in lines)


def test_the_listing_still_works_beside_the_diff_action():
    run = cli("catalog", "--kind", "tokenizer", "--json")
    assert run.returncode == 0 and all(r["key"].startswith("tokenizer.") for r in json.loads(run.stdout))
    run = cli("catalog", "--kind", "llm", "diff", "--against", str(LITELLM))
    assert run.returncode == 2 and "--kind, --layer and --check do not apply" in run.stderr
    run = cli("catalog", "diff")
    assert run.returncode == 2 and "--against" in run.stderr


def bad(tmp_path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize(("name", "content"), [
    ("prices.json", "{bad json"),
    ("prices.json", "{" + LITELLM_ENTRY % ('"3e-06"', "") + "}"),
    ("data.py", "providers = [Provider(id=SOME_NAME)]\n"),
])
def test_a_bad_file_exits_2_without_a_traceback(tmp_path, name, content):
    path = bad(tmp_path, name, content)
    run = cli("catalog", "diff", "--against", str(path))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"error: {path}: ") and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_a_missing_file_or_a_folder_exits_2(tmp_path, what):
    path = tmp_path / "nothing.json"
    if what == "directory":
        path.mkdir()
    run = cli("catalog", "diff", "--against", str(path))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.startswith(f"error: {path}: ") and ("No such file" in run.stderr or "is a directory" in run.stderr)


def test_a_file_over_the_cap_exits_2_before_it_is_read_whole(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(price_files.MAX_FILE_BYTES + 1)  # sparse: instant to make, still read up to the cap
    run = cli("catalog", "diff", "--against", str(path))
    assert run.returncode == 2 and "over the limit of 10,000,000 bytes" in run.stderr

"""Share links: round trip, and every kind of damaged or hostile link refused with a message."""

import base64
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from simulator.scenario import MAX_DEPTH, MAX_NUMBER_CHARS, ScenarioError, load_scenario
from simulator.storage import sharing


@pytest.fixture
def bot(catalog):
    return load_scenario(ROOT / "scenarios" / "support-bot.yaml", catalog)


def pack(raw: bytes) -> str:
    return sharing.PREFIX + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def test_round_trip_is_compact(bot, catalog):
    link = sharing.encode(bot)
    assert sharing.decode(link, catalog) == bot
    assert len(link) < 2_000 and sharing.fits_in_link(link)


@pytest.mark.parametrize("damage, message", [
    (lambda link: link[:-12], "cut short"),
    (lambda link: link[:20], "cut short"),
    (lambda link: "2." + link[2:], "not a Crossover scenario link"),
    (lambda link: link.replace("A", "*", 3), "damaged or cut short"),
    (lambda link: link + "A" * 20_000, "longer than any link Crossover makes"),
    (lambda link: "", "not a Crossover scenario link"),
])
def test_damaged_links_are_refused(bot, catalog, damage, message):
    with pytest.raises(ScenarioError, match=message):
        sharing.decode(damage(sharing.encode(bot)), catalog)


def test_a_compression_bomb_is_not_inflated(catalog):
    bomb = pack(b"{" + b" " * 50_000_000 + b"}")  # 50 MB of spaces packs into ~50 kB
    bomb = bomb[:15_000] if len(bomb) > 15_000 else bomb
    with pytest.raises(ScenarioError):
        sharing.decode(bomb, catalog)
    small_bomb = pack(b" " * 5_000_000)
    assert len(small_bomb) < sharing.MAX_PARAM_CHARS
    with pytest.raises(ScenarioError, match="larger than"):
        sharing.decode(small_bomb, catalog)


def test_valid_json_that_is_not_a_scenario(catalog):
    for raw in (b"[1, 2, 3]", b'"text"', json.dumps({"schema_version": 2, "name": "x"}).encode()):
        with pytest.raises(ScenarioError):
            sharing.decode(pack(raw), catalog)


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,            # the 553-character link of issue 16: RecursionError in json
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"[" * 100_000,                             # unbalanced too
])
def test_deeply_nested_json_is_refused_with_a_message(catalog, raw):
    link = pack(raw)
    assert len(link) < 2_000
    with pytest.raises(ScenarioError, match=f"nested more than {MAX_DEPTH} levels"):
        sharing.decode(link, catalog)


@pytest.mark.parametrize("number", ["9" * 5_000, "-" + "9" * 5_000, "1" + "0" * 5_000 + ".5", "1e" + "9" * 5_000])
def test_a_number_with_thousands_of_digits_names_its_field(bot, catalog, number):
    # json.loads used to raise Python's int-string conversion ValueError, shown as "damaged"
    raw = sharing.encode(bot)
    data = json.loads(zlib.decompress(base64.urlsafe_b64decode(raw[2:] + "==")))
    data["workload"]["queries_per_month"] = "NUMBER"
    link = pack(json.dumps(data).replace('"NUMBER"', number).encode())
    with pytest.raises(ScenarioError) as info:
        sharing.decode(link, catalog)
    assert info.value.problems == [f"share link: workload.queries_per_month: a number written with "
                                   f"{len(number):,} characters; the limit is {MAX_NUMBER_CHARS}"]


def test_an_unpaired_surrogate_escape_is_refused_with_its_path(catalog):
    link = pack(b'{"ranges": {"\\ud800": {"dist": "pert", "low": 1, "likely": 2, "high": 3}}}')
    with pytest.raises(ScenarioError) as info:
        sharing.decode(link, catalog)
    assert info.value.problems == [
        "share link: ranges: a key with an unpaired surrogate escape (\\ud800 to \\udfff); it is not Unicode text"]


def test_too_many_values_are_refused_like_a_file(catalog):
    link = pack(b'{"a": [' + b"0," * 150_000 + b"0]}")  # 300 kB of JSON: under the inflate cap
    assert len(link) < sharing.MAX_PARAM_CHARS
    with pytest.raises(ScenarioError) as info:
        sharing.decode(link, catalog)
    assert info.value.problems == ["share link: more than 100,000 values; a scenario needs a few hundred"]


def test_unterminated_strings_are_read_in_one_pass(catalog):
    # 256,000 quote-backslash pairs: a regular expression for JSON strings takes minutes on this
    # (quadratic backtracking; 20,000 pairs took 12 s), the nesting check one pass
    with pytest.raises(ScenarioError, match="damaged or cut short"):
        sharing.decode(pack(b'"\\' * 256_000), catalog)


def test_brackets_inside_strings_are_not_nesting(bot, catalog):
    deep_text = bot.model_copy(update={"description": "[[[[" * 30 + '{"' * 30})
    assert sharing.decode(sharing.encode(deep_text), catalog).description == deep_text.description


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=400),
    st.integers(1, 5_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 5_000).map(lambda n: b'{"name":' * n + b"0" + b"}" * n),
))
def test_any_payload_gives_a_scenario_or_a_message(catalog, payload):
    for link in (pack(payload), sharing.PREFIX + base64.urlsafe_b64encode(payload).decode()):
        try:
            sharing.decode(link, catalog)
        except ScenarioError as exc:
            assert exc.problems and all(p.startswith("share link") for p in exc.problems)


# --- the chart range: ?lo= and ?hi= ----------------------------------------------------------------

OPTIONS = [10.0 ** k for k in range(13)]
DEFAULT = (1e3, 1e9)


def test_a_chart_range_the_charts_offer_is_read_and_a_missing_bound_is_the_default():
    assert sharing.chart_range("1e+06", "1e+12", OPTIONS, DEFAULT) == (1e6, 1e12)
    assert sharing.chart_range(None, "1e+06", OPTIONS, DEFAULT) == (1e3, 1e6)
    assert sharing.chart_range(None, None, OPTIONS, DEFAULT) == DEFAULT


@pytest.mark.parametrize("lo, hi, shown", [
    ("nan", None, "lo=nan"),
    ("1e9", "1e3", "lo=1e9, hi=1e3"),                 # lo must be below hi
    ("2e3", None, "lo=2e3"),                          # not a power of ten the slider offers
    ("1e13", None, "lo=1e13"),
    ("9" * 5_000, None, "lo=" + "9" * sharing.MAX_RANGE_PARAM_CHARS + "... (5,000 characters)"),
])
def test_a_chart_range_the_charts_do_not_offer_is_named(lo, hi, shown):
    with pytest.raises(sharing.LinkParamError) as info:
        sharing.chart_range(lo, hi, OPTIONS, DEFAULT)
    assert str(info.value) == (f"The chart range in the link ({shown}) is not one the charts offer "
                               "(powers of ten from 1 to 1e+12, lo below hi).")

"""Share links: round trip, and every kind of damaged or hostile link refused with a message."""

import base64
import json
import zlib

import pytest

from simulator.scenario import ScenarioError, load_scenario
from simulator.storage import sharing


@pytest.fixture
def bot(catalog):
    return load_scenario("scenarios/support-bot.yaml", catalog)


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

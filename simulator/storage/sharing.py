"""Share links: an edited scenario packed into one URL query parameter, and unpacked safely.

Format: ``1.`` + base64url(zlib(JSON of the scenario without defaults)). Decoding checks the size
of the parameter before anything else and inflates with a hard cap, so a tampered or malicious link
cannot exhaust memory; every failure is a :class:`ScenarioError` with a plain message. The chart
range travels as ``lo`` and ``hi``; :func:`chart_range` reads them or raises :class:`LinkParamError`.
:func:`link_base` says where a link points: the public address the server was given, else the one
the browser used.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Sequence
from urllib.parse import urlsplit

from pricing.catalog import Catalog

from simulator.scenario import Scenario, ScenarioError, parse_scenario_json

PREFIX = "1."
MAX_PARAM_CHARS = 16_000     # beyond this, browsers and chat tools start cutting links
MAX_INFLATED_BYTES = 512_000
MAX_RANGE_PARAM_CHARS = 32  # Crossover writes "1e+12" at most; a longer lo or hi is not a chart bound
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")  # a Host header


class LinkParamError(ValueError):
    """A query parameter Crossover did not write; the message says which and what it accepts."""


def encode(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = scenario.schema_version
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    return PREFIX + packed


def fits_in_link(encoded: str) -> bool:
    return len(encoded) <= MAX_PARAM_CHARS


def decode(param: str, catalog: Catalog | None = None) -> Scenario:
    origin = "share link"
    if not isinstance(param, str) or not param.startswith(PREFIX):
        raise ScenarioError([f"{origin}: not a Crossover scenario link (it should start with {PREFIX!r})"])
    if len(param) > MAX_PARAM_CHARS:
        raise ScenarioError([f"{origin}: {len(param):,} characters is longer than any link Crossover makes"])
    body = param[len(PREFIX):]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_INFLATED_BYTES)
        if inflater.unconsumed_tail:
            raise ScenarioError([f"{origin}: the scenario inside is larger than {MAX_INFLATED_BYTES:,} bytes"])
        if not inflater.eof:
            raise ScenarioError([f"{origin}: the link is cut short; copy it again in full"])
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError([f"{origin}: the link is damaged or cut short; copy it again in full"]) from None
    return parse_scenario_json(text, origin, catalog)


def chart_range(lo: str | None, hi: str | None, options: Sequence[float],
                default: tuple[float, float]) -> tuple[float, float]:
    """The chart range [queries/month] a link's ``lo`` and ``hi`` name; a missing one is the default's.

    Both must be among ``options`` and ``lo`` below ``hi``; else :class:`LinkParamError`."""
    bounds = (_bound(lo, default[0]), _bound(hi, default[1]))
    if None in bounds or bounds[0] not in options or bounds[1] not in options or bounds[0] >= bounds[1]:
        given = ", ".join(f"{name}={_shown(value)}" for name, value in (("lo", lo), ("hi", hi)) if value is not None)
        raise LinkParamError(f"The chart range in the link ({given}) is not one the charts offer "
                             f"(powers of ten from {min(options):g} to {max(options):g}, lo below hi).")
    return bounds


def _bound(text: str | None, default: float) -> float | None:
    if text is None:
        return default
    if not isinstance(text, str) or len(text) > MAX_RANGE_PARAM_CHARS:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _shown(text) -> str:
    text = str(text)
    return text if len(text) <= MAX_RANGE_PARAM_CHARS else f"{text[:MAX_RANGE_PARAM_CHARS]}... ({len(text):,} characters)"


def link_base(public_url: str | None, page_path: str, browser_url: str | None, host: str | None,
              port: int) -> str:
    """The address a shared link (the sidebar's, the report's "Live view") starts with, before ``?``.

    In order: ``public_url`` (``CROSSOVER_PUBLIC_URL``: the address people reach the app at, behind
    a proxy or a DNS name) followed by the current page's ``page_path``; the URL the browser shows
    (``st.context.url``, page included); ``http://`` and the ``Host`` header the browser sent; and
    ``http://localhost:<port>/``. A ``public_url`` that is not an http(s) address raises
    ``ValueError`` naming it; a Host header that is not a host name or address is not used.
    """
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"CROSSOVER_PUBLIC_URL={public_url[:200]!r} is not an http(s) address such as "
                             "https://crossover.example.com/ (no query or #fragment); links use the browser's address")
        return public_url.rstrip("/") + "/" + page_path
    if browser_url:  # Streamlit drops the root's "/" (http://host:8501): put it back
        return browser_url if urlsplit(browser_url).path else browser_url + "/"
    if host and _HOST.fullmatch(host):
        return f"http://{host}/{page_path}"
    return f"http://localhost:{port}/{page_path}"

"""Session state shared by every page: the current scenario, where it came from, and the URL.

The current scenario is kept as its canonical YAML text (``Scenario.to_yaml``), which is also the
cache key of its evaluation. Its origin says what the URL holds: a saved scenario or example by
ref (``?s=support-bot``, ``?s=alice%40example.com/plan``), or an edited one packed into ``?d=...``. Pages read and change the
scenario only through these functions.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import streamlit as st

from app_pages import admission, file_import
from pricing.catalog import Catalog, default_catalog
from simulator.analysis.montecarlo import Simulation, at_volume, simulate
from simulator.model.evaluate import Evaluation, evaluate
from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.storage import location, sharing
from simulator.storage.database import DatabaseStore, StoreError, open_store
from simulator.storage.identity import Identity, IdentityConfig, resolve
from ui import fmt

T = TypeVar("T")  # what state.figure keeps: a Plotly figure, or its drawing (ui.svg_chart.Drawing)

DEFAULT_SLUG = "support-bot"
RANGE_OPTIONS = [10.0**k for k in range(0, 13)]
DEFAULT_CHART_RANGE = (1e3, 1e9)  # queries/month the charts show until the user zooms

_YAML = "scenario_yaml"
_ORIGIN = "scenario_origin"  # {"kind": "example" | "saved" | "edited", "slug": str | None, "version": str | None}
_NOTICE = "scenario_notice"
VOLUME_KEY = "sidebar_volume"  # widget keys: filled from the state before each render
RANGE_KEY = "view_range"
_RANGE = "view_range_value"
_SESSION = "session_id"  # names the session to admission's per-session budget
_PUBLIC_URL_WARNED = "public_url_warned"  # CROSSOVER_PUBLIC_URL is not an address: said once per session
_LEGACY_FAILED = "legacy_saves_failed"  # the copy of the old folder's saves failed: said once per session
_IDENTITY_SAID = "identity_said"  # a bad identity setting or an ignored header: logged once per session


@st.cache_resource(show_spinner=False)
def catalog() -> Catalog:
    return default_catalog()


def store() -> DatabaseStore:
    """The database store at location.database_url (its engine is made once per process and
    shared). The first use of the data folder copies the saves of the folder Crossover used before
    into it, and the first use per process imports the file store's folder into a database never
    used (file_import)."""
    _copy_legacy_saves()
    found = open_store()
    imported = file_import.first_import(found.url)
    if imported:
        _add_notice(imported)
    return found


def _copy_legacy_saves() -> None:
    """location.copy_legacy_saves, said on the server's log (with the paths) and above the page
    (without them: no server path reaches a browser)."""
    try:
        copied = location.copy_legacy_saves()
    except OSError as exc:
        if not st.session_state.get(_LEGACY_FAILED):  # once per session, not on every rerun
            st.session_state[_LEGACY_FAILED] = True
            reason = exc.strerror or type(exc).__name__
            print(f"Crossover: the saves in {location.LEGACY_DIR} could not be copied to "
                  f"{location.scenario_dir()}: {exc}", file=sys.stderr, flush=True)
            _add_notice(f"The scenarios saved where Crossover kept them before (`scenarios/saved` in its folder) "
                        f"could not be copied to its data folder ({reason}); they are still there.")
        return
    if copied is not None:
        print(copied.sentence(), file=sys.stderr, flush=True)
        what = "1 saved scenario was" if copied.scenarios == 1 else f"{copied.scenarios:,} saved scenarios were"
        _add_notice(f"{what} copied from where Crossover kept them before "
                    "(`scenarios/saved` in its folder) to its data folder (`CROSSOVER_DATA_DIR`); the old folder "
                    "is left as it was.")


@st.cache_resource(show_spinner=False, max_entries=128)
def _parse(yaml_text: str) -> Scenario:
    return parse_scenario(yaml_text, "scenario", catalog())


@st.cache_resource(show_spinner=False, max_entries=64)
def _evaluate(yaml_text: str) -> Evaluation:
    return evaluate(_parse(yaml_text), catalog())


def prepare(example: Scenario) -> Evaluation:
    """Parse and evaluate ``example`` into the caches its first visitor reads (scripts/serve.py calls
    it before the server starts, so a fresh server's first chart does not wait for them)."""
    text = example.to_yaml()
    _parse(text)
    return _evaluate(text)


class PageEnd(Exception):
    """Raised by :func:`end_page`; app.py catches it and draws the sidebar after the page."""


def end_page() -> None:
    """End the page here (nothing more to show), as ``st.stop()`` would, but let app.py draw the
    sidebar after it: the sidebar is drawn after the page, so that a new session's first chart is not
    behind it (issue 13), and after ``st.stop()`` every further Streamlit call stops again."""
    raise PageEnd


# --- The current scenario ---------------------------------------------------------------------------


def init() -> None:
    """Fill the session from the URL on its first run; a bad link falls back to the default."""
    if _YAML in st.session_state:
        return
    params = st.query_params
    try:
        if "d" in params:
            _set(sharing.decode(params["d"], catalog()), {"kind": "edited", "slug": None, "version": None})
        elif "s" in params:
            load(params["s"])
        else:
            load(DEFAULT_SLUG)
    except (ScenarioError, StoreError) as exc:  # the message repeats what the link holds: shown as text
        _add_notice(f"The link could not be opened, so the default scenario is shown instead. {fmt.plain(str(exc))}")
        load(DEFAULT_SLUG)
    st.session_state[_RANGE] = _range_from_params(params)


def _range_from_params(params) -> tuple[float, float]:
    try:
        return sharing.chart_range(params.get("lo"), params.get("hi"), RANGE_OPTIONS, DEFAULT_CHART_RANGE)
    except sharing.LinkParamError as exc:
        _add_notice(f"{fmt.plain(str(exc))} The default range is shown.")
        return DEFAULT_CHART_RANGE


def _add_notice(text: str) -> None:
    """Shown once above the page; a second notice of the same run follows the first."""
    before = st.session_state.get(_NOTICE)
    st.session_state[_NOTICE] = f"{before}\n\n{text}" if before else text


def load(slug: str) -> None:
    """Open a saved scenario or shipped example by its ref in the store (``<owner>/<id>`` or an id),
    as this session's user may see it; the origin keeps the ref that names it (an old bare id
    becomes ``<owner>/<id>``)."""
    opened = store().open(slug, catalog(), viewer=identity().actor)
    _set(opened.scenario, {"kind": "example" if opened.read_only else "saved", "slug": opened.ref,
                           "version": opened.version})


def _set(scenario: Scenario, origin: dict, yaml_text: str | None = None) -> None:
    """``yaml_text``: the scenario's ``to_yaml()`` when the caller has it already (a volume change
    writes it once, not twice: a dump is about 7 ms)."""
    if scenario.notices:
        st.session_state[_NOTICE] = "This scenario was written for an older Crossover and was upgraded: " + \
            "; ".join(scenario.notices)
    st.session_state[_YAML] = scenario.to_yaml() if yaml_text is None else yaml_text
    st.session_state[_ORIGIN] = origin


def scenario() -> Scenario:
    return _parse(st.session_state[_YAML])


def parse(yaml_text: str) -> Scenario:
    """A scenario from canonical YAML text (cached)."""
    return _parse(yaml_text)


def scenario_yaml() -> str:
    return st.session_state[_YAML]


def origin() -> dict:
    return st.session_state[_ORIGIN]


def replace(changed: Scenario) -> None:
    """The user edited the scenario: it keeps its name in the store but is now unsaved."""
    text = changed.to_yaml()
    if text == scenario_yaml():
        return
    before = origin()
    _set(changed, {"kind": "edited", "slug": before.get("slug"), "version": before.get("version")}, text)


def mark_saved(slug: str, version: str) -> None:
    st.session_state[_ORIGIN] = {"kind": "saved", "slug": slug, "version": version}


def set_volume(queries_per_month: float) -> None:
    current = scenario()
    if not math.isfinite(queries_per_month) or queries_per_month <= 0:
        return
    try:
        replace(current.with_point("workload.queries_per_month", float(queries_per_month)))
    except ValueError:  # a ranged volume whose range, moved along, would leave 1 .. 1e12
        spec = current.ranges["workload.queries_per_month"]
        st.session_state[_NOTICE] = (f"The volume was not changed: its range ({spec.describe()}) moved to "
                                     f"{queries_per_month:,.0f} queries/month would leave 1 to 1e12. Edit the "
                                     "range in the Scenario editor's Uncertainty tab.")


def evaluation() -> Evaluation:
    return _evaluate(scenario_yaml())


PROGRESS_FROM_DRAWS = 5000  # below this a run takes about a second: no progress bar
_SIMULATIONS_KEPT = 8
# Monte Carlo results shared by every session of this process, newest last. Keyed by the scenario's
# YAML (the seed is in it) with a volume that is not ranged set to 1: moving the volume then only
# rereads the draws' costs at the new volume (``montecarlo.at_volume``). scripts/serve.py fills it
# for the shipped examples before the server starts.
_SIMULATIONS: OrderedDict[str, Simulation] = OrderedDict()
_SIMULATIONS_LOCK = threading.Lock()
_VOLUME = "workload.queries_per_month"


def _simulation_key(current: Scenario) -> str:
    return _simulation_key_of(current.to_yaml())


@functools.lru_cache(maxsize=256)
def _simulation_key_of(yaml_text: str) -> str:
    current = _parse(yaml_text)
    return yaml_text if _VOLUME in current.ranges else current.with_point(_VOLUME, 1.0).to_yaml()


def remember_simulation(current: Scenario, result: Simulation) -> None:
    with _SIMULATIONS_LOCK:
        _SIMULATIONS[_simulation_key(current)] = result
        _SIMULATIONS.move_to_end(_simulation_key(current))
        while len(_SIMULATIONS) > _SIMULATIONS_KEPT:
            _SIMULATIONS.popitem(last=False)


def simulation_ready() -> bool:
    """Whether the current scenario's Monte Carlo is already computed (then it costs milliseconds)."""
    with _SIMULATIONS_LOCK:
        return _simulation_key_of(scenario_yaml()) in _SIMULATIONS


def simulation(status=None) -> Simulation | None:
    """The current scenario's Monte Carlo, with a progress bar for large draw counts; None, with
    the reason shown on the page, when the server's limits refuse a run (``admission``). The wait,
    the progress and a refusal are drawn in ``status`` (an ``st.empty()``; default: here)."""
    current, ev = scenario(), evaluation()
    key = _simulation_key_of(scenario_yaml())
    with _SIMULATIONS_LOCK:
        result = _SIMULATIONS.get(key)
        if result is not None:
            _SIMULATIONS.move_to_end(key)
    if result is None:
        slot = status if status is not None else st.empty()
        try:
            result = _run_simulation(current, ev, slot)
        except admission.Refused as exc:
            slot.warning(f"No uncertainty bands this time: {exc} The numbers shown use the point values.")
            return None
        remember_simulation(current, result)
    volume = float(current.workload.queries_per_month)
    if result.volume is not None and result.volume != volume:
        result = at_volume(result, ev, volume)
    return result


_FIGURES = "volume_free_figures"
_FIGURES_KEPT = 12  # the landing page's five figures and two drawings, with room for a range change


def figure(name: str, build: Callable[[], T], *inputs) -> T:
    """A figure (or its drawing) of the current scenario that does not change with its volume, built
    by ``build`` once while the scenario (volume aside, keyed as the Monte Carlo is), its feasible setups and ``inputs``
    (chart range, pair...) stay the same. A volume change then only moves the caller's volume marker
    (``charts.volume_marker``) instead of building and validating every trace again. Kept per session,
    not shared between sessions, because the caller sets that marker on the figure in place."""
    key = (name, _simulation_key_of(scenario_yaml()), tuple(evaluation().feasible), *inputs)
    kept = st.session_state.setdefault(_FIGURES, OrderedDict())
    if key not in kept:
        kept[key] = build()
        while len(kept) > _FIGURES_KEPT:
            kept.popitem(last=False)
    return kept[key]


_GATE = admission.Gate()  # one per server process: every session's runs pass it


def _run_simulation(current: Scenario, ev: Evaluation, slot) -> Simulation:
    draws = current.uncertainty.draws

    def waiting(ahead: int) -> None:
        slot.info(f"Monte Carlo ({draws:,} draws) waits for the server: {ahead} run{'s' if ahead != 1 else ''} "
                  "ahead of it. The point values are shown meanwhile.")

    cost = admission.work(draws, len(current.ranges))
    with _GATE.slot(st.session_state.setdefault(_SESSION, uuid.uuid4().hex), cost, waiting):
        bar = slot.progress(0.0, text=f"Monte Carlo: {draws:,} draws") if draws >= PROGRESS_FROM_DRAWS else None
        result = simulate(ev, progress=None if bar is None else
                          lambda done: bar.progress(done, text=f"Monte Carlo: {done * draws:,.0f} of {draws:,} draws"))
    slot.empty()
    return result


def set_uncertainty(**settings) -> None:
    """Change the Monte Carlo settings (draws, seed) of the current scenario."""
    data = scenario().model_dump()
    data["uncertainty"].update(settings)
    try:
        replace(Scenario.model_validate(data))
    except ValueError as exc:  # a bound the widget does not enforce: say so, keep the scenario
        st.session_state[_NOTICE] = f"Monte Carlo settings not changed: {fmt.plain(str(exc))}"


def pop_notice() -> str | None:
    return st.session_state.pop(_NOTICE, None)


def view_range() -> tuple[float, float]:
    return tuple(st.session_state.get(_RANGE, DEFAULT_CHART_RANGE))


def set_view_range(value) -> None:
    lo, hi = value
    if lo < hi:
        st.session_state[_RANGE] = (float(lo), float(hi))


def bind(widget_key: str, value) -> None:
    """Show ``value`` in a keyed widget before it renders, so it follows changes made elsewhere.

    (Range select-sliders misbehave when set this way in Streamlit 1.67: give them ``value=``.)"""
    st.session_state[widget_key] = value


# --- Who is who ------------------------------------------------------------------------------------


def sign_in_configured() -> bool:
    """Whether ``[auth]`` is in the secrets, so ``st.login`` can work. No secrets file at all is
    Streamlit's FileNotFoundError: not configured."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def identity() -> Identity:
    """Who this session is (simulator/storage/identity.py): the signed-in user, else the trusted
    proxy's header, else anonymous. A bad CROSSOVER_* identity setting leaves everyone anonymous and
    says so above the page and on the server's log; so does a header that was not believed."""
    context = st.context
    headers = {name: context.headers.get_all(name) for name in context.headers}
    signed_in = None
    if sign_in_configured():
        claims = st.user.to_dict()
        signed_in = claims if claims.get("is_logged_in") else None
    try:
        config = IdentityConfig.from_env()
    except ValueError as exc:
        _say_once(f"Crossover: identity settings: {exc}; everyone is anonymous until it is fixed.",
                  f"Everyone is anonymous: the server's identity settings are wrong ({fmt.plain(str(exc))}).")
        config = IdentityConfig()
    who = resolve(signed_in, headers, context.ip_address, config)
    if who.ignored:
        _say_once(f"Crossover: {who.ignored}.", f"{fmt.plain(who.ignored)}, so your changes are recorded as anonymous.")
    return who


def _say_once(log_line: str, notice: str) -> None:
    """On the server's log and above the page, once per session (pages call identity() on every run)."""
    if st.session_state.get(_IDENTITY_SAID) == log_line:
        return
    st.session_state[_IDENTITY_SAID] = log_line
    print(log_line, file=sys.stderr, flush=True)
    _add_notice(notice)


# --- The URL ----------------------------------------------------------------------------------------


def url_params() -> dict[str, str]:
    """Query parameters that reproduce what is on screen."""
    o = origin()
    params: dict[str, str] = {}
    if o["kind"] == "edited":
        params["d"] = sharing.encode(scenario())
    else:
        params["s"] = o["slug"]
    lo, hi = view_range()
    if (lo, hi) != DEFAULT_CHART_RANGE:
        params["lo"], params["hi"] = f"{lo:g}", f"{hi:g}"
    return params


def sync_url() -> None:
    params = url_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def share_url(page_path: str) -> str:
    """The link to this view, on ``page_path`` (the current page's ``url_path``): the address
    ``CROSSOVER_PUBLIC_URL`` gives, else the one the browser used (sharing.link_base)."""
    where = (page_path, st.context.url, st.context.headers.get("host"), st.get_option("server.port"))
    try:
        base = sharing.link_base(os.environ.get("CROSSOVER_PUBLIC_URL"), *where)
    except ValueError as exc:  # a misconfigured server still gives a working link: the browser's
        if not st.session_state.get(_PUBLIC_URL_WARNED):
            st.session_state[_PUBLIC_URL_WARNED] = True
            _add_notice(fmt.plain(str(exc)))
        base = sharing.link_base(None, *where)
    return f"{base}?{urlencode(url_params(), safe='/')}"  # ?s=<owner>/<id>: the owner percent-encoded

"""Who is who in a real browser: sign in through an OpenID Connect provider and have the library's
audit log name you; a header claiming a name from an address that is not a trusted proxy changes nothing.

The provider is oidc-provider-mock on a free local port (its sign-in page takes any subject, which
becomes the user's email claim). A second Streamlit server reads a secrets file written to the
test's temporary folder (``--secrets.files``), so no secret is ever in the repository.
"""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from simulator.storage.database import open_store

from .conftest import ARTIFACTS, free_port, streamlit_server, wait_until_answers

SAVE_AS = "Save as new scenario"


@pytest.fixture(scope="module")
def provider():
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS.parent / "oidc-provider.log", "w")
    # Its own process: the mock sets AUTHLIB_INSECURE_TRANSPORT for itself, to serve plain http.
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/.well-known/openid-configuration", proc,
                           "oidc-provider-mock did not start; see test-artifacts/oidc-provider.log", timeout_s=30)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def auth_server(provider, tmp_path_factory):
    folder = tmp_path_factory.mktemp("auth")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{'c' * 32}"
client_id = "crossover-test"
client_secret = "not-a-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""")
    database = f"sqlite:///{folder / 'crossover.db'}"
    env = {"CROSSOVER_SCENARIO_DIR": str(folder / "saved"), "CROSSOVER_DATABASE_URL": database,
           # The browser connects from 127.0.0.1, which is not a trusted proxy here: its header is a spoof.
           "CROSSOVER_USER_HEADER": "X-Forwarded-User", "CROSSOVER_TRUSTED_PROXIES": "10.0.0.0/8",
           # Authlib refuses an http:// token endpoint unless told this is a test.
           "AUTHLIB_INSECURE_TRANSPORT": "1"}
    with streamlit_server(env, "streamlit-auth-server.log", "--secrets.files", str(secrets), port=port) as url:
        yield url, database


def audit_users(database: str) -> list[str]:
    """Oldest first, as the audit log's lines were."""
    return [r["user"] for r in reversed(open_store(database).audit_log(100))]


def save_as(page, name: str) -> None:
    page.get_by_label("Save as (name)").fill(name)
    page.get_by_role("button", name=SAVE_AS).click()
    page.get_by_text(f"Saved as '{name}'").wait_for()


def recent_change(page, name: str):
    """The row of "Recent changes" for scenario ``name``; its fifth cell is the user. The grid draws on
    a canvas; its cells are also in a table for screen readers, in the page but not "visible" to
    Playwright, so they are found by CSS."""
    return page.locator("details[open] [data-testid='stDataFrame'] tr", has_text=name)


def test_sign_in_then_a_save_is_recorded_under_the_signed_in_user(auth_server, browser, shot):
    url, database = auth_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(url)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/oauth2/authorize"))
        page.get_by_placeholder("sub").fill("alice@example.com")
        page.get_by_role("button", name="Authorize").click()
        # fmt.plain puts an invisible word joiner after "@"
        sidebar.get_by_text(re.compile("Signed in as alice@\u2060?example\\.com")).wait_for()
        shot(page, "signed-in")

        page.goto(f"{url}/library")
        page.get_by_text(re.compile("Your changes are recorded as alice@\u2060?example\\.com \\(signed in\\)")
                         ).wait_for()
        save_as(page, "Alice's plan")
        assert audit_users(database)[-1] == "alice@example.com"
        page.get_by_text("Recent changes").click()
        expect(recent_change(page, "Alice's plan").locator("td").nth(4)).to_have_text("alice@example.com")
        shot(page, "recent-changes")

        # Sign out ends the session at the provider too (its end_session page asks), then comes back
        sidebar.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()
        sidebar.get_by_role("button", name="Sign in").wait_for()
        assert not sidebar.get_by_text("Signed in as").count()
    finally:
        context.close()


def test_a_spoofed_user_header_from_an_untrusted_address_is_ignored(auth_server, browser, shot):
    url, database = auth_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  extra_http_headers={"X-Forwarded-User": "mallory"})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{url}/library")
        page.get_by_text("X-Forwarded-User was ignored: it came from a local connection").wait_for()
        page.get_by_text("Your changes are recorded as anonymous.", exact=True).wait_for()
        save_as(page, "Spoofed plan")
        assert audit_users(database)[-1] == "anonymous"
        page.get_by_text("Recent changes").click()
        expect(recent_change(page, "Spoofed plan").locator("td").nth(4)).to_have_text("anonymous")
        assert "mallory" not in page.content()  # nowhere: not in the notice, the caption or the log's table
        shot(page, "spoof-ignored")
    finally:
        context.close()


def sign_in(page, url: str, who: str) -> None:
    page.goto(url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"))
    page.get_by_placeholder("sub").fill(who)
    page.get_by_role("button", name="Authorize").click()
    sidebar.get_by_text(re.compile("Signed in as " + re.escape(who).replace("@", "@\u2060?"))).wait_for()


def test_a_private_scenarios_link_opens_for_its_owner_and_is_not_shared_with_anyone_else(auth_server, browser, shot):
    url, database = auth_server
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(3)]
    alice, bob, visitor = (c.new_page() for c in contexts)
    for page in (alice, bob, visitor):
        page.set_default_timeout(30_000)
    try:
        sign_in(alice, url, "alice@example.com")
        alice.goto(f"{url}/library")
        alice.get_by_label("Save as (name)").fill("Alice's secret")
        alice.get_by_text("Private (only me)").click()
        alice.get_by_role("button", name=SAVE_AS).click()
        alice.get_by_text("Saved as 'Alice's secret'").wait_for()
        [entry] = [e for e in open_store(database).entries() if e.name == "Alice's secret"] or [None]
        assert entry is None  # an anonymous reader does not see it
        alice.get_by_test_id("stSidebar").get_by_role("button", name="Share this view").click()
        link = alice.locator("[data-testid='stCode']").inner_text().strip()
        alice.keyboard.press("Escape")
        assert "?s=alice%40example.com/alice-s-secret" in link
        shot(alice, "private-saved")

        sign_in(bob, url, "bob@example.com")
        for page in (bob, visitor):
            page.goto(link)
            page.get_by_text("is not shared with you").wait_for()
            sidebar = page.get_by_test_id("stSidebar").inner_text()
            assert "Customer-support bot" in sidebar and "Alice's secret" not in page.content()
        shot(bob, "private-link-not-shared")
        bob.goto(f"{url}/library")
        bob.get_by_text("Save the current scenario").wait_for()
        assert "Alice's secret" not in bob.content()

        alice.goto(link)
        alice.get_by_test_id("stSidebar").get_by_text("Alice's secret").wait_for()
    finally:
        for context in contexts:
            context.close()

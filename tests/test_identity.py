"""Who is who (simulator/storage/identity.py): sign-in first, a proxy's header only from a trusted
address, anonymous otherwise; and configuration that is wrong says which variable to fix."""

import pytest

from simulator.storage.audit import Actor
from simulator.storage.identity import IdentityConfig, resolve

PROXIED = IdentityConfig.from_env({"CROSSOVER_USER_HEADER": "X-Forwarded-User",
                                   "CROSSOVER_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, fd00::/8",
                                   "CROSSOVER_ADMINS": "Alice@Example.com,root"})
NO_PROXY = IdentityConfig.from_env({})
ALICE = {"is_logged_in": True, "iss": "https://id.example.com", "sub": "u-123", "email": "alice@example.com"}


def test_unset_variables_mean_no_proxy_identity_and_no_admins():
    assert NO_PROXY == IdentityConfig()
    who = resolve(None, {"X-Forwarded-User": "mallory"}, "10.1.2.3", NO_PROXY)
    assert (who.user, who.source, who.is_admin, who.ignored) == ("anonymous", "anonymous", False, None)


def test_a_signed_in_user_is_their_email_with_the_issuer_kept():
    who = resolve(ALICE, {}, "203.0.113.7", PROXIED)
    assert (who.user, who.source, who.issuer, who.client) == ("alice@example.com", "oidc", "https://id.example.com",
                                                              "203.0.113.7")
    assert who.actor == Actor(user="alice@example.com", client="203.0.113.7", admin=True)  # an admin in PROXIED


def test_without_an_email_claim_the_subject_names_the_user():
    who = resolve({k: v for k, v in ALICE.items() if k != "email"}, {}, None, PROXIED)
    assert (who.user, who.source) == ("u-123", "oidc")


def test_sign_in_wins_over_a_proxy_header():
    who = resolve(ALICE, {"X-Forwarded-User": "bob"}, "10.0.0.2", PROXIED)
    assert (who.user, who.source) == ("alice@example.com", "oidc")


def test_claims_with_neither_email_nor_subject_are_not_a_sign_in():
    who = resolve({"is_logged_in": True, "email": " ", "sub": 42}, {}, "203.0.113.7", NO_PROXY)
    assert (who.user, who.source) == ("anonymous", "anonymous")


def test_admins_are_matched_case_insensitively_whatever_the_source():
    assert resolve({"sub": "x", "email": "ALICE@example.com"}, {}, None, PROXIED).is_admin
    assert resolve(None, {"x-forwarded-user": "Root"}, "10.9.8.7", PROXIED).is_admin
    assert not resolve(None, {"X-Forwarded-User": "bob"}, "10.9.8.7", PROXIED).is_admin


def test_the_header_from_a_trusted_proxy_names_the_user():
    who = resolve(None, {"x-forwarded-user": " bob "}, "10.20.30.40", PROXIED)  # names compare case-insensitively
    assert (who.user, who.source, who.client, who.ignored) == ("bob", "proxy", "10.20.30.40", None)
    assert who.actor == Actor(user="bob", client="10.20.30.40")


def test_a_loopback_connection_is_trusted_when_loopback_is_listed():
    # Streamlit reports no address (None) for 127.0.0.1 and ::1
    who = resolve(None, {"X-Forwarded-User": "bob"}, None, PROXIED)
    assert (who.user, who.source, who.client) == ("bob", "proxy", "local")
    v6_loopback = IdentityConfig.from_env({"CROSSOVER_USER_HEADER": "X-User", "CROSSOVER_TRUSTED_PROXIES": "::1"})
    assert resolve(None, {"X-User": "bob"}, None, v6_loopback).source == "proxy"


def test_a_spoofed_header_from_an_untrusted_address_is_ignored_with_a_reason_that_does_not_repeat_it():
    spoof = "admin](http://evil.example/x.png)"
    who = resolve(None, {"X-Forwarded-User": spoof}, "203.0.113.9", PROXIED)
    assert (who.user, who.source, who.is_admin) == ("anonymous", "anonymous", False)
    assert who.ignored == ("X-Forwarded-User was ignored: it came from 203.0.113.9, which is not in "
                           "CROSSOVER_TRUSTED_PROXIES")
    assert who.actor == Actor(user="anonymous", client="203.0.113.9")


def test_a_local_connection_is_not_trusted_unless_loopback_is_listed():
    remote_only = IdentityConfig.from_env({"CROSSOVER_USER_HEADER": "X-Forwarded-User",
                                           "CROSSOVER_TRUSTED_PROXIES": "10.0.0.0/8"})
    who = resolve(None, {"X-Forwarded-User": "root"}, None, remote_only)
    assert who.source == "anonymous" and "a local connection" in who.ignored


def test_ipv6_proxies_and_clients():
    assert resolve(None, {"X-Forwarded-User": "bob"}, "fd12:3456::1", PROXIED).source == "proxy"
    assert resolve(None, {"X-Forwarded-User": "bob"}, "fe80::1%eth0", PROXIED).source == "anonymous"
    outside = resolve(None, {"X-Forwarded-User": "bob"}, "2001:db8::5", PROXIED)
    assert outside.source == "anonymous" and "2001:db8::5" in outside.ignored
    # an IPv4 client on a dual-stack socket: ::ffff:10.1.1.1 is 10.1.1.1
    assert resolve(None, {"X-Forwarded-User": "bob"}, "::ffff:10.1.1.1", PROXIED).source == "proxy"


def test_an_address_that_does_not_parse_is_untrusted_and_not_repeated():
    who = resolve(None, {"X-Forwarded-User": "bob"}, "<b>10.0.0.1</b>", PROXIED)
    assert who.source == "anonymous" and "<b>" not in who.ignored and "does not parse" in who.ignored


def test_a_header_sent_twice_is_ignored_even_from_a_trusted_proxy():
    # a proxy that appends its own value beside the client's: the first one may be the client's
    who = resolve(None, {"X-Forwarded-User": ["mallory", "bob"]}, "10.0.0.1", PROXIED)
    assert who.source == "anonymous" and who.ignored == "X-Forwarded-User was ignored: it was sent 2 times"
    assert resolve(None, {"X-Forwarded-User": ["bob"]}, "10.0.0.1", PROXIED).user == "bob"


def test_control_characters_in_the_header_are_refused():
    who = resolve(None, {"X-Forwarded-User": "bob\nadmin"}, "10.0.0.1", PROXIED)
    assert who.source == "anonymous" and "control characters" in who.ignored and "admin" not in who.ignored


def test_an_empty_header_from_the_proxy_is_anonymous_without_complaint():
    # deploy/nginx.conf sends X-Forwarded-User empty when no one signed in in front of it
    who = resolve(None, {"X-Forwarded-User": ""}, "10.0.0.1", PROXIED)
    assert (who.source, who.ignored) == ("anonymous", None)
    assert resolve(None, {}, "203.0.113.9", PROXIED).ignored is None  # no header, nothing to ignore


@pytest.mark.parametrize(("env", "message"), [
    ({"CROSSOVER_USER_HEADER": "X-User", "CROSSOVER_TRUSTED_PROXIES": "10.0.0/8"},
     r"CROSSOVER_TRUSTED_PROXIES: '10.0.0/8' is not an IP address or network"),
    ({"CROSSOVER_USER_HEADER": "X-User", "CROSSOVER_TRUSTED_PROXIES": "10.0.0.1/8"},
     r"CROSSOVER_TRUSTED_PROXIES: '10.0.0.1/8' .*has host bits set"),
    ({"CROSSOVER_TRUSTED_PROXIES": "proxy.internal"}, r"CROSSOVER_TRUSTED_PROXIES: 'proxy.internal'"),
    ({"CROSSOVER_USER_HEADER": "X User"}, r"CROSSOVER_USER_HEADER: 'X User' is not a header name"),
    ({"CROSSOVER_USER_HEADER": "X-User"}, r"CROSSOVER_USER_HEADER is X-User but CROSSOVER_TRUSTED_PROXIES is empty"),
])
def test_bad_configuration_names_the_variable(env, message):
    with pytest.raises(ValueError, match=message):
        IdentityConfig.from_env(env)

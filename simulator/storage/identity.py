"""Who is making a request, as far as the server can tell: signed in, named by a trusted proxy, or anonymous.

Three sources, in this order:

1. ``oidc``: the user signed in through Streamlit's ``st.login`` (an OpenID Connect provider
   configured in ``[auth]`` of ``secrets.toml``). The name is the ID token's ``email`` claim, else its
   ``sub``; the issuer (``iss``) is kept beside it.
2. ``proxy``: the header ``CROSSOVER_USER_HEADER`` names the user, and it is believed only when the
   connection comes from an address in ``CROSSOVER_TRUSTED_PROXIES``. The same header from anywhere
   else is ignored, with a reason (``Identity.ignored``) for the page and the server's log; the
   reason never repeats what the header said.
3. ``anonymous``: everyone else.

``CROSSOVER_ADMINS`` lists the users (names or e-mail addresses, compared case-insensitively) who
are administrators. Pure: no Streamlit; ``app_pages/state.identity`` feeds it from ``st.user`` and
``st.context``.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from simulator.storage.audit import Actor

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ANONYMOUS = "anonymous"
# Streamlit's st.context.ip_address reports no address for a connection from 127.0.0.1 or ::1:
# ``client_ip=None`` is such a loopback connection, recorded in the audit log as "local".
LOCAL_CLIENT = "local"
_LOOPBACK = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
# RFC 9110's token characters: what a header name may hold.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# A user name from a proxy with control characters in it is not what any proxy means to send.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class IdentityConfig:
    user_header: str | None = None  # the one header a trusted proxy names the user in
    trusted_proxies: tuple[Network, ...] = ()
    admins: frozenset[str] = frozenset()  # case-folded

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> IdentityConfig:
        """Read ``CROSSOVER_USER_HEADER``, ``CROSSOVER_TRUSTED_PROXIES`` and ``CROSSOVER_ADMINS``.
        Raises ``ValueError`` naming the variable and what to write instead."""
        header = env.get("CROSSOVER_USER_HEADER", "").strip() or None
        if header is not None and not _HEADER_NAME.fullmatch(header):
            raise ValueError(f"CROSSOVER_USER_HEADER: {header!r} is not a header name; write one name such as "
                             "X-Forwarded-User")
        proxies = tuple(_network(item) for item in _items(env.get("CROSSOVER_TRUSTED_PROXIES", "")))
        if header is not None and not proxies:
            raise ValueError(f"CROSSOVER_USER_HEADER is {header} but CROSSOVER_TRUSTED_PROXIES is empty, so no "
                             "connection could set it: list the proxy's addresses (e.g. 127.0.0.1,10.0.0.0/8), "
                             "or unset CROSSOVER_USER_HEADER")
        admins = frozenset(item.casefold() for item in _items(env.get("CROSSOVER_ADMINS", "")))
        return cls(user_header=header, trusted_proxies=proxies, admins=admins)

    def trusts(self, client_ip: str | None) -> bool:
        """Whether a connection from ``client_ip`` (None: loopback, as Streamlit reports it) comes
        from a trusted proxy. An address that does not parse is not trusted."""
        if client_ip is None:
            addresses = _LOOPBACK
        else:
            try:
                address = ipaddress.ip_address(client_ip.split("%", 1)[0])  # an IPv6 zone is no part of it
            except ValueError:
                return False
            # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d: check it as IPv4 too.
            mapped = getattr(address, "ipv4_mapped", None)
            addresses = (address,) if mapped is None else (address, mapped)
        return any(a in net for a in addresses for net in self.trusted_proxies if a.version == net.version)


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _network(item: str) -> Network:
    try:
        return ipaddress.ip_network(item)  # strict: 10.0.0.1/8 is refused, not silently widened
    except ValueError as exc:
        raise ValueError(f"CROSSOVER_TRUSTED_PROXIES: {item!r} is not an IP address or network ({exc}); write "
                         "addresses or CIDRs separated by commas, e.g. 127.0.0.1,10.0.0.0/8,::1") from None


@dataclass(frozen=True)
class Identity:
    user: str
    source: Literal["oidc", "proxy", "anonymous"]
    is_admin: bool = False
    client: str = LOCAL_CLIENT  # the connection's address as Streamlit reports it
    issuer: str | None = None  # the OIDC provider that vouched for ``user``
    ignored: str | None = None  # why a proxy header was not believed; never contains its value

    @property
    def actor(self) -> Actor:
        """Who the audit log records."""
        return Actor(user=self.user, client=self.client, admin=self.is_admin)


def resolve(signed_in: Mapping | None, headers: Mapping[str, str | Sequence[str]], client_ip: str | None,
            config: IdentityConfig) -> Identity:
    """The identity of one request.

    ``signed_in``: the ID token's claims when the user is signed in (``st.user``), else None.
    ``headers``: the request's headers; a value may be the list of every value received.
    ``client_ip``: the connection's address, None for a loopback one (``st.context.ip_address``).
    """
    client = client_ip or LOCAL_CLIENT
    if signed_in:
        user = _claim(signed_in, "email") or _claim(signed_in, "sub")
        if user:
            return Identity(user=user, source="oidc", is_admin=user.casefold() in config.admins, client=client,
                            issuer=_claim(signed_in, "iss"))
    if config.user_header is None:
        return Identity(user=ANONYMOUS, source="anonymous", client=client)
    values = _header_values(headers, config.user_header)
    if not values:
        return Identity(user=ANONYMOUS, source="anonymous", client=client)
    if not config.trusts(client_ip):
        return Identity(user=ANONYMOUS, source="anonymous", client=client,
                        ignored=f"{config.user_header} was ignored: it came from {_where(client_ip)}, which is not in "
                                "CROSSOVER_TRUSTED_PROXIES")
    if len(values) > 1:  # a proxy that adds its header beside the client's, instead of replacing it
        return Identity(user=ANONYMOUS, source="anonymous", client=client,
                        ignored=f"{config.user_header} was ignored: it was sent {len(values)} times")
    user = values[0].strip()
    if _CONTROL.search(user):
        return Identity(user=ANONYMOUS, source="anonymous", client=client,
                        ignored=f"{config.user_header} was ignored: it holds control characters")
    if not user:  # the proxy cleared it: nobody is signed in there
        return Identity(user=ANONYMOUS, source="anonymous", client=client)
    return Identity(user=user, source="proxy", is_admin=user.casefold() in config.admins, client=client)


def _claim(claims: Mapping, name: str) -> str | None:
    value = claims.get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def _where(client_ip: str | None) -> str:
    """The connection's address for a message: only what parses as an address is repeated (behind
    a local proxy, Streamlit's server takes the address from X-Forwarded-For, which a client writes)."""
    if client_ip is None:
        return "a local connection"
    try:
        return str(ipaddress.ip_address(client_ip.split("%", 1)[0]))
    except ValueError:
        return "an address that does not parse"


def _header_values(headers: Mapping[str, str | Sequence[str]], name: str) -> list[str]:
    """Every value of header ``name`` (compared case-insensitively, as HTTP does)."""
    values: list[str] = []
    for key, value in headers.items():
        if key.lower() == name.lower():
            values.extend([value] if isinstance(value, str) else value)
    return values

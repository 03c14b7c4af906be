"""Who a saved scenario belongs to, who may see it, and how a link names it.

A scenario's *owner* is the author of its first version; one saved by an anonymous visitor or
brought in by the first import (``audit.UNOWNED``) belongs to nobody (:data:`NOBODY` in the
``scenarios.owner`` column). Its *visibility* is :data:`SHARED` (everyone who can open the app: the
team, behind sign-in) or :data:`PRIVATE` (its owner and admins only); a scenario of nobody is always
shared. Ids (slugs) and names are unique per owner, so two authors may both have a "Plan".

A *ref* names one live scenario: ``<owner>/<slug>`` for an owned one, ``<slug>`` for one of nobody.
The owner comes first and may hold anything a user id holds (an e-mail, a ``/``); the slug never
holds a ``/``, so the last one splits them. A bare ``<slug>`` is also what links made before owners
existed hold: it opens the scenario of nobody with that id, else the oldest one with that id the
viewer may see (``access.find``), the one such a link was made for when ids were unique.
"""

from __future__ import annotations

from simulator.storage.audit import FIELD_CHARS, UNOWNED, Actor
from simulator.storage.errors import StoreError
from simulator.storage.slugs import SLUG

NOBODY = ""  # the owner of a scenario that belongs to nobody
SHARED, PRIVATE = "shared", "private"
VISIBILITIES = (SHARED, PRIVATE)


def owner_of(user: str) -> str:
    """The owner a new scenario saved by ``user`` gets: NOBODY for an anonymous visitor or the import."""
    return NOBODY if user in UNOWNED else str(user)[:FIELD_CHARS]


def ref_of(owner: str | None, slug: str) -> str:
    return f"{owner}/{slug}" if owner else slug


def parse(ref: str) -> tuple[str | None, str]:
    """The owner (None: a bare id) and the id (lower case, as stored) ``ref`` names; anything else
    is refused with what a ref is."""
    if not isinstance(ref, str):
        raise StoreError(f"{str(ref)[:80]!r} is not a scenario name")
    owner, _, slug = ref.rpartition("/")
    if not SLUG.match(slug.lower()):
        raise StoreError(f"{ref[:80]!r} is not a scenario name (letters, digits and dashes, starting with a letter "
                         "or digit, at most 64; after its owner and a '/' for a scenario someone owns)")
    if "/" in ref and (not owner or len(owner) > FIELD_CHARS or not owner.isprintable()
                       or {".", ".."} & set(owner.split("/"))):  # a path, not a user id
        raise StoreError(f"{ref[:80]!r} is not a scenario name: no owner before its '/'")
    return (owner or None), slug.lower()


def can_see(owner: str, visibility: str, viewer: Actor) -> bool:
    return visibility != PRIVATE or viewer.admin or (owner != NOBODY and owner == owner_of(viewer.user))


def may_own(actor: Actor) -> bool:
    """Whether ``actor`` can own a scenario (and so keep one private): a named user, not a visitor."""
    return owner_of(actor.user) != NOBODY

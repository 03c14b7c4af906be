"""Scenario ids (slugs) and names as the store compares them.

A slug is the file name of a saved scenario and the ``?s=`` of its link: ``[a-z0-9-]{1,64}``. It is
made once, when a scenario is first saved, and never changes on later saves, so links keep working.
Any name can be saved: letters NFKD can spell in ASCII are kept ("Café" -> "cafe"), and when
something is lost on the way (Cyrillic, CJK, a name cut at the length limit) a short hash of the
whole name is appended, so two such names do not share a slug. A slug already taken by another
scenario gets ``-2``, ``-3`` … (:func:`unique_slug`).

Names, not slugs, decide whether "a scenario of that name" exists: :func:`name_key` compares them
case-insensitively after Unicode normalisation, with runs of spaces counted as one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Container

from simulator.storage.errors import StoreError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SLUG_MAX = 64
_HASH_CHARS = 8
_BASE_MAX = SLUG_MAX - _HASH_CHARS - 1 - 4  # room for "-<hash>" and a "-999" collision suffix
_FALLBACK = "scenario"  # the readable part of a slug for a name with no ASCII letters or digits


def name_key(name: str) -> str:
    """What two names must share to be "the same name": NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).casefold().split())


def slugify(name: str) -> str:
    """A file-safe id for ``name``: lowercase ASCII letters, digits and dashes, at most 64."""
    key = name_key(name)
    if not key:
        raise StoreError("a scenario needs a name with at least one visible character")
    ascii_part = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii")
    lost = any(ch.isalnum() and not ch.isascii() for ch in unicodedata.normalize("NFKD", key)
               if not unicodedata.combining(ch))
    base = re.sub(r"[^a-z0-9]+", "-", ascii_part).strip("-")
    if len(base) > _BASE_MAX:
        base, lost = base[:_BASE_MAX].rstrip("-"), True
    if not base:
        base, lost = _FALLBACK, True
    if lost:
        return f"{base}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:_HASH_CHARS]}"
    return base


def unique_slug(slug: str, taken: Container[str]) -> str:
    """``slug`` if free, else the first free ``slug-2``, ``slug-3`` … (kept within 64 characters)."""
    if slug not in taken:
        return slug
    for n in range(2, 1000):
        suffix = f"-{n}"
        candidate = slug[:SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise StoreError(f"every variant of the id {slug!r} is taken; choose a more distinctive name")

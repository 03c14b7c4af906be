"""What a store operation can refuse with: messages for the user, never tracebacks."""

from __future__ import annotations

import datetime as dt


class StoreError(ValueError):
    """A store operation cannot be done; the message says why and what to do."""


class ChangedElsewhere(StoreError):
    """The file changed since it was loaded: saving would overwrite someone else's work."""


class AlreadyExists(StoreError):
    """A scenario of that name exists already: ``slug`` and ``version`` say which one, so that
    "replace it" replaces exactly that scenario and nothing else."""

    def __init__(self, message: str, slug: str | None = None, version: str | None = None):
        super().__init__(message)
        self.slug, self.version = slug, version


def changed_elsewhere(slug: str, current_version: str | None, who: str | None = None,
                      when: dt.datetime | None = None) -> ChangedElsewhere:
    """The one message for every change refused because the file is not the version the user saw.
    The database store knows who made the change and when (UTC); a file does not, nor does an
    anonymous user's save, and the message then says "someone else"."""
    what = "deleted" if current_version is None else "changed"
    by = who if who and who != "anonymous" else "someone else"
    at = f" at {when.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC" if when is not None else ""
    return ChangedElsewhere(f"{slug!r} was {what} by {by}{at} since you opened it; reload it to see "
                            "their version, or save yours under another name")


class NotShared(StoreError):
    """A saved scenario the user may not see (private to someone else): the message names only the
    link they gave, never the scenario's name or numbers."""

    def __init__(self, ref: str):
        super().__init__(f"{ref!r} is not shared with you")
        self.ref = ref

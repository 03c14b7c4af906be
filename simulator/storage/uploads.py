"""Documents uploaded to the dashboard to count their tokens: limits and validation, no Streamlit.

``decode_upload(filename, data)`` returns the text of one file or raises an :class:`UploadError`
subclass whose message names the file and says what is wrong; ``decode_uploads`` applies the
per-file, the total and the count limits to several files, keeps the good ones and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from simulator.units import UPLOAD_MB

MAX_FILE_MB = 5
MAX_TOTAL_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * UPLOAD_MB
MAX_TOTAL_BYTES = MAX_TOTAL_MB * UPLOAD_MB
MAX_FILES = 100       # counted at one time; the rest get one message, not one each
MAX_NAME_CHARS = 120  # of a file name in a message or the table; browsers send up to 255 bytes, a script more
EXTENSIONS = ("txt", "md", "csv", "json")


class UploadError(ValueError):
    """An uploaded file cannot be counted; the message is meant for the user."""


class WrongExtension(UploadError):
    """Not one of the accepted text formats."""


class TooLarge(UploadError):
    """Over the per-file or the total size limit."""


class NotText(UploadError):
    """Binary content (NUL bytes) or not UTF-8."""


class EmptyFile(UploadError):
    """Nothing to count."""


class TooMany(UploadError):
    """More files than are counted at one time."""


def _size(n: int) -> str:
    return f"{n:,} bytes"


def shown_name(filename: str) -> str:
    """The file's own name (no folders), shortened to :data:`MAX_NAME_CHARS` characters."""
    name = PurePath(filename).name or "(unnamed file)"
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS - 1] + "…"


def decode_upload(filename: str, data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of one uploaded file (a leading byte-order mark is dropped).

    Checks, in this order: extension, size, emptiness, NUL bytes, UTF-8.
    """
    name = shown_name(filename)
    suffix = PurePath(PurePath(filename).name).suffix.lower().lstrip(".")
    if suffix not in EXTENSIONS:
        found = f".{suffix}" if suffix else "no extension"
        raise WrongExtension(f"{name}: only {', '.join('.' + e for e in EXTENSIONS)} files can be counted "
                             f"(this one has {found})")
    if len(data) > max_bytes:
        raise TooLarge(f"{name}: {_size(len(data))} is over the limit of {max_bytes / UPLOAD_MB:g} MB "
                       f"({_size(max_bytes)}) per file")
    if not data.strip():
        raise EmptyFile(f"{name}: the file is empty")
    if b"\x00" in data:
        raise NotText(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotText(f"{name}: not UTF-8 text (invalid byte at position {exc.start:,}); "
                      "save it as UTF-8 and upload it again") from None
    if not text.strip():
        raise EmptyFile(f"{name}: the file is empty")
    return text


@dataclass
class DecodedUploads:
    """The files that can be counted, as (name, text), and one error per refused file."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)
    accepted_bytes: int = 0


def decode_uploads(files: list[tuple[str, bytes]], max_file_bytes: int = MAX_FILE_BYTES,
                   max_total_bytes: int = MAX_TOTAL_BYTES) -> DecodedUploads:
    """Decode several files in order; a file that would take the accepted total over the limit is
    refused, and the files after the first :data:`MAX_FILES` are not read."""
    out = DecodedUploads()
    for filename, data in files[:MAX_FILES]:
        try:
            text = decode_upload(filename, data, max_file_bytes)
            if out.accepted_bytes + len(data) > max_total_bytes:
                raise TooLarge(f"{shown_name(filename)}: refused, the files together would be over the "
                               f"{max_total_bytes / UPLOAD_MB:g} MB total limit ({_size(out.accepted_bytes)} already accepted)")
        except UploadError as exc:
            out.errors.append(exc)
            continue
        out.texts.append((shown_name(filename), text))
        out.accepted_bytes += len(data)
    if len(files) > MAX_FILES:
        out.errors.append(TooMany(f"{len(files) - MAX_FILES:,} more files were not read: at most {MAX_FILES} "
                                  "files are counted at a time"))
    return out

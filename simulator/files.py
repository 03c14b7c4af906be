"""Reading files given by path: regular files only, with a hard byte cap.

A file's reported size says nothing for pipes and devices (0 for a FIFO or /dev/zero), and opening
a FIFO for reading waits for a writer. So the file is opened without blocking, checked to be a
regular file on the open descriptor (no race with a swap after a check by name), and read up to
one byte past the cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """A path that is not a readable regular file within the cap; the message names it."""


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``max_bytes`` [bytes]."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a directory" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a special file")
        raise FileRefused(f"{path}: is {kind}, not a regular file")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise FileRefused(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise FileRefused(f"{path}: over the limit of {max_bytes:,} bytes")
    return data

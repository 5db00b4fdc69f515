"""Atomic file writes: a crash or a kill at any instant leaves either the old file or the new one.

The data goes to a temporary file beside the target, which is flushed to disk and renamed over
the target; the folder is then flushed too, since the rename lives in the folder. A file that is
replaced keeps its permission bits (a model the user keeps at 600 stays private); a new file gets
the ones the umask allows, like any other file the user creates.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _create_beside(path: Path) -> tuple[int, Path]:
    """Create a new, empty temporary file next to `path`, with the mode the result should have."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) & 0o777
    except FileNotFoundError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            # the kernel applies the umask to 0o666 itself: no need to read it, racing threads
            fd = os.open(tmp, flags, 0o666 if mode is None else mode)
        except FileExistsError:
            continue
        if mode is not None:  # the umask may have cleared bits that the replaced file had
            os.chmod(fd if os.chmod in os.supports_fd else tmp, mode)
        return fd, tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows cannot open a folder; its renames are journaled by the file system
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network ones) cannot sync a folder, and need not
    finally:
        os.close(fd)


@contextmanager
def atomic_open(path, mode: str = "wb") -> Iterator:
    """Open a temporary file beside `path`; on success fsync it, rename it over `path`, and
    fsync the folder. On any error the temporary file is removed and `path` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(path)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)

"""Memory budgets: a size that a file declares is checked before anything of that size is made.

A header costs its author nothing to write: four bytes can declare a gigabyte. Every reader in
zerodl compares what a file declares with a fixed limit of its own and, through
require_memory, with the memory this machine (or this process's cgroup) has left, and refuses
with one line naming the file and the size, instead of being killed by the kernel halfway.
"""

from __future__ import annotations

from pathlib import Path

from zerodl.errors import ZerodlError

_MEMINFO = Path("/proc/meminfo")
_CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes that can still be allocated without swapping: the smaller of MemAvailable and the
    cgroup's limit minus its usage (containers); None where neither can be read."""
    found = []
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = (_CGROUP / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((_CGROUP / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def size_text(nbytes: int) -> str:
    """A size for people: bytes below a MiB, MiB above."""
    return f"{nbytes:,} bytes" if nbytes < 2**20 else f"{nbytes / 2**20:,.0f} MiB"


def require_memory(nbytes: int, what: str, error: type[ZerodlError]) -> None:
    """Raise `error` when `nbytes` is more than the memory left; `what` says who asks for it."""
    left = available_memory()
    if left is not None and nbytes > left:
        raise error(f"{what}: needs {size_text(nbytes)}, and only {size_text(max(left, 0))} of"
                    " memory are available")

"""What this machine gives the process: the CPUs it may run on (no heavy imports)."""

from __future__ import annotations

import os

__all__ = ["available_cores"]


def available_cores() -> int:
    """The number of CPUs this process may run on (its affinity mask where the system has one).

    >>> available_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity masks on this system (macOS, Windows)
        return os.cpu_count() or 1

"""A per-user disk cache of derived expressions, so the command line answers without re-deriving.

SymPy needs seconds to derive the canonical form and the task theory; a process that only
prints numbers (``ghostsym theory --T 100``) would spend most of its time there. The results
of the functions decorated with :func:`cached_derivation` are stored with :mod:`pickle` in
``$XDG_CACHE_HOME/ghostsym`` (default ``~/.cache/ghostsym``), one file per key:

    derivations-<ghostsym version>-<hash of the package source, SymPy and Python versions>.pickle

so any change of the code or of SymPy starts a new file (and deletes the old ones). The file
is the user's own: written atomically with mode 0600 in a 0700 directory, and read only if it
belongs to the user and no one else can write it (pickle runs code when loading, so nothing
else is ever loaded). Setting
``GHOSTSYM_NO_CACHE=1`` derives everything afresh and writes nothing.

>>> cache_file().name.startswith("derivations-")
True
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
from importlib import metadata
from pathlib import Path

import sympy

from .._io import atomic_write_bytes

__all__ = ["cached_derivation", "cache_file", "cache_directory", "DISABLE_VARIABLE"]

#: Set this environment variable to 1 to derive afresh and write no cache.
DISABLE_VARIABLE = "GHOSTSYM_NO_CACHE"

_PACKAGE = Path(__file__).resolve().parents[1]
_entries: dict | None = None


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/ghostsym``, or ``~/.cache/ghostsym`` when that is not set.

    >>> cache_directory().name
    'ghostsym'
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ghostsym"


@functools.cache
def _key() -> str:
    """ghostsym's version and a hash of its source files and of the SymPy and Python versions."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(f"sympy {sympy.__version__}; python {platform.python_version()}".encode())
    try:
        version = metadata.version("ghostsym")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}-{digest.hexdigest()[:20]}"


def cache_file() -> Path:
    """The cache file of this ghostsym source (it may not exist yet)."""
    return cache_directory() / f"derivations-{_key()}.pickle"


def _disabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "") not in ("", "0")


def _read(path: Path) -> dict:
    """The stored entries, or {} when the file is absent, unreadable or not safely the user's."""
    try:
        with open(path, "rb") as handle:
            status = os.fstat(handle.fileno())
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                return {}  # someone else's file, or writable by others: never unpickle it
            entries = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict) -> None:
    """Store ``entries`` in ``path`` and delete the files of earlier sources (never read again)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write_bytes(path, pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL), 0o600)
        for stale in path.parent.glob("derivations-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:  # a read-only home or a full disk: the derivation still stands
        pass


def cached_derivation(function):
    """Decorate a derivation (hashable arguments, picklable result) to keep its result on disk.

    ``function.fresh`` is the undecorated derivation (what the tests compare the cache with).
    """
    name = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def with_cache(*arguments):
        global _entries
        if _disabled():
            return function(*arguments)
        path = cache_file()
        if _entries is None:
            _entries = _read(path)
        key = (name, arguments)
        if key not in _entries:
            result = function(*arguments)
            _entries = {**_read(path), **_entries, key: result}  # keep other processes' entries
            _write(path, _entries)
        return _entries[key]

    with_cache.fresh = function
    return with_cache

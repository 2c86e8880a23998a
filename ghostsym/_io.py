"""ghostsym's file formats in one place: JSON, npz archives, atomic writes, package versions.

* **JSON** has one convention for floats that JSON cannot hold: +inf, -inf and NaN are written
  as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (:func:`json_ready`), and
  :func:`from_json_ready` turns exactly those strings back into floats. NumPy scalars and
  arrays become Python numbers and lists, paths become strings, objects with ``to_json()`` are
  converted through it. The text itself is strict JSON (``allow_nan=False``).
* **Atomic writes**: a file is written to a temporary name beside its target and moved into
  place with ``os.replace``, so an interrupted run never leaves a half-written result.
* **Versions**: :func:`package_versions` names Python and the packages a result depends on.
* **Output directories**: every directory a command writes (``sweep``, ``reproduce``,
  ``analyse --out``) carries a manifest (:data:`MANIFEST_NAME`) of the files ghostsym wrote,
  with sizes and SHA-256 digests; :func:`check_output_directory` refuses, before any
  computing, a directory holding anything else (:class:`OutputManifest`).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "x.json"
>>> print(write_json(target, {"time": float("inf"), "steps": np.int64(3)}).read_text(), end="")
{
  "time": "inf",
  "steps": 3
}
>>> read_json(target)
{'time': inf, 'steps': 3}
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import math
import os
import platform
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = [
    "NON_FINITE",
    "json_ready",
    "from_json_ready",
    "json_text",
    "write_json",
    "read_json",
    "atomic_write_bytes",
    "atomic_write_text",
    "npz_bytes",
    "write_npz",
    "package_versions",
    "MANIFEST_NAME",
    "PARTIAL_SUFFIX",
    "file_digest",
    "OutputCheck",
    "OutputManifest",
    "check_output_directory",
    "open_output_directory",
    "warn",
]

#: The strings that stand for the non-finite floats in ghostsym's JSON.
NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}

#: The packages whose versions a result records (besides Python).
PACKAGES = (
    "ghostsym",
    "numpy",
    "scipy",
    "sympy",
    "mpmath",
    "jax",
    "jaxlib",
    "optax",
    "matplotlib",
)


def json_ready(value):
    """``value`` as plain JSON data, with +-inf and NaN as the strings "inf", "-inf", "nan".

    Mappings (keys become strings), lists, tuples and NumPy arrays become lists; NumPy scalars
    become Python scalars; paths become strings; an object with ``to_json()`` is converted
    through it; anything else becomes its ``str``.

    >>> json_ready({"a": np.array([1.0, np.nan]), 2: (np.float32(-np.inf), None, True)})
    {'a': [1.0, 'nan'], '2': ['-inf', None, True]}
    """
    if isinstance(value, np.ndarray):
        return [json_ready(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if callable(getattr(value, "to_json", None)):
        return json_ready(value.to_json())
    return str(value)


def from_json_ready(value):
    """Undo :func:`json_ready` for floats: the strings "inf", "-inf", "nan" become floats.

    Also reads the earlier ``{"__float__": "inf"}`` tags of stored experiment outcomes.

    >>> from_json_ready({"t": ["inf", "-inf", 1.5, "infinite"]})
    {'t': [inf, -inf, 1.5, 'infinite']}
    """
    if isinstance(value, str):
        return NON_FINITE.get(value, value)
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {key: from_json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_json_ready(item) for item in value]
    return value


def json_text(value, indent: int | None = 2) -> str:
    """Strict JSON text of ``json_ready(value)`` (no trailing newline).

    >>> json_text([1.0, float("nan")], indent=None)
    '[1.0, "nan"]'
    """
    return json.dumps(json_ready(value), indent=indent, allow_nan=False)


def write_json(path, value) -> Path:
    """Write ``value`` as JSON (:func:`json_text`, newline-terminated) to ``path``, atomically.

    >>> import tempfile, pathlib
    >>> write_json(pathlib.Path(tempfile.mkdtemp()) / "a.json", [1]).read_text()
    '[\\n  1\\n]\\n'
    """
    return atomic_write_text(path, json_text(value) + "\n")


def read_json(path):
    """The JSON data in ``path``, with the non-finite strings as floats (:func:`from_json_ready`).

    >>> import tempfile, pathlib
    >>> read_json(write_json(pathlib.Path(tempfile.mkdtemp()) / "a.json", {"x": -math.inf}))
    {'x': -inf}
    """
    return from_json_ready(json.loads(Path(path).read_text(encoding="utf-8")))


def package_versions(*, platform_name: bool = False) -> dict[str, str]:
    """Versions of Python and of the packages a result depends on (sorted by name), from the
    installed distributions' metadata (nothing is imported); with ``platform_name``, also the
    operating system (``platform.platform()``).

    >>> sorted(package_versions())[:2]
    ['ghostsym', 'jax']
    >>> "platform" in package_versions(platform_name=True)
    True
    """
    versions = dict(_package_versions())
    if platform_name:
        versions["platform"] = platform.platform()
    return versions


@functools.cache
def _package_versions() -> tuple[tuple[str, str], ...]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(sorted(versions.items()))


def _default_mode() -> int:
    # mkstemp creates files readable by the owner only; give them the usual umask mode.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then ``os.replace``.

    ``mode``: the file's permission bits (default: what the umask gives a new file); the file
    has them before it appears under its name.

    >>> import tempfile, pathlib
    >>> atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "a.bin", b"ok").read_bytes()
    b'ok'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _default_mode() if mode is None else mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    >>> import tempfile, pathlib
    >>> atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hi").read_text()
    'hi'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def npz_bytes(arrays: Mapping[str, np.ndarray], compressed: bool = False) -> bytes:
    """The bytes of an ``.npz`` archive of ``arrays`` (for :func:`atomic_write_bytes`).

    >>> data = npz_bytes({"a": np.arange(3)})
    >>> np.load(io.BytesIO(data))["a"].tolist()
    [0, 1, 2]
    """
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def write_npz(path, arrays: Mapping[str, np.ndarray], compressed: bool = False) -> Path:
    """Write ``arrays`` as an ``.npz`` archive to ``path``, atomically.

    >>> import tempfile, pathlib
    >>> path = write_npz(pathlib.Path(tempfile.mkdtemp()) / "a.npz", {"a": np.ones(2)})
    >>> np.load(path)["a"].tolist()
    [1.0, 1.0]
    """
    return atomic_write_bytes(path, npz_bytes(arrays, compressed=compressed))


# --- output directories: what ghostsym wrote there ------------------------------------------
#: The manifest file ghostsym keeps in every output directory it writes.
MANIFEST_NAME = ".ghostsym-manifest.json"

#: Version of the manifest layout.
MANIFEST_FORMAT = 1

#: Suffix of the temporary files of :func:`atomic_write_bytes` (ghostsym's own, never data).
PARTIAL_SUFFIX = ".ghostsym-partial"


def file_digest(path) -> str:
    """The SHA-256 of a file's bytes, in hex (read in 1 MiB blocks).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_digest(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry_of(path: Path) -> dict:
    return {"size": path.stat().st_size, "sha256": file_digest(path)}


def _entry_matches(entry: Mapping, path: Path) -> bool:
    """Whether the file at ``path`` is (one of) the content(s) the manifest entry records."""
    if entry.get("pending"):  # ghostsym was writing it when it stopped
        return True
    size = path.stat().st_size
    candidates = [entry, *([entry["previous"]] if isinstance(entry.get("previous"), dict) else [])]
    candidates = [c for c in candidates if c.get("size") == size and "sha256" in c]
    if not candidates:
        return False
    digest = file_digest(path)
    return any(candidate["sha256"] == digest for candidate in candidates)


def _read_manifest(directory: Path) -> dict | None:
    """The manifest of ``directory`` (None when there is none); raises ValueError if unreadable."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        if path.exists() or path.is_symlink():
            raise ValueError(f"{MANIFEST_NAME} is not a regular file")
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if (
        not isinstance(data, dict)
        or data.get("format") != MANIFEST_FORMAT
        or not isinstance(data.get("files"), dict)
        or not all(isinstance(entry, dict) for entry in data["files"].values())
    ):
        raise ValueError(f"{MANIFEST_NAME} is not a ghostsym manifest")
    return data


def _files_under(directory: Path):
    """Relative POSIX paths of every file (and symbolic link) under ``directory``, sorted."""
    found = []
    for root, directories, files in os.walk(directory):
        base = Path(root)
        for name in list(directories):
            if (base / name).is_symlink():  # never followed: it is a file to us
                found.append((base / name).relative_to(directory).as_posix())
                directories.remove(name)
        found.extend((base / name).relative_to(directory).as_posix() for name in files)
    return sorted(found)


@dataclass(frozen=True)
class OutputCheck:
    """What :func:`check_output_directory` found in an output directory (nothing refused).

    Attributes:
        directory: the directory.
        exists: whether it existed already.
        changed: files ghostsym stored there as resumable state (under the ``stored`` prefixes)
            that no longer match the manifest: the caller recomputes them.
        foreign: files ghostsym did not write, or that changed since (only with ``force``).
    """

    directory: Path
    exists: bool
    changed: tuple[str, ...] = ()
    foreign: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """directory, exists, changed and foreign as JSON-ready data."""
        return json_ready(
            {
                "directory": self.directory,
                "exists": self.exists,
                "changed": self.changed,
                "foreign": self.foreign,
            }
        )


def check_output_directory(
    directory,
    *,
    command: str,
    option: str = "--out",
    force: bool = False,
    stored: tuple[str, ...] = (),
) -> OutputCheck:
    """Refuse, before any computing, an output directory ghostsym may not write into.

    Refused (:class:`~ghostsym.errors.InvalidInputError`, naming ``option``): a path that names
    a file or lies under one, a place that cannot be written, and, unless ``force``, a directory
    holding a file ghostsym did not write there (not in its manifest, :data:`MANIFEST_NAME`), a
    file that changed since ghostsym wrote it, or the output of another ``command``. Files under
    the ``stored`` prefixes (resumable state such as ``experiments/``) that changed are not
    refused but returned in :attr:`OutputCheck.changed`, so that the caller recomputes them.
    A missing or empty directory is accepted.

    >>> import tempfile, pathlib
    >>> directory = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_directory(directory, command="sweep").exists
    True
    >>> _ = (directory / "notes.txt").write_text("mine")
    >>> check_output_directory(directory, command="sweep")
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: --out ...: notes.txt was not written by ghostsym; \
choose another directory, move the file away, or pass --force to write there anyway
    """
    from .errors import InvalidInputError

    path = Path(directory)
    shown = f"{option} {str(path)}"
    if str(directory).strip() == "":
        raise InvalidInputError(f"{option} expects a directory, got an empty path")
    if path.exists() and not path.is_dir():
        raise InvalidInputError(f"{shown}: is a file, expected a directory")
    existing = path
    while not existing.exists() and not existing.is_symlink():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != path and not existing.is_dir():
        raise InvalidInputError(f"{shown}: {existing} is a file, expected a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{shown}: {existing} is not writable")
    if existing != path:
        return OutputCheck(path, False)
    try:
        manifest = _read_manifest(path)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        if not force:
            raise InvalidInputError(
                f"{shown}: {MANIFEST_NAME} is unreadable ({error}); pass --force to write there"
            ) from None
        manifest = None
    entries = {} if manifest is None else manifest["files"]
    if manifest is not None and manifest.get("command") != command and not force:
        raise InvalidInputError(
            f"{shown} holds the output of 'ghostsym {manifest.get('command')}', not of "
            f"'ghostsym {command}'; choose another directory or pass --force"
        )
    changed, foreign = [], []
    prefixes = tuple(key for key, entry in entries.items() if key.endswith("/"))
    for relative in _files_under(path):
        if relative == MANIFEST_NAME or relative.endswith(PARTIAL_SUFFIX):
            continue
        file = path / relative
        entry = entries.get(relative)
        if entry is None and relative.startswith(prefixes):  # ghostsym was writing there
            continue
        if entry is not None and not file.is_symlink() and _entry_matches(entry, file):
            continue
        if entry is not None and not file.is_symlink() and relative.startswith(tuple(stored)):
            changed.append(relative)
            continue
        foreign.append((relative, entry is not None))
    if foreign and not force:
        relative, listed = foreign[0]
        what = "changed since ghostsym wrote it" if listed else "was not written by ghostsym"
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise InvalidInputError(
            f"{shown}: {relative}{more} {what}; choose another directory, move the file "
            "away, or pass --force to write there anyway"
        )
    return OutputCheck(path, True, tuple(changed), tuple(name for name, _ in foreign))


class OutputManifest:
    """The manifest of an output directory: every file ghostsym wrote there, with its size and
    SHA-256, kept in :data:`MANIFEST_NAME` (written atomically).

    Every write is recorded so that an interruption at any point leaves a manifest that accepts
    what is on disk: :meth:`write_bytes` records the new content (keeping the previous one as
    acceptable) before the file is replaced; for files written by other code, :meth:`expect`
    marks them as being written before and :meth:`record` stores their content after.
    Construct it with :func:`open_output_directory`.

    >>> import tempfile
    >>> manifest = open_output_directory(tempfile.mkdtemp(), command="demo")
    >>> path = manifest.write_text(manifest.directory / "report.md", "# hello")
    >>> sorted(manifest.files())
    ['report.md']
    """

    def __init__(self, directory: Path, command: str, entries: Mapping[str, dict]):
        self.directory = Path(directory)
        self.command = command
        self._entries = {key: dict(value) for key, value in entries.items()}
        self._lock = threading.Lock()

    def files(self) -> dict[str, dict]:
        """The recorded files (relative path -> entry), a copy."""
        with self._lock:
            return {key: dict(value) for key, value in self._entries.items()}

    def _relative(self, path) -> str:
        try:  # a relative path is relative to the working directory, as everywhere
            return Path(path).resolve().relative_to(self.directory.resolve()).as_posix()
        except ValueError:
            raise ValueError(f"{path} is not inside {self.directory}") from None

    def _save(self) -> None:
        payload = {
            "format": MANIFEST_FORMAT,
            "written_by": "ghostsym",
            "command": self.command,
            "files": dict(sorted(self._entries.items())),
        }
        write_json(self.directory / MANIFEST_NAME, payload)

    def write_bytes(self, path, data: bytes) -> Path:
        """Write ``data`` to ``path`` (inside the directory) atomically, and record it."""
        relative = self._relative(path)
        entry = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        with self._lock:
            old = self._entries.get(relative)
            if old is not None and "sha256" in old:
                entry["previous"] = {"size": old["size"], "sha256": old["sha256"]}
            elif old is not None and old.get("pending"):
                entry["pending"] = True  # still unknown what an earlier writer left there
            self._entries[relative] = entry
            self._save()
        target = atomic_write_bytes(self.directory / relative, data)
        with self._lock:
            if old is not None and old.get("pending"):
                self._entries[relative] = {key: entry[key] for key in ("size", "sha256")}
                self._save()
        return target

    def write_text(self, path, text: str) -> Path:
        """Write ``text`` (UTF-8) like :meth:`write_bytes`."""
        return self.write_bytes(path, text.encode("utf-8"))

    def write_json(self, path, value) -> Path:
        """Write ``value`` as ghostsym's JSON (:func:`json_text`) like :meth:`write_bytes`."""
        return self.write_text(path, json_text(value) + "\n")

    def expect(self, paths) -> None:
        """Mark ``paths`` as being written by ghostsym (before code that writes them runs)."""
        with self._lock:
            for path in paths:
                self._entries[self._relative(path)] = {"pending": True}
            self._save()

    def expect_under(self, directory) -> None:
        """Mark every file under ``directory`` as being written by ghostsym (for code that
        writes files whose names are not known before, such as a figure function)."""
        with self._lock:
            self._entries[self._relative(directory) + "/"] = {"pending": True}
            self._save()

    def record_under(self, directory, since: float) -> None:
        """After :meth:`expect_under`: record every file under ``directory`` that ghostsym
        listed before or that was written at or after ``since`` (a ``time.time()``)."""
        prefix = self._relative(directory) + "/"
        base = self.directory / prefix
        with self._lock:
            self._entries.pop(prefix, None)
            for relative in _files_under(base) if base.is_dir() else []:
                key = prefix + relative
                file = base / relative
                if file.is_symlink() or relative.endswith(PARTIAL_SUFFIX):
                    continue
                if key in self._entries or file.stat().st_mtime >= since - 1.0:
                    self._entries[key] = _entry_of(file)
            self._save()

    def record(self, paths) -> None:
        """Record the current content of ``paths`` (after they were written); a path that does
        not exist is forgotten."""
        with self._lock:
            for path in paths:
                relative = self._relative(path)
                file = self.directory / relative
                if file.is_file() and not file.is_symlink():
                    self._entries[relative] = _entry_of(file)
                else:
                    self._entries.pop(relative, None)
            self._save()

    def forget(self, paths) -> None:
        """Remove ``paths`` from the manifest (after ghostsym deleted them)."""
        with self._lock:
            for path in paths:
                self._entries.pop(self._relative(path), None)
            self._save()

    def matches(self, path) -> bool:
        """Whether ``path`` holds exactly what ghostsym recorded for it (False if unrecorded)."""
        relative = self._relative(path)
        with self._lock:
            entry = self._entries.get(relative)
        file = self.directory / relative
        if entry is None or entry.get("pending") or not file.is_file():
            return False
        return _entry_matches(entry, file)


def open_output_directory(
    directory,
    *,
    command: str,
    option: str = "--out",
    force: bool = False,
    stored: tuple[str, ...] = (),
    check: OutputCheck | None = None,
) -> OutputManifest:
    """Check ``directory`` (:func:`check_output_directory`, unless ``check`` is given), create
    it, and return its :class:`OutputManifest` (the manifest file is written at once, which also
    proves the place writable).

    >>> import tempfile, pathlib
    >>> manifest = open_output_directory(pathlib.Path(tempfile.mkdtemp()) / "new", command="demo")
    >>> (manifest.directory / MANIFEST_NAME).exists()
    True
    """
    from .errors import InvalidInputError

    if check is None:
        check = check_output_directory(
            directory, command=command, option=option, force=force, stored=stored
        )
    path = Path(directory)
    try:
        entries = (_read_manifest(path) or {}).get("files", {}) if path.is_dir() else {}
    except (OSError, ValueError, UnicodeDecodeError):  # only reached with force
        entries = {}
    manifest = OutputManifest(path, command, entries)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with manifest._lock:
            manifest._save()
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInputError(f"{option} {str(path)}: cannot write there ({reason})") from None
    return manifest


def warn(message: str) -> None:
    """Print ``ghostsym: warning: <message>`` on standard error (one line; the run goes on).

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as stream:
    ...     warn("stored outcome of demo is unreadable; running it again")
    >>> print(stream.getvalue(), end="")
    ghostsym: warning: stored outcome of demo is unreadable; running it again
    """
    import sys

    print(f"ghostsym: warning: {' '.join(str(message).split())}", file=sys.stderr)

"""ghostsym's file formats in one place: JSON, npz archives, atomic writes, package versions.

* **JSON** has one convention for floats that JSON cannot hold: +inf, -inf and NaN are written
  as the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (:func:`json_ready`), and
  :func:`from_json_ready` turns exactly those strings back into floats. NumPy scalars and
  arrays become Python numbers and lists, paths become strings, objects with ``to_json()`` are
  converted through it. The text itself is strict JSON (``allow_nan=False``).
* **Atomic writes**: a file is written to a temporary name beside its target and moved into
  place with ``os.replace``, so an interrupted run never leaves a half-written result.
* **Versions**: :func:`package_versions` names Python and the packages a result depends on.

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
import io
import json
import math
import os
import platform
import tempfile
from collections.abc import Mapping
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
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
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

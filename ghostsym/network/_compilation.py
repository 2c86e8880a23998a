"""Compile once: JAX's persistent compilation cache in the user's cache directory.

Training compiles one computation per model x task x block shape (2-5 s each); JAX can keep
the compiled programs on disk so that the next process loads them instead of compiling. The
entry points (``ghostsym reproduce``, ``ghostsym sweep``, Dask workers running ghostsym's
tasks) call :func:`enable_compilation_cache`; importing ghostsym never does. The cache lives in
``$XDG_CACHE_HOME/ghostsym/jax`` (default ``~/.cache/ghostsym/jax``); setting the environment
variable ``GHOSTSYM_NO_COMPILATION_CACHE=1`` turns it off. JAX keys each entry by the program,
the compiler options, the JAX/jaxlib versions and the device, so a stale entry is never used.

>>> import pathlib
>>> compilation_cache_directory({"XDG_CACHE_HOME": "/tmp/cache"}) == pathlib.Path(
...     "/tmp/cache/ghostsym/jax")
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .._jax import jax

__all__ = ["OPT_OUT_VARIABLE", "compilation_cache_directory", "enable_compilation_cache"]

#: Set to 1 (or true / yes) to keep ghostsym from using JAX's persistent compilation cache.
OPT_OUT_VARIABLE = "GHOSTSYM_NO_COMPILATION_CACHE"


def compilation_cache_directory(environment: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/ghostsym/jax``, or ``~/.cache/ghostsym/jax`` without XDG_CACHE_HOME.

    >>> compilation_cache_directory({}).parts[-3:]
    ('.cache', 'ghostsym', 'jax')
    """
    environment = os.environ if environment is None else environment
    base = environment.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ghostsym" / "jax"


def enable_compilation_cache(environment: Mapping[str, str] | None = None) -> Path | None:
    """Point JAX's persistent compilation cache at :func:`compilation_cache_directory`.

    Returns the directory, or None when ``GHOSTSYM_NO_COMPILATION_CACHE`` opts out (then the
    JAX settings are left as they are). Every compiled program is kept (no minimum
    compilation time): ghostsym's programs take seconds to compile and little disk.

    >>> enable_compilation_cache({"GHOSTSYM_NO_COMPILATION_CACHE": "1"}) is None
    True
    """
    environment = os.environ if environment is None else environment
    if environment.get(OPT_OUT_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on"):
        return None
    directory = compilation_cache_directory(environment)
    directory.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return directory

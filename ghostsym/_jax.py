"""JAX for ghostsym, with float64 where closed-form checks need it.

Every ghostsym module that uses JAX imports it from here (``from ghostsym._jax import jax,
jnp``); JAX itself is imported on that first use, not before. Nothing here changes a JAX
setting at import: :func:`float64` makes a function run with JAX's 64-bit types enabled for the
duration of the call only (training code still chooses float32 explicitly where speed matters),
and :func:`enable_float64` is for entry points (the command line, ``ghostsym.report.reproduce``,
scripts) that own the whole process; it does not import JAX itself.

>>> from ghostsym._jax import jnp
>>> @float64
... def default_dtype():
...     return str(jnp.zeros(1).dtype)
>>> default_dtype()
'float64'
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time they come from __getattr__, on first use
    import jax
    import jax.numpy as jnp

__all__ = ["jax", "jnp", "float64", "enable_float64"]

_MODULES = {"jax": "jax", "jnp": "jax.numpy"}
_process_float64 = False


def __getattr__(name: str):
    """``jax`` and ``jax.numpy`` (as ``jnp``), imported on first use (PEP 562)."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_MODULES[name])
    if _process_float64:
        importlib.import_module("jax").config.update("jax_enable_x64", True)
    globals()[name] = module
    return module


def float64(function):
    """Decorate ``function`` so that it runs with JAX float64 enabled, restoring the setting after.

    When float64 is already on (an entry point turned it on), the call goes straight through;
    so does a call inside a JAX transformation (``jax.jit``, ``jax.grad``, ...) traced without
    float64, whose types the caller has fixed already (switching inside a trace would mix them).

    >>> from ghostsym._jax import jnp
    >>> @float64
    ... def one():
    ...     return jnp.ones(()).dtype.name
    >>> one()
    'float64'
    """

    @functools.wraps(function)
    def with_float64(*args, **keywords):
        module = globals().get("jax") or __getattr__("jax")
        if module.config.jax_enable_x64 or any(
            isinstance(leaf, module.core.Tracer)
            for leaf in module.tree_util.tree_leaves((args, keywords))
        ):
            return function(*args, **keywords)
        with module.enable_x64(True):
            return function(*args, **keywords)

    return with_float64


def enable_float64() -> None:
    """Turn on JAX float64 for the whole process; for entry points only, never at import.

    JAX is not imported here: if it is not loaded yet, the setting is applied when ghostsym
    first uses it.
    """
    global _process_float64
    _process_float64 = True
    if "jax" in sys.modules:
        sys.modules["jax"].config.update("jax_enable_x64", True)

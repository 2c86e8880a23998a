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
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time they come from __getattr__, on first use
    import jax
    import jax.numpy as jnp

__all__ = ["jax", "jnp", "float64", "enable_float64", "prefer_sequential_scheduling"]

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


#: XLA's CPU flag that orders each compiled loop body for one thread rather than concurrency.
SEQUENTIAL_SCHEDULING_FLAG = "--xla_cpu_enable_concurrency_optimized_scheduler=false"


def prefer_sequential_scheduling(environment=None) -> bool:
    """Ask XLA to schedule CPU programs for one thread; for entry points only, never at import.

    By default XLA orders the operations of a compiled loop body for concurrency, and its CPU
    runtime then hands independent small kernels to other threads at every iteration. The
    networks ghostsym trains are small and each training block is one core's work, so those
    hand-offs are pure overhead: ordered for one thread, a rank-one population of 3 trains in
    about two thirds of the CPU time. Scheduling moves no arithmetic, so results keep their
    bits. XLA reads the flag (from ``XLA_FLAGS``) once, when JAX starts its CPU backend, so
    this acts on a process whose JAX has not computed anything yet, and on the processes it
    starts afterwards (they inherit the environment). An ``XLA_FLAGS`` that already sets the
    flag is left alone. Returns whether the flag was added.

    >>> environment = {"XLA_FLAGS": "--xla_dump_to=/tmp/dump"}
    >>> prefer_sequential_scheduling(environment), environment["XLA_FLAGS"].split()[-1]
    (True, '--xla_cpu_enable_concurrency_optimized_scheduler=false')
    >>> prefer_sequential_scheduling(environment)
    False
    """
    environment = os.environ if environment is None else environment
    flags = environment.get("XLA_FLAGS", "")
    name = SEQUENTIAL_SCHEDULING_FLAG.split("=")[0]
    if any(flag.split("=")[0] == name for flag in flags.split()):
        return False
    environment["XLA_FLAGS"] = f"{flags} {SEQUENTIAL_SCHEDULING_FLAG}".strip()
    return True

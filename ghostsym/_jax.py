"""JAX for ghostsym, with float64 where closed-form checks need it.

Every ghostsym module that uses JAX imports it from here. :func:`float64` makes a function run
with JAX's 64-bit types enabled for the duration of the call only (training code still chooses
float32 explicitly where speed matters); :func:`enable_float64` is for entry points (the command
line, scripts) that own the whole process.

>>> @float64
... def default_dtype():
...     return str(jnp.zeros(1).dtype)
>>> default_dtype()
'float64'
"""

import functools

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

__all__ = ["jax", "jnp", "float64", "enable_float64"]


def float64(function):
    """Decorate ``function`` so that it runs with JAX float64 enabled, restoring the setting after.

    >>> @float64
    ... def one():
    ...     return jnp.ones(()).dtype.name
    >>> one()
    'float64'
    """

    @functools.wraps(function)
    def with_float64(*args, **keywords):
        with jax.enable_x64(True):
            return function(*args, **keywords)

    return with_float64


def enable_float64() -> None:
    """Turn on JAX float64 for the whole process; for entry points only, never at import."""
    jax.config.update("jax_enable_x64", True)

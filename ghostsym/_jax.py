"""Import JAX with 64-bit floats enabled.

Every ghostsym module that uses JAX imports it from here, so closed-form checks run in float64
(training code still chooses float32 explicitly where speed matters).
"""

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

__all__ = ["jax", "jnp"]

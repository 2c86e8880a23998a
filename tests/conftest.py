"""Test configuration shared by the whole suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax  # noqa: E402

# The suite checks closed forms in float64; the package's entry points do the same.
jax.config.update("jax_enable_x64", True)

"""Test configuration shared by the whole suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The suite checks the derivations themselves, not yesterday's cache of them
# (tests/test_derivation_cache.py checks that the cache equals a fresh derivation).
os.environ.setdefault("GHOSTSYM_NO_CACHE", "1")

import jax  # noqa: E402

# The suite checks closed forms in float64; the package's entry points do the same.
jax.config.update("jax_enable_x64", True)

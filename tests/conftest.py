"""Test configuration shared by the whole suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The suite checks the derivations themselves, not yesterday's cache of them
# (tests/test_derivation_cache.py checks that the cache equals a fresh derivation).
os.environ.setdefault("GHOSTSYM_NO_CACHE", "1")

import jax  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests draw new examples on every run, which is how they find bugs; under CI (the
# CI environment variable is set) they draw the same examples every time, so a run there
# passes or fails on the code alone. Failures found anywhere are kept as @example cases.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The suite checks closed forms in float64; the package's entry points do the same.
jax.config.update("jax_enable_x64", True)

"""Helpers of the reproduce tests (importable by spawned worker processes)."""

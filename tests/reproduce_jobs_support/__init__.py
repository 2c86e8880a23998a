"""Helpers of tests/test_reproduce_jobs.py (importable by spawned worker processes)."""

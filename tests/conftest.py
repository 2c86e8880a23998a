"""Test configuration shared by the whole suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

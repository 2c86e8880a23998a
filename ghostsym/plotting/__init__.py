"""Figures (presentation layer): matplotlib with the Agg backend, never imported by theory code.

Each module draws the figures of one experiment family from an
:class:`~ghostsym.claims.ExperimentOutcome` and writes PNG and PDF files.
"""

import matplotlib

matplotlib.use("Agg")

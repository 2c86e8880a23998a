"""Reproduction of the paper: run the experiments, store their outcomes, write the report.

>>> from ghostsym.report import STATUSES
>>> "ran" in STATUSES
True
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "STATUSES": "_report",
        "ExperimentRecord": "_report",
        "ReportFiles": "_report",
        "StoredOutcome": "_report",
        "OutcomeFiles": "_report",
        "StoredOutcomeError": "_report",
        "write_report": "_report",
        "write_outcome": "_report",
        "load_outcome": "_report",
        "outcome_files": "_report",
        "atomic_write_text": "_report",
        "atomic_write_bytes": "_report",
        "package_versions": "_report",
        "latex_problems": "_report",
        "claim_rows": "_report",
        "claim_figure": "_report",
        "verdict_summary": "_report",
        "ReproductionResult": "_reproduce",
        "DERIVATION_RECORD": "_reproduce",
        "ReproductionFailedError": "_reproduce",
        "reproduce": "_reproduce",
        "source_fingerprint": "_reproduce",
        "plan": "_reproduce",
        "PlanRow": "_reproduce",
        "seconds_per_network_epoch": "_reproduce",
    },
)

"""Claims and experiment outcomes: what the report's claims table is made of.

An experiment (one paper figure or one result of ours) is a function from a small config to an
:class:`ExperimentOutcome`. Its :class:`Claim` rows hold the value the theory gives, the value
the run measured, the tolerance, and a verdict computed from them by :func:`compare_claim`,
never typed in.

>>> row = compare_claim("optimum r* at T=100", theory=2.4674e-4, measured=2.4675e-4, rtol=1e-3)
>>> row.verdict
'reproduced'
>>> not_run("full-scale sweep", "skipped at quick scale").verdict
'not run'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .._io import json_ready
from ..errors import InvalidInputError

__all__ = [
    "VERDICTS",
    "CLAIM_KINDS",
    "Claim",
    "ExperimentOutcome",
    "compare_claim",
    "boolean_claim",
    "not_run",
]

VERDICTS = ("reproduced", "not reproduced", "not run")

#: What a claim is: a statement of the paper (``source`` names the figure and panel), a result of
#: ghostsym beyond the paper, or an internal consistency check of derivations and code (not
#: evidence for the paper).
CLAIM_KINDS = ("paper", "beyond", "consistency")

Value = float | int | str | bool | None


@dataclass(frozen=True)
class Claim:
    """One row of the claims table.

    Attributes:
        claim: the statement (of the paper, or ``source="ghostsym"`` for results beyond it).
        theory: the value the theory gives (number, or text such as ``"no learning"``).
        measured: the value this run measured.
        tolerance: how close counts as agreement, in words (``"rel. 3%"``).
        verdict: one of :data:`VERDICTS`.
        source: where the claim comes from (``"paper Fig. 2B"``, ``"paper abstract"``,
            ``"ghostsym"``).
        details: how it was measured (command, seeds, scale).
        kind: one of :data:`CLAIM_KINDS`.
        margin: for a numeric comparison, 1 - deviation / tolerance (1 exact, 0 on the
            boundary, negative outside; ``reproduced`` exactly when margin >= 0), else None.
    """

    claim: str
    theory: Value
    measured: Value
    tolerance: str
    verdict: str
    source: str = "paper"
    details: str = ""
    kind: str = "paper"
    margin: float | None = None

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise InvalidInputError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.kind not in CLAIM_KINDS:
            raise InvalidInputError(f"kind must be one of {CLAIM_KINDS}, got {self.kind!r}")

    def to_json(self) -> dict:
        return {
            "claim": self.claim,
            "theory": _json_value(self.theory),
            "measured": _json_value(self.measured),
            "tolerance": self.tolerance,
            "verdict": self.verdict,
            "source": self.source,
            "details": self.details,
            "kind": self.kind,
            "margin": _json_value(self.margin),
        }


def _json_value(value: Value):
    return json_ready(value)


def compare_claim(
    claim: str,
    theory: float,
    measured: float,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    source: str = "paper",
    details: str = "",
    kind: str = "paper",
) -> Claim:
    """A claim whose verdict is ``|measured - theory| <= atol + rtol |theory|``.

    The claim's ``margin`` is ``1 - |measured - theory| / (atol + rtol |theory|)``.

    >>> compare_claim("slope", theory=-5.0, measured=-4.99, atol=0.02).verdict
    'reproduced'
    >>> compare_claim("slope", theory=-5.0, measured=-4.0, atol=0.02).verdict
    'not reproduced'
    """
    if rtol is None and atol is None:
        raise InvalidInputError("compare_claim needs rtol or atol")
    theory_value, measured_value = float(theory), float(measured)
    bound = (atol or 0.0) + (rtol or 0.0) * abs(theory_value)
    deviation = abs(measured_value - theory_value)
    agrees = math.isfinite(measured_value) and deviation <= bound
    if not math.isfinite(deviation):
        margin = -math.inf
    elif bound > 0:
        margin = 1.0 - deviation / bound
    else:
        margin = 1.0 if deviation == 0 else -math.inf
    parts = []
    if rtol is not None:
        parts.append(f"rel. {rtol:g}")
    if atol is not None:
        parts.append(f"abs. {atol:g}")
    return Claim(
        claim,
        theory_value,
        measured_value,
        " + ".join(parts),
        "reproduced" if agrees else "not reproduced",
        source,
        details,
        kind,
        margin,
    )


def boolean_claim(
    claim: str,
    theory: Value,
    measured: Value,
    holds: bool,
    *,
    tolerance: str = "exact",
    source: str = "paper",
    details: str = "",
    kind: str = "paper",
) -> Claim:
    """A claim about a qualitative outcome; ``holds`` is computed by the caller's run.

    >>> boolean_claim("lr 1e-9 collapses", "stuck", "stuck", True).verdict
    'reproduced'
    """
    verdict = "reproduced" if bool(holds) else "not reproduced"
    return Claim(claim, theory, measured, tolerance, verdict, source, details, kind)


def not_run(claim: str, reason: str, *, source: str = "paper", kind: str = "paper") -> Claim:
    """A claim this run did not test, with the reason in ``details``."""
    return Claim(claim, None, None, "-", "not run", source, reason, kind)


@dataclass(frozen=True)
class ExperimentOutcome:
    """What one experiment returns: its claims, its headline numbers, and arrays for figures.

    Attributes:
        name: short identifier (``"canonical-learning"``); used for file names.
        title: human title for the report section.
        claims: the claim rows this experiment decides.
        numbers: every scalar the report quotes, by name (written to ``results.json``).
        arrays: data the figures are drawn from (written to ``<name>.npz``).
        config: the settings the run used (written to the JSON metadata).
        wall_time: seconds the run took.
    """

    name: str
    title: str
    claims: tuple[Claim, ...]
    numbers: Mapping[str, Value] = field(default_factory=dict)
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    config: Mapping[str, Value] = field(default_factory=dict)
    wall_time: float = 0.0

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
from .._statistics import wilson_interval
from ..errors import InvalidInputError
from ._tolerances import Tolerance

__all__ = [
    "VERDICTS",
    "CLAIM_KINDS",
    "Claim",
    "ExperimentOutcome",
    "Findings",
    "compare_claim",
    "fraction_claim",
    "fraction_text",
    "wilson_interval",
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
    tolerance: Tolerance | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    source: str = "paper",
    details: str = "",
    kind: str = "paper",
) -> Claim:
    """A claim whose verdict compares ``measured`` with ``theory`` within a tolerance.

    ``tolerance`` is a registered :class:`~ghostsym.experiments.Tolerance` (see
    :func:`~ghostsym.experiments.tolerance`): relative ``|m - t| <= v |t|``, absolute
    ``|m - t| <= v``, or a ratio in log space ``|log(m / t)| <= log(1 + v)``. ``rtol``/``atol``
    (``|m - t| <= atol + rtol |t|``) remain for ad-hoc checks outside the report. Either way the
    claim's ``margin`` is ``1 - deviation / bound`` and the verdict is ``reproduced`` exactly
    when the margin is >= 0.

    >>> compare_claim("slope", theory=-5.0, measured=-4.99, atol=0.02).verdict
    'reproduced'
    >>> compare_claim("slope", theory=-5.0, measured=-4.0, atol=0.02).verdict
    'not reproduced'
    >>> ratio = Tolerance("demo-ratio", 1.0, "log", "within a factor 2")
    >>> row = compare_claim("ratio", theory=1.0, measured=0.5, tolerance=ratio)
    >>> row.verdict, round(row.margin, 12)
    ('reproduced', 0.0)
    """
    theory_value, measured_value = float(theory), float(measured)
    if tolerance is not None:
        if rtol is not None or atol is not None:
            raise InvalidInputError("compare_claim takes a registered tolerance or rtol/atol")
        if tolerance.scale == "log":
            bound = math.log1p(tolerance.value)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = measured_value / theory_value if theory_value else math.nan
            deviation = abs(math.log(ratio)) if ratio > 0 else math.inf
            text = f"ratio within a factor {1 + tolerance.value:g} ({tolerance.name})"
        else:
            relative = tolerance.scale == "relative"
            bound = tolerance.value * (abs(theory_value) if relative else 1.0)
            deviation = abs(measured_value - theory_value)
            text = f"{'rel.' if relative else 'abs.'} {tolerance.value:g} ({tolerance.name})"
    else:
        if rtol is None and atol is None:
            raise InvalidInputError("compare_claim needs a tolerance, rtol or atol")
        bound = (atol or 0.0) + (rtol or 0.0) * abs(theory_value)
        deviation = abs(measured_value - theory_value)
        parts = []
        if rtol is not None:
            parts.append(f"rel. {rtol:g}")
        if atol is not None:
            parts.append(f"abs. {atol:g}")
        text = " + ".join(parts)
    margin = _margin(deviation, bound)
    agrees = math.isfinite(measured_value) and margin >= 0
    return Claim(
        claim,
        theory_value,
        measured_value,
        text,
        "reproduced" if agrees else "not reproduced",
        source,
        details,
        kind,
        margin,
    )


def _margin(deviation: float, bound: float) -> float:
    """1 - deviation / bound (1 exact, 0 on the boundary, negative outside; -inf if undefined)."""
    if not math.isfinite(deviation):
        return -math.inf
    if bound > 0:
        return 1.0 - deviation / bound
    return 1.0 if deviation == 0 else -math.inf


def fraction_text(successes: int, trials: int) -> str:
    """``"k/n = f [low, high] (Wilson 95%)"``.

    >>> fraction_text(8, 20)
    '8/20 = 0.40 [0.22, 0.61] (Wilson 95%)'
    """
    low, high = wilson_interval(successes, trials)
    fraction = successes / trials if trials else math.nan
    return f"{successes}/{trials} = {fraction:.2f} [{low:.2f}, {high:.2f}] (Wilson 95%)"


def fraction_claim(
    claim: str,
    successes: int,
    trials: int,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    source: str = "paper",
    details: str = "",
    kind: str = "paper",
) -> Claim:
    """A claim about the fraction of runs (every seed counted: a miss is a failure).

    The verdict compares the observed fraction ``successes / trials`` with a threshold fixed in
    advance (``fraction >= at_least`` or ``fraction <= at_most``); ``measured`` states the count,
    the fraction and its Wilson 95% interval, ``margin`` is the fraction's distance from the
    threshold over the room the threshold leaves (1 at the far end, 0 on the threshold; 1 when
    the threshold is the far end itself and is met).

    >>> fraction_claim("most seeds collapse", 8, 20, at_least=0.5).verdict
    'not reproduced'
    >>> fraction_claim("no seed fails", 0, 12, at_most=0.0).verdict
    'reproduced'
    """
    if (at_least is None) == (at_most is None):
        raise InvalidInputError("fraction_claim needs exactly one of at_least, at_most")
    fraction = successes / trials if trials else math.nan
    if at_least is not None:
        holds = trials > 0 and fraction >= at_least
        room = 1.0 - at_least
        margin = (fraction - at_least) / room if room > 0 else (1.0 if holds else -math.inf)
        theory = f">= {at_least:g}"
    else:
        holds = trials > 0 and fraction <= at_most
        room = at_most
        margin = (at_most - fraction) / room if room > 0 else (1.0 if holds else -math.inf)
        theory = f"<= {at_most:g}"
    if not trials:
        margin = -math.inf
    return Claim(
        claim,
        theory,
        fraction_text(successes, trials),
        "threshold on the fraction, fixed in advance",
        "reproduced" if holds else "not reproduced",
        source,
        f"{trials} runs, every one counted; " + details if details else f"{trials} runs",
        kind,
        float(margin),
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


@dataclass(frozen=True)
class Findings:
    """What an experiment body returns; :func:`ghostsym.experiments.experiment` adds the name,
    title, scale, seed and wall time to make an :class:`ExperimentOutcome`.

    Attributes:
        claims: the claim rows.
        numbers: scalars the report quotes, by name.
        arrays: data the figures are drawn from.
        config: the settings the run used (scale and seed are added by the decorator).
    """

    claims: tuple[Claim, ...]
    numbers: Mapping[str, Value] = field(default_factory=dict)
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    config: Mapping[str, Value] = field(default_factory=dict)

"""Every claim tolerance of ghostsym, fixed before any data is seen, each with its reason.

A tolerance is looked up by name with :func:`tolerance`; experiments never compute one from the
data it judges. Ratios are compared in log space (``scale="log"``): the deviation is
``|log(measured / theory)|`` and the bound ``log(1 + value)``.

>>> tolerance("canonical-blow-up-time").value
1e-10
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInputError

__all__ = ["Tolerance", "TOLERANCES", "tolerance"]


@dataclass(frozen=True)
class Tolerance:
    """A tolerance fixed in advance.

    Attributes:
        name: the key experiments use.
        value: the bound: relative (``scale="relative"``: ``|m - t| <= value |t|``), absolute
            (``scale="absolute"``: ``|m - t| <= value``) or a ratio in log space
            (``scale="log"``: ``|log(m / t)| <= log(1 + value)``).
        scale: ``"relative"``, ``"absolute"`` or ``"log"``.
        reason: one line saying why this bound and not another.
    """

    name: str
    value: float
    scale: str
    reason: str

    def __post_init__(self):
        if self.scale not in ("relative", "absolute", "log"):
            raise InvalidInputError(f"tolerance scale must be relative, absolute or log: {self}")
        if not self.value > 0:
            raise InvalidInputError(f"tolerance value must be > 0: {self}")

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "scale": self.scale, "reason": self.reason}


_ENTRIES = (
    # --- the canonical form and the delayed-activation task (Figs. 1-2) -----------------------
    Tolerance(
        "canonical-blow-up-time",
        1e-10,
        "absolute",
        "max |t*_closed/t*_ODE - 1| over r; solve_ivp at rtol 1e-13 leaves integration error only",
    ),
    Tolerance(
        "canonical-time-exponent",
        1e-6,
        "absolute",
        "slope of log t* against log r from ODE times: exact (scale invariance) up to solver error",
    ),
    Tolerance(
        "bottleneck-quadrature",
        1e-25,
        "absolute",
        "max relative error against mpmath quadrature at 30 digits: rounding at ~1e-30 only",
    ),
    Tolerance(
        "euler-loss-landmark",
        0.02,
        "relative",
        "the paper's Euler simulation (dt = 0.1, threshold X = 10) shifts r* and r_NL by O(dt/T) "
        "and O(1/X): 2% covers both",
    ),
    Tolerance(
        "descent-steps-estimate",
        0.02,
        "relative",
        "the continuous-time step count neglects the O(eta) error of ~1500 discrete steps",
    ),
    Tolerance(
        "critical-rate-closed-form",
        0.03,
        "absolute",
        "max |alpha_c,numeric / alpha_c - 1|: k-section with 7 points per round and a finite "
        "ensemble of noisy starts resolve alpha_c to about 3%",
    ),
    Tolerance(
        "critical-rate-exponent",
        0.02,
        "absolute",
        "fitted slope over T in [10, 1000] (two decades): 3% errors in alpha_c move it <= 0.02",
    ),
    # --- finite output confidence (Fig. 8A) ----------------------------------------------------
    Tolerance(
        "euler-quadrature-loss",
        0.01,
        "absolute",
        "max |L_quadrature - L_Euler| / T: the Euler scheme's O(dt) error with dt = 0.1",
    ),
    Tolerance(
        "zone-gradient-peak-gain",
        1.0,
        "log",
        "the gain of the peak relative zone gradient within a factor 2 of 0.1 separates it from "
        "the neighbouring gains of the paper's grid (0.01 and 0.5)",
    ),
    # --- the normal-form reduction -------------------------------------------------------------
    Tolerance(
        "symbolic-autodiff-reduction",
        1e-9,
        "absolute",
        "symbolic and autodiff reductions are both exact; float64 eigenvectors leave ~1e-12",
    ),
    Tolerance(
        "bottleneck-error-slope",
        0.03,
        "absolute",
        "the relative error C sqrt(r)/pi has slope 1/2; O(r) corrections over the distances used "
        "bend the fitted slope by a few hundredths",
    ),
    Tolerance(
        "bottleneck-time-quick",
        0.02,
        "log",
        "measured/predicted passage at |mu - mu0| = 1e-5: the O(sqrt r) correction is ~1-2%",
    ),
    Tolerance(
        "bottleneck-time-full",
        0.002,
        "log",
        "measured/predicted passage at |mu - mu0| = 1e-7: the O(sqrt r) correction is ~0.1-0.2%",
    ),
    Tolerance(
        "latent-reduction-r",
        1e-8,
        "absolute",
        "N-dim reduction of a rank-one network against its exact 1-D latent r: float64 Newton "
        "steps to speed ~1e-12 leave ~1e-10 relative",
    ),
    Tolerance(
        "network-passage",
        0.01,
        "log",
        "simulated passage between kappa_g -/+ 1 over pi/sqrt(r): the finite sections add an "
        "O(1) time to pi/sqrt(r) ~ 1e3",
    ),
    Tolerance(
        "finder-r-oracle",
        1e-6,
        "absolute",
        "max |r_finder / r_mpmath - 1| for constructed networks: Newton on the speed in float64",
    ),
    # --- networks: gradients, Figs. 3, 6, 7 ----------------------------------------------------
    Tolerance(
        "autodiff-gradient",
        1e-6,
        "absolute",
        "largest relative error of jax.grad against central differences (step 1e-5, float64): "
        "truncation ~1e-10, rounding ~1e-11",
    ),
    Tolerance(
        "plateau-learning-rate-scaling",
        0.25,
        "log",
        "a plateau ~ 1/lr gives the ratio 1; a factor 1.25 allows the seed-to-seed spread of the "
        "leaving epoch",
    ),
    # --- Figures 4 and 5: ghosts in task-trained networks -------------------------------------
    Tolerance(
        "ghost-first-fraction",
        0.5,
        "absolute",
        "'ghosts precede transitions' holds in a majority of transitioning seeds (fraction >= 1/2)",
    ),
    Tolerance(
        "rank-one-late-ghost-fraction",
        0.25,
        "absolute",
        "Fig. 3B shows one seed; at least three quarters of all seeds must show the late ghost",
    ),
    Tolerance(
        "rank-one-fixed-point-test",
        0.25,
        "absolute",
        "the paper's test (count never rises) must hold in at least three quarters of the seeds",
    ),
    Tolerance(
        "rank-one-drop-forecast-fraction",
        0.25,
        "absolute",
        "an early warning is useful if it is on time (within the lead) for three quarters of seeds",
    ),
    # --- ghostsym results beyond the paper ----------------------------------------------------
    Tolerance(
        "rate-law-exponent",
        0.5,
        "absolute",
        "slope of log eta_c over T in [10, 80] (a factor 8) with few seeds per delay: seed "
        "spread of eta_c moves it by a few tenths",
    ),
    Tolerance(
        "rate-law-prefactor",
        1.0,
        "log",
        "eta_c = alpha_c / |d rho/d theta|^2 neglects discrete-step and finite-window factors of "
        "order one; within a factor 2 tests the prefactor",
    ),
)

#: The registry, by name.
TOLERANCES: dict[str, Tolerance] = {entry.name: entry for entry in _ENTRIES}
if len(TOLERANCES) != len(_ENTRIES):  # pragma: no cover - caught by the test suite at once
    raise RuntimeError("duplicate tolerance names in the registry")


def tolerance(name: str) -> Tolerance:
    """The registered tolerance called ``name``.

    >>> tolerance("network-passage").scale
    'log'
    """
    if name not in TOLERANCES:
        raise InvalidInputError(f"unknown tolerance {name!r}; known: {', '.join(TOLERANCES)}")
    return TOLERANCES[name]

"""Independent oracles that the experiments and the tests share.

Each oracle computes a quantity without the closed form or the code path it checks: an ODE
solver at tight tolerances for passage and blow-up times, mpmath at 30 digits for the canonical
parameter of a latent flow.

>>> round(blow_up_time_by_ode(1.0), 9)
1.570796327
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.integrate import solve_ivp

__all__ = [
    "blow_up_time_by_ode",
    "crossing_time",
    "exact_latent_canonical_parameter",
    "fitted_slope",
]


def blow_up_time_by_ode(r: float) -> float:
    """t*(r) from the ODE alone: x' = r + x^2 from 0 to 1, then u = 1/x (u' = -(1 + r u^2),
    exact) from 1 to 0, each to a terminal event (no closed form, no tail approximation).

    >>> round(blow_up_time_by_ode(4.0), 9)  # pi / (2 sqrt(4))
    0.785398163
    """
    options = dict(method="DOP853", rtol=1e-13, atol=1e-15)

    def reach_one(_, state):
        return state[0] - 1.0

    def reach_zero(_, state):
        return state[0]

    reach_one.terminal, reach_one.direction = True, 1
    reach_zero.terminal, reach_zero.direction = True, -1
    first = solve_ivp(lambda _, x: r + x**2, (0, 1e9), [0.0], events=reach_one, **options)
    second = solve_ivp(lambda _, u: -(1 + r * u**2), (0, 1e9), [1.0], events=reach_zero, **options)
    return float(first.t_events[0][0] + second.t_events[0][0])


def crossing_time(
    field, start, normal, level: float, *, rtol: float = 1e-11, atol: float = 1e-13
) -> float:
    """Time the flow x' = field(x) takes from ``start`` until normal^T x rises through ``level``.

    DOP853 at ``rtol``/``atol`` with a terminal event; raises AssertionError when the trajectory
    never crosses (within t = 1e7).

    >>> round(crossing_time(lambda x: np.ones(1), [0.0], np.ones(1), 2.5), 9)
    2.5
    """
    normal = np.asarray(normal, dtype=np.float64)

    def leave(_, state):
        return float(normal @ state) - level

    leave.terminal, leave.direction = True, 1
    solution = solve_ivp(
        lambda _, state: field(state),
        (0.0, 1e7),
        np.asarray(start, dtype=np.float64),
        method="DOP853",
        rtol=rtol,
        atol=atol,
        events=leave,
    )
    if solution.status != 1:
        raise AssertionError(f"the trajectory did not cross the exit section: {solution.message}")
    return float(solution.t_events[0][0])


def exact_latent_canonical_parameter(
    m, n, b, guess: float, digits: int = 30
) -> tuple[float, float]:
    """Oracle: (kappa_g, r) at the local minimum of F(kappa) = -kappa + n^T tanh(m kappa + b),
    computed with mpmath at ``digits`` digits (F' = 0 there, so r = F F''/2).

    >>> m, n, b = np.array([2.0, 0.0]), np.array([1.0, 0.8]), np.array([-1.0, 10.0])
    >>> location, r = exact_latent_canonical_parameter(m, n, b, 0.0)
    >>> round(location, 6), r > 0
    (0.059313, True)
    """
    with mpmath.workdps(digits):
        weights = [
            (mpmath.mpf(float(x)), mpmath.mpf(float(y)), mpmath.mpf(float(z)))
            for x, y, z in zip(m, n, b, strict=True)
        ]

        def flow(kappa):
            return -kappa + mpmath.fsum(y * mpmath.tanh(x * kappa + z) for x, y, z in weights)

        location = mpmath.findroot(lambda kappa: mpmath.diff(flow, kappa), mpmath.mpf(guess))
        r = flow(location) * mpmath.diff(flow, location, 2) / 2
        return float(location), float(r)


def fitted_slope(distances, errors) -> float:
    """Least-squares slope of log|error| against log(distance).

    >>> round(fitted_slope([1e-4, 1e-2], [1e-2, 1e-1]), 12)
    0.5
    """
    return float(np.polyfit(np.log(distances), np.log(np.abs(errors)), 1)[0])

"""Completing the square: the canonical parameter of y' = d + lambda y + b y^2.

Shared by the reduction (any system near a slow point) and the network engine (the latent flow
of a rank-one network), so both use the one derived expression.

>>> expression = slow_point_canonical_parameter()
>>> expression.latex()
'r = b d - \\\\frac{\\\\lambda^{2}}{4}'
"""

from __future__ import annotations

from functools import cache

import sympy

from .. import notation
from ..expressions import DerivedExpression

__all__ = ["slow_point_canonical_parameter"]


@cache
def slow_point_canonical_parameter() -> DerivedExpression:
    """r(d, lambda, b): z = b y + lambda/2 turns y' = d + lambda y + b y^2 into z' = r + z^2.

    Derived: substitute y = (z - lambda/2)/b into b * (d + lambda y + b y^2) and take what is
    left after removing z^2; SymPy checks the remainder does not depend on z.

    >>> float(slow_point_canonical_parameter()(2.0, 0.0, 0.5))  # d=2, lambda=0, b=0.5
    1.0
    """
    d, lam, b = notation.drift, notation.eigenvalue, notation.quadratic_coefficient
    y, z = notation.y, notation.z
    slow_flow = d + lam * y + b * y**2
    shifted = sympy.expand((b * slow_flow).subs(y, (z - lam / 2) / b))
    remainder = sympy.simplify(shifted - z**2)
    if remainder.has(z):  # the substitution must leave a z-independent constant
        raise AssertionError(f"completing the square left a z-dependent term: {remainder}")
    return DerivedExpression(
        "r",
        remainder,
        (d, lam, b),
        "canonical parameter at a slow point: z = b y + lambda/2 obeys z' = r + z^2",
    )

"""The degenerate cases of the normal-form reduction, each a named :class:`DegenerateError`.

The symbolic and the numeric reductions raise the same classes, so a caller can catch one
degeneracy (``except VanishingQuadraticCoefficientError``) whichever path found it, or all of
them at once (``except DegenerateError``).

>>> issubclass(NotAFoldError, DegenerateError)
True
>>> str(VanishingQuadraticCoefficientError("b = 0"))
'b = 0'
"""

from __future__ import annotations

from ..errors import DegenerateError

__all__ = [
    "NotAFoldError",
    "NonSimpleZeroEigenvalueError",
    "VanishingQuadraticCoefficientError",
    "VanishingUnfoldingCoefficientError",
    "ComplexSlowEigenvalueError",
    "FixedPointNotGhostError",
    "NotASlowPointError",
    "MinimisationDidNotConvergeError",
    "UndefinedVectorFieldError",
    "UnresolvedSlowPointError",
]


class NotAFoldError(DegenerateError):
    """The point is not a fold: f(x0, mu0) != 0, or Df has no eigenvalue at zero.

    The message lists the Jacobian's eigenvalues (or the residual of f).
    """


class NonSimpleZeroEigenvalueError(DegenerateError):
    """The zero eigenvalue of Df is not simple (two null vectors, or a Jordan block p^T q = 0)."""


class VanishingQuadraticCoefficientError(DegenerateError):
    """b = 1/2 p^T D^2 f[q, q] = 0: a transcritical, pitchfork or cusp degeneracy, not a fold."""


class VanishingUnfoldingCoefficientError(DegenerateError):
    """a = p^T df/dmu = 0: the parameter mu does not unfold the fold (r does not move with mu)."""


class ComplexSlowEigenvalueError(DegenerateError):
    """The eigenvalue of Df nearest zero is complex: the slow flow is not one-dimensional."""


class FixedPointNotGhostError(DegenerateError):
    """A ghost was asked for, but the slow point is a fixed point (r <= 0: node-saddle pair)."""


class NotASlowPointError(DegenerateError):
    """The critical point of q(x) = 1/2 |f(x)|^2 that was found is not a local minimum."""


class MinimisationDidNotConvergeError(DegenerateError):
    """The minimisation of q(x) = 1/2 |f(x)|^2 did not converge from any starting point."""


class UndefinedVectorFieldError(DegenerateError):
    """f or its derivatives are not real and finite at the point (division by zero, the log or
    square root of a negative number, overflow): the flow is not defined there."""


class UnresolvedSlowPointError(DegenerateError):
    """The speed's minimum is not resolved: the next Newton step on q(x) = 1/2 |f(x)|^2 is not
    small beside the ghost's width sqrt(r)/|b|, so the point reported would not be a slow point
    (the speed may keep falling towards infinity, as for f = exp(x), or the minimum may be a
    degenerate zero with b = 0, as for f = x^3)."""

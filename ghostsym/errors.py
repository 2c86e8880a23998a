"""Exceptions raised by ghostsym and the input checks that raise them.

Every check names the offending value and what was expected, so that a bad call fails with a
message a user can act on instead of a NaN further down.

>>> require_positive("T", -1.0)
Traceback (most recent call last):
...
ghostsym.errors.InvalidInputError: T must be a finite number > 0, got -1.0
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "GhostsymError",
    "InvalidInputError",
    "DegenerateError",
    "OutOfRangeError",
    "RunFailedError",
    "require_finite",
    "require_positive",
    "require_nonnegative",
    "require_choice",
    "require_finite_array",
]


class GhostsymError(Exception):
    """Base class of every error ghostsym raises on purpose."""


class InvalidInputError(GhostsymError, ValueError):
    """An argument has the wrong value or type; the message names it and what was expected."""


class DegenerateError(GhostsymError, ArithmeticError):
    """The mathematics is degenerate at the requested point (e.g. no fold, b = 0, r <= 0)."""


class RunFailedError(GhostsymError):
    """Part of a run failed while computing (not a problem with the input); what did finish was
    written. The command line reports it on one line with exit status 1."""


class OutOfRangeError(InvalidInputError):
    """A derived number is not a normal float64 at this input (it would overflow to inf, or
    underflow to 0 or to a subnormal with lost digits).

    ``quantity`` names the derived number, ``value`` is its exact value as text, ``argument``
    the input to change and ``valid_range`` the (smallest, largest) value of that input at
    which every derived number is representable (None when not computed).
    """

    def __init__(self, message: str, *, quantity: str, value: str, argument: str, valid_range):
        super().__init__(message)
        self.quantity = quantity
        self.value = value
        self.argument = argument
        self.valid_range = valid_range


def require_representable(name: str, exact) -> float:
    """Return the high-precision number ``exact`` as a float64, or raise if it is not
    representable: non-finite, or non-zero but below the smallest normal float64 (2.2e-308).

    >>> require_representable("r*", 0.25)
    0.25
    >>> require_representable("r*", 1e-320)
    Traceback (most recent call last):
    ...
    ghostsym.errors.OutOfRangeError: r* = 1.0e-320 is outside the normal float64 range ...
    """
    import sys

    number = float(exact)
    normal = number == 0 and exact == 0 or sys.float_info.min <= abs(number) < math.inf
    if not normal:
        shown = _exact_text(exact)
        raise OutOfRangeError(
            f"{name} = {shown} is outside the normal float64 range "
            f"[{sys.float_info.min:.3g}, {sys.float_info.max:.3g}] (in absolute value)",
            quantity=name,
            value=shown,
            argument=name,
            valid_range=None,
        )
    return number


def _exact_text(exact) -> str:
    try:
        import mpmath

        return mpmath.nstr(mpmath.mpf(exact), 4)
    except (TypeError, ValueError):
        return repr(exact)


def _as_real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.floating | np.integer):
        raise InvalidInputError(f"{name} must be a real number, got {value!r}")
    return float(value)


def require_finite(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number.

    >>> require_finite("x0", 2)
    2.0
    >>> require_finite("x0", float("nan"))
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: x0 must be a finite number, got nan
    """
    number = _as_real(name, value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}")
    return number


def require_positive(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not finite and > 0.

    >>> require_positive("R", 3)
    3.0
    """
    number = _as_real(name, value)
    if not (math.isfinite(number) and number > 0):
        raise InvalidInputError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def require_nonnegative(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not finite and >= 0.

    >>> require_nonnegative("noise", 0)
    0.0
    """
    number = _as_real(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise InvalidInputError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def require_choice(name: str, value, choices) -> object:
    """Return ``value`` if it is one of ``choices``, else raise naming the allowed values.

    >>> require_choice("backend", "jax", ("numpy", "jax"))
    'jax'
    """
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise InvalidInputError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def require_finite_array(name: str, values) -> np.ndarray:
    """Return ``values`` as a float64 array, or raise if any entry is not a finite real number
    (complex, boolean and non-numeric entries are refused, never truncated or cast).

    >>> require_finite_array("grid", [1, 2]).dtype
    dtype('float64')
    >>> require_finite_array("W", np.array([1 + 2j]))
    Traceback (most recent call last):
    ...
    ghostsym.errors.InvalidInputError: W must contain real numbers, got complex128 entries
    """
    try:
        kind = np.asarray(values).dtype
        if kind.kind in "cbSUV" or np.iscomplexobj(values):
            described = {"b": "boolean", "S": "byte-string", "U": "text", "V": "structured"}
            raise InvalidInputError(
                f"{name} must contain real numbers, got "
                f"{described.get(kind.kind, kind.name)} entries"
            )
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as error:
        if isinstance(error, InvalidInputError):
            raise
        shown = " ".join(str(error).split())[:100]
        raise InvalidInputError(f"{name} must be an array of real numbers ({shown})") from None
    bad = ~np.isfinite(array)
    if bad.any():
        first = array[bad].ravel()[0]
        raise InvalidInputError(
            f"{name} must contain only finite numbers, found {float(first)!r} "
            f"({int(bad.sum())} of {array.size} entries)"
        )
    return array

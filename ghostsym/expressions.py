"""The typed carrier of a derived formula: a SymPy expression that renders and lambdifies itself.

Every closed form ghostsym derives is returned as a :class:`DerivedExpression` (or inside a small
frozen dataclass made of them), so a user can print it as LaTeX, evaluate it with NumPy, mpmath
or JAX, and substitute numbers, all from the same object.

>>> import sympy
>>> from ghostsym import notation
>>> blow_up = DerivedExpression(
...     "t^{*}", sympy.pi / (2 * sympy.sqrt(notation.r)), (notation.r,), "blow-up time")
>>> blow_up.latex()
't^{*} = \\\\frac{\\\\pi}{2 \\\\sqrt{r}}'
>>> round(float(blow_up(1.0)), 6)
1.570796
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy

from . import notation
from .errors import InvalidInputError, require_choice

__all__ = ["DerivedExpression", "BACKENDS"]

#: Back ends :meth:`DerivedExpression.lambdify` can target.
BACKENDS = ("numpy", "scipy", "mpmath", "jax", "sympy")


@dataclass(frozen=True)
class DerivedExpression:
    """A named formula ``name = expression`` in the variables ``arguments``.

    Attributes:
        name: LaTeX of the left-hand side, e.g. ``"r^{*}"``.
        expression: the SymPy expression, as derived (never typed in as a string).
        arguments: the free symbols, in the order the lambdified function takes them.
        description: one line saying what the formula is.
    """

    name: str
    expression: sympy.Expr
    arguments: tuple[sympy.Symbol, ...]
    description: str = ""
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __getstate__(self) -> dict:
        # pickled without the lambdified functions (they are rebuilt on first use)
        state = dict(self.__dict__)
        state["_cache"] = {}
        state.pop("free_symbols", None)
        return state

    def __setstate__(self, state: dict) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def __post_init__(self):
        missing = self.expression.free_symbols - set(self.arguments)
        if missing:
            names = ", ".join(sorted(str(symbol) for symbol in missing))
            raise InvalidInputError(f"{self.name}: free symbols {names} are not in arguments")

    # --- presentation ---------------------------------------------------------------------
    def latex(self, with_name: bool = True) -> str:
        """LaTeX of the formula in the central notation (``name = expression``)."""
        body = notation.latex(self.expression)
        return f"{self.name} = {body}" if with_name else body

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __str__(self) -> str:
        return f"{self.name} = {self.expression}"

    # --- evaluation -----------------------------------------------------------------------
    def lambdify(self, backend: str = "numpy") -> Callable:
        """A function of ``arguments`` evaluating the expression with ``backend``.

        ``backend`` is one of :data:`BACKENDS`; ``"jax"`` gives a traceable function for use
        inside ``jax.jit`` and ``jax.grad``. Functions are cached per backend.
        """
        require_choice("backend", backend, BACKENDS)
        if backend not in self._cache:
            modules = "mpmath" if backend == "mpmath" else backend
            self._cache[backend] = sympy.lambdify(self.arguments, self.expression, modules=modules)
        return self._cache[backend]

    def __call__(self, *values):
        """Evaluate with NumPy at ``values`` (one per argument, broadcasting)."""
        if len(values) != len(self.arguments):
            raise InvalidInputError(
                f"{self.name} takes {len(self.arguments)} values "
                f"({', '.join(map(str, self.arguments))}), got {len(values)}"
            )
        return self.lambdify("numpy")(*values)

    def evaluate(self, values: Mapping[sympy.Symbol, object], precision: int = 30):
        """Exact substitution followed by ``evalf`` at ``precision`` digits.

        >>> from ghostsym import notation
        >>> DerivedExpression("y", notation.T**2, (notation.T,)).evaluate({notation.T: 3})
        9.00000000000000000000000000000
        """
        return self.expression.subs(dict(values)).evalf(precision)

    def substitute(self, values: Mapping[sympy.Symbol, object]) -> DerivedExpression:
        """The same formula with some arguments replaced (they leave ``arguments``)."""
        remaining = tuple(symbol for symbol in self.arguments if symbol not in values)
        return DerivedExpression(
            self.name, self.expression.subs(dict(values)), remaining, self.description
        )

    @cached_property
    def free_symbols(self) -> frozenset:
        return frozenset(self.expression.free_symbols)

"""``ghostsym theory``: the delayed-activation theory at one delay, as text, LaTeX or JSON.

A thin layer over :func:`ghostsym.delayed_activation_theory`.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="ghostsym")
>>> register(parser.add_subparsers(dest="command"))
>>> arguments = parser.parse_args(["theory", "--T", "100", "--format", "json"])
>>> arguments.T, arguments.R, arguments.normalised
(100.0, None, False)
"""

from __future__ import annotations

from ..errors import InvalidInputError, OutOfRangeError
from ._common import add_format_argument, emit, finite_float, to_json

__all__ = ["register", "theory_command", "render_theory"]


def register(subparsers) -> None:
    """Add the ``theory`` sub-command."""
    parser = subparsers.add_parser(
        "theory",
        help="optimum, no-learning boundary and critical learning rate of the delayed task",
        description=(
            "Derived theory of the delayed-activation task on the canonical ghost x' = r + x^2: "
            "optimum r*, no-learning boundary r_NL, gradient size at r*, critical learning rate "
            "of gradient descent and its exponent in T at fixed R/T."
        ),
    )
    parser.add_argument(
        "--T",
        type=finite_float("--T", 0, include_minimum=False),
        required=True,
        help="delay T (> 0)",
    )
    parser.add_argument(
        "--R",
        type=finite_float("--R", 0, include_minimum=False),
        default=None,
        help="response window R (> 0; default R = T)",
    )
    parser.add_argument(
        "--normalised",
        action="store_true",
        help="use the loss L/T (the paper's plots) instead of L (its 1-D code's gradient)",
    )
    add_format_argument(parser)
    parser.set_defaults(handler=theory_command)


def theory_command(arguments) -> None:
    """Print the theory for ``arguments.T``, ``arguments.R`` in ``arguments.format``."""
    from ..theory import delayed_activation_theory

    theory = delayed_activation_theory(
        T=arguments.T, R=arguments.R, normalised=arguments.normalised
    )
    try:
        theory.numbers()
    except OutOfRangeError as error:
        raise InvalidInputError(_out_of_range_message(arguments, error)) from None
    emit(
        theory.numbers(),
        arguments.format,
        text=lambda _: _text(theory),
        latex=lambda _: _latex(theory),
    )


def _out_of_range_message(arguments, error: OutOfRangeError) -> str:
    """One line: which derived number left float64 at this --T, and the --T that work."""
    low, high = error.valid_range
    window = "--R = --T" if arguments.R is None else f"--R {arguments.R:g}"
    if low != low:  # nan: no delay works with this window
        return (
            f"--R {arguments.R:g}: {error.quantity} = {error.value} is not a float64 "
            f"number, and no --T makes every derived number one with this --R"
        )
    return (
        f"--T {arguments.T:g} is out of range: {error.quantity} = {error.value} is not a "
        f"normal float64 number; use --T in [{low:.4g}, {high:.4g}] ({window})"
    )


_ROWS = (
    ("optimum", "r*", "optimum"),
    ("no-learning boundary", "r_NL", "no_learning_boundary"),
    ("gradient size at r*", "|dL/dr|(r*)", "gradient_at_optimum"),
    ("critical learning rate", "alpha_c", "critical_learning_rate"),
    ("exponent in T at fixed R/T", "", "critical_exponent"),
    ("exponent in T at fixed R", "", "fixed_window_exponent"),
    ("  ... as T -> infinity", "", "asymptotic_exponent"),
)


def render_theory(theory, output_format: str) -> str:
    """The theory's numbers as ``"text"``, ``"latex"`` or ``"json"``.

    >>> from ghostsym.theory import delayed_activation_theory
    >>> print(render_theory(delayed_activation_theory(T=100), "text").splitlines()[4])
    critical learning rate      alpha_c       = 9.132102e-10
    """
    if output_format == "json":
        return to_json(theory.numbers())
    return _latex(theory) if output_format == "latex" else _text(theory)


def _latex(theory) -> str:
    """The general formula (in T, or in T and R when R != T), the formula at this T and the
    number, one aligned row per quantity."""
    from .. import notation
    from ..theory import delayed_activation_theory

    numbers = theory.numbers()
    window = None if theory.response_window == theory.delay else notation.R
    general = delayed_activation_theory(R=window, normalised=theory.normalised)
    lines = [
        f"% delayed-activation task: T = {numbers.delay:g}, "
        f"R = {numbers.response_window:g}, normalised = {numbers.normalised}",
        "\\begin{align*}",
    ]
    for _, _, field in _ROWS:
        derived = getattr(theory, field)
        parts = [getattr(general, field).latex(with_name=False)]
        for part in (derived.latex(with_name=False), _latex_number(derived.evaluate({}, 30))):
            if part != parts[-1]:
                parts.append(part)
        body = " = ".join(parts).replace("= \\approx", "\\approx")
        lines.append(f"{derived.name} &= {body} \\\\")
    lines[-1] = lines[-1].removesuffix(" \\\\")
    lines.append("\\end{align*}")
    return "\n".join(lines)


def _text(theory) -> str:
    numbers = theory.numbers()
    loss = "L/T (normalised)" if numbers.normalised else "L (un-normalised)"
    lines = [
        f"delayed-activation task: T = {numbers.delay:g}, R = {numbers.response_window:g}, "
        f"loss {loss}"
    ]
    for label, symbol, field in _ROWS:
        value = float(getattr(theory, field).evaluate({}, 30))
        lines.append(f"{label:<27} {symbol:<13} = {value:.7g}")
    return "\n".join(lines)


def _latex_number(value) -> str:
    """A number in LaTeX: integers exactly, others as ``\\approx`` with six digits."""
    value = float(value)
    if value == round(value) and abs(value) < 1e6:
        return str(int(round(value)))
    mantissa, exponent = f"{value:.6e}".split("e")
    exponent = int(exponent)
    if -3 <= exponent <= 4:
        return f"\\approx {value:.6g}"
    return f"\\approx {float(mantissa):.6g} \\times 10^{{{exponent}}}"

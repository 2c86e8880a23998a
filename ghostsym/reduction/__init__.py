r"""Normal forms of any vector field: fold reduction, slow-point (ghost) reduction, degeneracies,
the autodiff-numeric reduction and the batched slow-point finder.

The symbolic part loads SymPy only; the numeric part (JAX) is imported on first use.

>>> import sympy
>>> from ghostsym.reduction import reduce_fold
>>> x, mu = sympy.symbols("x mu", real=True)
>>> reduce_fold([mu + x**2], [x], mu, at={x: 0, mu: 0}).coefficient_product
1
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "NotAFoldError": "_errors",
        "NonSimpleZeroEigenvalueError": "_errors",
        "VanishingQuadraticCoefficientError": "_errors",
        "VanishingUnfoldingCoefficientError": "_errors",
        "ComplexSlowEigenvalueError": "_errors",
        "FixedPointNotGhostError": "_errors",
        "NotASlowPointError": "_errors",
        "MinimisationDidNotConvergeError": "_errors",
        "UndefinedVectorFieldError": "_errors",
        "UnresolvedSlowPointError": "_errors",
        "slow_point_canonical_parameter": "_normal_form",
        "SlowPoint": "_results",
        "NumericFoldReduction": "_results",
        "SLOW_POINT_KINDS": "_results",
        "classify_canonical_parameter": "_results",
        "slow_point_from_coefficients": "_results",
        "CONVENTION": "_symbolic",
        "FoldReduction": "_symbolic",
        "GhostReduction": "_symbolic",
        "fold_canonical_parameter": "_symbolic",
        "fold_bottleneck_time": "_symbolic",
        "reduce_fold": "_symbolic",
        "locate_folds": "_symbolic",
        "reduce_ghost": "_symbolic",
        "parse_system": "_symbolic",
        "as_field": "_numeric",
        "reduce_at_slow_point": "_numeric",
        "reduce_fold_numeric": "_numeric",
        "jax_vector_field": "_numeric",
        "slow_eigenpair": "_numeric",
        "find_slow_points": "_slow_points",
        "find_folds": "_folds",
        "refine_fold": "_folds",
        "FoldSearch": "_folds",
        "SkippedPoint": "_folds",
        "RefinedFold": "_folds",
        "ghosts_along_trajectory": "_trajectory",
        "TrajectoryGhosts": "_trajectory",
        "TrajectoryVisit": "_trajectory",
        "parse_expression": "_parsing",
        "minimise_speed": "_slow_points",
    },
)

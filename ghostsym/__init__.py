r"""ghostsym: the ghost mechanism of abrupt learning in recurrent networks, derived and tested.

The curated public namespace. Names are loaded on first use, so ``import ghostsym`` imports
neither JAX, optax nor matplotlib and changes no global setting. Implementation modules are
private and may move; import from here or from the subpackages ``ghostsym.theory``,
``ghostsym.reduction``, ``ghostsym.network``, ``ghostsym.analysis``, ``ghostsym.experiments``,
``ghostsym.document`` and ``ghostsym.report``.

>>> import ghostsym
>>> ghostsym.__version__
'0.1.0'
>>> ghostsym.canonical_form().blow_up_time.latex()
't^{*} = \\frac{\\pi}{2 \\sqrt{r}}'
"""

from importlib.metadata import PackageNotFoundError, version

from ._lazy import attach

try:
    __version__ = version("ghostsym")
except PackageNotFoundError:  # pragma: no cover - running from a source tree, not installed
    __version__ = "0+unknown"

_EXPORTS = {
    # foundations
    "notation": "notation",
    "DerivedExpression": "expressions",
    "GhostsymError": "errors",
    "InvalidInputError": "errors",
    "DegenerateError": "errors",
    # subpackages
    "theory": "theory",
    "reduction": "reduction",
    "network": "network",
    "analysis": "analysis",
    "experiments": "experiments",
    "document": "document",
    "report": "report",
    # the canonical form, the delayed-activation task, learning
    "CanonicalForm": "theory",
    "canonical_form": "theory",
    "blow_up_time": "theory",
    "escape_time": "theory",
    "passage_time": "theory",
    "bottleneck_time": "theory",
    "canonical_trajectory": "theory",
    "DelayedActivationTheory": "theory",
    "DelayedActivationNumbers": "theory",
    "delayed_activation_theory": "theory",
    "critical_learning_rate": "theory",
    "task_loss": "theory",
    "task_gradient": "theory",
    "descent_steps_estimate": "theory",
    "scaled_descent_map": "theory",
    "DESCENT_OUTCOMES": "theory:OUTCOMES",
    "DescentResult": "theory",
    "gradient_descent": "theory",
    "CriticalLearningRateEstimate": "theory",
    "numeric_critical_learning_rate": "theory",
    "paper_noisy_starts": "theory",
    "ConfidenceIntegrands": "theory",
    "ConfidenceLoss": "theory",
    "confidence_integrands": "theory",
    "confidence_loss": "theory",
    "euler_confidence_loss": "theory",
    "infinite_gain_loss": "theory",
    # the derivation document
    "theory_sections": "document",
    "derivation_sections": "document",
    "derivation_document": "document",
    # normal-form reduction
    "FoldReduction": "reduction",
    "GhostReduction": "reduction",
    "NumericFoldReduction": "reduction",
    "SlowPoint": "reduction",
    "reduce_fold": "reduction",
    "locate_folds": "reduction",
    "reduce_ghost": "reduction",
    "reduce_fold_numeric": "reduction",
    "reduce_at_slow_point": "reduction",
    "find_slow_points": "reduction",
    "minimise_speed": "reduction",
    "find_folds": "reduction",
    "refine_fold": "reduction",
    "ghosts_along_trajectory": "reduction",
    "parse_expression": "reduction",
    "jax_vector_field": "reduction",
    "fold_canonical_parameter": "reduction",
    "fold_bottleneck_time": "reduction",
    "NotAFoldError": "reduction",
    "NonSimpleZeroEigenvalueError": "reduction",
    "VanishingQuadraticCoefficientError": "reduction",
    "VanishingUnfoldingCoefficientError": "reduction",
    "ComplexSlowEigenvalueError": "reduction",
    "FixedPointNotGhostError": "reduction",
    "NotASlowPointError": "reduction",
    "MinimisationDidNotConvergeError": "reduction",
    # ghosts in trained networks
    "find_network_slow_points": "analysis",
    "network_slow_points": "analysis",
    # reproduction of the paper
    "reproduce": "report",
    "ReproductionResult": "report",
}

__getattr__, __dir__, __all__ = attach(__name__, _EXPORTS)
__all__ = ["__version__", *__all__]

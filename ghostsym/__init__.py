"""ghostsym: the ghost mechanism of abrupt learning in recurrent networks, derived and tested.

The public namespace. Implementation modules are private and may move; import from here
(or from the documented subpackages ``ghostsym.network`` and ``ghostsym.analysis``).

>>> import ghostsym
>>> ghostsym.__version__
'0.1.0'
"""

__version__ = "0.1.0"

from . import notation  # noqa: E402
from .errors import DegenerateError, GhostsymError, InvalidInputError  # noqa: E402
from .expressions import DerivedExpression  # noqa: E402

__all__ = [
    "__version__",
    "notation",
    "DerivedExpression",
    "GhostsymError",
    "InvalidInputError",
    "DegenerateError",
]

# --- canonical form, task, learning (issue 2) ----------------------------------------------
from ._canonical import (  # noqa: E402
    CanonicalForm,
    blow_up_time,
    bottleneck_time,
    canonical_form,
    canonical_trajectory,
    escape_time,
    passage_time,
)
from ._confidence import (  # noqa: E402
    ConfidenceIntegrands,
    ConfidenceLoss,
    confidence_integrands,
    confidence_loss,
    euler_confidence_loss,
    infinite_gain_loss,
)
from ._derivation_document import derivation_document, derivation_sections  # noqa: E402
from ._learning import (  # noqa: E402
    OUTCOMES as DESCENT_OUTCOMES,
)
from ._learning import (  # noqa: E402
    CriticalLearningRateEstimate,
    DescentResult,
    gradient_descent,
    numeric_critical_learning_rate,
    paper_noisy_starts,
)
from ._task import (  # noqa: E402
    DelayedActivationNumbers,
    DelayedActivationTheory,
    critical_learning_rate,
    delayed_activation_theory,
    descent_steps_estimate,
    scaled_descent_map,
    task_gradient,
    task_loss,
)
from ._theory_document import theory_sections  # noqa: E402

__all__ += [
    "CanonicalForm",
    "canonical_form",
    "blow_up_time",
    "escape_time",
    "passage_time",
    "bottleneck_time",
    "canonical_trajectory",
    "DelayedActivationTheory",
    "DelayedActivationNumbers",
    "delayed_activation_theory",
    "critical_learning_rate",
    "task_loss",
    "task_gradient",
    "descent_steps_estimate",
    "scaled_descent_map",
    "DESCENT_OUTCOMES",
    "DescentResult",
    "gradient_descent",
    "CriticalLearningRateEstimate",
    "numeric_critical_learning_rate",
    "paper_noisy_starts",
    "ConfidenceIntegrands",
    "ConfidenceLoss",
    "confidence_integrands",
    "confidence_loss",
    "euler_confidence_loss",
    "infinite_gain_loss",
    "theory_sections",
    "derivation_sections",
    "derivation_document",
]
# --- normal-form reduction (issue 3) --------------------------------------------------------
from ._reduction_errors import (  # noqa: E402
    ComplexSlowEigenvalueError,
    FixedPointNotGhostError,
    MinimisationDidNotConvergeError,
    NonSimpleZeroEigenvalueError,
    NotAFoldError,
    NotASlowPointError,
    VanishingQuadraticCoefficientError,
    VanishingUnfoldingCoefficientError,
)
from ._reduction_numeric import (  # noqa: E402
    jax_vector_field,
    reduce_at_slow_point,
    reduce_fold_numeric,
)
from ._reduction_results import NumericFoldReduction, SlowPoint  # noqa: E402
from ._reduction_symbolic import (  # noqa: E402
    FoldReduction,
    GhostReduction,
    fold_bottleneck_time,
    fold_canonical_parameter,
    locate_folds,
    reduce_fold,
    reduce_ghost,
)
from ._slow_points import find_slow_points, minimise_speed  # noqa: E402

__all__ += [
    "FoldReduction",
    "GhostReduction",
    "NumericFoldReduction",
    "SlowPoint",
    "reduce_fold",
    "locate_folds",
    "reduce_ghost",
    "reduce_fold_numeric",
    "reduce_at_slow_point",
    "find_slow_points",
    "minimise_speed",
    "jax_vector_field",
    "fold_canonical_parameter",
    "fold_bottleneck_time",
    "NotAFoldError",
    "NonSimpleZeroEigenvalueError",
    "VanishingQuadraticCoefficientError",
    "VanishingUnfoldingCoefficientError",
    "ComplexSlowEigenvalueError",
    "FixedPointNotGhostError",
    "NotASlowPointError",
    "MinimisationDidNotConvergeError",
]
# --- ghosts in trained networks (issue 5) ---------------------------------------------------
from . import analysis  # noqa: E402
from .analysis import find_network_slow_points, network_slow_points  # noqa: E402

__all__ += ["analysis", "find_network_slow_points", "network_slow_points"]
# --- reproduce and report (issue 6) ---------------------------------------------------------
from ._reproduce import ReproductionResult, reproduce  # noqa: E402

__all__ += ["reproduce", "ReproductionResult"]

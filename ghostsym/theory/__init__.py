r"""The 1-D canonical ghost and the delayed-activation task, derived by SymPy.

The canonical form dx/dt = r + x**2, its trajectories and passage times; the task's loss,
gradient and critical learning rate; gradient descent on r; the finite-confidence loss.

>>> from ghostsym.theory import canonical_form
>>> canonical_form().blow_up_time.latex()
't^{*} = \\frac{\\pi}{2 \\sqrt{r}}'
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "CanonicalForm": "_canonical",
        "canonical_form": "_canonical",
        "CanonicalAntiderivatives": "_canonical",
        "canonical_antiderivatives": "_canonical",
        "blow_up_time": "_canonical",
        "escape_time": "_canonical",
        "passage_time": "_canonical",
        "bottleneck_time": "_canonical",
        "canonical_trajectory": "_canonical",
        "DelayedActivationTheory": "_task",
        "DelayedActivationNumbers": "_task",
        "delayed_activation_theory": "_task",
        "critical_learning_rate": "_task",
        "task_loss": "_task",
        "task_gradient": "_task",
        "descent_steps_estimate": "_task",
        "scaled_descent_map": "_task",
        "representable_delay_range": "_task",
        "OUTCOMES": "_learning",
        "DescentResult": "_learning",
        "DescentRun": "_learning",
        "gradient_descent": "_learning",
        "CriticalLearningRateEstimate": "_learning",
        "numeric_critical_learning_rate": "_learning",
        "network_critical_learning_rate": "_learning",
        "paper_noisy_starts": "_learning",
        "ConfidenceIntegrands": "_confidence",
        "ConfidenceLoss": "_confidence",
        "confidence_integrands": "_confidence",
        "confidence_loss": "_confidence",
        "euler_confidence_loss": "_confidence",
        "infinite_gain_loss": "_confidence",
    },
)

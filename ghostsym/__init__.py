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
# --- normal-form reduction (issue 3) --------------------------------------------------------
# --- reproduce and report (issue 6) ---------------------------------------------------------
from ._reproduce import ReproductionResult, reproduce  # noqa: E402

__all__ += ["reproduce", "ReproductionResult"]

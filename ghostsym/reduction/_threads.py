"""Small dense decompositions on one BLAS thread: the same numbers, without waiting for a core.

The slow-point reduction takes the singular values of one n x n Jacobian per point (n = 2 to a
few hundred), hundreds of times per experiment. OpenBLAS runs parts of NumPy's SVD on its
thread pool even at these sizes, so on a machine whose cores are busy every call waits for a
second core to be scheduled: a 50 x 50 SVD then took 20 to 40 ms instead of 0.3 ms (ghostsym's
Fig. 5 experiment, quick scale, on 2 shared cores). Within :func:`one_blas_thread` the BLAS
libraries that ``threadpoolctl`` finds run on one thread and are restored afterwards. Only
decompositions whose numbers do not depend on the thread count run inside it: NumPy's SVD
(tests/test_reduction_numeric.py compares it bit for bit, n = 2 to 200); not SciPy's ``eig``
nor the LU factorisation of ``numpy.linalg.solve``, whose last bits change with one thread
for n = 100 to 200. Without ``threadpoolctl`` installed the context does nothing.

>>> import numpy as np
>>> with one_blas_thread():
...     singular_values = np.linalg.svd(np.diag([3.0, 4.0]), compute_uv=False)
>>> singular_values.tolist()
[4.0, 3.0]
"""

from __future__ import annotations

import contextlib

__all__ = ["one_blas_thread"]

#: The threadpoolctl controller, made at the first call (after NumPy and SciPy loaded BLAS).
_CONTROLLER: list = []


def one_blas_thread():
    """A context in which the loaded BLAS libraries use one thread (restored on exit).

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.linalg.svd(np.ones((2, 2)), compute_uv=False)[0])
    2.0
    """
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # same numbers, only slower on a busy machine
            return contextlib.nullcontext()
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")

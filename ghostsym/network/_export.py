"""Writing one trained network to an ``.npz`` file that the analysis tools read.

Keys (the format of :func:`ghostsym.analysis.load_network`): ``W`` (full rank) or ``m`` and
``n`` (W = m n^T; rank one: vectors, rank K: (N, K) each), ``b``, ``alpha`` (the leak
dt/tau), ``x0`` (the task's initial state, when it has a fixed one), and the readout
(``readout_weights``, ``readout_bias``) and ``confidence`` for completeness.

>>> import tempfile, os
>>> from ghostsym.network import RankOneNetwork, DelayedActivation
>>> model = RankOneNetwork(size=5)
>>> path = save_network(os.path.join(tempfile.mkdtemp(), "net.npz"), model,
...                     model.initialise(0), task=DelayedActivation())
>>> sorted(np.load(path).files)
['alpha', 'b', 'confidence', 'm', 'n', 'x0']
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ._models import FullRankNetwork
from ._sweeps import atomic_write_bytes

__all__ = ["save_network", "network_arrays"]


def network_arrays(model, parameters, task=None) -> dict[str, np.ndarray]:
    """The arrays :func:`save_network` writes, as a dict of NumPy arrays."""
    arrays = {
        name: np.asarray(value) for name, value in zip(parameters._fields, parameters, strict=True)
    }
    if isinstance(model, FullRankNetwork):
        arrays["W"] = arrays.pop("recurrent_weights")
    arrays["alpha"] = np.asarray(model.leak)
    if task is not None and hasattr(task, "initial_state"):
        arrays["x0"] = np.full(model.size, float(task.initial_state))
    if arrays.get("input_weights") is not None and arrays["input_weights"].size == 0:
        del arrays["input_weights"]
    return arrays


def save_network(path, model, parameters, task=None) -> Path:
    """Write one network (unbatched ``parameters``) atomically to ``path``; returns the path."""
    buffer = io.BytesIO()
    np.savez(buffer, **network_arrays(model, parameters, task))
    return atomic_write_bytes(Path(path), buffer.getvalue())

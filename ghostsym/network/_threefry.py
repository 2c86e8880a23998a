"""JAX's Threefry hash lowered on CPU as straight-line code: the same random bits, faster.

Every random draw of ghostsym's networks (initial states, trial noise, the per-epoch keys of
training) goes through JAX's Threefry-2x32 hash. JAX's default CPU lowering runs its 20 rounds
as a five-step XLA loop, which XLA cannot fuse with the draw that uses the hash (noisy tasks
draw fresh noise every epoch). :func:`use_straight_threefry` registers straight-line code for
it instead; ghostsym calls it while tracing every computation that draws, so each of them is
lowered the same way in every process (and JAX's persistent cache sees the same programs).
"""

from __future__ import annotations

import threading

import numpy as np

from .._jax import jax

__all__ = ["use_straight_threefry"]


#: Threefry-2x32 rotation distances, alternating between blocks of four rounds.
_THREEFRY_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_THREEFRY_PARITY = 0x1BD11BDA


def _threefry_straight(key1, key2, count1, count2):
    """The Threefry-2x32 hash (20 rounds; Salmon et al. 2011) as straight-line uint32 code.

    Five blocks of four rounds (x0 += x1, x1 = rotl(x1, d) ^ x0), each followed by a key
    injection from (k1, k2, k1 ^ k2 ^ 0x1BD11BDA) in rotation plus the block number. JAX's
    default CPU lowering of the same hash runs the five blocks in a loop; integer arithmetic
    gives the same bits either way.

    >>> import numpy as np
    >>> zero = np.uint32(0)
    >>> [hex(int(v)) for v in _threefry_straight(zero, zero, zero, zero)]
    ['0x6b200159', '0x99ba4efe']
    """
    keys = (key1, key2, key1 ^ key2 ^ np.uint32(_THREEFRY_PARITY))
    x0 = count1 + keys[0]
    x1 = count2 + keys[1]
    for block in range(5):
        for distance in _THREEFRY_ROTATIONS[block % 2]:
            x0 = x0 + x1
            x1 = jax.lax.shift_left(x1, np.uint32(distance)) | jax.lax.shift_right_logical(
                x1, np.uint32(32 - distance)
            )
            x1 = x0 ^ x1
        x0 = x0 + keys[(block + 1) % 3]
        x1 = x1 + keys[(block + 2) % 3] + np.uint32(block + 1)
    return x0, x1


_REGISTRATION = threading.Lock()
_registered = False


def use_straight_threefry() -> None:
    """Lower JAX's Threefry hash on CPU as straight-line code (:func:`_threefry_straight`).

    Noisy tasks draw fresh trial noise (and initial states) every epoch: under JAX's default
    CPU lowering each of the four hashes of a training epoch is a five-step XLA loop that
    cannot fuse with the draw using it; straight-line code fuses, and the full-rank DCDT
    population of the transitions experiment trains in about two thirds of the CPU time. The
    hash is integer arithmetic, so every random number keeps its bits. Registered once per
    process, for CPU only, and applies to computations lowered after the call: ghostsym calls
    it while tracing each computation that draws.

    >>> use_straight_threefry()
    >>> def draw(key):
    ...     return jax.random.bits(key, (2,), dtype=jax.numpy.uint32)
    >>> [hex(int(word)) for word in jax.jit(draw)(jax.random.PRNGKey(0))]
    ['0xf29a4fa7', '0xfa843692']
    """
    global _registered
    if _registered:
        return
    with _REGISTRATION:
        if _registered:
            return
        from jax.extend.random import threefry2x32_p
        from jax.interpreters import mlir

        mlir.register_lowering(
            threefry2x32_p,
            mlir.lower_fun(_threefry_straight, multiple_results=True),
            platform="cpu",
        )
        _registered = True

"""The state space: the test digits' hidden states at every row, on principal axes fitted per layer.

    from lstm_viewer.statespace import StateSpace, default_test_digits
    digits = default_test_digits()                # the MNIST test set, or the shipped 1,000
    space = StateSpace.build(network, digits.images, digits.labels, progress=print)
    space.cloud(layer, row)                       # (n, 2) every digit at that row
    space.project(trace, layer)                   # (28, 2) one digit's trajectory
    space.neighbours(trace, layer, row, k=8)      # nearest digits in the full space

numpy only (on the core): ``pca`` (axes from moments merged chunk by chunk), ``batched`` (the
threaded pass), ``storage`` (h as 16-bit codes), ``cache`` (the user's cache folder),
``space`` (``StateSpace`` and its queries).
"""
from __future__ import annotations

from ..core.cancel import Cancelled
from ..core.digits import DigitSet, default_test_digits, offline_test_digits
from .cache import cache_dir
from .space import StateSpace

# The digits come from the core (one digit-set type for the whole app); named here for the state
# space's callers.
Digits = DigitSet
default_digits = default_test_digits

__all__ = ["StateSpace", "Cancelled", "Digits", "DigitSet", "default_digits", "default_test_digits",
           "offline_test_digits", "cache_dir"]

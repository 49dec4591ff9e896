"""The state space: the test digits' hidden states at every row, on principal axes fitted per layer.

    from lstm_viewer.statespace import StateSpace, default_digits
    digits = default_digits()                     # the MNIST test set, or the shipped 1,000
    space = StateSpace.build(network, digits.images, digits.labels, progress=print)
    space.cloud(layer, row)                       # (n, 2) every digit at that row
    space.project(trace, layer)                   # (28, 2) one digit's trajectory
    space.neighbours(trace, layer, row, k=8)      # nearest digits in the full space

numpy only (on the core): ``pca`` (axes from moments merged chunk by chunk), ``batched`` (the
threaded pass), ``storage`` (h as 16-bit codes), ``cache`` (the user's cache folder), ``digits``
(which digits), ``space`` (``StateSpace`` and its queries).
"""
from __future__ import annotations

from .batched import Cancelled
from .cache import cache_dir
from .digits import Digits, default_digits, offline_test_digits
from .space import StateSpace

__all__ = ["StateSpace", "Cancelled", "Digits", "default_digits", "offline_test_digits", "cache_dir"]

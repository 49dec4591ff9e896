"""Which test digits the state space shows: the full MNIST test set when it is on this machine,
otherwise the 1,000 shipped in ``assets/testdigits.npz`` (100 per class)."""
from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from ..core.assets import asset_path
from ..core.data import load_test_set, resolve_source
from ..core.errors import UserError


class Digits(NamedTuple):
    images: np.ndarray   # uint8 (n, 28, 28), white ink on black as published
    labels: np.ndarray   # uint8 (n,)
    source: str          # where they come from, in words for the panel


def offline_test_digits() -> Digits:
    """The 1,000 MNIST test digits shipped with the app (100 of each class)."""
    with np.load(asset_path("testdigits.npz"), allow_pickle=False) as shipped:
        images, labels = shipped["images"], shipped["labels"]
    return Digits(images, labels, f"{len(images):,} MNIST test digits shipped with the app "
                                  f"(100 of each class)")


def default_digits(path: str | os.PathLike | None = None) -> Digits:
    """The MNIST test set from ``path`` or ``$LSTM_VIEWER_MNIST``; else the shipped 1,000.

    A data location that is given but unreadable falls back too, and the description says why.
    """
    if resolve_source(path) is not None:
        try:
            images, labels = load_test_set(path)
            return Digits(images, labels, f"the MNIST test set ({len(images):,} digits, "
                                          f"from {resolve_source(path)})")
        except UserError as exc:
            offline = offline_test_digits()
            return offline._replace(source=f"{offline.source}; the MNIST data could not be read: {exc}")
    return offline_test_digits()

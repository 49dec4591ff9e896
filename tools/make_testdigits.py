"""Make assets/testdigits.npz: 100 digits of each class from the MNIST test set, for the state space offline.

Run:  python tools/make_testdigits.py [--data PATH] [--out assets/testdigits.npz]

The digits are chosen with ``numpy.random.default_rng(13)`` (issue 13), 100 per class without
repetition, and stored in test-set order with their indices, so the file can be checked against
MNIST at any time (tests/test_statespace.py does).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_viewer.core.data import load_test_set  # noqa: E402  (after sys.path is set)

PER_CLASS = 100
SEED = 13


def choose(labels: np.ndarray, per_class: int = PER_CLASS, seed: int = SEED) -> np.ndarray:
    """Indices of ``per_class`` digits of each class, in increasing order."""
    rng = np.random.default_rng(seed)
    picked = [rng.choice(np.flatnonzero(labels == digit), per_class, replace=False) for digit in range(10)]
    return np.sort(np.concatenate(picked)).astype(np.int32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder or npz (default: $LSTM_VIEWER_MNIST)")
    parser.add_argument("--out", default=str(ROOT / "assets" / "testdigits.npz"))
    args = parser.parse_args()
    images, labels = load_test_set(args.data)
    indices = choose(labels)
    np.savez_compressed(args.out, images=images[indices].astype(np.uint8),
                        labels=labels[indices].astype(np.uint8), indices=indices)
    print(f"{args.out}: {len(indices)} digits, {np.bincount(labels[indices]).tolist()} per class")


if __name__ == "__main__":
    main()

"""Test-set accuracy and the confusion matrix, as arrays and as text."""
from __future__ import annotations

import numpy as np


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[t, p]: digits of class t predicted as p."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return counts


def format_confusion(counts: np.ndarray) -> str:
    """A text table, rows = true digit, columns = predicted digit."""
    width = max(5, len(str(counts.max())) + 1)
    head = "true\\pred" + "".join(f"{p:>{width}}" for p in range(counts.shape[1]))
    lines = [head] + [f"{t:>9}" + "".join(f"{v:>{width}}" for v in row) for t, row in enumerate(counts)]
    return "\n".join(lines)

"""One digit read by every snapshot of a training history at once.

``history_pass(history, image)`` runs all k snapshots of a ``TrainingHistory`` on one (28, 28) digit
in a single batched pass: each layer's weights are stacked over snapshots (``(k, in, 4u)``) and
every step is one broadcast product ``(k, 1, in) @ (k, in, 4u)``, so 29 snapshots of 2 × 64 cost
about what 29 digits through one network cost, a few milliseconds. It gives this digit's answer at
every snapshot (``probs``, (k, 10)) and how large each layer's cell state gets (``c_max``,
(k, layers)): the layer views colour c with one range over the whole history, so a colour means the
same value at every step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.history import TrainingHistory
from ..core.network import COLUMNS, ROWS, cell_step

_SCALE = np.array([0.5, 0.5, 1.0, 0.5], np.float32)   # i, f, o halved: see LstmWeights.scaled


@dataclass(frozen=True)
class HistoryPass:
    """What every snapshot makes of one digit."""

    image: np.ndarray     # the (28, 28) digit read
    probs: np.ndarray     # (k, 10): the final softmax at each snapshot
    c_max: np.ndarray     # (k, layers): max |c| over rows and units, per snapshot and layer

    def c_limits(self) -> np.ndarray:
        """Per layer, the largest |c| any snapshot reaches on this digit."""
        return self.c_max.max(axis=0)


def _stacked(history: TrainingHistory) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per layer, the snapshots' kernel, recurrent kernel and bias with i, f, o halved; cached."""
    cached = history.__dict__.get("_stacked_scaled")
    if cached is None:
        cached = []
        for kernel, recurrent, bias in history.lstm:
            scale = np.repeat(_SCALE, recurrent.shape[1])
            cached.append(tuple(np.ascontiguousarray(a * scale, dtype=np.float32)
                                for a in (kernel, recurrent, bias)))
        history.__dict__["_stacked_scaled"] = cached
    return cached


def history_pass(history: TrainingHistory, image: np.ndarray) -> HistoryPass:
    """Run ``image`` (28, 28) in [0, 1] through all snapshots of ``history`` in one batched pass."""
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (ROWS, COLUMNS):
        raise ValueError(f"expected a (28, 28) image, got shape {image.shape}")
    k = len(history)
    x = image
    if history.input_scaling is not None:
        mean, std = history.input_scaling
        x = (image - np.float32(mean)) / np.float32(std)
    x = x[None]                                           # (1, T, in): the same rows for every snapshot
    c_max = np.empty((k, len(history.lstm)), np.float32)
    for layer, (kernel, recurrent, bias) in enumerate(_stacked(history)):
        u = recurrent.shape[1]
        projected = x @ kernel + bias[:, None, :]          # (k, T, 4u)
        h_seq = np.empty((k, ROWS, u), np.float32)
        z = np.empty((k, 4, u), np.float32)
        gates = np.empty((k, 4, u), np.float32)
        product = np.empty((k, u), np.float32)
        c_prev = np.zeros((k, u), np.float32)
        c = np.empty((k, u), np.float32)
        top = np.zeros((k, u), np.float32)
        for t in range(ROWS):
            if t == 0:
                z[:] = projected[:, 0].reshape(k, 4, u)
            else:
                np.matmul(h_seq[:, t - 1, None, :], recurrent, out=z.reshape(k, 1, 4 * u))
                z += projected[:, t].reshape(k, 4, u)
            cell_step(z, c_prev, gates, c, h_seq[:, t], product)
            np.maximum(top, np.abs(c), out=top)
            c_prev, c = c, c_prev
        c_max[:, layer] = top.max(axis=1)
        x = h_seq
    dense_kernel, dense_bias = history.dense
    logits = (x[:, -1, None, :] @ dense_kernel)[:, 0] + dense_bias   # (k, 10)
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return HistoryPass(image=image, probs=probs, c_max=c_max)


def probabilities_over_history(history: TrainingHistory, image: np.ndarray) -> np.ndarray:
    """This digit's probability of each class at every snapshot, (k, 10), in one batched pass."""
    return history_pass(history, image).probs

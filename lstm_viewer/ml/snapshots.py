"""Snapshots of the weights while a model trains: the raw material of a ``TrainingHistory``.

Most of what a network learns, it learns early: the snapshots are dense there, at batch counts spaced
evenly on a log scale, plus every epoch's end and the final weights, about 40 by default, and step 0
(the initial weights, before any update). Each keeps the exact float32 weights and the mean training
loss since the previous one; the accuracy on the probe set (the first 1,000 test digits) is computed
once training ends, with the numpy engine, in one pass over the snapshots.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError

import numpy as np

from ..core.blas import one_thread
from ..core.errors import UserError
from ..core.history import PROBE_SIZE, TrainingHistory
from ..core.network import Network
from ..core.priority import lower_this_thread

DEFAULT_SNAPSHOTS = 40


def _probe_accuracy(network: Network, images: np.ndarray, labels: np.ndarray) -> float:
    # numpy's BLAS on one thread meanwhile: its default threads spin on the cores TensorFlow trains on.
    with one_thread():
        return float((network.predict(images).argmax(axis=1) == labels).mean())


def snapshot_schedule(batches_per_epoch: int, epochs: int, count: int = DEFAULT_SNAPSHOTS) -> list[int]:
    """The batch counts after which to keep the weights: 0, log-spaced ones, every epoch's end, the last.

    ``count`` is a target: the epoch ends are always kept, and the log-spaced counts are rounded to
    whole batches (duplicates dropped), so the result may hold a few fewer or more.
    """
    total = batches_per_epoch * epochs
    if count <= 0 or total <= 0:
        return []
    ends = {batches_per_epoch * (e + 1) for e in range(epochs)}
    spaced = max(count - len(ends) - 1, 0)
    logs = {int(round(v)) for v in np.geomspace(1, total, num=spaced)} if spaced else set()
    return sorted({0, total} | ends | {b for b in logs if 0 < b <= total})


class SnapshotRecorder:
    """Keeps the weights at the scheduled batch counts; ``history()`` makes the ``TrainingHistory``.

    ``network_of()`` turns the model being trained into a ``Network`` (the weights copied out).
    """

    def __init__(self, schedule: list[int], batches_per_epoch: int, network_of: Callable[[], Network],
                 probe_images: np.ndarray, probe_labels: np.ndarray):
        self.schedule, self.batches_per_epoch = list(schedule), batches_per_epoch
        self.network_of = network_of
        self._probe = (np.asarray(probe_images[:PROBE_SIZE], np.float32) / 255.0,
                       np.asarray(probe_labels[:PROBE_SIZE]))
        # Each snapshot's probe accuracy is computed while training goes on, in one thread below the
        # trainer's priority: a small model's training leaves a core partly idle (2 x 64 on one epoch:
        # +22 % when computed after training, in one run here).
        self._pool = ThreadPoolExecutor(max_workers=1, initializer=lower_this_thread,
                                        thread_name_prefix="lstm-viewer probe")
        self._accuracy: list[Future] = []
        self.networks: list[Network] = []
        self.steps: list[int] = []
        self.loss: list[float] = []
        self._loss_sum = 0.0
        self._loss_count = 0
        self._next = 0
        self.broken = False
        self.record(0)   # before any update

    def batch_end(self, step: int, batch_loss: float) -> None:
        """After batch number ``step`` (1-based, counted over all epochs) with its own loss."""
        if math.isfinite(batch_loss):
            self._loss_sum += batch_loss
            self._loss_count += 1
        if self._next < len(self.schedule) and step >= self.schedule[self._next]:
            self.record(step)

    def record(self, step: int) -> None:
        if self.broken or (self.steps and step == self.steps[-1]):
            return
        try:
            network = self.network_of()
        except UserError:   # NaN weights: training diverged and says so itself; no history then
            self.broken = True
            return
        self.networks.append(network)
        self._accuracy.append(self._pool.submit(_probe_accuracy, network, *self._probe))
        self.steps.append(step)
        self.loss.append(self._loss_sum / self._loss_count if self._loss_count else float("nan"))
        self._loss_sum, self._loss_count = 0.0, 0
        while self._next < len(self.schedule) and self.schedule[self._next] <= step:
            self._next += 1

    def close(self) -> None:
        """Drop the accuracies not started (a cancelled or failed training); the running one ends."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def history(self, name: str = "model", check: Callable[[], None] | None = None) -> TrainingHistory:
        """The snapshots with each one's accuracy on the probe set (the first 1,000 test digits)."""
        accuracy = []
        for future in self._accuracy:
            while True:
                if check is not None:
                    check()
                try:
                    accuracy.append(future.result(timeout=0.05))
                    break
                except TimeoutError:
                    continue
        self._pool.shutdown(wait=True)
        last = self.networks[-1]

        def stack(arrays) -> np.ndarray:
            return np.stack(arrays).astype(np.float32)

        return TrainingHistory(
            steps=np.array(self.steps, np.int64),
            epochs=np.array(self.steps, float) / self.batches_per_epoch,
            loss=np.array(self.loss, float), accuracy=np.array(accuracy, float),
            lstm=[(stack([n.layers[k].kernel for n in self.networks]),
                   stack([n.layers[k].recurrent_kernel for n in self.networks]),
                   stack([n.layers[k].bias for n in self.networks])) for k in range(len(last.layers))],
            dense=(stack([n.dense_kernel for n in self.networks]),
                   stack([n.dense_bias for n in self.networks])),
            input_scaling=last.input_scaling, name=name)

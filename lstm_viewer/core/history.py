"""A training history: the network's exact weights after each stretch of training, kept with the model.

``TrainingHistory`` holds one snapshot per recorded moment (step 0 = before any update, then
increasing intervals, the last = the saved model): the batches and epochs seen, the mean training
loss since the previous snapshot, the accuracy on a fixed probe set, and every weight array stacked
over snapshots (``(snapshots, *shape)``, float32, exactly as training left them). ``network(i)`` is
snapshot i as a ``Network``: the same architecture, new weights.

It is stored inside the ``.keras`` file as one extra member, ``lstm_viewer_history.npz`` (plain
arrays, no pickles); Keras' own ``load_model`` ignores members it does not know, so the file stays a
standard Keras model. ``load_history(path)`` reads it without TensorFlow.
"""
from __future__ import annotations

import io
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import write_atomically
from .errors import UserError
from .i18n import tr
from .kerasfile import read_member
from .network import LstmWeights, Network

MEMBER = "lstm_viewer_history.npz"
FORMAT = 1
PROBE_SIZE = 1000          # the first 1,000 MNIST test digits: each snapshot's accuracy is on them


@dataclass
class TrainingHistory:
    """Snapshots of one network's weights during training, oldest first."""

    steps: np.ndarray        # (k,) int: batches seen
    epochs: np.ndarray       # (k,) float: epochs seen (a fraction part-way through one)
    loss: np.ndarray         # (k,) float: mean training loss since the previous snapshot (NaN at step 0)
    accuracy: np.ndarray     # (k,) float: accuracy on the probe set (the first 1,000 test digits)
    lstm: list[tuple[np.ndarray, np.ndarray, np.ndarray]]   # per layer: kernel, recurrent, bias stacks
    dense: tuple[np.ndarray, np.ndarray]                     # head kernel (k, u, 10), bias (k, 10)
    input_scaling: tuple[float, float] | None = None
    name: str = "model"
    _networks: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        count = len(self.steps)
        arrays = [self.epochs, self.loss, self.accuracy, *self.dense] + [a for layer in self.lstm
                                                                         for a in layer]
        if count == 0 or any(len(a) != count for a in arrays):
            raise UserError(tr("the training history is damaged: its arrays do not all hold "
                               "{count} snapshots", count=count))

    def __len__(self) -> int:
        return len(self.steps)

    def network(self, index: int) -> Network:
        """Snapshot ``index`` as a ``Network`` (kept: the views ask for it again while scrubbing)."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"snapshot {index} of {len(self)}")
        index %= len(self)
        cached = self._networks.get(index)
        if cached is None:
            layers = [LstmWeights(k[index], r[index], b[index]) for k, r, b in self.lstm]
            cached = Network(layers, self.dense[0][index], self.dense[1][index], name=self.name,
                             input_scaling=self.input_scaling)
            cached.metadata.update(snapshot=index, step=int(self.steps[index]))
            self._networks[index] = cached
        return cached

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything as named arrays (what the ``.keras`` member stores)."""
        out = {"format": np.array(FORMAT), "steps": self.steps, "epochs": self.epochs,
               "loss": self.loss, "accuracy": self.accuracy,
               "dense_kernel": self.dense[0], "dense_bias": self.dense[1]}
        for k, (kernel, recurrent, bias) in enumerate(self.lstm):
            out[f"lstm_{k}_kernel"], out[f"lstm_{k}_recurrent"], out[f"lstm_{k}_bias"] = \
                kernel, recurrent, bias
        if self.input_scaling is not None:
            out["input_scaling"] = np.array(self.input_scaling, np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], name: str = "model") -> TrainingHistory:
        layers = []
        while f"lstm_{len(layers)}_kernel" in arrays:
            k = len(layers)
            layers.append(tuple(np.asarray(arrays[f"lstm_{k}_{part}"], np.float32)
                                for part in ("kernel", "recurrent", "bias")))
        scaling = arrays.get("input_scaling")
        return cls(steps=np.asarray(arrays["steps"], np.int64), epochs=np.asarray(arrays["epochs"], float),
                   loss=np.asarray(arrays["loss"], float), accuracy=np.asarray(arrays["accuracy"], float),
                   lstm=layers, dense=(np.asarray(arrays["dense_kernel"], np.float32),
                                       np.asarray(arrays["dense_bias"], np.float32)),
                   input_scaling=None if scaling is None else tuple(float(v) for v in scaling),
                   name=name)

    def table(self) -> list[dict]:
        """One row per snapshot: what ``lstm-viewer history`` prints. Snapshots are numbered from 1,
        as the window's timeline counts them ("snapshot 1 of 29" is ``network(0)``, step 0)."""
        return [{"snapshot": i + 1, "step": int(step), "epoch": round(float(epoch), 4),
                 "loss": None if np.isnan(loss) else round(float(loss), 6),
                 "accuracy": round(float(accuracy), 4)}
                for i, (step, epoch, loss, accuracy) in enumerate(zip(
                    self.steps, self.epochs, self.loss, self.accuracy, strict=True))]


def load_history(path: str | os.PathLike) -> TrainingHistory:
    """The training history kept in a ``.keras`` file; ``UserError`` when it has none."""
    path = Path(path)
    if not path.is_file():
        raise UserError(tr("{path}: no such model file", path=path))
    try:
        with zipfile.ZipFile(path) as archive:
            if MEMBER not in archive.namelist():
                raise UserError(tr("{path}: this model file has no training history (it was saved "
                                   "without one, or by another program)", path=path))
            raw = read_member(archive, MEMBER, _history_size_limit(archive))
    except UserError as exc:   # encrypted, odd compression, or claiming more than any history holds
        if str(exc).startswith(str(path)):
            raise   # our own sentences above name the file already
        raise UserError(tr("{path}: {reason}", path=path, reason=exc)) from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UserError(tr("{path}: cannot read a training history from it ({problem})", path=path,
                           problem=type(exc).__name__)) from None
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        if int(arrays.get("format", -1)) != FORMAT:
            raise ValueError("format")
        return TrainingHistory.from_arrays(arrays, name=path.name)
    except UserError:
        raise
    except Exception as exc:   # numpy's and zipfile's ways to say "damaged"
        raise UserError(tr("{path}: its training history is damaged ({problem})", path=path,
                           problem=type(exc).__name__)) from None


def add_history(archive_path: str | os.PathLike, history: TrainingHistory) -> None:
    """Append ``history`` to a ``.keras`` file that has none yet (one being written: not atomic)."""
    with zipfile.ZipFile(archive_path, "a") as archive:
        archive.writestr(MEMBER, _npz_bytes(history))   # stored: the weights do not compress


def _npz_bytes(history: TrainingHistory) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **history.arrays())
    return buffer.getvalue()


def _history_size_limit(archive: zipfile.ZipFile) -> int:
    """No history holds more than 1,000 snapshots of the weights the file keeps (``TrainConfig``'s
    bound), stored as float32 like them: a member claiming more is damaged, or a zip bomb."""
    try:
        weights = archive.getinfo("model.weights.h5").file_size
    except KeyError:
        weights = 64 << 20
    return 1000 * weights + (64 << 20)


def save_history(path: str | os.PathLike, history: TrainingHistory) -> Path:
    """Put ``history`` into the ``.keras`` file at ``path`` (replacing any), atomically."""
    path = Path(path)
    raw = _npz_bytes(history)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w") as target:
            for info in source.infolist():
                if info.filename != MEMBER:
                    with source.open(info) as member, target.open(info, "w") as copy:
                        shutil.copyfileobj(member, copy)
            target.writestr(MEMBER, raw)
    return write_atomically(path, write)

"""Build, train and save the stacked LSTM classifier: the one training path of the CLI and the app.

This is the ml layer: the only module (with ``keras_bridge``) that imports TensorFlow/Keras, and it
does so inside functions so that importing it stays cheap.

Where Keras differs from the seed's TF1 ``BasicLSTMCell`` (see README): the seed orders its gates
i, j(=g), f, o and adds ``forget_bias=1.0`` to f at every step, while Keras orders them i, f, g, o and
``unit_forget_bias=True`` only *initialises* the forget bias to 1 (training may move it). The seed's
``DropoutWrapper(output_keep_prob)`` is a ``Dropout(1 - keep_prob)`` after each LSTM layer here.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.atomic import write_atomically
from ..core.cancel import Cancelled
from ..core.data import Mnist
from ..core.errors import UserError
from ..core.history import TrainingHistory, add_history
from ..core.i18n import N_, tr
from .snapshots import DEFAULT_SNAPSHOTS, SnapshotRecorder, snapshot_schedule


@dataclass
class TrainConfig:
    layers: int = 3
    units: int = 256
    keep_prob: float = 1.0
    epochs: int = 1
    batch_size: int = 64
    lr: float = 1e-3
    limit: int | None = None     # train on the first N training digits
    seed: int = 0
    shift: int = 0               # augmentation: random shifts of up to this many pixels
    schedule: str = "constant"   # or "cosine": decay the learning rate to 0 over all batches
    history: int = DEFAULT_SNAPSHOTS   # snapshots of the weights to keep while training (0: none)

    def validate(self) -> None:
        checks = [
            (1 <= self.layers <= 16, N_("layers must be between 1 and 16")),
            (1 <= self.units <= 4096, N_("units must be between 1 and 4096")),
            (0.0 < self.keep_prob <= 1.0, N_("keep_prob must be in (0, 1]")),
            (self.epochs >= 1, N_("epochs must be at least 1")),
            (self.batch_size >= 1, N_("batch size must be at least 1")),
            (0.0 < self.lr < 1.0 and math.isfinite(self.lr), N_("learning rate must be in (0, 1)")),
            (self.limit is None or self.limit >= 1, N_("limit must be at least 1")),
            (0 <= self.seed < 2**32, N_("seed must be between 0 and {maximum}, got {seed}")),
            (0 <= self.shift <= 4, N_("shift must be between 0 and 4 pixels")),
            (self.schedule in ("constant", "cosine"), N_("schedule must be 'constant' or 'cosine'")),
            (0 <= self.history <= 1000, N_("history must be between 0 and 1000 snapshots")),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(tr(message, maximum=2**32 - 1, seed=self.seed))


@dataclass
class Progress:
    """One report from training: after every batch, and with ``test_accuracy`` at the end of an epoch."""

    epoch: int            # 1-based
    epochs: int
    batch: int            # 1-based within the epoch
    batches: int
    loss: float
    accuracy: float
    elapsed: float        # seconds since training began
    test_accuracy: float | None = None

    @property
    def fraction(self) -> float:
        return ((self.epoch - 1) * self.batches + self.batch) / (self.epochs * self.batches)

    @property
    def eta(self) -> float:
        """Seconds left, from the pace so far."""
        done = self.fraction
        return self.elapsed * (1 - done) / done if done > 0 else float("nan")


@dataclass
class TrainResult:
    model: object                 # keras.Model
    cancelled: bool
    test_accuracy: float | None
    seconds: float
    history: list[Progress]            # one entry per finished epoch
    snapshots: TrainingHistory | None = None   # the weights along the way (config.history of them)


OUT_OF_MEMORY = N_("out of memory: try fewer units, layers or a smaller batch size")  # shown through tr


class TrainingError(UserError):
    """Training could not go on (NaN loss, out of memory...): said in plain words."""


def build_model(config: TrainConfig):
    """The seed's network: L stacked LSTMs over 28 rows of 28 pixels, then Dense(10) softmax."""
    import keras
    keras.utils.set_random_seed(config.seed)
    model = keras.Sequential(name=f"lstm_{config.layers}x{config.units}")
    model.add(keras.Input(shape=(28, 28), name="rows"))
    for k in range(config.layers):
        last = k == config.layers - 1
        model.add(keras.layers.LSTM(config.units, return_sequences=not last,
                                    unit_forget_bias=True, name=f"layer_{k}"))
        if config.keep_prob < 1.0:
            model.add(keras.layers.Dropout(1.0 - config.keep_prob, name=f"dropout_{k}"))
    model.add(keras.layers.Dense(10, activation="softmax", name="softmax"))
    return model


def _compile(model, config: TrainConfig, steps_per_epoch: int) -> None:
    import keras
    lr = config.lr
    if config.schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(config.lr, steps_per_epoch * config.epochs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def as_inputs(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 28, 28) -> float32 in [0, 1]: 28 steps of 28 pixels."""
    return images.astype(np.float32) / 255.0


def train(config: TrainConfig, data: Mnist,
          on_progress: Callable[[Progress], None] | None = None,
          check: Callable[[], None] | None = None) -> TrainResult:
    """Train a new model. Reports through ``on_progress``; ``check()`` is called after every batch,
    and once it raises ``Cancelled`` training stops within one batch and returns ``cancelled=True``.

    Raises ``TrainingError`` when the loss becomes NaN or memory runs out.
    """
    config.validate()
    from ..core.augment import shift_images

    x_train, y_train = data.x_train, data.y_train
    if config.limit is not None:
        x_train, y_train = x_train[:config.limit], y_train[:config.limit]
    if len(x_train) == 0 or len(data.x_test) == 0:
        if len(x_train) == 0:
            raise UserError(tr("{source}: the training set is empty", source=data.source))
        raise UserError(tr("{source}: the test set is empty", source=data.source))
    x_test, y_test = as_inputs(data.x_test), data.y_test.astype(np.int64)
    batches = math.ceil(len(x_train) / config.batch_size)
    model = build_model(config)
    _compile(model, config, batches)
    tracker = _Tracker(config, batches, on_progress, check)
    if config.history:
        from .keras_bridge import network_from_keras_model
        tracker.recorder = SnapshotRecorder(snapshot_schedule(batches, config.epochs, config.history),
                                            batches, lambda: network_from_keras_model(model),
                                            data.x_test, data.y_test)
    callback = _keras_callback(tracker)
    rng = np.random.default_rng(config.seed)
    try:
        # One fit() per epoch, so each epoch can see freshly shifted digits while Keras still gets
        # plain arrays (a PyDataset generator measured 2x slower here). Optimizer state, the
        # learning-rate schedule and the callback carry over between the calls.
        for epoch in range(config.epochs):
            x_epoch = x_train
            if config.shift:
                dy, dx = rng.integers(-config.shift, config.shift + 1, size=(2, len(x_train)))
                x_epoch = shift_images(x_train, dy, dx)
            model.fit(as_inputs(x_epoch), y_train.astype(np.int64), batch_size=config.batch_size,
                      shuffle=True, initial_epoch=epoch, epochs=epoch + 1,
                      validation_data=(x_test, y_test), validation_batch_size=1000,
                      callbacks=[callback], verbose=0)
            if tracker.cancelled or tracker.diverged:
                break
    except Exception as exc:
        if tracker.recorder is not None:
            tracker.recorder.close()
        # numpy's MemoryError, or TensorFlow's ResourceExhaustedError (not imported by name here)
        if isinstance(exc, MemoryError) or "ResourceExhausted" in type(exc).__name__ \
                or "OOM" in type(exc).__name__:
            raise TrainingError(tr(OUT_OF_MEMORY)) from exc
        raise
    if tracker.recorder is not None and (tracker.diverged or tracker.cancelled or tracker.recorder.broken):
        tracker.recorder.close()
    if tracker.diverged:
        raise TrainingError(tr("training diverged (the loss became NaN): try a smaller learning rate"))
    snapshots = None
    if tracker.recorder is not None and not tracker.cancelled and not tracker.recorder.broken:
        # The accuracies not done yet are part of the recording's cost, so inside the time.
        try:
            snapshots = tracker.recorder.history(check=check)
        except Cancelled:   # stopped while the last accuracies were computed: a cancel like any other
            tracker.recorder.close()
            tracker.cancelled = True
    return TrainResult(model=model, cancelled=tracker.cancelled, seconds=tracker.elapsed(),
                       test_accuracy=tracker.test_accuracy, history=tracker.history, snapshots=snapshots)


class _Tracker:
    """Turns Keras' batch and epoch events into ``Progress`` reports, and decides when to stop."""

    def __init__(self, config: TrainConfig, batches: int, on_progress, check):
        self.config, self.batches = config, batches
        self.on_progress, self.check = on_progress, check
        self.cancelled = self.diverged = False
        self.test_accuracy: float | None = None
        self.history: list[Progress] = []   # one entry per finished epoch
        self.recorder: SnapshotRecorder | None = None
        self._epoch_mean = 0.0   # Keras logs the mean loss of the epoch so far; a batch's own is derived
        self.epoch = 1
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def batch_end(self, batch: int, logs: dict) -> bool:
        """Report one batch; True when training must stop (cancelled, or the loss is NaN)."""
        loss = float(logs.get("loss", float("nan")))
        if self.recorder is not None:
            own = (batch + 1) * loss - batch * self._epoch_mean if batch else loss
            self._epoch_mean = loss
            self.recorder.batch_end((self.epoch - 1) * self.batches + batch + 1, own)
        self._report(Progress(self.epoch, self.config.epochs, batch + 1, self.batches, loss,
                              float(logs.get("accuracy", float("nan"))), self.elapsed()))
        if not math.isfinite(loss):
            self.diverged = True
        elif self._asked_to_stop():
            self.cancelled = True
        return self.diverged or self.cancelled

    def test_batch_end(self) -> bool:
        """True when the end-of-epoch test pass should stop: Keras runs it even after stop_training."""
        if not (self.cancelled or self.diverged) and self._asked_to_stop():
            self.cancelled = True
        return self.cancelled or self.diverged

    def _asked_to_stop(self) -> bool:
        """Training stops cooperatively (Keras' ``stop_training``): a ``Cancelled`` from ``check``
        becomes a flag here, never an exception through Keras' loop."""
        if self.check is None:
            return False
        try:
            self.check()
        except Cancelled:
            return True
        return False

    def epoch_end(self, epoch: int, logs: dict) -> None:
        if "val_accuracy" not in logs or self.cancelled or self.diverged:
            return
        self.test_accuracy = float(logs["val_accuracy"])
        progress = Progress(epoch + 1, self.config.epochs, self.batches, self.batches,
                            float(logs.get("loss", float("nan"))), float(logs.get("accuracy", float("nan"))),
                            self.elapsed(), test_accuracy=self.test_accuracy)
        self.history.append(progress)
        self._report(progress)

    def _report(self, progress: Progress) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)


def _keras_callback(tracker: _Tracker):
    """A Keras callback forwarding to ``tracker``; Keras 3 checks ``stop_training`` after every batch."""
    import keras

    class Forward(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            tracker.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            if tracker.batch_end(batch, logs or {}):
                self.model.stop_training = True

        def on_test_batch_end(self, batch, logs=None):
            if tracker.test_batch_end():
                self.model.stop_evaluating = True

        def on_epoch_end(self, epoch, logs=None):
            tracker.epoch_end(epoch, logs or {})

    return Forward()


def save_model(model, path: str | os.PathLike, history: TrainingHistory | None = None) -> Path:
    """Save as ``.keras`` without optimizer state, atomically (``core.atomic``): an existing file at
    ``path`` is replaced only by a complete new one, and a failure leaves no temporary file. A
    training ``history`` goes into the same file (one extra member Keras ignores)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UserError(tr("{path}: model files must end in .keras", path=path))

    def write(tmp: Path) -> None:
        try:
            _without_optimizer(model).save(tmp)
        except OSError:
            raise  # the disk: write_atomically says it in plain words
        except Exception as exc:
            raise UserError(tr("{path}: Keras could not save the model ({error_type}: "
                               "{value})", path=path, error_type=type(exc).__name__,
                               value=str(exc).strip().splitlines()[0] if str(exc).strip() else "")) from None
    if history is not None:
        def write_with_history(tmp: Path) -> None:
            write(tmp)
            add_history(tmp, history)
        return write_atomically(path, write_with_history)
    return write_atomically(path, write)


def _without_optimizer(model):
    """An uncompiled copy with the same weights: Keras 3 ignores ``include_optimizer=False`` and
    would store Adam's moments too (three times the weights), which a viewer never needs."""
    copy = type(model).from_config(model.get_config())  # clone_model would keep the compile state
    copy.set_weights(model.get_weights())
    return copy


def config_dict(config: TrainConfig) -> dict:
    return asdict(config)


def save_network_as_keras(network, path: str | os.PathLike) -> Path:
    """Write ``network`` as a standard ``.keras`` file, atomically (see ``save_model``): what
    ``convert`` and Save model as… write for a model that came from another format."""
    from .keras_bridge import keras_model_from_network
    return save_model(keras_model_from_network(network), path)

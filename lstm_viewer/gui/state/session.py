"""The session: the only writer of the model and the input (``state.network``, ``image``, ``trace``).

It owns everything that changes what is being looked at — opening, saving and training models,
reading image files, scoring digit sets — and runs the slow parts through the one job runner.
It shows no dialogs: outcomes go out as signals (``message`` for the status bar, ``failed`` for
an error a person must read, as the exception: the window says it with ``jobs.describe_error``),
so the window decides how to show them and scripts can listen.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6 import QtCore

from ...analysis.history import history_pass
from ...core.blas import worker_threads
from ...core.errors import UserError
from ...core.history import TrainingHistory, load_history, save_history
from ...core.i18n import ntr, tr
from ...core.network import Network, Trace
from ...core.priority import lower_this_thread
from ...core.readers import ReadOptions
from . import file_ops
from .jobs import JobContext, JobRunner
from .view_state import ViewState, published_together

if TYPE_CHECKING:
    from ...ml.train_process import TrainedFile

SCORE_STEP = 32   # digits per step of a scoring job
CANCEL_POLL_S = 0.05   # how often the scoring job looks for a cancel while a step runs


class Session(QtCore.QObject):
    """Opening, saving, training and scoring; writes the model and the input into ``state``."""

    message = QtCore.pyqtSignal(str, int)        # status-bar text and how long to show it (ms)
    failed = QtCore.pyqtSignal(str, object)      # title, the exception: an error to show in a dialog
    modelInfoChanged = QtCore.pyqtSignal()       # name, source or unsaved mark changed (the title)
    loadingChanged = QtCore.pyqtSignal(bool)     # a model is being opened (Open is disabled meanwhile)
    savingChanged = QtCore.pyqtSignal(bool)      # a trained model is being saved in the background

    def __init__(self, state: ViewState, runner: JobRunner, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.runner = runner
        self.model_name = ""
        self.model_source: str | None = None     # the .keras file the model came from, if any
        # The temporary .keras file (its history inside) of the model trained here, until it is saved
        # or replaced: Save model as… copies it. The session owns it and deletes it (``_retire``).
        self.trained: TrainedFile | None = None
        self._retired: list[TrainedFile] = []    # replaced, deleted once no save reads them
        self.unsaved = False
        self.original: np.ndarray | None = None   # the input as it came, before what-if edits
        self._saving: _Save | None = None
        self._model: Network | None = None          # the model opened or trained (not a snapshot of it)
        self._pass_history: TrainingHistory | None = None   # the history ``state.history_pass`` is of
        self.settings: QtCore.QSettings | None = None   # where input scalings are remembered per file

    # --- the model ----------------------------------------------------------------------------
    def set_network(self, network: Network, name: str | None = None, source_path: str | None = None,
                    trained: TrainedFile | None = None, unsaved: bool = False,
                    history: TrainingHistory | None = None) -> None:
        """Make ``network`` the active model and re-trace the current input with it. ``history``:
        its training history (the timeline then starts at the last snapshot, ``network`` itself).
        ``trained``: the temporary file of a model trained here (the session owns it from now on);
        the file of the model this one replaces is deleted."""
        self.model_name = name or network.name
        self.model_source = source_path or network.metadata.get("source")
        if self.trained is not None and self.trained is not trained:
            self._retire(self.trained)
        self.trained = trained
        self.unsaved = unsaved
        self._model = network
        with published_together(self.state):   # no view sees the new model with the old trace
            self.state.set_network(network)
            self.state.history = history
            self.state.snapshot = None if history is None else len(history) - 1
            self.state.history_pass = None
            self._publish(self.state.blanked_rows)   # the same input and edits, read by the new model
        self.modelInfoChanged.emit()

    @property
    def history(self) -> TrainingHistory | None:
        """The active model's training history (None: it has none)."""
        return self.state.history

    def show_snapshot(self, index: int) -> None:
        """Make snapshot ``index`` of the history the model of every view: the same input, what-if
        edits, row, selection and pinned A (A/B then compares the same digit then and now)."""
        history = self.state.history
        if history is None:
            raise UserError(tr("this model has no training history"))
        index = int(index) % len(history)
        if index == self.state.snapshot:
            return
        network = history.network(index)
        with published_together(self.state):
            self.state.set_network(network, keep_pinned=True)
            self.state.snapshot = index
            self._publish(self.state.blanked_rows)

    def load_history_model(self) -> None:
        """File ▸ Open the model with a training history: the shipped one."""
        from ...core.assets import history_model_path
        self.load_model(history_model_path(), ReadOptions())

    def load_model(self, path: str | Path, options: ReadOptions | None = None) -> None:
        """Open ``path`` (any format, recognised by content) in a job; on error a ``failed`` signal,
        and the current model stays. Without ``options``, an input scaling the user set for this
        file before (Model ▸ Input scaling…) is applied again."""
        path = Path(path)
        if options is None:
            options = ReadOptions(normalize=self.remembered_scaling(path))
        self.loadingChanged.emit(True)
        self.message.emit(tr("Opening {name}…", name=path.name), 0)
        self.runner.run(lambda _ctx: _load_model(path, options), key="open model",
                        on_done=self._on_model_loaded, on_error=self._on_model_failed,
                        cancellable=False)

    def load_default_model(self) -> None:
        """File ▸ Open the default model: back to the shipped one."""
        from ...core.assets import default_model_path
        self.load_model(default_model_path(), ReadOptions())

    def _on_model_loaded(self, loaded: tuple[Network, TrainingHistory | None]) -> None:
        network, history = loaded
        self.loadingChanged.emit(False)
        self.set_network(network, history=history)
        self.message.emit(tr("Opened {name}: {model}.", name=self.model_name, model=network.describe()), 8000)

    # --- input scaling ------------------------------------------------------------------------
    def can_set_input_scaling(self) -> bool:
        """Formats that record no scaling take one from the user; a file's own Rescaling stays."""
        network = self._model
        return network is not None and network.metadata.get("scaling_from") != "the file"

    def set_input_scaling(self, scaling: tuple[float, float] | None) -> None:
        """The current weights reading ``(x - mean) / std`` (None: [0, 1]); remembered for the file."""
        if not self.can_set_input_scaling():
            raise UserError(tr("this model's file records its own input scaling (a Rescaling layer)"))
        network = self._model.with_input_scaling(scaling)
        network.metadata["scaling_from"] = "you" if scaling is not None else "not recorded"
        self.set_network(network, name=self.model_name, source_path=self.model_source,
                         trained=self.trained, unsaved=self.unsaved)
        if self.model_source and self.settings is not None:
            key = _scaling_key(self.model_source)
            if scaling is None:
                self.settings.remove(key)
            else:
                self.settings.setValue(key, f"{scaling[0]!r},{scaling[1]!r}")
        self.message.emit(tr("The first layer now reads {scaling}.", scaling=network.describe_scaling()),
                          6000)

    def remembered_scaling(self, path: str | Path) -> tuple[float, float] | None:
        if self.settings is None:
            return None
        value = self.settings.value(_scaling_key(path))
        try:
            mean, std = (float(v) for v in str(value).split(","))
        except ValueError:
            return None
        return (mean, std) if std > 0 else None

    def _on_model_failed(self, error: BaseException) -> None:
        self.loadingChanged.emit(False)
        self.message.emit(tr("The model could not be opened; the current model stays."), 6000)
        self.failed.emit(tr("Could not open the model"), error)

    def adopt_trained(self, network: Network, trained: TrainedFile | None, description: str,
                      history: TrainingHistory | None = None) -> None:
        """A model trained in the app becomes the active one (unsaved until saved), with the
        snapshots its training kept. ``trained``: its temporary ``.keras`` file (the history inside),
        which Save model as… copies; the session owns it from now on."""
        self.set_network(network, trained=trained, unsaved=True, history=history)
        self.message.emit(tr("Now using the new model: {description}.", description=description), 10000)

    # --- inputs -------------------------------------------------------------------------------
    def show_input(self, image28: np.ndarray | None) -> Trace | None:
        """Trace a new (28, 28) input in [0, 1] (None or blank: nothing shown) and publish both.

        A new input starts with no what-if edits; ``original`` keeps it as it came.
        """
        blank = image28 is None or not np.any(image28)
        self.original = None if blank else np.asarray(image28, dtype=np.float32)
        return self._publish(())

    def toggle_row(self, row: int) -> None:
        """What-if: blank row ``row`` of the input (or restore it if it is blanked) and trace that."""
        if self.original is None:
            return
        rows = set(self.state.blanked_rows) ^ {int(row)}
        self._publish(tuple(sorted(rows)))

    def restore_original(self) -> None:
        """Undo every what-if edit: the input as it came."""
        if self.state.blanked_rows:
            self._publish(())

    def _publish(self, blanked: tuple) -> Trace | None:
        """Trace the original with ``blanked`` rows set to paper; publish image, trace and edits."""
        image = self.original
        if image is not None and blanked:
            image = image.copy()
            image[list(blanked)] = 0.0
        trace = None if image is None or not image.any() else self.state.network.trace(image)
        with published_together(self.state):   # views see the image, its trace and the edits together
            self.state.blanked_rows = blanked if image is not None else ()
            self.state.image = image
            self.state.trace = trace
        self._start_history_pass()
        return trace

    def _start_history_pass(self) -> None:
        """Every snapshot's reading of the digit shown (the timeline's answers, the fixed colour
        ranges), in one batched pass in a job: once per digit and history, not per snapshot."""
        history, image, done = self.state.history, self.state.image, self.state.history_pass
        if history is None or image is None or not image.any():
            self.state.history_pass = None
            return
        if done is not None and done.image is image and self._pass_history is history:
            return

        def finished(result) -> None:
            if self.state.image is image and self.state.history is history:
                self._pass_history = history
                self.state.history_pass = result

        self.runner.run(lambda _ctx: history_pass(history, image), key="history pass",
                        on_done=finished, on_error=lambda error: self.failed.emit(
                            tr("Training history"), error))

    def show_trace(self, trace: Trace | None) -> None:
        """Publish an already computed trace (and its image) as what is shown."""
        self.original = None if trace is None else trace.image
        with published_together(self.state):
            self.state.blanked_rows = ()
            self.state.image = None if trace is None else trace.image
            self.state.trace = trace

    def open_image(self, path: str | Path,
                   on_shown: Callable[[Path], None] | None = None) -> None:
        """Read and preprocess an image file in a job (a large photo takes a while), then show it."""
        path = Path(path)
        self.message.emit(tr("Reading {name}…", name=path.name), 0)

        def read(_ctx) -> np.ndarray:
            from ...core.preprocess import load_image, preprocess
            return preprocess(load_image(path))

        def shown(image28: np.ndarray) -> None:
            self.show_input(image28)
            if not image28.any():
                self.message.emit(tr("{name}: no ink found; the page looks blank, so there is nothing to "
                                     "read.", name=path.name), 8000)
            else:
                self.message.emit(tr("Showing {name}.", name=path.name), 6000)
            if on_shown is not None:
                on_shown(path)

        self.runner.run(read, key="open image", on_done=shown,
                        on_error=lambda error: self.failed.emit(tr("Could not read the image"), error))

    # --- saving -------------------------------------------------------------------------------
    def save_model_as(self, path: str | Path) -> Path:
        """Save the current model now as ``.keras``: a model trained here (its temporary file) and a
        ``.keras`` file are copied as they are (a history inside goes with them), any other model (a
        PyTorch or TF1 file, a scaling set here) is converted by Keras."""
        path = Path(file_ops.with_suffix(str(path), ".keras"))
        source = self._copy_source()
        if source is not None:
            file_ops.copy_model(source, path)
        else:
            _save_converted(self._model, path, self.history)
        self._mark_saved(path)
        return path

    def saves_in_background(self) -> bool:
        """Converting needs Keras (seconds to import TensorFlow), and a trained model's file with its
        history may be hundreds of MB (3 × 256, 40 snapshots: ~215 MB): both are done in a job."""
        return self.trained is not None or self._copy_source() is None

    def _copy_source(self) -> str | None:
        """The ``.keras`` file that holds the current model exactly, to copy: the temporary file of a
        model trained here, or the file opened; None when the model must be converted (another
        format, or an input scaling set here)."""
        network = self._model   # the model opened or trained, whichever snapshot of its history is shown
        if network is None or network.metadata.get("scaling_from") == "you":
            return None
        if self.trained is not None:
            return str(self.trained.path)
        if self.model_source and network.metadata.get("format") == "Keras model":
            return self.model_source
        return None

    def start_saving_model(self, path: str | Path) -> None:
        """Save the model in a job: a trained model's file is copied, a model of another format is
        converted by Keras (importing TensorFlow takes seconds)."""
        if self._saving is not None:
            self.message.emit(tr("Still saving the model…"), 4000)
            return
        path = Path(file_ops.with_suffix(str(path), ".keras"))
        save = _Save(self._model, path, self.history, self._copy_source(), self.trained)
        job = self.runner.run(save.run, key="save model", on_done=lambda _: self._after_saving(),
                              on_error=lambda _: self._after_saving(), cancellable=False)
        if job is None:
            return   # the window is closing
        save.job = job
        self._saving = save
        self.savingChanged.emit(True)
        self.message.emit(tr("Saving {name}…", name=path.name), 0)

    def is_saving(self) -> bool:
        return self._saving is not None

    def finish_saving(self, timeout_ms: int = 60_000) -> bool:
        """Wait for a save in progress and apply its outcome; False if it is still running."""
        save = self._saving
        if save is None:
            return True
        if not save.finished.wait(timeout_ms / 1000):
            return False
        self._after_saving()
        return True

    def _after_saving(self) -> None:
        """Apply a finished save's outcome, once (from its signal or from ``finish_saving``)."""
        save = self._saving
        if save is None or not save.finished.is_set():
            return
        self._saving = None
        self.savingChanged.emit(False)
        self._discard_retired()   # a file replaced while this save read it
        if save.error is not None:
            self.message.emit("", 0)
            self.failed.emit(tr("Could not save the model"), save.error)
            return
        if save.model is self._model:   # not replaced meanwhile
            self._mark_saved(save.path)
        self.message.emit(tr("Saved the model as {path}.", path=save.path), 6000)

    def _mark_saved(self, path: Path) -> None:
        """The model is now the file at ``path``: a trained model's temporary file is not needed."""
        self.model_source, self.model_name, self.unsaved = str(path), path.name, False
        if self.trained is not None:
            self._retire(self.trained)
            self.trained = None
        self.modelInfoChanged.emit()

    def _retire(self, trained: TrainedFile) -> None:
        """Delete a trained model's temporary file, now or, while a save reads it, when the save ends."""
        self._retired.append(trained)
        self._discard_retired()

    def _discard_retired(self) -> None:
        reading = self._saving.trained if self._saving is not None else None
        for trained in [t for t in self._retired if t is not reading]:
            trained.discard()
            self._retired.remove(trained)

    def close(self) -> None:
        """The window is closing (after it asked about an unsaved model and waited for a save): the
        temporary file of a model trained here is deleted. Saving that model later (the window shown
        again) converts it through Keras instead."""
        if self.trained is not None:
            self._retire(self.trained)
            self.trained = None

    def export_trace(self, path: str | Path) -> Path:
        if self.state.trace is None:
            raise UserError(tr("nothing to export: draw or pick a digit first"))
        return file_ops.save_trace(self.state.trace, file_ops.with_suffix(str(path), ".npz"))

    # --- digit sets ---------------------------------------------------------------------------
    def score(self, digits, on_scored: Callable[[object, np.ndarray], None]) -> None:
        """Predict every digit of a set with the current model in a job; a newer model supersedes."""
        network = self.state.network
        self.runner.run(lambda ctx: _predict_all(network, digits, ctx), key=f"score {id(digits)}",
                        on_done=lambda predicted: on_scored(digits, predicted)
                        if network is self.state.network else None,
                        on_error=lambda error: self.failed.emit(tr("Digits"), error))

    def load_test_set(self, source: Path, on_loaded: Callable[[object], None],
                      on_scored: Callable[[object, np.ndarray], None],
                      on_error: Callable[[BaseException], None]) -> None:
        """Read the MNIST test set and score it, in a job."""
        from ...core.digits import load_mnist_test_set as load_test_set
        network = self.state.network
        self.message.emit(tr("Loading the MNIST test set from {source}…", source=source), 0)

        def load(ctx: JobContext):
            digits = load_test_set(source)
            digits.predicted = _predict_all(network, digits, ctx)
            return digits, network

        def loaded(result) -> None:
            digits, scored_with = result
            on_loaded(digits)
            if scored_with is not self.state.network:
                self.score(digits, on_scored)
            wrong = int((digits.predicted != digits.labels).sum())
            self.message.emit(ntr("MNIST test set: {count:,} digit, the model gets {wrong:,} wrong "
                                  "(accuracy {accuracy:.2%}).",
                                  "MNIST test set: {count:,} digits, the model gets {wrong:,} wrong "
                                  "(accuracy {accuracy:.2%}).",
                                  len(digits), wrong=wrong, accuracy=1 - wrong / len(digits)), 10000)

        self.runner.run(load, key="test set", on_done=loaded, on_error=on_error)


class _Save:
    """A save in a job: what (the model; the file to copy, else it is converted), where, and how it
    ended (written by the job's thread before it signals, read on the GUI thread after)."""

    def __init__(self, model: Network, path: Path, history: TrainingHistory | None = None,
                 source: str | None = None, trained: TrainedFile | None = None) -> None:
        self.model, self.path, self.history, self.source = model, path, history, source
        self.trained = trained   # the trained model's file it reads: kept until the save ends
        self.job = None
        self.finished = threading.Event()
        self.error: BaseException | None = None

    def run(self, _ctx) -> None:
        try:
            if self.source is not None:
                file_ops.copy_model(self.source, self.path)   # its history goes with it
            else:
                _save_converted(self.model, self.path, self.history)
        except BaseException as exc:   # every way out must leave an outcome for the GUI thread
            self.error = exc
        self.finished.set()


def _predict_all(network: Network, digits, context: JobContext) -> np.ndarray:
    """``core.digits.predict_all`` in steps, ending within CANCEL_POLL_S of a cancel: 3 × 256 reads
    only ~150 digits a second on a core whatever the batch, and closing the window (or a newer model)
    must not wait for 10,000 of them, nor for the steps running. Steps run on every core, below the
    window's thread (``core.priority``): the full test set took over a minute on one."""
    from ...core.digits import predict_all
    answers = np.empty(len(digits), dtype=int)
    starts = list(range(0, len(digits), SCORE_STEP))

    def step(start: int) -> np.ndarray:
        end = start + SCORE_STEP
        return predict_all(network, replace(digits, images=digits.images[start:end],
                                            labels=digits.labels[start:end], ids=digits.ids[start:end],
                                            predicted=None))

    threads = max(1, min(worker_threads(), len(starts)))
    pool = ThreadPoolExecutor(max_workers=threads, initializer=lower_this_thread,
                              thread_name_prefix="lstm-viewer score")
    ended = False
    try:
        futures = [pool.submit(step, start) for start in starts]
        for start, future in zip(starts, futures, strict=True):
            context.check()
            while wait([future], timeout=CANCEL_POLL_S).not_done:
                context.check()
            answers[start:start + SCORE_STEP] = future.result()
        ended = True
    finally:
        # A cancel (or an error) drops the steps not started and leaves the running ones, one per
        # thread, to end on their own (they share nothing with the job): the job ends at once. Its
        # steps run below the window's priority, so on a busy machine one can take seconds, longer
        # than closing the window waits for its jobs (found by a review running the tests under load).
        pool.shutdown(wait=ended, cancel_futures=not ended)
    return answers


def _save_converted(network: Network, path: Path, history: TrainingHistory | None = None) -> None:
    from ...ml.training import save_network_as_keras  # imports TensorFlow
    save_network_as_keras(network, path)
    if history is not None:
        save_history(path, history)


def _load_model(path: Path, options: ReadOptions) -> tuple[Network, TrainingHistory | None]:
    """Load a model off the GUI thread; the architecture check refuses any the views cannot show.
    Its training history comes with it when the file keeps one (no TensorFlow: a zip member)."""
    from ... import load_network  # numpy (+ h5py); Keras only for .h5 and unusual .keras files
    network = load_network(path, forget_bias=options.forget_bias, normalize=options.normalize)
    return network, history_of(path, network)


def history_of(path: Path, network: Network) -> TrainingHistory | None:
    """The training history kept in ``path``, if it has one of ``network``'s shape (else None)."""
    try:
        history = load_history(path)
    except UserError:
        return None   # no history (or a damaged one): the model itself opens as always
    if (history.network(-1).units != network.units
            or history.input_scaling != network.input_scaling):
        return None
    return history


def _scaling_key(path: str | Path) -> str:
    """The settings key of a file's remembered input scaling (by its resolved path)."""
    import hashlib
    resolved = str(Path(path).expanduser().resolve())
    return "input_scaling/" + hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:16]

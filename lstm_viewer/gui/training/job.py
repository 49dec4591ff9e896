"""The work of one training run: a job of the window's runner that follows a training process.

The training itself runs in a child process (``ml.train_process``: MNIST, TensorFlow's import, the
CLI's own ``training.train``, the model and its history written to a temporary ``.keras`` file), so
TensorFlow is never imported in the window's process. This job, on a worker thread, passes the
child's progress on (``context.report``: the same ``Progress`` objects as before), asks it to stop
on a cancel, and reads the trained model back with the numpy reader (no TensorFlow) as a ``Network``
for the views. Nothing here touches a widget.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.data import ENV_VAR
from ...core.errors import UserError
from ...core.i18n import ntr, tr
from ...ml.progressbar import format_seconds
from ...ml.train_process import BUILDING, IMPORTING, LOADING, TrainedFile, train_in_process
from ...ml.training import TrainConfig, config_dict
from ..state.jobs import JobContext


def gui_how_to_supply() -> str:
    return tr("choose the folder with the four MNIST IDX files (or an mnist.npz) in “MNIST data”, or set "
              "{variable}", variable=ENV_VAR)


def phase_text(phase: str) -> str:
    """What the panel's progress bar says while the training process gets ready."""
    if phase == LOADING:
        return tr("Loading MNIST…")
    if phase == IMPORTING:
        return tr("Importing TensorFlow…")
    if phase == BUILDING:
        return tr("Building the model (the first batch takes a few seconds)…")
    return phase


@dataclass
class TrainedModel:
    network: Any            # lstm_viewer.network.Network, read from ``file`` (numpy)
    file: TrainedFile       # the model with its history, temporary: what Save model as… copies
    description: str
    history: Any = None     # lstm_viewer.core.history.TrainingHistory: the snapshots kept (or None)


def training_job(config: TrainConfig, data_path: str | None) -> Callable[[JobContext], TrainedModel]:
    """The work of one training run, for the job runner: runs on the job's thread."""

    def job(context: JobContext) -> TrainedModel:
        from ...core.data import how_to_supply

        context.report(tr("Starting the training process…"))
        name = f"trained-{config.layers}x{config.units}.keras"
        trained = TrainedFile(name)
        try:
            try:
                outcome = train_in_process(config, data_path, trained.path,
                                           lambda phase: context.report(phase_text(phase)), context.report,
                                           context.check)
            except UserError as exc:   # the loader's advice names CLI flags; say it the panel's way
                if how_to_supply() in str(exc):
                    raise type(exc)(str(exc).replace(how_to_supply(), gui_how_to_supply())) from None
                raise
            model = _read_trained(trained, outcome.has_history)
            context.check()   # cancelled at the very end: the file goes with the run
        except BaseException:
            trained.discard()
            raise
        network, history = model
        network.metadata.update(training=config_dict(config), test_accuracy=outcome.test_accuracy)
        values = dict(model=network.describe(), digits=outcome.digits, time=format_seconds(outcome.seconds))
        if outcome.test_accuracy is None:
            description = ntr("{model} trained on {digits:,} digits for {count} epoch ({time})",
                              "{model} trained on {digits:,} digits for {count} epochs ({time})",
                              config.epochs, **values)
        else:
            description = ntr("{model} trained on {digits:,} digits for {count} epoch: test accuracy "
                              "{accuracy:.1%} ({time})",
                              "{model} trained on {digits:,} digits for {count} epochs: test accuracy "
                              "{accuracy:.1%} ({time})", config.epochs, accuracy=outcome.test_accuracy,
                              **values)
        return TrainedModel(network, trained, description, history)

    return job


def _read_trained(trained: TrainedFile, has_history: bool):
    """The trained model and its history, read from its file with numpy: the direct reader only
    (``load_network`` would fall back to Keras for a layout it does not know, importing TensorFlow
    here; the training process writes the plain Sequential layout the reader knows)."""
    from ...core.history import load_history
    from ...core.readers import ReadOptions, read_model
    network = read_model(trained.path, ReadOptions())
    # A model made here, not opened: no file to name in the title or to open dialogs beside (its
    # file is temporary), as when it was built from the Keras model in memory.
    network.metadata.pop("source", None)
    history = load_history(trained.path) if has_history else None
    return network, history

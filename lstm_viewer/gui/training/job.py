"""The work of one training run, done on a worker thread (nothing here touches a widget).

MNIST is loaded first (numpy only: a wrong path is reported at once, before TensorFlow's import),
then TensorFlow is imported the quiet way (``tf_import.quiet_import``), then the CLI's own
``training.train`` runs with the worker's progress and cancel hooks, and the Keras model becomes a
``Network`` for the views.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.cancel import Cancelled
from ...core.data import ENV_VAR
from ...core.errors import UserError
from ...core.i18n import ntr, tr
from ...ml.progressbar import format_seconds
from ...ml.tf_import import TF_LIBRARIES, quiet_import
from ...ml.training import TrainConfig
from ..state.jobs import JobContext


def gui_how_to_supply() -> str:
    return tr("choose the folder with the four MNIST IDX files (or an mnist.npz) in “MNIST data”, or set "
              "{variable}", variable=ENV_VAR)


@dataclass
class TrainedModel:
    network: Any            # lstm_viewer.network.Network
    keras_model: Any        # keras.Model, for Save model as…
    description: str
    history: Any = None     # lstm_viewer.core.history.TrainingHistory: the snapshots kept (or None)


def training_job(config: TrainConfig, data_path: str | None) -> Callable[[JobContext], TrainedModel]:
    """The work of one training run, for the job runner: runs on the job's thread."""

    def job(context: JobContext) -> TrainedModel:
        report = context.report
        from ...core.data import how_to_supply, resolve_source
        from ...ml import training
        from ...ml.datasets import load_mnist

        source = resolve_source(data_path)
        if source is None:   # the Keras cache/download imports TensorFlow: do it the quiet way
            report(tr("Importing TensorFlow…"))
            quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
        report(tr("Loading MNIST…"))
        try:
            data = load_mnist(source)
        except UserError as exc:   # the loader's advice names CLI flags; say it the panel's way
            raise UserError(str(exc).replace(how_to_supply(), gui_how_to_supply())) from None
        context.check()
        report(tr("Importing TensorFlow…"))
        quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
        context.check()
        report(tr("Building the model (the first batch takes a few seconds)…"))
        # ``train`` catches the Cancelled of ``check`` in its Keras callback and stops within one
        # batch (the end-of-epoch test pass too), returning ``cancelled=True``.
        result = training.train(config, data, report, context.check)
        if result.cancelled:
            raise Cancelled()
        from ...ml.keras_bridge import network_from_keras_model

        name = f"trained-{config.layers}x{config.units}.keras"
        network = network_from_keras_model(result.model, name=name)
        network.metadata.update(training=training.config_dict(config),
                                test_accuracy=result.test_accuracy)
        digits = config.limit or len(data.x_train)
        values = dict(model=network.describe(), digits=digits, time=format_seconds(result.seconds))
        if result.test_accuracy is None:
            description = ntr("{model} trained on {digits:,} digits for {count} epoch ({time})",
                              "{model} trained on {digits:,} digits for {count} epochs ({time})",
                              config.epochs, **values)
        else:
            description = ntr("{model} trained on {digits:,} digits for {count} epoch: test accuracy "
                              "{accuracy:.1%} ({time})",
                              "{model} trained on {digits:,} digits for {count} epochs: test accuracy "
                              "{accuracy:.1%} ({time})", config.epochs, accuracy=result.test_accuracy,
                              **values)
        return TrainedModel(network, result.model, description, result.snapshots)

    return job

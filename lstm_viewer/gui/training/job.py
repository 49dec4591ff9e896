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
from ...ml.progressbar import format_seconds
from ...ml.training import TrainConfig
from ..state.jobs import JobContext
from .tf_import import TF_LIBRARIES, quiet_import

GUI_HOW_TO_SUPPLY = (f"choose the folder with the four MNIST IDX files (or an mnist.npz) in "
                     f"“MNIST data”, or set {ENV_VAR}")


@dataclass
class TrainedModel:
    network: Any            # lstm_viewer.network.Network
    keras_model: Any        # keras.Model, for Save model as…
    description: str


def training_job(config: TrainConfig, data_path: str | None) -> Callable[[JobContext], TrainedModel]:
    """The work of one training run, for the job runner: runs on the job's thread."""

    def job(context: JobContext) -> TrainedModel:
        report = context.report
        from ...core.data import how_to_supply, resolve_source
        from ...ml import training
        from ...ml.datasets import load_mnist

        source = resolve_source(data_path)
        if source is None:   # the Keras cache/download imports TensorFlow: do it the quiet way
            report("Importing TensorFlow…")
            quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
        report("Loading MNIST…")
        try:
            data = load_mnist(source)
        except UserError as exc:   # the loader's advice names CLI flags; say it the panel's way
            raise UserError(str(exc).replace(how_to_supply(), GUI_HOW_TO_SUPPLY)) from None
        context.check()
        report("Importing TensorFlow…")
        quiet_import(("tensorflow", "keras"), TF_LIBRARIES)
        context.check()
        report("Building the model (the first batch takes a few seconds)…")
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
        accuracy = "" if result.test_accuracy is None else f": test accuracy {result.test_accuracy:.1%}"
        description = (f"{network.describe()} trained on {digits:,} digits for {config.epochs} "
                       f"epoch{'s' if config.epochs > 1 else ''}{accuracy} "
                       f"({format_seconds(result.seconds)})")
        return TrainedModel(network, result.model, description)

    return job

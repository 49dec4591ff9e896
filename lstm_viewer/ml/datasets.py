"""MNIST for training and evaluation: the core's files first, Keras' download as the last resort."""
from __future__ import annotations

import os

from ..core.data import Mnist, how_to_supply, resolve_source
from ..core.data import load_mnist as load_mnist_files
from ..core.data import load_test_set as load_test_files
from ..core.errors import UserError
from ..core.i18n import tr


def load_mnist(path: str | os.PathLike | None = None) -> Mnist:
    """``--data`` / ``$LSTM_VIEWER_MNIST`` when given, else ``keras.datasets.mnist.load_data()``."""
    if resolve_source(path) is not None:
        return load_mnist_files(path)
    try:
        from keras.datasets import mnist  # imported here: TensorFlow only when really needed
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    except Exception as exc:  # no network, broken cache, ...
        raise UserError(tr("MNIST could not be downloaded ({error_type}); "
                           "{how_to_supply}", error_type=type(exc).__name__,
                           how_to_supply=how_to_supply())) from None
    return Mnist(x_train, y_train, x_test, y_test, source="keras.datasets.mnist")


def load_test_set(path: str | os.PathLike | None = None):
    """The test split: from the files alone when given (the training split is not read)."""
    if resolve_source(path) is not None:
        return load_test_files(path)
    data = load_mnist(path)
    return data.x_test, data.y_test

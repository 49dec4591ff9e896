"""Keras <-> Network: the ml layer's side of model files (imports TensorFlow; call it off the GUI thread)."""
from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import UserError
from ..core.kerasfile import UnsupportedModel
from ..core.network import LstmWeights, Network


def load_keras_model(path: str | os.PathLike):
    """``keras.saving.load_model`` with its many exception types turned into one ``UserError``."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such model file")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:
        raise UserError(f"{path}: Keras cannot load it ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''})") from None


def network_from_keras_model(model, name: str = "model") -> Network:
    """Copy a Keras LSTM classifier's weights into a ``Network`` (checking the architecture)."""
    import keras

    lstms, head = [], None
    for layer in model.layers:
        if isinstance(layer, keras.layers.LSTM):
            kernel, recurrent, bias = (w.numpy() for w in layer.cell.weights)
            lstms.append(LstmWeights(kernel, recurrent, bias))
        elif isinstance(layer, keras.layers.Dense):
            if head is not None or layer.units != 10:
                raise UnsupportedModel(f"{name}: expected one Dense(10) softmax head")
            head = [w.numpy() for w in layer.weights]
        elif isinstance(layer, (keras.layers.Dropout, keras.layers.InputLayer)):
            continue
        else:
            raise UnsupportedModel(f"{name}: has a {type(layer).__name__} layer; this app shows "
                                   f"stacks of LSTM layers with a Dense(10) softmax head")
    if not lstms or head is None or tuple(model.input_shape[1:]) != (28, 28):
        raise UnsupportedModel(f"{name}: not an LSTM classifier of 28×28 digits")
    try:
        return Network(lstms, head[0], head[1], name=name)
    except ValueError as exc:
        raise UnsupportedModel(f"{name}: {exc}") from None


def load_network_via_keras(path: str | os.PathLike) -> Network:
    path = Path(path)
    network = network_from_keras_model(load_keras_model(path), name=path.name)
    network.metadata.update(source=str(path), loaded_with="keras")
    return network

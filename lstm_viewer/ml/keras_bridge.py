"""Keras <-> Network: the ml layer's side of model files (imports TensorFlow; call it off the GUI thread).

A model Keras has loaded (or just trained) is described to ``core.architecture`` exactly as the
direct reader describes a file, layer by layer as ``(class name, get_config())``, so both readers
accept the same models and refuse the others with the same sentence.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..core.architecture import check_architecture, check_weights, functional_chain, network_from_weights
from ..core.errors import UnsupportedModel, UserError
from ..core.i18n import tr
from ..core.network import Network

# TensorFlow's C++ start-up lines (CUDA probing, oneDNN notices) are not the user's business.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def load_keras_model(path: str | os.PathLike):
    """``keras.saving.load_model`` with its many exception types turned into one ``UserError``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(tr("{path}: no such model file", path=path))
    try:
        import keras
    except ImportError:
        raise UserError(tr("{path}: reading this file needs Keras (TensorFlow), which is not "
                           "installed", path=path)) from None
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise UserError(tr("{path}: Keras cannot load it ({error_type}: {message})", path=path,
                           error_type=type(exc).__name__, message=first_line)) from None


def network_from_keras_model(model, name: str = "model", source: str | None = None) -> Network:
    """Copy a Keras LSTM classifier's weights into a ``Network``, after the one architecture check.

    Errors start with ``source`` (the file) when given, else with ``name``.
    """
    try:
        if not getattr(model, "built", True):
            raise UserError(tr("the model has no weights yet (it was never built, called or trained)"))
        layers = _layers_in_order(model)
        plan = check_architecture([(_class_name(type(layer)), _config(layer)) for layer in layers],
                                  _input_shape(model), getattr(model, "dtype_policy", None))
        arrays = [check_weights(step, layers[step.position].get_weights()) for step in plan]
        return network_from_weights(plan, arrays, name=name)
    except UserError as exc:
        raise type(exc)(tr("{path}: {reason}", path=source or name, reason=exc)) from None
    except Exception as exc:  # Keras' own objects misbehaving: still one sentence, no traceback
        raise UserError(tr("{source}: cannot read the layers of this Keras model "
                           "({error_type}: {exc})", source=source or name, error_type=type(exc).__name__,
                           exc=exc)) from None


def load_network_via_keras(path: str | os.PathLike) -> Network:
    path = Path(path)
    network = network_from_keras_model(load_keras_model(path), name=path.name, source=str(path))
    network.metadata.update(source=str(path), loaded_with="keras")
    return network


def _layers_in_order(model) -> list:
    """The layers from input to output, for the two model classes whose ``call`` is their layers."""
    kind = _class_name(type(model))
    if kind == "Sequential":
        return list(model.layers)
    if kind == "Functional":
        chain = [entry.get("name") for entry in functional_chain(model.get_config())]
        layers = list(model.layers)
        if chain != [layer.name for layer in layers]:
            raise UnsupportedModel(tr("its layers do not form a single chain; lstm-viewer shows stacks of "
                                      "LSTM layers with a Dense(10, softmax) head"))
        return layers
    raise UnsupportedModel(tr("is a custom Keras model class ({kind}); lstm-viewer reads Sequential and "
                              "functional models, whose arithmetic is their layers'", kind=kind))


def _class_name(cls: type) -> str:
    """Keras' own classes by their plain name; anyone else's (a subclass of LSTM...) as the direct
    reader names it: by its registered name ('package>Name'), or as 'custom Name'."""
    if cls.__module__.split(".")[0] == "keras":
        return cls.__name__
    import keras
    registered = keras.saving.get_registered_name(cls)
    return registered if ">" in registered else f"custom {cls.__name__}"


def _config(layer) -> dict:
    """``get_config()``, with each activation named after the function the layer really calls.

    Keras saves a function of the user's own that is named like one of its own ('tanh', 'softmax')
    under that name; the config alone would pass a model that computes something else.
    """
    config = dict(layer.get_config())
    owner = getattr(layer, "cell", layer)  # an LSTM keeps its activations on its cell
    for key in ("activation", "recurrent_activation"):
        function, named = getattr(owner, key, None), config.get(key)
        if callable(function) and isinstance(named, str) and not _is_keras_own(function, named):
            config[key] = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', named)}"
    return config


def _is_keras_own(function, name: str) -> bool:
    """``function`` is Keras' activation ``name`` (keras.activations.tanh, or keras.ops.tanh)."""
    import keras
    try:
        if function is keras.activations.get(name):
            return True
    except ValueError:  # a name Keras does not know
        return False
    module = getattr(function, "__module__", None) or ""
    return module.split(".")[0] == "keras" and getattr(function, "__name__", None) == name


def _input_shape(model):
    try:
        return model.input_shape
    except (AttributeError, ValueError):  # a model never called has none; its layers still say
        return None


def keras_model_from_network(network: Network):
    """A standard Keras model computing exactly what ``network`` computes, for ``convert`` and Save as.

    ``Input(28, 28)``, a ``Rescaling`` in front when the network reads scaled pixels (``x / std -
    mean / std``, which the direct reader turns back into the same scaling), one ``LSTM`` per layer at
    its own width, and ``Dense(10, softmax)``: a head that gave logits gives the same probabilities
    through the softmax the app applied to them.
    """
    import keras

    layers = [keras.Input((28, 28), name="rows")]
    if network.input_scaling is not None:
        mean, std = network.input_scaling
        layers.append(keras.layers.Rescaling(scale=1.0 / std, offset=-mean / std, name="input_scaling"))
    top = len(network.layers) - 1
    for k, weights in enumerate(network.layers):
        layers.append(keras.layers.LSTM(weights.units, return_sequences=k < top, name=f"lstm_{k + 1}"))
    layers.append(keras.layers.Dense(10, activation="softmax", name="softmax"))
    model = keras.Sequential(layers, name="lstm_viewer_model")
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    for layer, weights in zip(lstms, network.layers, strict=True):
        layer.set_weights([weights.kernel, weights.recurrent_kernel, weights.bias])
    model.layers[-1].set_weights([network.dense_kernel, network.dense_bias])
    return model

"""Read a ``.keras`` archive (config.json + model.weights.h5) into a ``Network`` without TensorFlow.

Opening a model to look at it should take milliseconds, not the 3 s of importing TensorFlow. A
``.keras`` file is a zip holding the model's config as JSON and its weights as HDF5; this module reads
both with ``zipfile``, ``json`` and ``h5py`` and checks the architecture is one this app understands:
a Sequential stack of LSTM layers over (28, 28) inputs, optional Dropout, and a Dense(10) softmax.

``lstm_viewer.load_network`` falls back to Keras (``ml.keras_bridge``) only for archives whose
*layout* the direct reader does not know (for instance a functional model); an architecture this app
cannot show is a clear error either way.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np

from .assets import default_model_path  # noqa: F401  (re-exported for callers)
from .errors import UserError
from .network import CLASSES, COLUMNS, ROWS, LstmWeights, Network

class UnsupportedModel(UserError):
    """The file is a model, but not an LSTM classifier of 28x28 digits."""


class UnknownLayout(UserError):
    """The archive is laid out in a way the direct reader does not know (Keras may still read it)."""


def read_keras_file(path: str | os.PathLike) -> Network:
    """Read the archive directly. Raises ``UserError`` (or a subclass) with a one-line reason."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such model file")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a .keras model file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise UserError(f"{path}: not a .keras model (no config.json inside)")
            if "model.weights.h5" not in names:
                raise UnknownLayout(f"{path}: no model.weights.h5 inside")
            config = json.loads(archive.read("config.json"))
            weights_bytes = archive.read("model.weights.h5")
    except zipfile.BadZipFile:
        raise UserError(f"{path}: not a .keras model file (not a zip archive, or truncated)") from None
    except (OSError, json.JSONDecodeError, zipfile.LargeZipFile) as exc:
        raise UserError(f"{path}: cannot read the model ({exc})") from None
    plan = _plan_from_config(path, config)
    network = _network_from_weights(path, plan, weights_bytes)
    network.name = path.name
    network.metadata.update(source=str(path), keras_name=config.get("config", {}).get("name", ""))
    return network


def _snake_case(name: str) -> str:
    # As keras.src.utils.naming.to_snake_case, which names the weight groups in the .h5 file.
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _plan_from_config(path: Path, config: dict) -> list[tuple[str, str, dict]]:
    """Check the config describes a supported classifier; list (kind, h5 group, layer config)."""
    if config.get("class_name") != "Sequential":
        raise UnknownLayout(f"{path}: a {config.get('class_name')!r} model, not Sequential")
    layers = config.get("config", {}).get("layers", [])
    plan, used = [], {}
    lstm_seen = dense_seen = False
    for position, layer in enumerate(layers):
        kind, cfg = layer.get("class_name"), layer.get("config", {})
        if kind == "InputLayer":
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if shape is not None and list(shape[1:]) != [ROWS, COLUMNS]:
                raise UnsupportedModel(f"{path}: input shape {shape[1:]}, expected [28, 28]")
            continue
        base = _snake_case(kind)
        group = base if base not in used else f"{base}_{used[base]}"
        used[base] = used.get(base, 0) + 1
        if kind == "LSTM":
            if dense_seen:
                raise UnsupportedModel(f"{path}: an LSTM after the dense head")
            _check_lstm(path, cfg, is_last=not any(l.get("class_name") == "LSTM"
                                                   for l in layers[position + 1:]))
            lstm_seen = True
            plan.append(("lstm", group, cfg))
        elif kind == "Dropout":
            continue  # identity at inference
        elif kind == "Dense":
            if not lstm_seen or dense_seen:
                raise UnsupportedModel(f"{path}: expected LSTM layers followed by one Dense layer")
            if cfg.get("units") != CLASSES or cfg.get("activation") != "softmax":
                raise UnsupportedModel(f"{path}: the head is Dense({cfg.get('units')}, "
                                       f"{cfg.get('activation')}); expected Dense(10, softmax)")
            dense_seen = True
            plan.append(("dense", group, cfg))
        else:
            raise UnsupportedModel(f"{path}: has a {kind} layer; this app shows stacks of LSTM "
                                   f"layers with a Dense(10) softmax head")
    if not lstm_seen or not dense_seen:
        raise UnsupportedModel(f"{path}: not an LSTM classifier of 28×28 digits "
                               f"(needs LSTM layers and a Dense(10) softmax head)")
    return plan


def _check_lstm(path: Path, cfg: dict, is_last: bool) -> None:
    name = cfg.get("name", "LSTM")
    expected = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                "go_backwards": False, "stateful": False, "return_sequences": not is_last}
    for key, value in expected.items():
        if cfg.get(key, value) != value:
            raise UnsupportedModel(f"{path}: layer {name} has {key}={cfg.get(key)!r}, "
                                   f"this app needs {value!r}")


def _network_from_weights(path: Path, plan, weights_bytes: bytes) -> Network:
    import h5py

    try:
        h5 = h5py.File(io.BytesIO(weights_bytes), "r")
    except OSError as exc:
        raise UserError(f"{path}: the weights inside are unreadable ({exc})") from None
    with h5:
        lstms, dense = [], None
        for kind, group, _cfg in plan:
            where = f"layers/{group}/cell/vars" if kind == "lstm" else f"layers/{group}/vars"
            if where not in h5:
                raise UnknownLayout(f"{path}: no weights at {where}")
            arrays = [np.asarray(h5[where][str(i)]) for i in range(len(h5[where]))]
            if kind == "lstm":
                if len(arrays) != 3:
                    raise UnknownLayout(f"{path}: {len(arrays)} arrays at {where}, expected 3")
                lstms.append(LstmWeights(*arrays))
            else:
                if len(arrays) != 2:
                    raise UnknownLayout(f"{path}: {len(arrays)} arrays at {where}, expected 2")
                dense = arrays
    try:
        return Network(lstms, dense[0], dense[1])
    except ValueError as exc:
        raise UnsupportedModel(f"{path}: {exc}") from None

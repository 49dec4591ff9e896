"""Read a ``.keras`` archive (config.json + model.weights.h5) into a ``Network`` without TensorFlow.

Opening a model to look at it should take milliseconds, not the 3 s of importing TensorFlow. A
``.keras`` file is a zip holding the model's config as JSON and its weights as HDF5; this module reads
both with ``zipfile``, ``json`` and ``h5py``, describes the layers to ``architecture`` (the one
architecture check, shared with the Keras fallback) and reads the weights it asks for. Sequential
models and functional models that are a single chain of layers are read directly.

``lstm_viewer.load_network`` falls back to Keras (``ml.keras_bridge``) only for files whose *layout*
this reader does not know (``UnknownLayout``: a custom model class, a Keras 2 ``.h5`` file...). A
damaged file is a ``UserError`` with one plain sentence, never a traceback.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .architecture import (
    LayerDescription,
    WeightedLayer,
    check_architecture,
    check_weights,
    functional_chain,
    network_from_weights,
)
from .assets import default_model_path  # noqa: F401  (re-exported for callers)
from .errors import UnknownLayout, UnsupportedModel, UserError
from .i18n import tr
from .network import Network

__all__ = ["read_keras_file", "UnknownLayout", "UnsupportedModel", "default_model_path"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_CONFIG_BYTES = 32 << 20          # a model description is a few kB; more is not one
_READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def read_keras_file(path: str | os.PathLike) -> Network:
    """Read the archive directly. Raises ``UserError`` (or a subclass) with a one-line reason."""
    path = Path(path)
    try:
        return _read(path)
    except UserError as exc:  # one prefix for every sentence: the file it is about
        raise type(exc)(tr("{path}: {reason}", path=path, reason=exc)) from None


def _read(path: Path) -> Network:
    if not path.exists():
        raise UserError(tr("no such model file"))
    if path.is_dir():
        raise UserError(tr("is a folder, not a .keras model file"))
    if not path.is_file():  # reading a pipe or a device would wait forever, or never end
        raise UserError(tr("is not a regular file (a pipe or a device?), not a .keras model file"))
    try:
        with open(path, "rb") as fh:
            if fh.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
                raise UnknownLayout(tr("a Keras 2 HDF5 model, not a .keras archive"))
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise UserError(tr("not a .keras model (no config.json inside)"))
            if "model.weights.h5" not in names:
                raise UnknownLayout(tr("no model.weights.h5 inside"))
            config = _parse_config(read_member(archive, "config.json", _MAX_CONFIG_BYTES))
            layers, input_shape, dtype = _describe(config)
            plan = check_architecture(layers, input_shape, dtype)
            weights = read_member(archive, "model.weights.h5", _weights_size_limit(plan))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError):  # zipfile's ways to say "damaged"
        raise UserError(tr("not a .keras model file (not a zip archive, or truncated)")) from None
    except OSError as exc:
        raise UserError(tr("cannot read the file ({reason})", reason=exc.strerror or exc)) from None
    network = _network_from_weights(plan, _h5_groups(layers), weights)
    network.name = path.name
    keras_name = config["config"].get("name", "")
    network.metadata.update(source=str(path), keras_name=str(keras_name))
    return network


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One file of the archive, refusing what Keras never writes (encrypted, huge, odd compression)."""
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        raise UserError(tr("{name} inside is password-protected; Keras never writes such files", name=name))
    if info.compress_type not in _READABLE_COMPRESSION:
        raise UserError(tr("{name} inside is compressed with a method Python cannot read (zip method "
                           "{method})", name=name, method=info.compress_type))
    if info.file_size > limit:
        raise UserError(tr("{name} inside is {megabytes:.0f} MB, far more than this model needs; the file "
                           "is damaged", name=name, megabytes=info.file_size / 1e6))
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise UserError(tr("{name} inside is damaged ({exc})", name=name, exc=exc)) from None
    except (RuntimeError, NotImplementedError) as exc:  # encryption or compression zipfile refuses
        raise UserError(tr("{name} inside cannot be unpacked ({exc})", name=name, exc=exc)) from None


def _parse_config(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(tr("config.json inside is not UTF-8 text; the file is damaged")) from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(tr("config.json inside is not valid JSON (line {lineno}); "
                           "the file is damaged", lineno=exc.lineno)) from None
    except RecursionError:
        raise UserError(tr("config.json inside is nested too deeply to be a model description")) from None
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise UserError(tr("config.json inside does not describe a Keras model (no model config object)"))
    return config


def _describe(config: dict) -> tuple[list[LayerDescription], Any, Any]:
    """The layers in order (as ``architecture`` wants them), the input shape and the dtype policy."""
    kind, inner = config.get("class_name"), config["config"]
    if kind not in ("Sequential", "Functional"):
        raise UnknownLayout(tr("a {kind!r} model; the direct reader knows Sequential and functional models",
                               kind=kind))
    entries = inner.get("layers")
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise UserError(tr("config.json inside has no list of layers; the file is damaged"))
    if kind == "Functional":
        entries = functional_chain(inner)
    layers = []
    for position, entry in enumerate(entries):
        layer_config = entry.get("config")
        if not isinstance(layer_config, Mapping) or not isinstance(entry.get("class_name"), str):
            raise UserError(tr("layer {position} in config.json has no class name or config; "
                               "the file is damaged", position=position + 1))
        layers.append((_class_name(entry), layer_config))
    return layers, inner.get("build_input_shape"), inner.get("dtype")


def _class_name(entry: Mapping) -> str:
    """Keras' own layers have no registered name (and module 'keras.layers', or none); a custom class
    has one, even when it is called 'LSTM'. Named as the Keras fallback names it."""
    kind, registered, module = entry["class_name"], entry.get("registered_name"), entry.get("module")
    from_keras = module is None or (isinstance(module, str) and module.split(".")[0] == "keras")
    if from_keras and (registered is None or (registered == kind and module is not None)):
        return kind
    return str(registered) if registered and ">" in str(registered) else f"custom {kind}"


def _snake_case(name: str) -> str:
    # As keras.src.utils.naming.to_snake_case, which names the weight groups in the .h5 file.
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _h5_groups(layers: list[LayerDescription]) -> list[str]:
    """Each layer's group in model.weights.h5: its class in snake case, numbered from the second on."""
    used: dict[str, int] = {}
    groups = []
    for kind, _ in layers:
        base = _snake_case(kind)
        groups.append(base if base not in used else f"{base}_{used[base]}")
        used[base] = used.get(base, 0) + 1
    return groups


def _weights_size_limit(plan: list[WeightedLayer]) -> int:
    # float64 at worst, plus an optimizer's copies (Adam keeps two), plus HDF5's own overhead
    numbers = sum(int(np.prod(shape)) for step in plan for shape in step.shapes)
    return 8 * 4 * numbers + (64 << 20)


def _network_from_weights(plan: list[WeightedLayer], groups: list[str], weights: bytes) -> Network:
    import h5py

    try:
        h5 = h5py.File(io.BytesIO(weights), "r")
    except Exception:  # h5py raises OSError for most, others for odd bytes
        raise UserError(tr("model.weights.h5 inside is not a readable HDF5 file; the file is "
                           "damaged")) from None
    try:
        with h5:
            arrays = [check_weights(step, _datasets(h5, step, groups[step.position]) if step.shapes else [])
                      for step in plan]
    except UserError:
        raise
    except Exception as exc:  # a damaged HDF5 chunk: OSError, or h5py's KeyError/ValueError
        raise UserError(tr("model.weights.h5 inside is damaged ({error_type})",
                           error_type=type(exc).__name__)) from None
    return network_from_weights(plan, arrays)


def _datasets(h5, step: WeightedLayer, group: str) -> list:
    """The h5py datasets of one layer, named 0, 1, ... as Keras 3 saves them (not read yet)."""
    import h5py

    where = f"layers/{group}/cell/vars" if step.kind == "lstm" else f"layers/{group}/vars"
    node = h5.get(where)
    if not isinstance(node, h5py.Group):
        raise UserError(tr("the weights of layer '{name}' are missing from model.weights.h5 (nothing at "
                           "{where}); the file is damaged or was edited", name=step.name, where=where))
    names = sorted(node.keys())
    expected = sorted(str(i) for i in range(len(names)))
    if names != expected or not all(isinstance(node[n], h5py.Dataset) for n in names):
        raise UserError(tr("the weights of layer '{name}' in model.weights.h5 are named {names}, not 0, 1, "
                           "...; the file is damaged or was edited", name=step.name, names=names))
    return [node[str(i)] for i in range(len(names))]

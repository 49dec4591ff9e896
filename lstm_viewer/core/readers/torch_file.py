"""PyTorch models: ``torch.save`` files (.pt, .pth, .ckpt, .bin) and ``.safetensors``, read without torch.

Both hold a ``state_dict``: parameter names (``lstm.weight_ih_l0``, ``fc.bias``) mapped to tensors,
bare or inside a training checkpoint (``{'epoch', 'model_state_dict', 'optimizer_state_dict', ...}``),
under any prefix (``module.`` from DataParallel). The names and shapes tell the modules: an nn.LSTM
layer k has ``weight_ih_l{k} (4u, in)``, ``weight_hh_l{k} (4u, u)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
(rows i, f, g, o, the engine's gate order), so ``W = weight_ih.T``, ``U = weight_hh.T``,
``b = bias_ih + bias_hh``; the head nn.Linear(u, 10) has ``weight (10, u)`` and ``bias`` and gives
logits (softmax and log-softmax after it give the same probabilities, which the app computes).
The modules are described in ``core.architecture``'s vocabulary and judged there, like every format.
torch.save files are unpickled by ``torch_pickle``, which runs nothing from the file.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..architecture import check_architecture, check_weights, network_from_weights
from ..errors import UnsupportedModel, UserError
from ..i18n import N_, tr
from ..network import COLUMNS, Network
from . import Reader, ReadOptions
from .torch_pickle import (
    ZIP_ERRORS,
    TensorRef,
    TorchFile,
    brief,
    is_torchscript,
    legacy_prefix_matches,
    open_regular,
    zip_pickle_member,
)

# Where training checkpoints keep the model's weights, most likely first.
CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model", "net", "network", "module", "model_state",
                   "state", "weights", "params")
_RECURRENT_KEY = re.compile(r"^(?:(?P<module>.*)\.)?(?P<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                            r"_l(?P<layer>[0-9]{1,6})(?P<reverse>_reverse)?$")
_SAFETENSORS_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
                       "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
                       "BOOL": "bool"}
_MAX_SAFETENSORS_HEADER = 100 * 2**20


# --- recognising files by their first bytes ------------------------------------------------------

def recognise_torch(path: Path) -> Path | None:
    """A torch.save zip (``*/data.pkl``; a TorchScript archive too, to refuse it by name), or the legacy
    format."""
    try:
        with open_regular(path) as f:
            head = f.read(16)
            if legacy_prefix_matches(head):
                return path
            if not head.startswith(b"PK") or not zipfile.is_zipfile(f):
                return None
            with zipfile.ZipFile(f) as z:
                names = z.namelist()
    except (*ZIP_ERRORS, ValueError):
        return None
    if "config.json" in names:  # a .keras archive
        return None
    return path if zip_pickle_member(names) or is_torchscript(names) else None


def recognise_safetensors(path: Path) -> Path | None:
    """8-byte little-endian header length, a length the file can hold, then a JSON object."""
    try:
        with open_regular(path) as f:
            head = f.read(9)
            size = Path(path).stat().st_size
    except (OSError, ValueError):
        return None
    if len(head) < 9:
        return None
    length = int.from_bytes(head[:8], "little")
    return path if 2 <= length <= min(_MAX_SAFETENSORS_HEADER, size - 8) and head[8:9] == b"{" else None


# --- reading --------------------------------------------------------------------------------------

def read_torch(path: Path, options: ReadOptions) -> Network:
    path = Path(path)
    with TorchFile(path) as torch_file:
        tensors, where = find_state_dict(torch_file.load())
        details = [tr("weights from the checkpoint's entry '{entry}'", entry=where)] if where else []
        return network_from_state_dict(path, tensors, N_("PyTorch state_dict"), details)


def read_safetensors(path: Path, options: ReadOptions) -> Network:
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    header = _safetensors_header(path)
    try:
        with safe_open(str(path), framework="numpy") as handle:
            # safe_open has checked every entry: a known dtype, a list of whole numbers, offsets in the file.
            tensors = {key: SafeTensor(handle, key, tuple(entry.get("shape", ())),
                                       _SAFETENSORS_DTYPES.get(entry.get("dtype"), str(entry.get("dtype"))))
                       for key, entry in header.items() if key != "__metadata__" and isinstance(entry, dict)}
            return network_from_state_dict(path, tensors, N_("safetensors"), [])
    except SafetensorError as exc:
        raise UserError(tr("is a damaged safetensors file ({exc})", exc=brief(str(exc), 120)[1:-1])) from None
    except (OSError, ValueError, TypeError, OverflowError, MemoryError) as exc:  # mapping, a header it took
        raise UserError(tr("is a damaged safetensors file ({error_type}: {exc})",
                           error_type=type(exc).__name__, exc=brief(str(exc), 80)[1:-1])
                        ) from None


@dataclass
class SafeTensor:
    """A tensor of an open safetensors file, read when asked."""

    handle: Any
    key: str
    shape: tuple[int, ...]
    dtype_name: str

    def array(self) -> np.ndarray:
        return np.asarray(self.handle.get_tensor(self.key))


def _safetensors_header(path: Path) -> dict:
    try:
        with open_regular(path) as f:
            length = int.from_bytes(f.read(8), "little")
            if length > _MAX_SAFETENSORS_HEADER:
                raise UserError(tr("has a safetensors header too large to be real; the file is damaged"))
            raw = f.read(length)
    except OSError as exc:
        raise UserError(tr("cannot be read ({reason})", reason=exc.strerror or exc)) from None
    if len(raw) < length:
        raise UserError(tr("ends inside its safetensors header; the file is damaged (cut short?)"))
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError) as exc:   # not UTF-8, not JSON, nested too deeply
        raise UserError(tr("has a safetensors header that is not JSON ({exc}); the file "
                           "is damaged", exc=brief(str(exc), 80)[1:-1])) from None
    if not isinstance(header, dict):
        raise UserError(tr("has a safetensors header that is not a JSON object; the file is damaged"))
    return header


# --- finding the state_dict -------------------------------------------------------------------------

def _is_tensor_dict(value: Any) -> bool:
    return (isinstance(value, Mapping) and len(value) > 0 and all(isinstance(k, str) for k in value)
            and all(isinstance(v, TensorRef) for v in value.values()))


def _has_recurrent_keys(value: Mapping) -> bool:
    return any(_RECURRENT_KEY.match(k) for k in value)


def find_state_dict(obj: Any) -> tuple[Mapping[str, TensorRef], str]:
    """The tensor dictionary in what torch.save wrote, and the checkpoint entry it came from ('' if bare)."""
    if _is_tensor_dict(obj):
        return obj, ""
    if not isinstance(obj, Mapping):
        raise UserError(tr("holds {obj}, not a state_dict (a dictionary of tensors); "
                           "lstm-viewer reads torch.save(model.state_dict(), 'model.pth')", obj=brief(obj)))
    candidates = list(_tensor_dicts(obj, "", depth=2, seen=set()))
    preferred = sorted(candidates, key=lambda c: (not _has_recurrent_keys(c[1]), _checkpoint_rank(c[0])))
    if not preferred:
        shown = ", ".join(brief(k, 40) for k in list(obj)[:8])
        raise UserError(tr("holds a dictionary ({shown}) with no state_dict of tensors in it; lstm-viewer "
                           "reads torch.save(model.state_dict(), 'model.pth') or a checkpoint with "
                           "'model_state_dict'", shown=shown))
    where, tensors = preferred[0]
    return tensors, where


def _tensor_dicts(obj: Mapping, path: str, depth: int, seen: set[int]):
    """(entry path, tensor dict) for every tensor dictionary inside a checkpoint, a few levels deep.

    Each dictionary is looked at once, however often the pickle refers to it (else a few bytes of
    references to one large dictionary would make this take forever).
    """
    for key, value in obj.items():
        if not isinstance(value, Mapping) or id(value) in seen:
            continue
        seen.add(id(value))
        name = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and key.startswith("optim"):
            continue  # optimizer state: moments, not weights
        if _is_tensor_dict(value):
            yield name, value
        elif depth > 1:
            yield from _tensor_dicts(value, name, depth - 1, seen)


def _checkpoint_rank(where: str) -> int:
    last = where.rsplit(".", 1)[-1]
    return CHECKPOINT_KEYS.index(last) if last in CHECKPOINT_KEYS else len(CHECKPOINT_KEYS)


# --- the modules the names describe -----------------------------------------------------------------

@dataclass
class Module:
    """The parameters under one module name (``lstm``, ``fc``, ``batchnorm``)."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)   # recurrent: (param, layer, reverse) -> tensor

    @property
    def is_recurrent(self) -> bool:
        return any(isinstance(p, tuple) for p in self.params)

    def layers(self) -> list[int]:
        return sorted({p[1] for p in self.params if isinstance(p, tuple)})

    def get(self, param: str, layer: int, reverse: bool = False):
        return self.params.get((param, layer, reverse))

    @property
    def bidirectional(self) -> bool:
        return any(p[2] for p in self.params if isinstance(p, tuple))

    def hidden(self) -> int:
        """u: from weight_hr (u columns) if projected, else weight_hh's columns."""
        projection = self.get("weight_hr", 0)
        return projection.shape[1] if projection is not None else self.get("weight_hh", 0).shape[1]

    def gates(self) -> int:
        """Rows per unit of weight_hh: 4 for an LSTM, 3 for a GRU, 1 for a plain RNN."""
        rows, units = self.get("weight_hh", 0).shape[0], self.hidden()
        return rows // units if units and rows % units == 0 else 0

    def kind(self) -> str:
        """The Keras name of the recurrent layer this module is (the architecture check's vocabulary)."""
        gates = self.gates()
        if gates == 3 or (gates != 4 and "gru" in self.name.lower()):
            return "GRU"
        return {4: "LSTM", 1: "SimpleRNN"}.get(gates, "recurrent")

    def inputs(self) -> int:
        return self.get("weight_ih", 0).shape[1]

    def outputs(self) -> int:
        """The width it hands on: u, or proj_size, doubled when bidirectional."""
        projection = self.get("weight_hr", 0)
        width = projection.shape[0] if projection is not None else self.hidden()
        return width * (2 if self.bidirectional else 1)

    def is_linear(self) -> bool:
        weight = self.params.get("weight")
        return (weight is not None and len(weight.shape) == 2 and set(self.params) <= {"weight", "bias"})

    def describe(self) -> str:
        if self.is_recurrent:
            return f"{self.kind()} {self.inputs()}→{self.outputs()}"
        if self.is_linear():
            out, inp = self.params["weight"].shape
            return f"Linear {inp}→{out}"
        if "running_mean" in self.params:
            return "BatchNorm"
        weight = self.params.get("weight")
        if weight is not None and len(weight.shape) >= 3:
            return f"Conv{len(weight.shape) - 2}d"
        names = sorted(self.params)
        more = " …" if len(names) > 8 else ""
        return "parameters " + ", ".join(brief(n, 40)[1:-1] for n in names[:8]) + more


def modules_of(tensors: Mapping[str, Any]) -> tuple[list[Module], str]:
    """The state_dict's tensors grouped by module, in its order, and the prefix all their names shared."""
    modules: dict[str, Module] = {}
    for key, tensor in tensors.items():
        match = _RECURRENT_KEY.match(key)
        if match:
            name = match["module"] or ""
            param: Any = (match["param"], int(match["layer"]), bool(match["reverse"]))
        else:
            name, _, param = key.rpartition(".")
        modules.setdefault(name, Module(name)).params[param] = tensor
    found = list(modules.values())
    prefix = _shared_prefix([m.name for m in found])
    for m in found:
        m.name = m.name[len(prefix):]
    return found, prefix


def _shared_prefix(names: list[str]) -> str:
    """``module.`` (DataParallel), ``model.`` ...: whole leading components every module shares."""
    if len(names) < 2:
        return ""
    parts = [n.split(".") for n in names]      # once: a loop over the components would be quadratic
    common = os.path.commonprefix(parts)
    shared = min(len(common), min(len(p) for p in parts) - 1)   # every name keeps a component after it
    return "".join(component + "." for component in common[:shared])


def chain_recurrent(modules: list[Module]) -> list[Module]:
    """The recurrent modules in the order they read each other, told by their widths from 28 pixels."""
    recurrent = [m for m in modules if m.is_recurrent]
    if not recurrent:
        raise UnsupportedModel(tr("has no nn.LSTM weights (no 'weight_ih_l0'); its modules are {modules}; "
                                  "lstm-viewer shows stacks of nn.LSTM layers", modules=_listing(modules)))
    for m in recurrent:
        _check_recurrent_complete(m)
    chain, width = [], COLUMNS
    while True:
        nexts = [m for m in recurrent if m not in chain and m.inputs() == width]
        if len(nexts) > 1:
            raise UnsupportedModel(tr("has recurrent modules {modules} that all read {width} inputs, so "
                                      "their order cannot be told from the file; lstm-viewer reads several "
                                      "nn.LSTM modules only when their widths chain them",
                                      modules=_listing(nexts), width=width))
        if not nexts:
            break
        chain.append(nexts[0])
        width = nexts[0].outputs()
    left = [m for m in recurrent if m not in chain]
    if not chain:
        raise UnsupportedModel(tr("has no recurrent module reading 28 pixels per row: {modules}; "
                                  "lstm-viewer feeds the LSTM the digit's 28 rows of 28 pixels",
                                  modules=_listing(recurrent)))
    if left:
        raise UnsupportedModel(tr("has recurrent modules {modules} that do not follow {chain} by their "
                                  "widths; lstm-viewer shows one chain of nn.LSTM layers",
                                  modules=_listing(left), chain=_listing(chain)))
    return chain


def _check_recurrent_complete(m: Module) -> None:
    for k in m.layers():
        for param in ("weight_ih", "weight_hh"):
            tensor = m.get(param, k)
            if tensor is None or len(tensor.shape) != 2:
                raise UserError(tr("module {module} layer {k} has no 2-D {param}_l{k}; the file is damaged",
                                   module=brief(m.name), k=k, param=param))
        if (m.get("bias_ih", k) is None) != (m.get("bias_hh", k) is None):
            raise UserError(tr("module {module} layer {k} has only one of bias_ih_l{k} and bias_hh_l{k}; "
                               "the file is damaged", module=brief(m.name), k=k))
    if m.layers() != list(range(len(m.layers()))):
        raise UserError(tr("module {module} has layers {layers}, not 0 to {n_layers}; the file is damaged",
                           module=brief(m.name), layers=m.layers(), n_layers=len(m.layers()) - 1))


def _listing(modules: list[Module]) -> str:
    shown = [f"{brief(m.name or 'the model', 60)} ({m.describe()})" for m in modules[:8]]
    return ", ".join(shown + ([f"and {len(modules) - 8} more"] if len(modules) > 8 else []))


def find_head(modules: list[Module], top: Module) -> Module:
    """The one nn.Linear after the LSTM; anything more is a head lstm-viewer does not compute."""
    others = [m for m in modules if not m.is_recurrent]
    if not others:
        raise UnsupportedModel(tr("has no Linear head after its LSTM {top}; lstm-viewer reads one "
                                  "Linear(units, 10) after the LSTM", top=brief(top.name)))
    if len(others) > 1:
        raise UnsupportedModel(tr("has a head with more than one layer: {modules}; lstm-viewer reads one "
                                  "Linear(units, 10) after the LSTM", modules=_listing(others)))
    head = others[0]
    if not head.is_linear():
        raise UnsupportedModel(tr("has a head {modules} that is not a Linear layer; lstm-viewer reads one "
                                  "Linear(units, 10) after the LSTM", modules=_listing([head])))
    reads = head.params["weight"].shape[1]
    if reads != top.outputs():
        raise UnsupportedModel(tr("has a Linear head {head} reading {reads} inputs, but its top LSTM {top} "
                                  "gives {outputs}; lstm-viewer reads one Linear(units, 10) after the LSTM",
                                  head=brief(head.name), reads=reads, top=brief(top.name),
                                  outputs=top.outputs()))
    return head


# --- the network --------------------------------------------------------------------------------------

def layer_name(module: Module, k: int) -> str:
    return f"{brief(module.name or 'LSTM', 60)[1:-1]} layer {k}"


def describe_layers(chain: list[Module], head: Module) -> list[tuple[str, dict]]:
    """The layers in the architecture check's (Keras) vocabulary."""
    layers: list[tuple[str, dict]] = []
    for position, module in enumerate(chain):
        for k in module.layers():
            name = layer_name(module, k)
            kind = module.kind()
            if module.bidirectional:
                layers.append(("Bidirectional", {"name": name}))
            elif kind != "LSTM":
                layers.append((kind, {"name": name}))
            else:
                is_top = position == len(chain) - 1 and k == module.layers()[-1]
                settings = {"name": name, "units": module.hidden(), "return_sequences": not is_top}
                projection = module.get("weight_hr", k)
                if projection is not None:
                    settings["projection"] = projection.shape[0]
                layers.append(("LSTM", settings))
    out = head.params["weight"].shape[0]
    layers.append(("Dense", {"name": head.name or "fc", "units": out, "activation": "linear"}))
    return layers


def check_float32(tensors: list[Any]) -> None:
    """Half precision converts exactly, but the model computed in it: its numbers are not ours."""
    for tensor in tensors:
        name = tensor.dtype_name
        if name in ("float16", "bfloat16"):
            label = "float16 (half precision)" if name == "float16" else "bfloat16"
            raise UnsupportedModel(tr("stores its weights as {label}; lstm-viewer computes in float32 and "
                                      "would not reproduce the model's own numbers", label=label))
        if name not in ("float32", "float64"):
            raise UserError(tr("stores its weights as {name}; lstm-viewer reads float32 weights", name=name))


def lstm_arrays(module: Module, k: int, units: int) -> list[np.ndarray]:
    """W (in, 4u), U (u, 4u), b (4u) from torch's rows i, f, g, o (the engine's column order)."""
    kernel = module.get("weight_ih", k).array().T
    recurrent = module.get("weight_hh", k).array().T
    bias_ih, bias_hh = module.get("bias_ih", k), module.get("bias_hh", k)
    if bias_ih is None:
        bias = np.zeros(4 * units, np.float32)   # bias=False: the same arithmetic with b = 0
    else:
        ih, hh = bias_ih.array(), bias_hh.array()
        if ih.shape != hh.shape:
            raise UserError(tr("module {module} layer {k} has biases of shapes {shape_ih} and {shape_hh}; "
                               "the file is damaged", module=brief(module.name), k=k, shape_ih=ih.shape,
                               shape_hh=hh.shape))
        bias = ih.astype(np.float32) + hh.astype(np.float32)
    return [kernel, recurrent, bias]


def head_arrays(head: Module) -> list[np.ndarray]:
    kernel = head.params["weight"].array().T
    bias = head.params.get("bias")
    return [kernel, bias.array() if bias is not None else np.zeros(kernel.shape[1], np.float32)]


def network_from_state_dict(path: Path, tensors: Mapping[str, Any], fmt: str, details: list[str]) -> Network:
    """Judge the state_dict's modules by the one architecture check, then build the network."""
    modules, prefix = modules_of(tensors)
    if prefix:
        details = [*details, tr("names under '{prefix}' (DataParallel)", prefix=prefix) if prefix == "module."
                   else tr("names under '{prefix}'", prefix=prefix)]
    chain = chain_recurrent(modules)
    head = find_head(modules, chain[-1])
    layers = describe_layers(chain, head)
    plan = check_architecture(layers)
    lstm_layers = [(m, k) for m in chain for k in m.layers()]
    check_float32([t for m in chain + [head] for t in m.params.values()])
    arrays = []
    for step in plan:
        if step.kind == "lstm":
            module, k = lstm_layers[len(arrays)]
            arrays.append(check_weights(step, lstm_arrays(module, k, step.units)))
        else:
            arrays.append(check_weights(step, head_arrays(head)))
    network = network_from_weights(plan, arrays, name=path.name)
    # The input scaling (never in a state_dict) is described by the registry, with the user's choice.
    lstm_text = "nn.LSTM" if len(chain) == 1 else "nn.LSTM modules " + ", ".join(brief(m.name) for m in chain)
    network.metadata.update(source=str(path), format=fmt, input_scaling_recorded=False,
                            details=[lstm_text, *details, tr("logits head (softmax applied here)")])
    return network


READERS = (
    Reader(format=N_("PyTorch file"), patterns=("*.pt", "*.pth", "*.ckpt", "*.bin"),
           recognise=recognise_torch, read=read_torch),
    Reader(format=N_("safetensors"), patterns=("*.safetensors",),
           recognise=recognise_safetensors, read=read_safetensors),
)

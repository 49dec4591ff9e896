"""The one architecture check: is this model's arithmetic exactly the numpy engine's?

Every model reader describes a model the same way, as its layers in order from input to output, each
a kind and a settings dict in one format-neutral vocabulary. The vocabulary is Keras' (the richest
of the formats: class names and config keys), plus three settings other formats have
(``peepholes``, ``projection``, ``cell_clip``): the direct ``.keras`` reader (``kerasfile``) takes
it from the archive's config.json, the Keras fallback (``ml.keras_bridge``) from
``(type(layer).__name__, layer.get_config())``, the TF1 and PyTorch readers (``readers``) from the
variables they find. ``check_architecture`` accepts a model only when tracing it
in numpy computes what Keras computes (forward LSTMs with tanh and sigmoid and a bias, each returning
the sequence the next reads, a Dense(10) softmax head on the top LSTM's last h, float32 throughout)
and otherwise raises ``UnsupportedModel`` with one sentence naming the layer and the setting.
``check_weights`` then checks each weighted layer's arrays (count, type, shape, NaN/inf) and
``network_from_weights`` builds the ``Network``.

Messages carry no file name: each reader puts its source in front, so both say the same sentence.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import UnknownLayout, UnsupportedModel, UserError
from .i18n import N_, ntr, tr
from .network import CLASSES, COLUMNS, ROWS, LstmWeights, Network

#: One layer as both readers describe it: Keras class name and its config dict.
LayerDescription = tuple[str, Mapping[str, Any]]

#: Head activations that give the same ten probabilities once the app applies a softmax to logits.
HEAD_ACTIVATIONS = ("softmax", "linear", "log_softmax")


@dataclass(frozen=True)
class WeightedLayer:
    """A layer whose weights the network needs: an LSTM or the dense head."""

    kind: str       # "lstm", "dense", or "rescaling" (the input scaling in front, no weights)
    position: int   # its index in the list given to check_architecture
    name: str
    inputs: int     # the width it reads: 28 pixels, or the units of the LSTM below
    units: int
    activation: str = ""                           # the head's: one of HEAD_ACTIVATIONS
    scaling: tuple[float, float] | None = None     # rescaling's (mean, std): x' = (x - mean) / std

    @property
    def weight_names(self) -> tuple[str, ...]:
        if self.kind == "rescaling":
            return ()
        # Keras' own variable names: code the learner meets, shown as they are in every language.
        return ("kernel", "recurrent_kernel", "bias") if self.kind == "lstm" else ("kernel", "bias")

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The weight shapes Keras gives this layer, in Keras' order."""
        if self.kind == "rescaling":
            return ()
        if self.kind == "lstm":
            return (self.inputs, 4 * self.units), (self.units, 4 * self.units), (4 * self.units,)
        return (self.inputs, self.units), (self.units,)


def check_architecture(layers: Sequence[LayerDescription], input_shape: Sequence | None = None,
                       dtype_policy: Any = None) -> list[WeightedLayer]:
    """Accept the model or raise ``UnsupportedModel``; return its LSTM layers and head in order.

    ``layers`` run from input to output (an InputLayer first is optional); ``input_shape`` is the
    model's batch input shape when known apart from an InputLayer; ``dtype_policy`` the model's own
    policy (a name, or a Keras config dict).
    """
    _check_dtype(None, dtype_policy)
    if input_shape is not None:
        _check_input_shape(input_shape)
    lstm_positions = [i for i, (kind, _) in enumerate(layers) if kind == "LSTM"]
    plan: list[WeightedLayer] = []
    for position, (kind, config) in enumerate(layers):
        name = _name(config, position)
        if plan and plan[-1].kind == "dense":
            raise UnsupportedModel(tr("layer '{name}' ({kind}) comes after the head '{plan_name}'; "
                                      "the Dense(10, softmax) head must be the last layer", name=name,
                                      kind=kind, plan_name=plan[-1].name))
        _check_dtype(name, config.get("dtype"))
        if kind == "InputLayer":
            if position != 0:
                raise UnsupportedModel(tr("the input layer '{name}' is not the first layer; lstm-viewer "
                                          "shows stacks of LSTM layers (Dropout allowed between them) with "
                                          "a Dense(10) head (softmax or logits)", name=name))
            shape = config.get("batch_shape", config.get("batch_input_shape"))
            if shape is not None:
                _check_input_shape(shape)
        elif kind == "Dropout":
            continue  # the identity at inference, whatever its rate
        elif kind == "Rescaling":
            if plan or (lstm_positions and position > lstm_positions[0]):
                raise UnsupportedModel(tr("the Rescaling layer '{name}' is not in front of the first LSTM "
                                          "layer; lstm-viewer scales only the pixels the first layer reads",
                                          name=name))
            plan.append(WeightedLayer("rescaling", position, name, COLUMNS, COLUMNS,
                                      scaling=_rescaling(name, config)))
        elif kind == "LSTM":
            _check_lstm(name, config, is_top=position == lstm_positions[-1])
            units = _units(name, config)
            below = [step for step in plan if step.kind == "lstm"]
            plan.append(WeightedLayer("lstm", position, name, below[-1].units if below else COLUMNS, units))
        elif kind == "Dense":
            if not lstm_positions:
                raise UnsupportedModel(tr("has no LSTM layer; lstm-viewer shows stacks of LSTM layers "
                                          "(Dropout allowed between them) with a Dense(10) head (softmax or "
                                          "logits)"))
            if position < lstm_positions[-1]:
                raise UnsupportedModel(tr("layer '{name}' (Dense) comes before the top LSTM layer; "
                                          "lstm-viewer shows stacks of LSTM layers (Dropout allowed between "
                                          "them) with a Dense(10) head (softmax or logits)", name=name))
            _check_head(name, config)
            plan.append(WeightedLayer("dense", position, name, plan[-1].units, CLASSES,
                                      activation=config.get("activation", "linear")))
        else:
            raise UnsupportedModel(_foreign_layer(name, kind))
    if not any(step.kind == "lstm" for step in plan):
        raise UnsupportedModel(tr("has no LSTM layer; lstm-viewer shows stacks of LSTM layers (Dropout "
                                  "allowed between them) with a Dense(10) head (softmax or logits)"))
    if plan[-1].kind != "dense":
        raise UnsupportedModel(tr("has no Dense(10, softmax) head after its top LSTM layer '{plan_name}'; "
                                  "lstm-viewer shows stacks of LSTM layers (Dropout allowed between them) "
                                  "with a Dense(10) head (softmax or logits)", plan_name=plan[-1].name))
    return plan


def check_weights(layer: WeightedLayer, arrays: Sequence) -> list[np.ndarray]:
    """The layer's weights as float32 arrays, after checking their count, type, shape and values.

    ``arrays`` may be numpy arrays or h5py datasets: type and shape are checked before any data is
    read, so a damaged file cannot make us read gigabytes.
    """
    expected = layer.shapes
    if len(arrays) != len(expected):
        raise UserError(ntr("layer '{name}' has {count} weight array, expected {expected} ({weight_names}); "
                            "the file is damaged",
                            "layer '{name}' has {count} weight arrays, expected {expected} ({weight_names}); "
                            "the file is damaged", len(arrays), name=layer.name, expected=len(expected),
                            weight_names=", ".join(layer.weight_names)))
    values = []
    for array, shape, label in zip(arrays, expected, layer.weight_names, strict=True):
        dtype = np.dtype(getattr(array, "dtype", object))
        if dtype.kind != "f":
            raise UserError(tr("layer '{name}' stores its {label} as {dtype} values, not floating-point "
                               "numbers; the file is damaged", name=layer.name, label=label, dtype=dtype))
        if dtype.itemsize < 4:
            raise UnsupportedModel(tr("layer '{name}' stores its {label} as {dtype} (half precision); "
                                      "lstm-viewer computes in float32 and would not reproduce the model's "
                                      "own numbers", name=layer.name, label=label, dtype=dtype))
        if tuple(array.shape) != shape:
            raise UserError(tr("layer '{name}' has a {label} of shape {shape}, expected {expected} for "
                               "{units} units reading {inputs} inputs; the file is damaged", name=layer.name,
                               label=label, shape=tuple(array.shape), expected=shape, units=layer.units,
                               inputs=layer.inputs))
        with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf: refused below
            values.append(np.asarray(array, dtype=np.float32))
    bad = sum(int(np.count_nonzero(~np.isfinite(v))) for v in values)
    if bad:
        total = sum(v.size for v in values)
        raise UnsupportedModel(ntr("layer '{name}' weights hold NaN/inf values ({bad} of {count} number); "
                                   "such a model cannot give meaningful answers",
                                   "layer '{name}' weights hold NaN/inf values ({bad} of {count} numbers); "
                                   "such a model cannot give meaningful answers", total, name=layer.name,
                                   bad=bad))
    return values


def network_from_weights(plan: Sequence[WeightedLayer], arrays: Sequence[Sequence[np.ndarray]],
                         name: str = "model") -> Network:
    """The ``Network`` from the checked plan and each weighted layer's checked arrays."""
    lstms = [LstmWeights(*a) for step, a in zip(plan, arrays, strict=True) if step.kind == "lstm"]
    scaling = next((step.scaling for step in plan if step.kind == "rescaling"), None)
    kernel, bias = arrays[-1]
    try:
        network = Network(lstms, kernel, bias, name=name, input_scaling=scaling)
        network.metadata["head"] = plan[-1].activation
        return network
    except ValueError as exc:  # the checks above should leave nothing for Network's own
        raise UnsupportedModel(str(exc)) from None


def functional_chain(config: Mapping) -> list[Mapping]:
    """A functional model's layer entries, in order, if they form one chain input -> output.

    ``config`` is the functional model's config (Keras 3 form, with ``inbound_nodes``). Each layer
    must be called once, on the layer listed before it, with nothing else (no initial_state, no
    training=True that would keep dropout on); otherwise the model is not a plain stack.
    """
    entries = config.get("layers")
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise UserError(tr("the model's description has no list of layers; the file is damaged"))
    inputs, outputs = _endpoints(config.get("input_layers")), _endpoints(config.get("output_layers"))
    if len(inputs) != 1 or len(outputs) != 1:
        raise UnsupportedModel(ntr("has {count} input and {n_outputs} outputs; lstm-viewer shows models "
                                   "with one input (the digit) and one output (ten probabilities)",
                                   "has {count} inputs and {n_outputs} outputs; lstm-viewer shows models "
                                   "with one input (the digit) and one output (ten probabilities)",
                                   len(inputs), n_outputs=len(outputs)))
    previous = None
    for position, entry in enumerate(entries):
        name = _name(entry, position)
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise UnknownLayout(tr("layer '{name}' lists its inputs in a form the direct reader does not "
                                   "know", name=name))
        if previous is None:
            if nodes or name != inputs[0]:
                raise UnsupportedModel(tr("the first layer '{name}' is not the model's input; "
                                          "lstm-viewer shows a single chain of layers", name=name))
        elif len(nodes) != 1:
            raise UnsupportedModel(ntr("layer '{name}' is used {count} time; lstm-viewer shows a single "
                                       "chain of layers, each used once",
                                       "layer '{name}' is used {count} times; lstm-viewer shows a single "
                                       "chain of layers, each used once", len(nodes), name=name))
        else:
            _check_call(name, nodes[0], previous)
        previous = name
    if previous != outputs[0]:
        raise UnsupportedModel(tr("the model's output is '{output}', not its last layer '{previous}'; "
                                  "lstm-viewer shows a single chain of layers", output=outputs[0],
                                  previous=previous))
    return list(entries)


def _check_call(name: str, node: Any, previous: str) -> None:
    """One call of a layer in a functional graph: on the previous layer's output, and nothing else."""
    if not isinstance(node, Mapping) or "args" not in node:
        raise UnknownLayout(tr("layer '{name}' lists its inputs in a form the direct reader does not "
                               "know", name=name))
    kwargs = node.get("kwargs") or {}
    if not isinstance(kwargs, Mapping):
        raise UnknownLayout(tr("layer '{name}' lists its inputs in a form the direct reader does not "
                               "know", name=name))
    sources = _tensor_sources(node.get("args")) + _tensor_sources(list(kwargs.values()))
    if kwargs.get("training") not in (None, False):
        raise UnsupportedModel(tr("layer '{name}' is called with training={training!r}, which keeps it in "
                                  "training mode (dropout on) when predicting; lstm-viewer computes "
                                  "inference", name=name, training=kwargs["training"]))
    extra = sorted(k for k, v in kwargs.items() if k not in ("training", "mask") or
                   (k == "mask" and v is not None))
    if extra:
        raise UnsupportedModel(tr("layer '{name}' is called with {extra}; lstm-viewer shows "
                                  "a plain stack, each layer reading only the one below", name=name,
                                  extra=", ".join(extra)))
    if sources != [(previous, 0, 0)]:
        if not sources:
            raise UnsupportedModel(tr("layer '{name}' reads nothing, not just the layer before it "
                                      "('{previous}'); lstm-viewer shows a single chain of layers",
                                      name=name, previous=previous))
        names = " and ".join(f"'{s[0]}'" for s in sources)
        raise UnsupportedModel(tr("layer '{name}' reads {names}, not just the layer before it "
                                  "('{previous}'); lstm-viewer shows a single chain of layers", name=name,
                                  names=names, previous=previous))


def _tensor_sources(value: Any) -> list[tuple]:
    """Every (layer, node, tensor) a serialized call argument refers to, however nested."""
    if isinstance(value, Mapping):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if isinstance(history, (list, tuple)) and len(history) == 3:
                return [tuple(history)]
            raise UnknownLayout(tr("a layer's input is described in a form the direct reader does not know"))
        return [s for v in value.values() for s in _tensor_sources(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _tensor_sources(v)]
    return []


def _endpoints(value: Any) -> list[str]:
    """Layer names of ``input_layers`` / ``output_layers``: ``[name, 0, 0]`` or a list of them."""
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str):
        return [value[0]]
    if isinstance(value, (list, tuple)):
        return [v[0] for v in value if isinstance(v, (list, tuple)) and v and isinstance(v[0], str)]
    return []


def _name(config: Mapping, position: int) -> str:
    name = config.get("name")
    return str(name) if name not in (None, "") else f"#{position + 1}"


def _policy_name(dtype: Any) -> str | None:
    """'float32', 'mixed_float16', ... from a Keras dtype entry (a name, or a DTypePolicy config)."""
    if dtype is None:
        return None  # Keras then uses its default, float32
    if isinstance(dtype, Mapping):
        inner = dtype.get("config")
        return str(inner.get("name")) if isinstance(inner, Mapping) else str(dtype.get("name"))
    return str(getattr(dtype, "name", dtype))


def _check_dtype(layer: str | None, dtype: Any) -> None:
    """``layer``: the layer's name, None for the whole model (two whole sentences, translated)."""
    policy = _policy_name(dtype)
    if policy in (None, "float32"):
        return
    if layer is None:
        raise UnsupportedModel(tr("the model computes under the dtype policy '{policy}'; lstm-viewer "
                                  "computes in float32 and would not reproduce the model's own numbers",
                                  policy=policy))
    raise UnsupportedModel(tr("layer '{name}' computes under the dtype policy '{policy}'; lstm-viewer "
                              "computes in float32 and would not reproduce the model's own numbers",
                              name=layer, policy=policy))


def _check_input_shape(shape: Any) -> None:
    ok = (isinstance(shape, (list, tuple)) and len(shape) == 3 and shape[1] in (None, ROWS)
          and shape[2] == COLUMNS)
    if not ok:
        shown = tuple(shape[1:]) if isinstance(shape, (list, tuple)) else shape
        raise UnsupportedModel(tr("the model reads inputs of shape {shape}; lstm-viewer feeds it 28 rows of "
                                  "28 pixels, (28, 28)", shape=shown))


def _units(name: str, config: Mapping) -> int:
    units = config.get("units")
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise UnsupportedModel(tr("layer '{name}' has units={units!r}, not a positive whole number",
                                  name=name, units=units))
    return units


# Each LSTM setting that changes the arithmetic: (key, Keras' default, the value we compute, why not).
# dropout, recurrent_dropout, unroll, unit_forget_bias, initializers, regularizers and constraints
# change nothing at inference, so they are not checked.
_LSTM_RULES = [
    ("activation", "tanh", "tanh",
     N_("layer '{name}' uses activation={value!r}; lstm-viewer computes the cell with tanh")),
    ("recurrent_activation", "sigmoid", "sigmoid",
     N_("layer '{name}' uses recurrent_activation={value!r}; lstm-viewer computes the gates with sigmoid")),
    ("use_bias", True, True,
     N_("layer '{name}' has no bias (use_bias={value!r}); lstm-viewer needs LSTM layers with a bias")),
    ("go_backwards", False, False,
     N_("layer '{name}' reads its rows backwards (go_backwards={value!r}); lstm-viewer only shows "
        "forward LSTMs")),
    ("stateful", False, False,
     N_("layer '{name}' is stateful (stateful={value!r}): it carries its state from one digit to the "
        "next; lstm-viewer starts every digit from zero")),
    ("return_state", False, False,
     N_("layer '{name}' also returns its states (return_state={value!r}); lstm-viewer needs each LSTM "
        "to return only its outputs")),
    ("time_major", False, False,
     N_("layer '{name}' reads time-major inputs (time_major={value!r}); lstm-viewer feeds digits "
        "batch-major")),
    # Settings of other formats' cells (TF1 LSTMCell, PyTorch nn.LSTM), in the same words.
    ("peepholes", False, False,
     N_("layer '{name}' has peephole connections (the gates also read c); lstm-viewer computes the "
        "plain LSTM cell without them")),
    ("projection", None, None,
     N_("layer '{name}' projects its output to {value} numbers (num_proj / proj_size); lstm-viewer "
        "computes LSTM cells whose h is the full state")),
    ("cell_clip", None, None,
     N_("layer '{name}' clips its cell state to ±{value} (cell_clip); lstm-viewer computes the cell "
        "without clipping")),
]


def _check_lstm(name: str, config: Mapping, is_top: bool) -> None:
    for key, default, wanted, sentence in _LSTM_RULES:
        value = config.get(key, default)
        if value != wanted:
            raise UnsupportedModel(tr(sentence, name=name, value=value))
    sequences = config.get("return_sequences", False)
    if is_top and sequences != False:  # noqa: E712  (1 and True are the same to Keras)
        raise UnsupportedModel(tr("the top LSTM layer '{name}' returns every row "
                                  "(return_sequences={sequences!r}); the Dense head must read only its "
                                  "last row", name=name, sequences=sequences))
    if not is_top and sequences != True:  # noqa: E712  (1 and True are the same to Keras)
        raise UnsupportedModel(tr("layer '{name}' returns only its last row (return_sequences="
                                  "{sequences!r}), but the LSTM above it reads all 28; every LSTM below "
                                  "the top must return sequences", name=name, sequences=sequences))


def _check_head(name: str, config: Mapping) -> None:
    units, activation = config.get("units"), config.get("activation", "linear")
    if units != CLASSES or isinstance(units, bool):
        raise UnsupportedModel(tr("the head '{name}' has {units!r} units; lstm-viewer needs "
                                  "Dense(10, softmax), one unit per digit", name=name, units=units))
    if activation not in HEAD_ACTIVATIONS:
        raise UnsupportedModel(tr("the head '{name}' uses activation={activation!r}; lstm-viewer needs "
                                  "a head that gives probabilities (softmax) or logits (no activation)",
                                  name=name, activation=activation))
    if config.get("use_bias", True) != True:  # noqa: E712  (1 and True are the same to Keras)
        raise UnsupportedModel(tr("the head '{name}' has no bias (use_bias={use_bias!r}); lstm-viewer needs "
                                  "a Dense(10, softmax) head with a bias", name=name,
                                  use_bias=config.get("use_bias")))
    if config.get("lora_rank"):
        raise UnsupportedModel(tr("the head '{name}' has LoRA weights (lora_rank={lora_rank!r}); "
                                  "lstm-viewer reads plain Dense weights only", name=name,
                                  lora_rank=config["lora_rank"]))
    if config.get("quantization_config") is not None:
        raise UnsupportedModel(tr("the head '{name}' is quantized; lstm-viewer computes in float32",
                                  name=name))


def _rescaling(name: str, config: Mapping) -> tuple[float, float]:
    """Keras' ``x * scale + offset`` as the (mean, std) of ``(x - mean) / std``."""
    scale, offset = config.get("scale", 1.0), config.get("offset", 0.0)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (scale, offset))
    if not numbers or not np.isfinite([scale, offset]).all() or scale == 0:
        raise UnsupportedModel(tr("the Rescaling layer '{name}' has scale={scale!r}, offset={offset!r}; "
                                  "lstm-viewer scales every pixel by one finite, non-zero number", name=name,
                                  scale=scale, offset=offset))
    return -float(offset) / float(scale), 1.0 / float(scale)


def _foreign_layer(name: str, kind: str) -> str:
    if kind == "Bidirectional":
        return tr("layer '{name}' is Bidirectional: it also reads the rows backwards; lstm-viewer only "
                  "shows forward LSTMs", name=name)
    return tr("layer '{name}' is a {kind} layer; lstm-viewer shows stacks of LSTM layers (Dropout allowed "
              "between them) with a Dense(10) head (softmax or logits)", name=name, kind=kind)

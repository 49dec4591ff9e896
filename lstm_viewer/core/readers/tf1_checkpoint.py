"""TensorFlow 1 checkpoints (``tf.train.Saver``): ``prefix.index``, ``prefix.data-*``, ``prefix.meta``.

The checkpoint holds variables by name; which of them form the LSTM cells and the head is found from
their names and shapes, whatever the scopes (``RNN/cell_0/layer_0/kernel``,
``rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel``, ``Variable``...). A TF1 cell's ``kernel``
``(in + u, 4u)`` multiplies ``[x, h]`` and its columns are the gates i, j (=g), f, o; the engine wants
``W = K[:in]``, ``U = K[in:]`` with columns i, f, g, o. ``forget_bias`` is not a variable: it is a
constant of the graph in ``prefix.meta`` (added to the f slice of each step's split), so it is read
from there and folded into the f bias. The bytes themselves are read by ``tf1_format``, without
TensorFlow.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..architecture import check_architecture, check_weights, network_from_weights
from ..errors import UnsupportedModel, UserError
from ..i18n import N_, tr
from ..network import CLASSES, COLUMNS, Network
from . import Reader, ReadOptions
from .tf1_format import (
    Bundle,
    FormatError,
    Node,
    Variable,
    has_table_footer,
    open_regular,
    read_bundle,
    read_graph,
    read_tensor,
    tensor_node,
)

FORMAT = N_("TF1 checkpoint")
DEFAULT_OPTIONS = ReadOptions()  # read()'s: a frozen dataclass, so one instance serves every call
DEFAULT_FORGET_BIAS = 1.0        # BasicLSTMCell's, LSTMCell's and LSTMBlockCell's default
CUDNN_FORGET_BIAS = 0.0          # CudnnCompatibleLSTMCell's: cuDNN has no forget bias
IJFO_TO_IFJO = (0, 2, 1, 3)      # TF1's gate blocks i, j, f, o in the engine's order i, f, g, o

# Variables an optimizer or a moving average adds beside each weight; never part of the model.
_SLOT = re.compile(r"(^|/)(Adam|Momentum|RMSProp|Adagrad|AdagradDA|Adadelta|Ftrl|Nadam|Adamax|"
                   r"ProximalAdagrad|ExponentialMovingAverage|GradientDescent)(_\d+)?$")
_BOOKKEEPING = re.compile(r"(^|/)(beta1_power|beta2_power|global_step|Variable_\d+/ExponentialMovingAverage)"
                          r"(_\d+)?$")
_DENSE_NAME = re.compile(r"^(dense|fully_connected|fc|logits|softmax|output|out|linear)(_?\d+)?$",
                         re.IGNORECASE)
_PROJECTION = "projection/kernel"
_PEEPHOLES = ("w_f_diag", "w_i_diag", "w_o_diag")


# --- recognising: by content, cheaply ---------------------------------------------------------------

def recognise(path: Path) -> Path | None:
    """The checkpoint prefix to read when ``path`` is one of a TF1 checkpoint's files or its folder."""
    try:
        path = Path(path)
        if path.is_dir():
            return _prefix_in_folder(path)
        if _is_prefix(path):
            return path
        if not path.is_file():
            return None
        name = path.name
        for suffix in (r"\.index$", r"\.meta$", r"\.data-\d{5}-of-\d{5}$"):
            if re.search(suffix, name):
                prefix = path.with_name(re.sub(suffix, "", name))
                return prefix if _is_prefix(prefix) else None
        return _prefix_from_state_file(path)
    except (OSError, ValueError):  # unreadable, a name the system refuses: simply not ours
        return None


def _is_prefix(prefix: Path) -> bool:
    return prefix.name != "" and has_table_footer(prefix.with_name(prefix.name + ".index"))


def _prefix_in_folder(folder: Path) -> Path | None:
    state = folder / "checkpoint"
    if state.is_file():
        prefix = _prefix_from_state_file(state)
        if prefix is not None and _is_prefix(prefix):
            return prefix
    tables = [p for p in folder.glob("*.index") if has_table_footer(p)]
    return tables[0].with_name(tables[0].name[:-len(".index")]) if len(tables) == 1 else None


def _prefix_from_state_file(path: Path) -> Path | None:
    """The ``checkpoint`` text file's newest checkpoint (``model_checkpoint_path: "..."``), if it is one.

    Saver writes the path it was given, often absolute: the checkpoint beside the file is preferred
    (a folder copied, or from another machine, is read from where the user pointed).
    """
    with open_regular(path) as f:   # a FIFO named 'checkpoint' must not block
        head = f.read(4096)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    match = re.match(r'\s*model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"', text)
    if not match or not match.group(1):
        return None
    text = match.group(1).encode("utf-8").decode("unicode_escape")
    if "\0" in text:
        return None
    written = Path(text)
    if not written.is_absolute():
        return path.parent / written
    beside = path.parent / written.name
    return beside if _is_prefix(beside) else written


# --- finding the cells and the head ------------------------------------------------------------------

@dataclass
class Cell:
    """One recurrent cell found among the variables, by its scope."""

    scope: str
    kind: str = "LSTM"                          # "LSTM", or "GRU" / "Bidirectional" (to be refused)
    kernel: Variable | None = None
    bias: Variable | None = None
    projection: int | None = None               # num_proj: h is projected to this many numbers
    peepholes: bool = False
    variables: tuple[str, ...] = ()

    @property
    def units(self) -> int:
        return self.bias.shape[0] // 4 if self.bias is not None else 0

    @property
    def width(self) -> int:
        """How many numbers the cell hands up (and feeds back): u, or num_proj."""
        return self.projection or self.units

    @property
    def reads(self) -> int:
        return self.kernel.shape[0] - self.width if self.kernel is not None else 0


@dataclass
class Head:
    """The dense layers after the top cell, in order: ``(matrix, bias or None)``; normally just one."""

    dense: list[tuple[Variable, Variable | None]]

    @property
    def kernel(self) -> Variable:
        return self.dense[0][0]


def model_variables(bundle: Bundle) -> dict[str, Variable]:
    """The variables that can be weights: floating-point, not optimizer slots or bookkeeping."""
    return {name: v for name, v in bundle.variables.items()
            if v.is_float and v.shape and not _SLOT.search(name) and not _BOOKKEEPING.search(name)}


def _parent(name: str) -> str:
    return name.rpartition("/")[0]


def _last(name: str) -> str:
    return name.rpartition("/")[2]


def find_cells(variables: dict[str, Variable]) -> list[Cell]:
    """The recurrent cells, bottom to top."""
    pairs = {}
    for name, v in variables.items():
        if _last(name) in ("kernel", "weights") and len(v.shape) == 2:
            scope = _parent(name)
            bias = next((variables[scope + b] for b in ("/bias", "/biases") if scope + b in variables), None)
            if bias is not None and len(bias.shape) == 1 and not name.endswith(_PROJECTION):
                pairs[scope] = (v, bias)
    cells: dict[str, Cell] = {}
    for scope, (kernel, bias) in pairs.items():
        foreign = _foreign_kind(scope, pairs)
        if foreign:
            owner = _foreign_scope(scope, foreign)
            cells.setdefault(owner, Cell(owner, foreign, variables=()))
            cells[owner].variables += (kernel.name, bias.name)
        elif _looks_like_lstm(kernel, bias) and not _DENSE_NAME.match(_last(scope)):
            cells[scope] = _lstm_cell(scope, kernel, bias, variables)
    return _stack_order(list(cells.values()))


def _foreign_kind(scope: str, pairs: dict) -> str | None:
    """'GRU' or 'Bidirectional' when the variables belong to a cell the engine does not compute."""
    parts = scope.split("/")
    if any(p in ("fw", "bw") or p.startswith("bidirectional_rnn") for p in parts):
        return "Bidirectional"
    gru_halves = parts[-1] in ("gates", "candidate") and all(
        f"{_parent(scope)}/{half}" in pairs for half in ("gates", "candidate"))
    if gru_halves or any("gru_cell" in p for p in parts):
        return "GRU"
    return None


def _foreign_scope(scope: str, kind: str) -> str:
    parts = scope.split("/")
    if kind == "Bidirectional":
        cut = next(i for i, p in enumerate(parts) if p in ("fw", "bw") or p.startswith("bidirectional_rnn"))
        keep = cut + 1 if parts[cut].startswith("bidirectional_rnn") else cut   # '.../fw' -> '...'
        return "/".join(parts[:keep])
    return _parent(scope) if parts[-1] in ("gates", "candidate") else scope


def _looks_like_lstm(kernel: Variable, bias: Variable) -> bool:
    columns = kernel.shape[1]
    return columns == bias.shape[0] and columns % 4 == 0 and columns > 0


def _lstm_cell(scope: str, kernel: Variable, bias: Variable, variables: dict[str, Variable]) -> Cell:
    projection = variables.get(f"{scope}/{_PROJECTION}")
    peepholes = [f"{scope}/{p}" for p in _PEEPHOLES if f"{scope}/{p}" in variables]
    names = (kernel.name, bias.name) + tuple(peepholes) + ((projection.name,) if projection else ())
    num_proj = projection.shape[-1] if projection is not None and len(projection.shape) == 2 else None
    return Cell(scope, kernel=kernel, bias=bias, projection=num_proj, peepholes=bool(peepholes),
                variables=names)


def _natural_key(text: str) -> list:
    """'cell_10' after 'cell_9': digit runs compare as numbers (by length, then digits: no int(), whose
    limit on digits a hostile name could exceed)."""
    parts = re.split(r"([0-9]+)", text)
    return [(len(p.lstrip("0")), p.lstrip("0")) if i % 2 else p for i, p in enumerate(parts)]


def _stack_order(cells: list[Cell]) -> list[Cell]:
    """Bottom to top: by ``cell_N`` when every cell has one, else by chaining widths from 28 pixels."""
    numbers = [re.search(r"(?:^|/)cell_([0-9]{1,9})(?:/|$)", c.scope) for c in cells]
    if cells and all(numbers) and len({int(n.group(1)) for n in numbers}) == len(cells):
        return [c for _, c in sorted(zip((int(n.group(1)) for n in numbers), cells, strict=True),
                                     key=lambda p: p[0])]
    remaining = sorted(cells, key=lambda c: _natural_key(c.scope))
    ordered, width = [], COLUMNS
    while remaining:
        nxt = next((c for c in remaining if c.kind == "LSTM" and c.reads == width), remaining[0])
        ordered.append(nxt)
        remaining.remove(nxt)
        width = nxt.width
    return ordered


def find_head(variables: dict[str, Variable], cells: list[Cell]) -> Head | None:
    """The dense head reading the top cell: the one (u, 10) matrix and its (10,) bias."""
    if not cells or cells[-1].kind != "LSTM":
        return None   # the check refuses the model for its cells first
    taken = {name for c in cells for name in c.variables}
    outside = {n: v for n, v in variables.items() if n not in taken}
    matrices = sorted((v for v in outside.values() if len(v.shape) == 2), key=lambda v: _natural_key(v.name))
    top = cells[-1].width
    heads = [m for m in matrices if m.shape == (top, CLASSES)]
    if len(heads) > 1:
        names = ", ".join(f"'{m.name}'" for m in heads)
        raise UserError(tr("several candidate heads: {names}; lstm-viewer cannot tell which one the model "
                           "uses", names=names))
    if heads:
        return Head([(heads[0], _head_bias(heads[0], outside, CLASSES))])
    hidden = [m for m in matrices if m.shape[0] == top]
    if len(hidden) == 1:  # a dense layer between the cells and the head: described, so the check refuses
        finals = [m for m in matrices if m.shape == (hidden[0].shape[1], CLASSES)]
        return Head([(hidden[0], _head_bias(hidden[0], outside, hidden[0].shape[1]))]
                    + [(m, None) for m in finals[:1]])
    if matrices:
        listed = ", ".join(f"'{m.name}' {m.shape}" for m in matrices[:5])
        raise UserError(tr("found no head: no matrix of shape ({top}, 10) reads the top LSTM layer's {top} "
                           "numbers (other matrices: {listed})", top=top, listed=listed))
    return None


def _head_bias(kernel: Variable, outside: dict[str, Variable], size: int) -> Variable | None:
    """The (size,) vector beside the head's matrix: by name when there are several."""
    vectors = [v for v in outside.values() if v.shape == (size,)]
    if len(vectors) <= 1:
        return vectors[0] if vectors else None
    name, scope = kernel.name, _parent(kernel.name)
    numbered = re.fullmatch(r"(.*?)(?:_([0-9]{1,9}))?", name)
    guesses = [f"{scope}/bias", f"{scope}/biases", re.sub(r"(w|W|weights?|kernel)$", "b", name),
               re.sub(r"(weights)$", "biases", name), re.sub(r"kernel$", "bias", name),
               f"{numbered.group(1)}_{int(numbered.group(2) or 0) + 1}"]
    for guess in guesses:
        if guess in outside and outside[guess].shape == (size,):
            return outside[guess]
    names = ", ".join(f"'{v.name}'" for v in vectors)
    raise UserError(tr("several candidate biases for the head '{name}': {names}; lstm-viewer cannot "
                       "tell which one the model uses", name=name, names=names))


# --- what the graph (.meta) says -------------------------------------------------------------------

@dataclass
class GraphFacts:
    """What the ``.meta`` graph adds to the variables, per cell scope."""

    forget_bias: dict[str, float] = field(default_factory=dict)
    cell_clip: dict[str, float] = field(default_factory=dict)
    peepholes: set[str] = field(default_factory=set)
    cell_kind: dict[str, str] = field(default_factory=dict)
    activations: dict[str, str] = field(default_factory=dict)   # matrix variable -> activation after it
    problem: str | None = None                                  # why the graph could not be read


_PASS_THROUGH = ("Identity", "Enter", "Switch", "ReadVariableOp", "RefEnter", "Snapshot")
_BLOCK_OPS = {"LSTMBlockCell": 3, "BlockLSTM": 4}               # op -> position of its input w
_ACTIVATIONS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Relu": "relu", "Tanh": "tanh",
                "Sigmoid": "sigmoid", "Elu": "elu", "Relu6": "relu6", "Selu": "selu"}


def read_graph_facts(meta: Path, cells: list[Cell], matrices: list[str]) -> GraphFacts:
    """Forget bias, cell clip and cell kind per cell, and the activation after each dense matrix."""
    facts = GraphFacts()
    if not meta.is_file():
        return facts
    try:
        _read_facts(read_graph(meta), cells, matrices, facts)
    except (FormatError, OSError, ValueError, IndexError, OverflowError, TypeError, AttributeError,
            KeyError) as exc:
        # A damaged graph loses only what it would add; the weights are in the index and data files.
        return GraphFacts(problem=f"the graph '{meta.name}' could not be read ({exc})")
    return facts


def _read_facts(nodes: dict[str, Node], cells: list[Cell], matrices: list[str], facts: GraphFacts) -> None:
    scopes = [c.scope for c in cells if c.kind == "LSTM"]
    kernels = {c.kernel.name: c.scope for c in cells if c.kind == "LSTM"}
    for node in nodes.values():
        if node.op in ("Add", "AddV2"):
            _forget_bias_add(node, nodes, scopes, facts)
        elif node.op in ("ClipByValue", "Minimum") and "/clip_by_value" in node.name:
            # LSTMCell's cell_clip: clip_by_value(c, -clip, clip), one op or Minimum then Maximum
            scope = _owning_scope(node.name.split("/clip_by_value")[0] + "/clip_by_value", scopes)
            value = _constant(node.inputs[-1], nodes) if node.inputs else None
            if scope is not None:
                facts.cell_clip[scope] = value if value is not None else True
        elif node.op in _BLOCK_OPS or node.op == "BlockLSTMV2":
            _block_cell(node, nodes, kernels, scopes, facts)
    consumers = defaultdict(list)
    for node in nodes.values():
        for name in node.inputs:
            consumers[tensor_node(name)].append(node)
    for matrix in matrices:
        activation = _activation_after(matrix, nodes, consumers)
        if activation:
            facts.activations[matrix] = activation


def _owning_scope(op_name: str, scopes: list[str]) -> str | None:
    """The cell scope an op was created in: its name scope is, or ends with, the cell's scope.

    (dynamic_rnn puts a cell's ops under ``rnn/while/<cell scope>/``; the seed's static graph
    directly under the cell scope.) The longest matching scope wins.
    """
    op_scope = _parent(op_name)
    matches = [s for s in scopes if op_scope == s or op_scope.endswith("/" + s)]
    return max(matches, key=len) if matches else None


def _resolve(name: str, nodes: dict[str, Node], hops: int = 6) -> Node | None:
    """The node behind an input, through Identity / Enter / read ops."""
    node = nodes.get(tensor_node(name))
    while node is not None and node.op in _PASS_THROUGH and node.inputs and hops > 0:
        node, hops = nodes.get(tensor_node(node.inputs[0])), hops - 1
    return node


def _constant(name: str, nodes: dict[str, Node]) -> float | None:
    node = _resolve(name, nodes)
    return node.const_value() if node is not None else None


def _forget_bias_add(node: Node, nodes: dict[str, Node], scopes: list[str], facts: GraphFacts) -> None:
    """``Add(<cell>/split:2, Const)``: BasicLSTMCell's (named Add) or LSTMCell's (named add) forget bias."""
    if len(node.inputs) != 2:
        return
    for mine, other in (node.inputs, node.inputs[::-1]):
        match = re.fullmatch(r"(.+)/split(_\d+)?:2", mine)
        if not match:
            continue
        scope = _owning_scope(match.group(1) + "/split", scopes)
        value = _constant(other, nodes)
        if scope is None or value is None:
            continue
        if scope in facts.forget_bias and facts.forget_bias[scope] != value:
            raise UnsupportedModel(tr("cell '{scope}' adds different forget biases at different steps "
                                      "({forget_bias:g} and {value:g}); lstm-viewer computes "
                                      "one per cell", scope=scope, forget_bias=facts.forget_bias[scope],
                                      value=value))
        facts.forget_bias[scope] = value
        facts.cell_kind.setdefault(scope, "BasicLSTMCell" if _last(node.name).startswith("Add")
                                   else "LSTMCell")


def _block_cell(node: Node, nodes: dict[str, Node], kernels: dict[str, str], scopes: list[str],
                facts: GraphFacts) -> None:
    """LSTMBlockCell / BlockLSTM (LSTMBlockFusedCell): one op whose attributes hold the settings."""
    position = _BLOCK_OPS.get(node.op, 4)
    weight = _resolve(node.inputs[position], nodes) if len(node.inputs) > position else None
    scope = kernels.get(weight.name) if weight is not None else None
    scope = scope or _owning_scope(node.name, scopes)
    if scope is None:
        return
    if node.op == "BlockLSTMV2":
        raise UnsupportedModel(tr("cell '{scope}' is computed by TensorFlow's BlockLSTMV2 op, whose "
                                  "gate layout the direct reader does not convert", scope=scope))
    facts.cell_kind[scope] = "LSTMBlockCell" if node.op == "LSTMBlockCell" else "LSTMBlockFusedCell"
    forget_bias = node.attr_float("forget_bias")
    facts.forget_bias[scope] = DEFAULT_FORGET_BIAS if forget_bias is None else forget_bias
    clip = node.attr_float("cell_clip")
    if clip is not None and clip > 0:   # the op clips only for a positive cell_clip (TF1 passes -1)
        facts.cell_clip[scope] = clip
    if node.attr_bool("use_peephole"):
        facts.peepholes.add(scope)


def _activation_after(matrix: str, nodes: dict[str, Node], consumers: dict[str, list[Node]]) -> str | None:
    """The activation applied to ``x @ matrix + b`` in the graph, 'linear' if none, None if not found."""
    products = [n for n in nodes.values() if n.op == "MatMul" and any(
        (r := _resolve(i, nodes)) is not None and r.name == matrix for i in n.inputs)]
    for product in products:
        for added in consumers.get(product.name, []):
            if added.op not in ("Add", "AddV2", "BiasAdd"):
                continue
            after = [_ACTIVATIONS[c.op] for c in consumers.get(added.name, []) if c.op in _ACTIVATIONS]
            return after[0] if after else "linear"
    return None


# --- reading ----------------------------------------------------------------------------------------

def list_variables(prefix: Path) -> list[tuple[str, str, tuple[int, ...]]]:
    """``(name, dtype, shape)`` of every variable, from the index alone (no data file needed)."""
    bundle = read_bundle(Path(prefix))
    return [(v.name, v.dtype, v.shape) for v in bundle.variables.values()]


def read(prefix: Path, options: ReadOptions = DEFAULT_OPTIONS) -> Network:
    """The Network a TF1 checkpoint describes, or ``UserError`` with one sentence.

    ``options.forget_bias`` replaces the graph's; ``options.normalize`` is applied by the registry.
    """
    prefix = Path(prefix)
    bundle = read_bundle(prefix)
    variables = model_variables(bundle)
    cells = find_cells(variables)
    head = find_head(variables, cells)
    matrices = [matrix.name for matrix, _ in head.dense] if head else []
    facts = read_graph_facts(prefix.with_name(prefix.name + ".meta"), cells, matrices)
    lstms = [c for c in cells if c.kind == "LSTM"]
    forget_bias, source = _forget_biases(lstms, facts, options)
    layers = _describe(cells, head, facts)
    input_shape = (None, COLUMNS, lstms[0].reads) if lstms and lstms[0].reads != COLUMNS else None
    plan = check_architecture(layers, input_shape=input_shape)
    by_name = {c.scope: c for c in lstms}
    arrays = []
    for step in plan:
        if step.kind == "lstm":
            cell = by_name[step.name]
            arrays.append(check_weights(step, _engine_lstm(bundle, cell, forget_bias[cell.scope])))
        elif step.kind == "dense":
            kernel, bias = head.dense[-1]
            arrays.append(check_weights(step, [read_tensor(bundle, kernel), read_tensor(bundle, bias)]))
        else:
            arrays.append(check_weights(step, []))
    network = network_from_weights(plan, arrays, name=prefix.name)
    network.metadata.update(_metadata(prefix, lstms, facts, forget_bias, source, head))
    return network


def _forget_biases(cells: list[Cell], facts: GraphFacts, options: ReadOptions) -> tuple[dict, str]:
    """Each cell's forget bias and where it came from: you, the graph, or the cell's default."""
    if options.forget_bias is not None:
        return {c.scope: float(options.forget_bias) for c in cells}, "you"
    found = {c.scope: facts.forget_bias[c.scope] for c in cells if c.scope in facts.forget_bias}
    if found and len(found) == len(cells):
        return found, "the graph"
    default = {c.scope: CUDNN_FORGET_BIAS if "cudnn_compatible_lstm_cell" in c.scope
               else found.get(c.scope, DEFAULT_FORGET_BIAS) for c in cells}
    return default, "the graph" if found else "BasicLSTMCell's default"


def _describe(cells: list[Cell], head: Head | None, facts: GraphFacts) -> list[tuple[str, dict]]:
    """The model in the architecture check's vocabulary (Keras' names), bottom to top."""
    layers: list[tuple[str, dict]] = []
    lstm_positions = [k for k, c in enumerate(cells) if c.kind == "LSTM"]
    top = lstm_positions[-1] if lstm_positions else -1
    for k, cell in enumerate(cells):
        if cell.kind != "LSTM":
            layers.append((cell.kind, {"name": cell.scope}))
            continue
        settings = {"name": cell.scope, "units": cell.units, "return_sequences": k < top}
        if cell.peepholes or cell.scope in facts.peepholes:
            settings["peepholes"] = True
        if cell.projection:
            settings["projection"] = cell.projection
        if cell.scope in facts.cell_clip:
            settings["cell_clip"] = facts.cell_clip[cell.scope]
        layers.append(("LSTM", settings))
    if head is not None:
        for matrix, bias in head.dense:
            activation = facts.activations.get(matrix.name, "linear")
            settings = {"name": matrix.name, "units": matrix.shape[1], "activation": activation}
            if bias is None:
                settings["use_bias"] = False
            layers.append(("Dense", settings))
    return layers


def _engine_lstm(bundle: Bundle, cell: Cell, forget_bias: float) -> list[np.ndarray]:
    """W (in, 4u), U (u, 4u), b (4u) in the engine's gate order, the forget bias folded into f's bias.

    TF1 computes ``sigmoid(([x, h] @ K + b)_f + forget_bias)``; adding the constant to f's bias
    first changes the sum by at most one rounding.
    """
    kernel = read_tensor(bundle, cell.kernel).astype(np.float32)
    bias = read_tensor(bundle, cell.bias).astype(np.float32)
    u, reads = cell.units, cell.reads
    order = np.concatenate([np.arange(g * u, (g + 1) * u) for g in IJFO_TO_IFJO])
    kernel, bias = kernel[:, order], bias[order].copy()
    bias[u:2 * u] += np.float32(forget_bias)
    return [kernel[:reads], kernel[reads:], bias]


def _metadata(prefix: Path, cells: list[Cell], facts: GraphFacts, forget_bias: dict, source: str,
              head: Head | None) -> dict:
    kinds = {facts.cell_kind.get(c.scope) for c in cells} - {None}
    kind = kinds.pop() if len(kinds) == 1 else "BasicLSTMCell"
    values = sorted(set(forget_bias.values()))
    shown = values[0] if len(values) == 1 else tuple(forget_bias[c.scope] for c in cells)
    details = [kind, f"forget_bias {', '.join(f'{v:g}' for v in values)} from {source}"]
    if len(values) > 1:
        details[-1] = f"forget_bias per layer {', '.join(f'{forget_bias[c.scope]:g}' for c in cells)} " \
                      f"from {source}"
    if facts.problem:
        details.append(f"{facts.problem}; forget_bias taken as BasicLSTMCell's default")
    if head is not None:
        activation = facts.activations.get(head.kernel.name, "linear")
        details.append(f"head '{head.kernel.name}' ({'logits' if activation == 'linear' else activation})")
    return {"source": str(prefix), "format": FORMAT, "cell": kind, "forget_bias": shown,
            "forget_bias_from": source, "details": details}


READER = Reader(format=FORMAT, patterns=("checkpoint", "*.index", "*.meta", "*.data-*"),
                recognise=recognise, read=read)

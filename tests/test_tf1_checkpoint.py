"""The TF1 checkpoint reader against TensorFlow itself.

TensorFlow writes the fixtures (``tf.compat.v1.train.Saver`` in a ``tf.Graph``, variables named as
TF1's cells name them, each step built from raw ops exactly as ``BasicLSTMCell.call`` builds it, so
the ``.meta`` graph has the seed's ``Add(<cell>/split:2, Const)``) and is the reference: its index
read back by ``tf.train.load_checkpoint``, its own graph run in a session. A float64 cell written
here from TF1's definition is the second, independent reference. The reader itself never imports
TensorFlow.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.readers import ReadOptions, find_reader, read_model
from lstm_viewer.core.readers.tf1_checkpoint import (
    READER,
    find_cells,
    list_variables,
    model_variables,
    read,
    read_graph_facts,
    recognise,
)
from lstm_viewer.core.readers.tf1_format import read_bundle, read_tensor

tf = pytest.importorskip("tensorflow")

ROOT = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
SEED_PREFIX = SEED / "save_net.ckpt"
MULTI = "rnn/multi_rnn_cell/cell_{k}/basic_lstm_cell"


def sample_digits() -> np.ndarray:
    """Four real digits, pixels in [0, 1]."""
    images = np.load(ROOT / "assets" / "samples.npz")["images"][:4]
    return images.astype(np.float32) / np.float32(255)


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return sample_digits()


# --- writing checkpoints with TensorFlow ------------------------------------------------------------

def _weights(rng, shape, dtype=np.float32):
    return rng.uniform(-0.6, 0.6, shape).astype(dtype)


def write_lstm_checkpoint(folder: Path, scopes: list[str], widths: list[int],
                          forget_bias: float | list[float] = 1.0,
                          head: tuple[str, str] = ("Variable", "Variable_1"), block_cell: bool = False,
                          cell_clip: float | None = None, seed: int = 0,
                          name: str = "model.ckpt") -> tuple[Path, dict]:
    """Save a stacked TF1 LSTM with a softmax head; return its prefix and what TF computed.

    Each cell's step is BasicLSTMCell.call in raw ops under the cell's own scope (or, with
    ``block_cell``, the LSTMBlockCell op), unrolled over the 28 rows; what TF computed for
    ``sample_digits()``: every layer's h and c and the softmax after every row.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    forget_biases = forget_bias if isinstance(forget_bias, list) else [forget_bias] * len(scopes)
    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28], name="Placeholder")
        cells, reads = [], 28
        for scope, units in zip(scopes, widths, strict=True):
            with tf.compat.v1.variable_scope(scope):
                kernel = tf.compat.v1.get_variable("kernel",
                                                   initializer=_weights(rng, (reads + units, 4 * units)))
                bias = tf.compat.v1.get_variable("bias", initializer=_weights(rng, (4 * units,)))
            cells.append((scope, kernel, bias, units))
            reads = units
        w = tf.compat.v1.get_variable(head[0], initializer=_weights(rng, (reads, 10)) * 3)
        b = tf.compat.v1.get_variable(head[1], initializer=_weights(rng, (10,)))
        batch = tf.shape(images)[0]
        states = [(tf.zeros([batch, u]), tf.zeros([batch, u])) for *_, u in cells]
        hs, cs, probs = [[] for _ in cells], [[] for _ in cells], []
        for row in range(28):
            x = images[:, row, :]
            for k, (scope, kernel, bias, units) in enumerate(cells):
                c, h = states[k]
                with tf.name_scope(scope + "/"):   # the cell's own scope, as the seed's graph has it
                    if block_cell:
                        zeros = tf.zeros([units])
                        _, c, _, _, _, _, h = tf.raw_ops.LSTMBlockCell(
                            x=x, cs_prev=c, h_prev=h, w=kernel, wci=zeros, wcf=zeros, wco=zeros, b=bias,
                            forget_bias=forget_biases[k], cell_clip=-1.0, use_peephole=False)
                    else:
                        gates = tf.nn.bias_add(tf.matmul(tf.concat([x, h], 1), kernel), bias)
                        i, j, f, o = tf.split(gates, 4, axis=1)
                        forget = tf.sigmoid(tf.add(f, tf.constant(forget_biases[k])))
                        c = c * forget + tf.sigmoid(i) * tf.tanh(j)
                        if cell_clip is not None:   # LSTMCell(cell_clip=...)
                            c = tf.clip_by_value(c, -cell_clip, cell_clip)
                        h = tf.tanh(c) * tf.sigmoid(o)
                states[k] = (c, h)
                hs[k].append(h)
                cs[k].append(c)
                x = h
            probs.append(tf.nn.softmax(tf.matmul(x, w) + b))
        outputs = {"h": [tf.stack(v, 1) for v in hs], "c": [tf.stack(v, 1) for v in cs],
                   "probs": tf.stack(probs, 1)}
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            prefix = Path(saver.save(session, str(folder / name)))
            computed = session.run(outputs, {images: sample_digits()})
    return prefix, computed


def write_variables(folder: Path, arrays: dict[str, np.ndarray], name: str = "model.ckpt") -> Path:
    """Save just these variables (no computation in the graph); return the prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        for var_name, value in arrays.items():
            tf.compat.v1.get_variable(var_name, initializer=value)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            return Path(saver.save(session, str(folder / name)))


def lstm_variables(scopes: list[str], widths: list[int], head=("Variable", "Variable_1"), seed=0,
                   dtype=np.float32) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays, reads = {}, 28
    for scope, units in zip(scopes, widths, strict=True):
        arrays[f"{scope}/kernel"] = _weights(rng, (reads + units, 4 * units), dtype)
        arrays[f"{scope}/bias"] = _weights(rng, (4 * units,), dtype)
        reads = units
    if head:
        arrays[head[0]] = _weights(rng, (reads, 10))
        arrays[head[1]] = _weights(rng, (10,))
    return arrays


@pytest.fixture(scope="module")
def seed_style(tmp_path_factory):
    """2 x 8, the seed's scope names, forget_bias 0.5 in the graph."""
    folder = tmp_path_factory.mktemp("seed_style")
    scopes = [f"RNN/cell_{k}/layer_{k}" for k in range(2)]
    return write_lstm_checkpoint(folder, scopes, [8, 8], forget_bias=0.5)


@pytest.fixture(scope="module")
def default_names(tmp_path_factory):
    """3 x 6 under TF's default MultiRNNCell names, dense/kernel head."""
    folder = tmp_path_factory.mktemp("default_names")
    return write_lstm_checkpoint(folder, [MULTI.format(k=k) for k in range(3)], [6, 6, 6],
                                 head=("dense/kernel", "dense/bias"), seed=1)


@pytest.fixture(scope="module")
def block_cells(tmp_path_factory):
    """2 x 5 LSTMBlockCell (one op per step, forget_bias an attribute), softmax_w/softmax_b head."""
    folder = tmp_path_factory.mktemp("block_cells")
    scopes = [f"rnn/multi_rnn_cell/cell_{k}/lstm_cell" for k in range(2)]
    return write_lstm_checkpoint(folder, scopes, [5, 5], forget_bias=0.25, block_cell=True,
                                 head=("softmax_w", "softmax_b"), seed=2)


@pytest.fixture(scope="module")
def widths_differ(tmp_path_factory):
    """8 then 5 units, single cells named without cell_N (ordered by chaining widths)."""
    folder = tmp_path_factory.mktemp("widths_differ")
    return write_lstm_checkpoint(folder, ["rnn/basic_lstm_cell", "rnn/basic_lstm_cell_1"], [8, 5], seed=3)


# --- an independent float64 BasicLSTMCell, from TF1's definition ------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def float64_basic_lstm(prefix: Path, scopes: list[str], head: tuple[str, str], forget_bias: float,
                       images: np.ndarray) -> dict:
    """``gates = [x, h] @ K + b; i, j, f, o = split(gates, 4); c = c sigmoid(f + fb) + sigmoid(i) tanh(j);
    h = tanh(c) sigmoid(o)``, in float64 with the weights TensorFlow reads back."""
    saved = tf.train.load_checkpoint(str(prefix))
    x = images.astype(np.float64)
    hs, cs = [], []
    for scope in scopes:
        kernel = saved.get_tensor(f"{scope}/kernel").astype(np.float64)
        bias = saved.get_tensor(f"{scope}/bias").astype(np.float64)
        units = bias.shape[0] // 4
        h = np.zeros((len(x), units))
        c = np.zeros((len(x), units))
        layer_h, layer_c = [], []
        for row in range(28):
            i, j, f, o = np.split(np.concatenate([x[:, row], h], 1) @ kernel + bias, 4, axis=1)
            c = c * _sigmoid(f + forget_bias) + _sigmoid(i) * np.tanh(j)
            h = np.tanh(c) * _sigmoid(o)
            layer_h.append(h)
            layer_c.append(c)
        hs.append(np.stack(layer_h, 1))
        cs.append(np.stack(layer_c, 1))
        x = hs[-1]
    logits = x @ saved.get_tensor(head[0]).astype(np.float64) + saved.get_tensor(head[1])
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    return {"h": hs, "c": cs, "probs": probs / probs.sum(-1, keepdims=True)}


def assert_traces_agree(network, images, expected, tolerance=1e-5):
    for n, image in enumerate(images):
        trace = network.trace(image)
        for k in range(len(expected["h"])):
            np.testing.assert_allclose(trace.h[k], expected["h"][k][n], atol=tolerance, rtol=0)
            np.testing.assert_allclose(trace.c[k], expected["c"][k][n], atol=tolerance, rtol=0)
        np.testing.assert_allclose(trace.probs, expected["probs"][n], atol=tolerance, rtol=0)
    np.testing.assert_allclose(network.predict(images), expected["probs"][:, -1], atol=tolerance, rtol=0)


# --- (1) the index reader agrees with TensorFlow's ----------------------------------------------------

def test_index_reader_agrees_with_tensorflow(seed_style, default_names, block_cells):
    for prefix, _ in (seed_style, default_names, block_cells):
        saved = tf.train.load_checkpoint(str(prefix))
        shapes = saved.get_variable_to_shape_map()
        bundle = read_bundle(prefix)
        assert set(bundle.variables) == set(shapes)
        for name, variable in bundle.variables.items():
            assert variable.shape == tuple(shapes[name])
            np.testing.assert_array_equal(read_tensor(bundle, variable), saved.get_tensor(name))


# --- (2) the network computes what TensorFlow computes -----------------------------------------------

@pytest.mark.parametrize("fixture, scopes, head, forget_bias", [
    ("seed_style", [f"RNN/cell_{k}/layer_{k}" for k in range(2)], ("Variable", "Variable_1"), 0.5),
    ("default_names", [MULTI.format(k=k) for k in range(3)], ("dense/kernel", "dense/bias"), 1.0),
    ("block_cells", [f"rnn/multi_rnn_cell/cell_{k}/lstm_cell" for k in range(2)],
     ("softmax_w", "softmax_b"), 0.25),
])
def test_trace_matches_tensorflow_and_float64_cell(request, digits, fixture, scopes, head, forget_bias):
    prefix, from_tensorflow = request.getfixturevalue(fixture)
    network = read(prefix, ReadOptions())
    assert [layer.units for layer in network.layers] == [len(h[0, 0]) for h in from_tensorflow["h"]]
    assert_traces_agree(network, digits, from_tensorflow)
    assert_traces_agree(network, digits, float64_basic_lstm(prefix, scopes, head, forget_bias, digits))
    assert network.metadata["forget_bias"] == forget_bias
    assert network.metadata["forget_bias_from"] == "the graph"
    assert network.metadata["format"] == "TF1 checkpoint"
    assert network.metadata["source"] == str(prefix)
    expected_cell = "LSTMBlockCell" if fixture == "block_cells" else "BasicLSTMCell"
    assert network.metadata["cell"] == expected_cell


def test_layers_of_different_widths(widths_differ, digits):
    prefix, from_tensorflow = widths_differ
    cells = find_cells(model_variables(read_bundle(prefix)))
    assert [c.scope for c in cells] == ["rnn/basic_lstm_cell", "rnn/basic_lstm_cell_1"]
    network = read(prefix, ReadOptions())   # needs the check to accept layers of different widths
    assert network.units == [8, 5]
    assert_traces_agree(network, digits, from_tensorflow)


# --- (3) the seed's own names ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_names(tmp_path_factory):
    """The seed's variables (names, shapes, Adam slots) with random values, and the seed's own .meta."""
    if not (SEED_PREFIX.with_suffix(".ckpt.index")).is_file():
        pytest.skip("the seed's checkpoint is not beside the repository")
    shapes = dict(tf.train.list_variables(str(SEED_PREFIX)))
    rng = np.random.default_rng(4)
    arrays = {name: _weights(rng, tuple(shape)) * 0.1 for name, shape in shapes.items()}
    prefix = write_variables(tmp_path_factory.mktemp("seed_names"), arrays, name="save_net.ckpt")
    shutil.copyfile(SEED / "save_net.ckpt.meta", prefix.with_name("save_net.ckpt.meta"))
    return prefix, shapes


def test_seed_names_with_random_weights(seed_names, digits):
    prefix, shapes = seed_names
    network = read(prefix, ReadOptions())
    assert network.units == [256, 256, 256]
    assert network.metadata["forget_bias"] == 1.0
    assert network.metadata["forget_bias_from"] == "the graph"
    assert network.metadata["cell"] == "BasicLSTMCell"
    scopes = [f"RNN/cell_{k}/layer_{k}" for k in range(3)]
    expected = float64_basic_lstm(prefix, scopes, ("Variable", "Variable_1"), 1.0, digits[:1])
    assert_traces_agree(network, digits[:1], expected, tolerance=1e-5)


def test_seed_itself_lists_variables_and_names_the_missing_weights_file():
    if not (SEED / "save_net.ckpt.index").is_file():
        pytest.skip("the seed's checkpoint is not beside the repository")
    listed = {name: shape for name, _, shape in list_variables(SEED_PREFIX)}
    assert listed["RNN/cell_0/layer_0/kernel"] == (284, 1024)
    assert listed["Variable"] == (256, 10)
    assert listed == {name: tuple(shape) for name, shape in tf.train.list_variables(str(SEED_PREFIX))}
    with pytest.raises(UserError) as error:
        read(SEED_PREFIX, ReadOptions())
    assert "'save_net.ckpt.data-00000-of-00001' is missing" in str(error.value)
    assert "\n" not in str(error.value)


# --- (4) forget_bias ---------------------------------------------------------------------------------

def test_forget_bias_from_the_seeds_graph():
    if not (SEED / "save_net.ckpt.meta").is_file():
        pytest.skip("the seed's checkpoint is not beside the repository")
    cells = find_cells(model_variables(read_bundle(SEED_PREFIX)))
    facts = read_graph_facts(SEED / "save_net.ckpt.meta", cells, ["Variable"])
    assert facts.forget_bias == {f"RNN/cell_{k}/layer_{k}": 1.0 for k in range(3)}
    assert facts.activations == {"Variable": "softmax"}
    assert facts.cell_clip == {} and facts.problem is None


def test_forget_bias_default_override_and_damaged_graph(seed_style, tmp_path, digits):
    prefix, _ = seed_style
    folder = tmp_path / "copy"
    shutil.copytree(prefix.parent, folder)
    copy = folder / prefix.name
    from_graph = read(copy, ReadOptions())
    assert from_graph.metadata["forget_bias"] == 0.5

    overridden = read(copy, ReadOptions(forget_bias=2.0))
    assert overridden.metadata["forget_bias"] == 2.0 and overridden.metadata["forget_bias_from"] == "you"
    # the override is the f bias + 1.5 of what the graph gives: compare with the float64 cell at 2.0
    scopes = [f"RNN/cell_{k}/layer_{k}" for k in range(2)]
    assert_traces_agree(overridden, digits[:1],
                        float64_basic_lstm(copy, scopes, ("Variable", "Variable_1"), 2.0, digits[:1]))

    meta = folder / (prefix.name + ".meta")
    meta.write_bytes(meta.read_bytes()[:1000] + b"\xff" * 50)
    damaged = read(copy, ReadOptions())
    assert damaged.metadata["forget_bias"] == 1.0
    assert damaged.metadata["forget_bias_from"] == "BasicLSTMCell's default"
    assert any("could not be read" in d for d in damaged.metadata["details"])

    meta.unlink()
    default = read(copy, ReadOptions())
    assert default.metadata["forget_bias"] == 1.0
    assert default.metadata["forget_bias_from"] == "BasicLSTMCell's default"


def test_forget_bias_per_layer(tmp_path, digits):
    scopes = ["rnn/basic_lstm_cell", "rnn/basic_lstm_cell_1"]
    prefix, from_tensorflow = write_lstm_checkpoint(tmp_path, scopes, [6, 6], forget_bias=[0.0, 1.5], seed=6)
    network = read(prefix, ReadOptions())
    assert network.metadata["forget_bias"] == (0.0, 1.5)
    assert_traces_agree(network, digits[:2], {k: v[:2] if k == "probs" else [a[:2] for a in v]
                                              for k, v in from_tensorflow.items()})


# --- (5) recognising every way to point at a checkpoint ---------------------------------------------

def test_every_way_to_point_at_it_recognises_the_prefix(seed_style, tmp_path):
    prefix, _ = seed_style
    folder = prefix.parent
    data = next(folder.glob(prefix.name + ".data-*"))
    for path in (folder, folder / "checkpoint", prefix, prefix.with_name(prefix.name + ".index"),
                 prefix.with_name(prefix.name + ".meta"), data):
        assert recognise(path) == prefix, path
    assert READER.recognise is recognise and READER.format == "TF1 checkpoint"
    assert find_reader(folder) == (READER, prefix)   # the registry asks every reader: ours claims it
    for path in (folder, prefix, data):   # the prefix names no file of its own, and still opens
        assert find_reader(path) == (READER, prefix), path
        assert load_network(path).units == load_network(folder).units
    # Saver wrote an absolute path into 'checkpoint': a copied folder still reads its own files
    assert "model_checkpoint_path: \"/" in (folder / "checkpoint").read_text()
    copy = shutil.copytree(folder, tmp_path / "copy")
    assert recognise(copy) == recognise(copy / "checkpoint") == copy / prefix.name


def test_not_ours_gives_none(tmp_path):
    png = tmp_path / "digit.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    keras = tmp_path / "model.keras"
    with zipfile.ZipFile(keras, "w") as archive:
        archive.writestr("config.json", "{}")
    noise = tmp_path / "noise.index"
    noise.write_bytes(np.random.default_rng(0).bytes(500))
    short = tmp_path / "short.data-00000-of-00001"
    short.write_bytes(b"12")
    text = tmp_path / "checkpoint.txt"
    text.write_text("hello")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path in (png, keras, noise, short, text, empty, tmp_path / "absent", tmp_path / "absent.index"):
        assert recognise(path) is None, path


# --- (6) refusals, one sentence each -----------------------------------------------------------------

def refusal(prefix: Path) -> str:
    with pytest.raises(UserError) as error:
        read(prefix, ReadOptions())
    message = str(error.value)
    assert "\n" not in message and message.count(". ") == 0, message
    return message


def test_refusals(tmp_path):
    rng = np.random.default_rng(5)
    gru = {"rnn/gru_cell/gates/kernel": _weights(rng, (36, 16)),
           "rnn/gru_cell/gates/bias": _weights(rng, (16,)),
           "rnn/gru_cell/candidate/kernel": _weights(rng, (36, 8)),
           "rnn/gru_cell/candidate/bias": _weights(rng, (8,)),
           "Variable": _weights(rng, (8, 10)), "Variable_1": _weights(rng, (10,))}
    assert "GRU" in refusal(write_variables(tmp_path / "gru", gru))

    both = {f"bidirectional_rnn/{d}/basic_lstm_cell/{n}": a for d in ("fw", "bw") for n, a in
            (("kernel", _weights(rng, (36, 32))), ("bias", _weights(rng, (32,))))}
    both.update({"Variable": _weights(rng, (16, 10)), "Variable_1": _weights(rng, (10,))})
    assert "Bidirectional" in refusal(write_variables(tmp_path / "bidi", both))

    peep = lstm_variables(["rnn/lstm_cell"], [8])
    peep.update({f"rnn/lstm_cell/{n}": _weights(rng, (8,)) for n in ("w_f_diag", "w_i_diag", "w_o_diag")})
    assert "peephole" in refusal(write_variables(tmp_path / "peep", peep))

    projected = {"rnn/lstm_cell/kernel": _weights(rng, (28 + 4, 32)),
                 "rnn/lstm_cell/bias": _weights(rng, (32,)),
                 "rnn/lstm_cell/projection/kernel": _weights(rng, (8, 4)),
                 "Variable": _weights(rng, (4, 10)), "Variable_1": _weights(rng, (10,))}
    assert "projects" in refusal(write_variables(tmp_path / "proj", projected))

    half = lstm_variables(["rnn/basic_lstm_cell"], [8], dtype=np.float16)
    message = refusal(write_variables(tmp_path / "half", half))
    assert "half-precision (float16/bfloat16)" in message and "rnn/basic_lstm_cell/" in message

    two_heads = lstm_variables(["rnn/basic_lstm_cell"], [8])
    two_heads.update({"softmax_w": _weights(rng, (8, 10)), "softmax_b": _weights(rng, (10,))})
    message = refusal(write_variables(tmp_path / "two", two_heads))
    assert message.startswith("several candidate heads: 'Variable', 'softmax_w'")

    hidden = lstm_variables(["rnn/basic_lstm_cell"], [8], head=None)
    hidden.update({"dense/kernel": _weights(rng, (8, 6)), "dense/bias": _weights(rng, (6,)),
                   "dense_1/kernel": _weights(rng, (6, 10)), "dense_1/bias": _weights(rng, (10,))})
    assert "'dense/kernel' has 6 units" in refusal(write_variables(tmp_path / "hidden", hidden))

    clipped, _ = write_lstm_checkpoint(tmp_path / "clip", ["rnn/lstm_cell"], [4], cell_clip=3.0)
    assert "clips its cell state to ±3" in refusal(clipped)

    headless = lstm_variables(["rnn/basic_lstm_cell"], [8], head=None)
    assert "head" in refusal(write_variables(tmp_path / "headless", headless))


def test_damaged_files_are_refused_in_one_sentence(seed_style, tmp_path):
    prefix, _ = seed_style

    def damaged_copy(label: str) -> Path:
        shutil.copytree(prefix.parent, tmp_path / label)
        return tmp_path / label / prefix.name

    truncated = damaged_copy("truncated")
    index = truncated.with_name(truncated.name + ".index")
    index.write_bytes(index.read_bytes()[:-20])
    assert "footer" in refusal(truncated)
    assert recognise(index) is None

    flipped = damaged_copy("flipped")
    index = flipped.with_name(flipped.name + ".index")
    raw = bytearray(index.read_bytes())
    raw[20] ^= 0x40
    index.write_bytes(bytes(raw))
    assert "checksum" in refusal(flipped)

    short = damaged_copy("short")
    data = next(short.parent.glob(short.name + ".data-*"))
    data.write_bytes(data.read_bytes()[:-64])
    assert "cut short" in refusal(short)

    missing = damaged_copy("missing")
    next(missing.parent.glob(missing.name + ".data-*")).unlink()
    message = refusal(missing)
    assert "'model.ckpt.data-00000-of-00001' is missing" in message
    with pytest.raises(UserError) as error:   # the registry names the file and the format in front
        read_model(missing.parent)
    assert str(error.value) == f"{missing}: TF1 checkpoint: {message}"

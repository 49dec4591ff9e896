"""The numpy trace engine against Keras: every number the app shows is the model's own."""
import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.core.network import Network

keras = pytest.importorskip("keras")
TOL = 1e-5


def _digits(mnist, n=4):
    return mnist.x_test[:n].astype(np.float32) / 255.0


def _keras_layer_outputs(model, x):
    """Each LSTM layer's full h sequence, its final (h, c), from fresh Keras layers with the same weights."""
    results = []
    for layer in [m for m in model.layers if isinstance(m, keras.layers.LSTM)]:
        probe = keras.layers.LSTM(layer.units, return_sequences=True, return_state=True)
        probe.build(x.shape)
        probe.set_weights(layer.get_weights())
        seq, h_last, c_last = (np.asarray(a) for a in probe(x))
        results.append((seq, h_last, c_last, probe))
        x = seq
    return results


@pytest.fixture(scope="module", params=["random", "trained"])
def model_path(request, random_model_path, trained_model_path):
    return random_model_path if request.param == "random" else trained_model_path


def test_h_c_and_probs_match_keras(model_path, mnist):
    model = keras.saving.load_model(model_path)
    net = load_network(model_path)
    x = _digits(mnist)
    expected_probs = model.predict(x, verbose=0)
    per_layer = _keras_layer_outputs(model, x)
    for n, image in enumerate(x):
        tr = net.trace(image)
        for k, (seq, h_last, c_last, _) in enumerate(per_layer):
            np.testing.assert_allclose(tr.h[k], seq[n], atol=TOL)           # return_sequences
            np.testing.assert_allclose(tr.h[k][-1], h_last[n], atol=TOL)    # return_state h
            np.testing.assert_allclose(tr.c[k][-1], c_last[n], atol=TOL)    # return_state c
        np.testing.assert_allclose(tr.probs[-1], expected_probs[n], atol=TOL)


def test_c_at_every_row_matches_keras_on_the_first_rows(random_model_path, mnist):
    """Keras gives c only at the end, so run it on rows 1..t for several t."""
    model = keras.saving.load_model(random_model_path)
    net = load_network(random_model_path)
    x = _digits(mnist, 2)
    traces = [net.trace(image) for image in x]
    for t in (1, 5, 14, 27):
        for k, (_, _, c_last, _) in enumerate(_keras_layer_outputs(model, x[:, :t])):
            for n, tr in enumerate(traces):
                np.testing.assert_allclose(tr.c[k][t - 1], c_last[n], atol=TOL)


def test_probs_at_every_row_are_the_head_on_that_rows_h(random_model_path, mnist):
    model = keras.saving.load_model(random_model_path)
    net = load_network(random_model_path)
    tr = net.trace(_digits(mnist, 1)[0])
    head = model.layers[-1]
    np.testing.assert_allclose(tr.probs, np.asarray(head(tr.h[-1])), atol=TOL)
    np.testing.assert_allclose(tr.probs.sum(axis=1), 1.0, atol=1e-5)


def test_gates_reproduce_c_and_h(random_model_path, mnist):
    tr = load_network(random_model_path).trace(_digits(mnist, 1)[0])
    for gates, c, h in zip(tr.gates, tr.c, tr.h, strict=True):
        i, f, g, o = (gates[:, j] for j in range(4))
        c_prev = np.concatenate([np.zeros_like(c[:1]), c[:-1]])
        np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-6)
        np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-6)
        assert (i >= 0).all() and (i <= 1).all() and (np.abs(g) <= 1).all()


def test_gates_match_keras_cell_arithmetic(random_model_path, mnist):
    """The gate pre-activations from the Keras layer's own kernel split in Keras' i, f, c, o order."""
    model = keras.saving.load_model(random_model_path)
    net = load_network(random_model_path)
    x = _digits(mnist, 1)
    tr = net.trace(x[0])
    layer = model.get_layer("layer_0")
    kernel, recurrent, bias = (np.asarray(w) for w in layer.cell.weights)
    u = layer.units
    h_prev = np.zeros(u, np.float32)
    for t in range(28):
        z = x[0, t] @ kernel + h_prev @ recurrent + bias
        sig = np.asarray(keras.activations.sigmoid(z))
        expected = np.stack([sig[:u], sig[u:2 * u], np.tanh(z[2 * u:3 * u]), sig[3 * u:]])
        np.testing.assert_allclose(tr.gates[0][t], expected, atol=TOL)
        h_prev = tr.h[0][t]


def test_the_top_layers_final_h_state_is_outputs_last_step(random_model_path, mnist):
    """The seed's lesson: in a stack, the top layer's final h state *is* outputs[:, -1, :]."""
    model = keras.saving.load_model(random_model_path)
    x = _digits(mnist, 3)
    seq, h_last, _c_last, _ = _keras_layer_outputs(model, x)[-1]
    np.testing.assert_array_equal(h_last, seq[:, -1, :])
    tr = load_network(random_model_path).trace(x[0])
    c_top, h_top = tr.final_state()[-1]
    np.testing.assert_array_equal(h_top, tr.outputs[-1])
    assert len(tr.final_state()) == 3 and c_top.shape == h_top.shape == (24,)


def test_blank_rows_on_top_start_from_the_empty_digits_trace(random_model_path, mnist):
    """Rows read while the digit is still blank are the same for every digit: the trace reuses the
    empty digit's. The result is bit for bit the full computation's, and matches Keras, for ink
    from the first row, after one blank row, after the most blank rows, and no ink at all."""
    model = keras.saving.load_model(random_model_path)
    net = load_network(random_model_path)
    digit = _digits(mnist, 1)[0]
    inked = np.flatnonzero(digit.any(axis=1))
    top = digit[inked[0]:inked[-1] + 1]
    images = []
    for blank_rows in (0, 1, 28 - len(top)):
        image = np.zeros((28, 28), np.float32)
        image[blank_rows:blank_rows + len(top)] = top
        images.append(image)
    images.append(np.zeros((28, 28), np.float32))
    for image in images:
        tr = net.trace(image)
        full = net._trace(image[None], None, 0)           # every row computed, no shortcut
        for name in ("gates", "c", "h"):
            for ours, everything in zip(getattr(tr, name), getattr(full, name), strict=True):
                np.testing.assert_array_equal(ours, everything)
        np.testing.assert_array_equal(tr.probs, full.probs)
        np.testing.assert_allclose(tr.probs[-1], model.predict(image[None], verbose=0)[0], atol=TOL)
        for k, (seq, _, c_last, _) in enumerate(_keras_layer_outputs(model, image[None])):
            np.testing.assert_allclose(tr.h[k], seq[0], atol=TOL)
            np.testing.assert_allclose(tr.c[k][-1], c_last[0], atol=TOL)


def test_trace_shapes(random_model_path):
    tr = load_network(random_model_path).trace(np.zeros((28, 28), np.float32))
    assert tr.layers == len(tr.h) == len(tr.c) == len(tr.gates) == 3
    assert all(h.shape == c.shape == (28, 24) for h, c in zip(tr.h, tr.c, strict=True))
    assert all(gates.shape == (28, 4, 24) for gates in tr.gates)
    assert tr.probs.shape == (28, 10)
    assert tr.x is tr.image and tr.layer_input(0) is tr.image and tr.layer_input(2) is tr.h[1]


def test_predict_batch_equals_trace(random_model_path, mnist):
    net = load_network(random_model_path)
    x = _digits(mnist, 5)
    np.testing.assert_allclose(net.predict(x, batch_size=2), np.stack([net.trace(i).probs[-1] for i in x]),
                               atol=1e-6)


def test_settled_row():
    from lstm_viewer.core.network import Trace
    probs = np.full((28, 10), 0.05, np.float32)
    probs[:, 3] = 0.5
    probs[:20, 3], probs[:20, 7] = 0.05, 0.5
    probs[10, 3], probs[10, 7] = 0.6, 0.05
    tr = Trace(np.zeros((28, 28)), [np.zeros((28, 4, 1))], [np.zeros((28, 1))], [np.zeros((28, 1))], probs)
    assert tr.prediction == 3 and tr.settled_row() == 20


def test_wrong_image_shape_is_a_clear_error(random_model_path):
    with pytest.raises(ValueError, match="28, 28"):
        load_network(random_model_path).trace(np.zeros((20, 20)))


def test_network_rejects_inconsistent_weights():
    from lstm_viewer.core.network import LstmWeights
    with pytest.raises(ValueError, match="layer_0"):
        Network([LstmWeights(np.zeros((28, 8)), np.zeros((4, 16)), np.zeros(16))], np.zeros((4, 10)),
                np.zeros(10))


def _random_network(units: list[int], seed: int, scaling=None) -> Network:
    from lstm_viewer.core.network import LstmWeights
    rng = np.random.default_rng(seed)
    layers, inputs = [], 28
    for u in units:
        layers.append(LstmWeights(rng.normal(0, 0.5, (inputs, 4 * u)), rng.normal(0, 0.5, (u, 4 * u)),
                                  rng.normal(0, 0.5, 4 * u)))
        inputs = u
    return Network(layers, rng.normal(0, 0.5, (inputs, 10)), rng.normal(0, 0.5, 10), input_scaling=scaling)


def _float64_trace(net: Network, image: np.ndarray) -> dict:
    """Every layer's gates (28, 4, u), c and h (28, u), and the softmax (28, 10), in float64 from
    Keras' equations: x' = (x - mean) / std when the model scales; z = x W + h U + b split i, f, g, o."""
    x = image.astype(np.float64)
    if net.input_scaling is not None:
        x = (x - net.input_scaling[0]) / net.input_scaling[1]
    first_input, out = x, {"gates": [], "c": [], "h": []}
    for w in net.layers:
        kernel, recurrent, bias = (a.astype(np.float64) for a in (w.kernel, w.recurrent_kernel, w.bias))
        u = w.units
        h, c = np.zeros(u), np.zeros(u)
        gates, cs, hs = [], [], []
        for t in range(28):
            z = (x[t] @ kernel + h @ recurrent + bias).reshape(4, u)
            sig = 1 / (1 + np.exp(-z))
            i, f, g, o = sig[0], sig[1], np.tanh(z[2]), sig[3]
            c = f * c + i * g
            h = o * np.tanh(c)
            gates.append(np.stack([i, f, g, o]))
            cs.append(c)
            hs.append(h)
        x = np.stack(hs)
        for name, values in (("gates", gates), ("c", cs), ("h", hs)):
            out[name].append(np.stack(values))
    logits = x @ net.dense_kernel.astype(np.float64) + net.dense_bias
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    out["probs"] = probs / probs.sum(axis=1, keepdims=True)
    out["x"] = first_input
    return out


@pytest.mark.parametrize("scaling", [None, (0.1307, 0.3081)])
def test_layers_of_different_widths_match_float64_at_every_row_and_layer(scaling):
    """A 28 -> 12 -> 7 LSTM with a (7, 10) head, with and without input scaling."""
    net = _random_network([12, 7], 0, scaling)
    assert net.units == [12, 7] and net.describe() == "LSTM 12 → 7"
    image = np.random.default_rng(1).uniform(0, 1, (28, 28)).astype(np.float32)
    image[:4] = 0.0                                      # blank rows on top: the shortcut's start too
    tr = net.trace(image)
    expected = _float64_trace(net, image)
    assert tr.layers == 2
    np.testing.assert_array_equal(tr.image, image)
    np.testing.assert_allclose(tr.x, expected["x"], rtol=0, atol=1e-6)
    assert (tr.x is tr.image) == (scaling is None)
    for k, u in enumerate((12, 7)):
        assert tr.h[k].shape == tr.c[k].shape == (28, u) and tr.gates[k].shape == (28, 4, u)
        for row in range(28):
            np.testing.assert_allclose(tr.gates[k][row], expected["gates"][k][row], rtol=0, atol=TOL)
            np.testing.assert_allclose(tr.c[k][row], expected["c"][k][row], rtol=0, atol=TOL)
            np.testing.assert_allclose(tr.h[k][row], expected["h"][k][row], rtol=0, atol=TOL)
        np.testing.assert_array_equal(tr.layer_input(k), tr.x if k == 0 else tr.h[k - 1])
    np.testing.assert_allclose(tr.probs, expected["probs"], rtol=0, atol=TOL)
    np.testing.assert_allclose(net.predict(image[None])[0], expected["probs"][-1], rtol=0, atol=TOL)
    full = net._trace(image[None], None, 0)              # no blank-rows shortcut: the same bits
    for name in ("gates", "c", "h"):
        for ours, everything in zip(getattr(tr, name), getattr(full, name), strict=True):
            np.testing.assert_array_equal(ours, everything)
    arrays = tr.arrays()
    assert "h" not in arrays and arrays["h_1"].shape == (28, 12) and arrays["h_2"].shape == (28, 7)
    assert arrays["gates_2"].shape == (28, 4, 7) and ("x" in arrays) == (scaling is not None)

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
    for layer in [l for l in model.layers if isinstance(l, keras.layers.LSTM)]:
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
            np.testing.assert_allclose(tr.h[k, -1], h_last[n], atol=TOL)    # return_state h
            np.testing.assert_allclose(tr.c[k, -1], c_last[n], atol=TOL)    # return_state c
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
                np.testing.assert_allclose(tr.c[k, t - 1], c_last[n], atol=TOL)


def test_probs_at_every_row_are_the_head_on_that_rows_h(random_model_path, mnist):
    model = keras.saving.load_model(random_model_path)
    net = load_network(random_model_path)
    tr = net.trace(_digits(mnist, 1)[0])
    head = model.layers[-1]
    np.testing.assert_allclose(tr.probs, np.asarray(head(tr.h[-1])), atol=TOL)
    np.testing.assert_allclose(tr.probs.sum(axis=1), 1.0, atol=1e-5)


def test_gates_reproduce_c_and_h(random_model_path, mnist):
    tr = load_network(random_model_path).trace(_digits(mnist, 1)[0])
    i, f, g, o = (tr.gates[:, :, j] for j in range(4))
    c_prev = np.concatenate([np.zeros_like(tr.c[:, :1]), tr.c[:, :-1]], axis=1)
    np.testing.assert_allclose(tr.c, f * c_prev + i * g, atol=1e-6)
    np.testing.assert_allclose(tr.h, o * np.tanh(tr.c), atol=1e-6)
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
        np.testing.assert_allclose(tr.gates[0, t], expected, atol=TOL)
        h_prev = tr.h[0, t]


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
        for name in ("gates", "c", "h", "probs"):
            np.testing.assert_array_equal(getattr(tr, name), getattr(full, name))
        np.testing.assert_allclose(tr.probs[-1], model.predict(image[None], verbose=0)[0], atol=TOL)
        for k, (seq, _, c_last, _) in enumerate(_keras_layer_outputs(model, image[None])):
            np.testing.assert_allclose(tr.h[k], seq[0], atol=TOL)
            np.testing.assert_allclose(tr.c[k, -1], c_last[0], atol=TOL)


def test_trace_shapes(random_model_path):
    tr = load_network(random_model_path).trace(np.zeros((28, 28), np.float32))
    assert tr.h.shape == tr.c.shape == (3, 28, 24)
    assert tr.gates.shape == (3, 28, 4, 24)
    assert tr.probs.shape == (28, 10)


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
    tr = Trace(np.zeros((28, 28)), np.zeros((1, 28, 4, 1)), np.zeros((1, 28, 1)), np.zeros((1, 28, 1)), probs)
    assert tr.prediction == 3 and tr.settled_row() == 20


def test_wrong_image_shape_is_a_clear_error(random_model_path):
    with pytest.raises(ValueError, match="28, 28"):
        load_network(random_model_path).trace(np.zeros((20, 20)))


def test_network_rejects_inconsistent_weights():
    from lstm_viewer.core.network import LstmWeights
    with pytest.raises(ValueError, match="layer_0"):
        Network([LstmWeights(np.zeros((28, 8)), np.zeros((4, 16)), np.zeros(16))], np.zeros((4, 10)), np.zeros(10))


def test_layers_of_different_widths_are_refused_clearly():
    from lstm_viewer.core.network import LstmWeights
    rng = np.random.default_rng(0)
    layers = [LstmWeights(rng.normal(size=(28, 32)), rng.normal(size=(8, 32)), np.zeros(32)),
              LstmWeights(rng.normal(size=(8, 16)), rng.normal(size=(4, 16)), np.zeros(16))]
    with pytest.raises(ValueError, match="different widths"):
        Network(layers, np.zeros((4, 10)), np.zeros(10))

"""Occlusion and saliency against independent recomputations: one trace per occluded image, a float64
forward pass written out here, finite differences, and TensorFlow's GradientTape on the same weights."""
from __future__ import annotations

import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.analysis import occlusion, saliency
from lstm_viewer.analysis.importance import gradient_times_input, occlusion_drop
from lstm_viewer.core.assets import samples_path
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.network import LstmWeights, Network

MNIST_SCALING = (0.1307, 0.3081)


def _random_network(units: list[int], seed: int, scaling=None) -> Network:
    rng = np.random.default_rng(seed)
    layers, inputs = [], 28
    for u in units:
        layers.append(LstmWeights(rng.normal(0, 0.6, (inputs, 4 * u)), rng.normal(0, 0.4, (u, 4 * u)),
                                  rng.normal(0, 0.3, 4 * u)))
        inputs = u
    return Network(layers, rng.normal(0, 0.8, (inputs, 10)), rng.normal(0, 0.1, 10), input_scaling=scaling)


def _samples(n: int) -> np.ndarray:
    return np.load(samples_path())["images"][:n].astype(np.float32) / 255.0


def _odd_image(seed: int) -> np.ndarray:
    """Ink from row 0, blank rows and rows already at 0.5: every case of where a variant starts."""
    rng = np.random.default_rng(seed)
    image = rng.random((28, 28)).astype(np.float32)
    image[[3, 4, 9, 20, 26, 27]] = 0.0
    image[[5, 6, 12]] = 0.5
    return image


def _separate_traces(net: Network, image: np.ndarray, band: int, baseline: float) -> np.ndarray:
    rows = []
    for r in range(28):
        occluded = image.copy()
        occluded[r:r + band] = baseline
        rows.append(net.trace(occluded).probs[-1])
    return np.array(rows)


@pytest.mark.parametrize("baseline", [0.0, 0.5])
@pytest.mark.parametrize("band", [1, 2, 3, 4])
def test_occlusion_rows_equal_separate_traces_on_random_networks(band, baseline):
    cases = [([16], None), ([32, 32], None), ([8, 8, 8], None), ([12, 7], None), ([12, 7], MNIST_SCALING),
             ([8, 16, 5], MNIST_SCALING)]
    for seed, (units, scaling) in enumerate(cases):
        net = _random_network(units, seed, scaling)
        for image in (_samples(1)[0], _odd_image(seed)):
            np.testing.assert_allclose(occlusion(net, image, band, baseline),
                                       _separate_traces(net, image, band, baseline), rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def default_network() -> Network:
    return load_network()


@pytest.mark.parametrize("baseline", [0.0, 0.5])
@pytest.mark.parametrize("band", [1, 2, 3, 4])
def test_occlusion_rows_equal_separate_traces_on_the_default_model(default_network, band, baseline):
    image = _samples(1)[0]
    np.testing.assert_allclose(occlusion(default_network, image, band, baseline),
                               _separate_traces(default_network, image, band, baseline), rtol=0, atol=1e-6)


def test_a_band_already_blank_keeps_the_clean_answer_exactly():
    net = _random_network([16, 16], 3)
    image = _odd_image(3)
    result = occlusion(net, image, band=2)
    clean = net.trace(image).probs[-1]
    np.testing.assert_array_equal(result[26], clean)   # rows 26 and 27 are blank already
    np.testing.assert_array_equal(result[3], clean)    # rows 3 and 4 too
    assert np.abs(result[2] - clean).max() > 1e-4      # row 2 is not
    blank = np.zeros((28, 28), np.float32)
    np.testing.assert_array_equal(occlusion(net, blank), np.tile(net.trace(blank).probs[-1], (28, 1)))


def test_occlusion_reuses_a_given_trace_and_drop_is_the_fall_of_one_class():
    net = _random_network([16, 16], 4)
    image = _samples(2)[1]
    trace = net.trace(image)
    full = occlusion(net, image, band=3)
    np.testing.assert_array_equal(occlusion(net, image, band=3, trace=trace), full)
    for cls in (0, trace.prediction):
        np.testing.assert_allclose(occlusion_drop(net, image, cls, band=3),
                                   trace.probs[-1, cls] - full[:, cls], rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="not the trace of this image"):
        occlusion(net, _samples(1)[0], trace=trace)


# --- saliency -------------------------------------------------------------------------------------

def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _logits64(net: Network, images: np.ndarray) -> np.ndarray:
    """The final logits (n, 10) of a batch of pictures, in float64, from Keras' equations written out
    plainly; the first layer reads (x - mean) / std when the model scales its input."""
    x = np.asarray(images, np.float64)
    if net.input_scaling is not None:
        mean, std = net.input_scaling
        x = (x - mean) / std
    for w in net.layers:
        kernel, recurrent, bias = (np.asarray(a, np.float64) for a in (w.kernel, w.recurrent_kernel, w.bias))
        u = w.units
        h = np.zeros((len(x), u))
        c = np.zeros((len(x), u))
        sequence = []
        for t in range(28):
            z = x[:, t] @ kernel + h @ recurrent + bias
            i, f, g, o = (z[:, j * u:(j + 1) * u] for j in range(4))
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            sequence.append(h)
        x = np.stack(sequence, axis=1)
    return x[:, -1] @ np.asarray(net.dense_kernel, np.float64) + net.dense_bias


def _assert_close_to(ours: np.ndarray, expected: np.ndarray) -> None:
    """Within 1e-4 of the largest value, everywhere."""
    scale = np.abs(expected).max()
    assert scale > 0
    assert np.abs(ours - expected).max() <= 1e-4 * scale, np.abs(ours - expected).max() / scale


def test_saliency_equals_central_finite_differences_in_float64():
    net = _random_network([8, 8], 5)
    eps = 1e-6
    for image in (_samples(1)[0], _odd_image(5)):
        steps = np.eye(784).reshape(784, 28, 28) * eps
        up = _logits64(net, image.astype(np.float64) + steps)
        down = _logits64(net, image.astype(np.float64) - steps)
        for cls in (0, 7):
            expected = ((up[:, cls] - down[:, cls]) / (2 * eps)).reshape(28, 28)
            _assert_close_to(saliency(net, image, cls), expected)


@pytest.mark.parametrize("units, scaling", [([12, 7], None), ([12, 7], MNIST_SCALING),
                                            ([8, 8], MNIST_SCALING)])
def test_saliency_on_the_picture_equals_finite_differences_for_other_widths_and_scaling(units, scaling):
    """The gradient with respect to the picture's pixels (what the view shows), not to the scaled x'."""
    net = _random_network(units, 10, scaling)
    eps = 1e-6
    image = _odd_image(10)
    steps = np.eye(784).reshape(784, 28, 28) * eps
    up = _logits64(net, image.astype(np.float64) + steps)
    down = _logits64(net, image.astype(np.float64) - steps)
    for cls in (1, 6):
        expected = ((up[:, cls] - down[:, cls]) / (2 * eps)).reshape(28, 28)
        _assert_close_to(saliency(net, image, cls), expected)


def _softmax64(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("band", [1, 3])
def test_occlusion_of_a_scaled_model_of_other_widths_is_the_float64_model_on_paper(band):
    """Blank paper is picture value 0, which the model reads as (0 - mean) / std: each row equals
    the whole float64 model re-run on the picture with that band set to 0."""
    net = _random_network([12, 7], 11, MNIST_SCALING)
    for image in (_samples(2)[1], _odd_image(11)):
        papered = np.repeat(image[None].astype(np.float64), 28, axis=0)
        for r in range(28):
            papered[r, r:r + band] = 0.0
        expected = _softmax64(_logits64(net, papered))
        np.testing.assert_allclose(occlusion(net, image, band), expected, rtol=0, atol=1e-5)
        clean = _softmax64(_logits64(net, image[None]))[0]
        assert np.abs(expected - clean).max() > 1e-3     # the test sees a change


def test_gradient_times_input_of_a_scaled_model_is_gradient_times_the_picture():
    """Gradient x picture, in picture units: each pixel's first-order share of the change from blank
    paper (so a blank pixel's share is 0 even though the model reads it as -mean/std)."""
    net = _random_network([12, 7], 12, MNIST_SCALING)
    image = _odd_image(12)
    grad = saliency(net, image, 3)
    shares = gradient_times_input(net, image, 3)
    np.testing.assert_array_equal(shares, grad * image)
    assert not shares[image == 0].any()
    # Along the straight line from blank paper to the picture the logit's slope at the picture
    # is the shares' sum (the directional derivative), by float64 finite differences.
    eps = 1e-6
    picture = image.astype(np.float64)   # (float32 would round the small steps away)
    up, down = _logits64(net, np.stack([picture * (1 + eps), picture * (1 - eps)]))[:, 3]
    slope = (up - down) / (2 * eps)
    assert float(shares.sum()) == pytest.approx(slope, rel=1e-4, abs=1e-4 * float(np.abs(shares).sum()))


def test_a_trace_of_the_unscaled_model_is_refused_for_the_scaled_one():
    net = _random_network([12, 7], 13)
    image = _odd_image(13)
    trace = net.trace(image)
    scaled = net.with_input_scaling(MNIST_SCALING)
    with pytest.raises(ValueError, match="did not read"):
        occlusion(scaled, image, trace=trace)
    with pytest.raises(ValueError, match="did not read"):
        saliency(scaled, image, 0, trace=trace)


def test_saliency_of_the_default_model_along_a_direction():
    """All 3 x 256 layers: the gradient's inner product with a direction equals the float64 slope."""
    net = load_network()
    image = _samples(3)[2]
    cls = net.trace(image).prediction
    direction = np.random.default_rng(6).normal(size=(28, 28))
    eps = 1e-5
    up, down = _logits64(net, np.stack([image + eps * direction, image - eps * direction]))[:, cls]
    slope = (up - down) / (2 * eps)
    grad = saliency(net, image, cls).astype(np.float64)
    assert np.sum(grad * direction) == pytest.approx(slope, rel=1e-4, abs=1e-4 * np.abs(grad).sum())


def test_saliency_matches_gradient_tape():
    tf = pytest.importorskip("tensorflow")
    from conftest import randomised_keras_model

    from lstm_viewer.ml.keras_bridge import network_from_keras_model

    model = randomised_keras_model(layers=2, units=16)
    net = network_from_keras_model(model)
    *lstms, head = model.layers
    images = np.stack([_samples(1)[0], _odd_image(7)])
    # One pass for every (image, class): copy n of the batch asks for class n % 10's logit, and the
    # copies do not interact, so the gradient of the sum holds each copy's own gradient.
    x = tf.Variable(np.repeat(images, 10, axis=0))
    classes = np.tile(np.arange(10), len(images))
    with tf.GradientTape() as tape:
        h = x
        for layer in lstms:
            h = layer(h, training=False)
        logits = tf.matmul(h, head.kernel) + head.bias          # the head before its softmax
        chosen = tf.reduce_sum(tf.gather(logits, classes, axis=1, batch_dims=1))
    expected = tape.gradient(chosen, x).numpy()
    for n, cls in enumerate(classes):
        _assert_close_to(saliency(net, images[n // 10], int(cls)), expected[n])


def test_gradient_times_input_is_saliency_times_the_pixels():
    net = _random_network([16], 8)
    image = _odd_image(8)
    trace = net.trace(image)
    grad = saliency(net, image, 4)
    np.testing.assert_array_equal(saliency(net, image, 4, trace=trace), grad)
    np.testing.assert_array_equal(gradient_times_input(net, image, 4), grad * image)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda net, img: occlusion(net, img, band=0),
    lambda net, img: occlusion(net, img, band=29),
    lambda net, img: occlusion(net, img, band=1.5),
    lambda net, img: occlusion(net, img, band=True),
    lambda net, img: occlusion(net, img, baseline=float("nan")),
    lambda net, img: occlusion(net, img[:27]),
    lambda net, img: occlusion_drop(net, img, 10),
    lambda net, img: saliency(net, img, -1),
    lambda net, img: saliency(net, img, 2.0),
    lambda net, img: saliency(net, np.full((28, 28), np.nan), 0),
])
def test_bad_input_is_one_plain_sentence(call):
    with pytest.raises(UserError) as error:
        call(_random_network([8], 9), _odd_image(9))
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")


def test_occlusion_calls_check_before_each_layer_and_stops_when_it_raises():
    """The app's importance job passes its cancel check: a cancel stops the pass between layers."""
    network = _random_network([8, 8, 8], 2)
    image = _samples(1)[0]
    calls = []
    full = occlusion(network, image, check=lambda: calls.append(1))
    assert len(calls) == 3
    np.testing.assert_array_equal(full, occlusion(network, image))   # the same answer with a check

    class Stop(Exception):
        pass

    def stop_at_second_layer():
        calls.append(2)
        if calls.count(2) == 2:
            raise Stop

    with pytest.raises(Stop):
        occlusion(network, image, check=stop_at_second_layer)

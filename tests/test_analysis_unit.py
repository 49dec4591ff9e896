"""The unit analysis against an independent float64 LSTM written here from the weights.

Every identity of issue 11, point 1, on random weights (biases too, so every term matters), on layers
of different widths (28 -> 12 -> 7), on a model that scales its input ((x - 0.1307) / 0.3081) and on
a trained model, within 1e-5 of the scale of the values compared.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lstm_viewer import load_network
from lstm_viewer.analysis import UnitStory, logit_contributions, retention, unit_story
from lstm_viewer.analysis.unit import class_contributions
from lstm_viewer.core.network import LstmWeights, Network

REL = 1e-5


def assert_close(actual, expected, rel=REL, scale=None):
    """Equal within ``rel`` times the scale: the largest magnitude in ``expected`` unless given."""
    expected = np.asarray(expected, dtype=np.float64)
    if scale is None:
        scale = float(np.abs(expected).max())
    scale = max(scale, 1e-12)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rel * scale)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_lstm(network: Network, image: np.ndarray) -> dict:
    """A plain float64 forward pass: per layer the three terms (28, 4, u), gates (28, 4, u), c, h.
    The first layer reads (x - mean) / std when the model scales its input."""
    x = image.astype(np.float64)
    if network.input_scaling is not None:
        mean, std = network.input_scaling
        x = (x - mean) / std
    layers = []
    for w in network.layers:
        u = w.units
        kernel = w.kernel.astype(np.float64).reshape(-1, 4, u)
        recurrent = w.recurrent_kernel.astype(np.float64).reshape(u, 4, u)
        bias = w.bias.astype(np.float64).reshape(4, u)
        h, c = np.zeros(u), np.zeros(u)
        record = {name: [] for name in ("input", "recurrent", "gates", "c", "h")}
        for t in range(28):
            input_term = np.einsum("j,jgu->gu", x[t], kernel)
            recurrent_term = np.einsum("j,jgu->gu", h, recurrent)
            z = input_term + recurrent_term + bias
            i, f, g, o = sigmoid(z[0]), sigmoid(z[1]), np.tanh(z[2]), sigmoid(z[3])
            c = f * c + i * g
            h = o * np.tanh(c)
            for name, value in (("input", input_term), ("recurrent", recurrent_term),
                                ("gates", np.stack([i, f, g, o])), ("c", c), ("h", h)):
                record[name].append(value)
        layer = {name: np.stack(values) for name, values in record.items()}
        layer["bias"] = bias
        layers.append(layer)
        x = layer["h"]
    logits = x @ network.dense_kernel.astype(np.float64) + network.dense_bias.astype(np.float64)
    return {"layers": layers, "logits": logits}


def random_network(layers=3, units=16, seed=0, forget_bias=None, scaling=None) -> Network:
    """Random weights and biases; 16 units on 28 inputs, so pixel and unit indices differ.
    ``units``: one width for every layer, or each layer's (a list)."""
    rng = np.random.default_rng(seed)
    widths = [units] * layers if isinstance(units, int) else list(units)
    stack, inputs = [], 28
    for u in widths:
        bias = rng.normal(0, 1.0, 4 * u)
        if forget_bias is not None:
            bias[u:2 * u] = forget_bias
        stack.append(LstmWeights(rng.normal(0, 0.5, (inputs, 4 * u)),
                                 rng.normal(0, 0.5, (u, 4 * u)), bias))
        inputs = u
    return Network(stack, rng.normal(0, 0.5, (inputs, 10)), rng.normal(0, 1.0, 10), input_scaling=scaling)


MNIST_SCALING = (0.1307, 0.3081)


def random_image(seed=1) -> np.ndarray:
    image = np.random.default_rng(seed).uniform(0, 1, (28, 28)).astype(np.float32)
    image[:3] = 0   # blank rows on top, as in MNIST: the trace's shortcut for them is covered too
    return image


@pytest.fixture(scope="module", params=["random", "widths", "scaled", "trained"])
def case(request):
    if request.param == "random":
        network, image = random_network(), random_image()
    elif request.param == "widths":
        network, image = random_network(units=[12, 7]), random_image()
    elif request.param == "scaled":
        network, image = random_network(units=[16, 9, 12], scaling=MNIST_SCALING), random_image()
    else:
        network = load_network(request.getfixturevalue("trained_model_path"))
        image = request.getfixturevalue("mnist").x_test[0].astype(np.float32) / 255.0
    trace = network.trace(image)
    return network, trace, reference_lstm(network, image)


def all_units(network):
    for layer, w in enumerate(network.layers):
        for unit in range(w.units):
            yield layer, unit


def test_terms_and_gates_match_the_reference(case):
    network, trace, ref = case
    for layer, unit in all_units(network):
        story = unit_story(network, trace, layer, unit)
        expected = ref["layers"][layer]
        assert isinstance(story, UnitStory) and (story.layer, story.unit) == (layer, unit)
        assert story.pre.shape == (28, 4, 3) and story.gates.shape == (28, 4)
        assert_close(story.pre[:, :, 0], expected["input"][:, :, unit])
        assert_close(story.pre[:, :, 1], expected["recurrent"][:, :, unit])
        np.testing.assert_array_equal(story.pre[:, :, 2],
                                      np.broadcast_to(expected["bias"][:, unit], (28, 4)))
        np.testing.assert_array_equal(story.z, story.pre.sum(axis=-1))
        activated = np.concatenate([sigmoid(story.z[:, :2]), np.tanh(story.z[:, 2:3]),
                                    sigmoid(story.z[:, 3:])], axis=1)
        assert_close(activated, trace.gates[layer][:, :, unit])    # the trace's own gates
        assert_close(story.gates, expected["gates"][:, :, unit])   # and the reference's
        assert story.pre[0, :, 1].tolist() == [0.0] * 4           # h_{-1} = 0


def test_cell_equations_hold_row_by_row(case):
    network, trace, ref = case
    for layer, unit in all_units(network):
        story = unit_story(network, trace, layer, unit)
        i, f, g, o = story.gates.T
        assert story.c_prev[0] == 0.0
        np.testing.assert_array_equal(story.c_prev[1:], story.c[:-1])
        assert_close(story.c, f * story.c_prev + i * g)
        assert_close(story.h, o * np.tanh(story.c))
        assert_close(story.c, ref["layers"][layer]["c"][:, unit])
        assert_close(story.h, ref["layers"][layer]["h"][:, unit])


def test_retention_unrolls_the_cell(case):
    network, trace, ref = case
    for layer, w in enumerate(network.layers):
        r = retention(trace, layer)
        assert r.shape == (w.units, 28, 28)
        forget = ref["layers"][layer]["gates"][:, 1]          # (28, units)
        expected = np.zeros((w.units, 28, 28))
        for s in range(28):
            for t in range(s, 28):
                expected[:, s, t] = np.prod(forget[s + 1:t + 1], axis=0)
        assert_close(r, expected)
        gates = trace.gates[layer].astype(np.float64)       # (28, 4, units)
        written = (gates[:, 0] * gates[:, 2]).T              # (units, 28): i_s g_s
        rebuilt = np.einsum("ust,us->ut", r, written)        # sum over s <= t
        assert_close(rebuilt, trace.c[layer].T)
        assert_close(rebuilt, ref["layers"][layer]["c"].T)
        for unit in range(w.units):   # the story's one-unit shortcut: the same numbers bit for bit
            np.testing.assert_array_equal(unit_story(network, trace, layer, unit).retention, r[unit])


def test_memory_sums_to_c_and_is_empty_after_t(case):
    network, trace, ref = case
    for layer, unit in all_units(network):
        story = unit_story(network, trace, layer, unit)
        i, g = story.gates[:, 0], story.gates[:, 2]
        expected_c = ref["layers"][layer]["c"][:, unit]
        memory = np.stack([story.memory(t) for t in range(28)])    # (t, s)
        assert memory.shape == (28, 28)
        assert_close(memory.sum(axis=1), story.c)      # scale: the unit's c over the rows
        assert_close(memory.sum(axis=1), expected_c)
        assert not memory[np.triu_indices(28, k=1)].any()             # nothing from s > t
        np.testing.assert_array_equal(np.diag(memory), i * g)


def test_logit_contributions_add_up_to_the_probabilities(case):
    network, trace, ref = case
    dense = network.dense_kernel.astype(np.float64)
    for row in (0, 13, 27):
        shares = logit_contributions(network, trace, row)
        assert shares.shape == (network.units[-1], 10)
        assert_close(shares, ref["layers"][-1]["h"][row][:, None] * dense)
        logits = shares.sum(axis=0) + network.dense_bias
        assert_close(logits, ref["logits"][row])
        assert_close(np.exp(logits) / np.exp(logits).sum(), trace.probs[row])
    np.testing.assert_array_equal(logit_contributions(network, trace), shares)   # row 27 by default


def test_class_contributions_rank_units_and_show_bias_and_logit(case):
    network, trace, ref = case
    label = trace.prediction
    why = class_contributions(network, trace, label, row=20)
    np.testing.assert_array_equal(why.shares, logit_contributions(network, trace, 20)[:, label])
    assert why.bias == float(network.dense_bias[label])
    assert_close(why.logit, ref["logits"][20, label])
    magnitudes = np.abs(why.shares[why.ranked()])
    assert sorted(why.ranked().tolist()) == list(range(network.units[-1]))
    assert np.all(np.diff(magnitudes) <= 0)
    np.testing.assert_array_equal(why.ranked(3), why.ranked()[:3])


@pytest.mark.parametrize("layer", [0, 1])
def test_top_inputs_and_recurrent_name_real_weights_and_values(case, layer):
    network, trace, ref = case
    w = network.layers[layer]
    u = w.units
    below = trace.layer_input(layer)   # the first layer's input: the scaled picture, checked below
    unit = u // 2
    story = unit_story(network, trace, layer, unit)
    for t in (0, 9, 27):
        for gate, name in enumerate("ifgo"):
            everything = story.top_inputs(t, gate, k=None)
            assert len(everything) == below.shape[1]
            assert_close(sum(c.product for c in everything), story.pre[t, gate, 0])
            for c in everything:
                assert c.weight == w.kernel[c.index, gate * u + unit]
                assert c.value == below[t, c.index]
                assert c.product == pytest.approx(c.weight * c.value, rel=1e-12, abs=1e-300)
            magnitudes = [abs(c.product) for c in everything]
            assert magnitudes == sorted(magnitudes, reverse=True)
            assert story.top_inputs(t, name) == everything[:5]

            recurrent = story.top_recurrent(t, name, k=None)
            assert len(recurrent) == u
            assert_close(sum(c.product for c in recurrent), story.pre[t, gate, 1])
            for c in recurrent:
                assert c.weight == w.recurrent_kernel[c.index, gate * u + unit]
                assert c.value == (trace.h[layer][t - 1, c.index] if t else 0.0)
            assert story.top_recurrent(t, gate, k=3) == recurrent[:3]


@pytest.mark.parametrize("forget_bias, expected_f", [(-200.0, 0.0), (200.0, 1.0)])
def test_retention_with_forget_gates_exactly_closed_or_open(forget_bias, expected_f):
    """f == 0 exactly must not turn into 0/0: R is built without dividing running products."""
    network = random_network(layers=2, units=8, forget_bias=forget_bias)
    trace = network.trace(random_image())
    assert all(np.all(gates[:, 1] == expected_f) for gates in trace.gates)
    for layer in range(2):
        r = retention(trace, layer)
        assert np.all(np.isfinite(r))
        upper = np.triu(np.ones((28, 28), bool), k=1)
        assert np.all(r[:, upper] == expected_f)
        assert np.all(r[:, np.eye(28, dtype=bool)] == 1.0)
        assert not r[:, np.tril(np.ones((28, 28), bool), k=-1)].any()
        for unit in range(8):
            story = unit_story(network, trace, layer, unit)
            np.testing.assert_array_equal(story.retention, r[unit])
            for t in range(28):
                assert_close(story.memory(t).sum(), story.c[t], scale=np.abs(story.c).max())


def test_first_and_upper_layers_read_different_inputs():
    network = random_network(layers=2, units=16)
    trace = network.trace(random_image())
    first, upper = unit_story(network, trace, 0, 3), unit_story(network, trace, 1, 3)
    assert first.inputs.shape == (28, 28) and first.input_weights.shape == (28, 4)
    np.testing.assert_array_equal(first.inputs, trace.image)
    assert upper.inputs.shape == (28, 16) and upper.input_weights.shape == (16, 4)
    np.testing.assert_array_equal(upper.inputs, trace.h[0])
    assert not first.pre[:3, :, 0].any()        # blank rows: no input term, only recurrent + bias
    assert unit_story(network, trace, -1, -1).layer == 1
    assert unit_story(network, trace, -1, -1).unit == 15
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.unit = 4


def test_the_first_layer_reads_the_scaled_picture():
    """Its input term is x' W with x' = (x - mean) / std, not the picture: blank rows read -mean/std."""
    network = random_network(layers=2, units=[12, 7], scaling=MNIST_SCALING)
    image = random_image()
    trace = network.trace(image)
    scaled = (image.astype(np.float64) - 0.1307) / 0.3081
    story = unit_story(network, trace, 0, 5)
    np.testing.assert_allclose(story.inputs, scaled, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(trace.image, image)           # the picture stays the picture
    weights = network.layers[0].kernel.astype(np.float64)[:, 5::12]
    assert_close(story.pre[:, :, 0], scaled @ weights)
    assert story.pre[:3, :, 0].all()                            # blank paper is not zero once scaled
    assert_close(story.pre[0, :, 0], np.full(28, -0.1307 / 0.3081) @ weights)
    everything = story.top_inputs(0, "g", k=None)
    assert all(c.value == pytest.approx(-0.1307 / 0.3081, rel=1e-6) for c in everything)


def test_a_trace_of_other_widths_or_other_scaling_is_refused():
    network = random_network(layers=2, units=[12, 7])
    trace = network.trace(random_image())
    narrower = random_network(layers=2, units=[12, 6])
    with pytest.raises(ValueError, match="was not made by this network"):
        unit_story(narrower, trace, 0, 0)
    with pytest.raises(ValueError, match="did not read what this network's reads"):
        unit_story(network.with_input_scaling(MNIST_SCALING), trace, 0, 0)
    scaled_trace = network.with_input_scaling(MNIST_SCALING).trace(random_image())
    with pytest.raises(ValueError, match="did not read"):
        logit_contributions(network, scaled_trace)


def test_bad_indices_and_mismatched_traces_say_what_is_wrong():
    network = random_network(layers=2, units=8)
    trace = network.trace(random_image())
    with pytest.raises(IndexError, match="layer 2 is out of range: there are 2"):
        unit_story(network, trace, 2, 0)
    with pytest.raises(IndexError, match="unit 8 is out of range"):
        unit_story(network, trace, 0, 8)
    with pytest.raises(IndexError, match="unit must be a whole number"):
        unit_story(network, trace, 0, 1.5)
    with pytest.raises(IndexError, match="layer -3 is out of range"):
        retention(trace, -3)
    with pytest.raises(IndexError, match="row 28 is out of range"):
        logit_contributions(network, trace, 28)
    with pytest.raises(IndexError, match="class 10 is out of range"):
        class_contributions(network, trace, 10)
    story = unit_story(network, trace, 0, 0)
    with pytest.raises(IndexError, match="row 28"):
        story.memory(28)
    with pytest.raises(ValueError, match="gate must be one of i, f, g, o"):
        story.top_inputs(0, "c")
    with pytest.raises(IndexError, match="gate 4"):
        story.top_recurrent(0, 4)
    with pytest.raises(ValueError, match="k must be 0 or more"):
        story.top_inputs(0, "i", k=-1)
    other = random_network(layers=3, units=8)
    with pytest.raises(ValueError, match="was not made by this network"):
        unit_story(other, trace, 0, 0)
    with pytest.raises(ValueError, match="was not made by this network"):
        logit_contributions(other, trace)

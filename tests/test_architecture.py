"""The one architecture check, on plain layer descriptions (no TensorFlow): every rule, its sentence."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from lstm_viewer.core.architecture import (
    WeightedLayer,
    check_architecture,
    check_weights,
    functional_chain,
    network_from_weights,
)
from lstm_viewer.core.errors import UnknownLayout, UnsupportedModel, UserError

FLOAT32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}


def lstm(name="lstm", units=8, **settings):
    config = {"name": name, "units": units, "activation": "tanh", "recurrent_activation": "sigmoid",
              "use_bias": True, "go_backwards": False, "stateful": False, "return_sequences": False,
              "return_state": False, "unroll": False, "dropout": 0.0, "recurrent_dropout": 0.0,
              "dtype": FLOAT32}
    return "LSTM", {**config, **settings}


def dense(name="dense", **settings):
    return "Dense", {"name": name, "units": 10, "activation": "softmax", "use_bias": True,
                     "dtype": FLOAT32, **settings}


def stack(layers=2, units=8):
    """InputLayer, LSTMs with Dropout between, the head: what ``train`` builds."""
    out = [("InputLayer", {"name": "rows", "batch_shape": [None, 28, 28], "dtype": "float32"})]
    for k in range(layers):
        out.append(lstm(f"layer_{k}", units, return_sequences=k < layers - 1))
        out.append(("Dropout", {"name": f"dropout_{k}", "rate": 0.1, "dtype": FLOAT32}))
    return out + [dense("softmax")]


def refusal(layers, **kwargs) -> str:
    with pytest.raises(UnsupportedModel) as info:
        check_architecture(layers, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_plain_stack_is_accepted_with_its_weighted_layers_in_order():
    plan = check_architecture(stack(layers=3, units=16), input_shape=(None, 28, 28), dtype_policy="float32")
    assert [(s.kind, s.position, s.name, s.inputs, s.units) for s in plan] == [
        ("lstm", 1, "layer_0", 28, 16), ("lstm", 3, "layer_1", 16, 16), ("lstm", 5, "layer_2", 16, 16),
        ("dense", 7, "softmax", 16, 10)]
    assert plan[0].shapes == ((28, 64), (16, 64), (64,)) and plan[-1].shapes == ((16, 10), (10,))


@pytest.mark.parametrize("settings", [
    {"unroll": True}, {"dropout": 0.5, "recurrent_dropout": 0.3}, {"unit_forget_bias": False},
    {"go_backwards": 0}, {"dtype": None}, {"dtype": "float32"}])
def test_settings_that_do_not_change_inference_are_accepted(settings):
    check_architecture([lstm(**settings), dense()])


def test_variable_length_input_and_no_input_layer_are_accepted():
    check_architecture([("InputLayer", {"name": "x", "batch_shape": [None, None, 28]}), lstm(), dense()])
    check_architecture([lstm(), dense()], input_shape=[None, 28, 28])
    check_architecture([lstm(), dense()])


@pytest.mark.parametrize("settings, words", [
    ({"go_backwards": True}, ["layer 'lstm'", "go_backwards=True", "backwards"]),
    ({"activation": "relu"}, ["layer 'lstm'", "activation='relu'", "tanh"]),
    ({"recurrent_activation": "hard_sigmoid"}, ["recurrent_activation='hard_sigmoid'", "sigmoid"]),
    ({"use_bias": False}, ["use_bias=False", "bias"]),
    ({"stateful": True}, ["stateful=True"]),
    ({"return_state": True}, ["return_state=True"]),
    ({"time_major": True}, ["time_major=True"]),
    ({"return_sequences": True}, ["top LSTM layer 'lstm'", "return_sequences=True"]),
    ({"go_backwards": "False"}, ["go_backwards='False'"]),   # a string is true to Keras
    ({"units": "8"}, ["units='8'"]),
    ({"dtype": {"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}}, ["'mixed_float16'"]),
    ({"dtype": "float16"}, ["'float16'", "float32"]),
    ({"dtype": "float64"}, ["'float64'"]),
])
def test_each_lstm_setting_that_changes_the_arithmetic_is_named(settings, words):
    message = refusal([lstm(**settings), dense()])
    for word in words:
        assert word in message, message


def test_every_lstm_below_the_top_must_return_sequences():
    message = refusal([lstm("a", return_sequences=False), lstm("b"), dense()])
    assert "layer 'a'" in message and "return_sequences=False" in message


@pytest.mark.parametrize("settings, words", [
    ({"activation": "sigmoid"}, ["head 'dense'", "activation='sigmoid'", "probabilities (softmax)"]),
    ({"activation": None}, ["activation=None"]),
    ({"units": 12}, ["12 units", "Dense(10, softmax)"]),
    ({"activation": "relu"}, ["head 'dense'", "activation='relu'", "logits"]),
    ({"use_bias": False}, ["head 'dense'", "no bias", "use_bias=False"]),
    ({"lora_rank": 4}, ["LoRA", "lora_rank=4"]),
    ({"quantization_config": {"mode": "int8"}}, ["quantized"]),
    ({"dtype": "mixed_bfloat16"}, ["layer 'dense'", "'mixed_bfloat16'"]),
])
def test_each_head_setting_is_named(settings, words):
    message = refusal([lstm(), dense(**settings)])
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("layers, words", [
    ([lstm(), ("Flatten", {"name": "flat"}), dense()], ["layer 'flat'", "Flatten"]),
    ([("GRU", {"name": "gru", "units": 8}), dense()], ["GRU"]),
    ([("Bidirectional", {"name": "bi"}), dense()], ["'bi'", "Bidirectional", "forward"]),
    ([("TimeDistributed", {"name": "td"}), lstm(), dense()], ["TimeDistributed"]),
    ([("custom LSTM", {"name": "lstm"}), dense()], ["custom LSTM"]),
    ([dense()], ["no LSTM layer"]),
    ([lstm()], ["no Dense(10, softmax) head", "'lstm'"]),
    ([lstm("a", return_sequences=True), dense("d1"), lstm("b"), dense("d2")],
     ["'d1'", "before the top LSTM"]),
    ([lstm(), dense(), ("Dropout", {"name": "late"})], ["'late'", "after the head"]),
    ([lstm(), dense("d1"), dense("d2")], ["'d2'", "after the head"]),
    ([lstm(), ("InputLayer", {"name": "late_input"}), dense()], ["'late_input'", "not the first"]),
    ([("InputLayer", {"name": "x", "batch_shape": [None, 28, 20]}), lstm(), dense()],
     ["(28, 20)", "(28, 28)"]),
    ([("InputLayer", {"name": "x", "batch_shape": [None, 784]}), lstm(), dense()], ["(784,)"]),
    ([("InputLayer", {"name": "x", "batch_shape": [None, 28, 28], "dtype": "float16"}), lstm(), dense()],
     ["layer 'x'", "'float16'"]),
])
def test_layers_and_order_the_app_cannot_show(layers, words):
    message = refusal(layers)
    for word in words:
        assert word in message, message


def test_the_models_own_shape_and_policy_count_too():
    assert "(28, 20)" in refusal([lstm(), dense()], input_shape=(None, 28, 20))
    assert "the model" in refusal([lstm(), dense()], dtype_policy="mixed_float16")
    assert "'float16'" in refusal([lstm(), dense()],
                                  dtype_policy={"class_name": "DTypePolicy", "config": {"name": "float16"}})


# --- weights ---------------------------------------------------------------------------------------

LAYER = WeightedLayer("lstm", 1, "lstm", inputs=28, units=4)
WEIGHTS_RNG = np.random.default_rng(0)   # good_weights' default: one generator for every call


def good_weights(rng=WEIGHTS_RNG):
    return [rng.normal(size=s).astype(np.float32) for s in LAYER.shapes]


def test_checked_weights_come_back_as_float32():
    arrays = good_weights()
    arrays[0] = arrays[0].astype(np.float64)
    checked = check_weights(LAYER, arrays)
    assert all(a.dtype == np.float32 for a in checked)
    np.testing.assert_array_equal(checked[1], arrays[1])


@pytest.mark.parametrize("damage, words", [
    (lambda w: w[:2], ["2 weight arrays, expected 3"]),
    (lambda w: w + [w[2]], ["4 weight arrays"]),
    (lambda w: [w[0].astype(np.int64), w[1], w[2]], ["kernel as int64", "not floating-point"]),
    (lambda w: [w[0], w[1], np.array(["a"] * 16)], ["bias as <U1"]),
    (lambda w: [w[0], w[1], w[2].astype(complex)], ["complex"]),
    (lambda w: [w[0], w[1][:3], w[2]], ["recurrent_kernel of shape (3, 16), expected (4, 16)"]),
    (lambda w: [w[0].T, w[1], w[2]], ["kernel of shape (16, 28)"]),
    (lambda w: [w[0], w[1], np.float32(1.0)], ["bias of shape ()"]),
])
def test_damaged_weights_are_one_sentence(damage, words):
    with pytest.raises(UserError) as info:
        check_weights(LAYER, damage(good_weights()))
    for word in words:
        assert word in str(info.value), str(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_nan_or_inf_weights_are_refused(bad):
    arrays = [a.astype(np.float64) for a in good_weights()]
    arrays[1][2, 3] = bad                            # 1e300 is inf once in float32
    with pytest.raises(UnsupportedModel,
                       match=r"layer 'lstm' weights hold NaN/inf values \(1 of 528 numbers\)"):
        check_weights(LAYER, arrays)


def test_network_from_weights_traces_like_a_float64_recomputation():
    rng = np.random.default_rng(3)
    plan = check_architecture([lstm(units=4), dense()])
    arrays = [check_weights(step, [rng.normal(size=s).astype(np.float32) for s in step.shapes])
              for step in plan]
    net = network_from_weights(plan, arrays, name="tiny")
    image = rng.random((28, 28))
    (kernel, recurrent, bias), (head, head_bias) = [[a.astype(np.float64) for a in w] for w in arrays]
    h, c = np.zeros(4), np.zeros(4)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    for row in image:
        z = row @ kernel + h @ recurrent + bias
        i, f, g, o = sigmoid(z[:4]), sigmoid(z[4:8]), np.tanh(z[8:12]), sigmoid(z[12:])
        c = f * c + i * g
        h = o * np.tanh(c)
    logits = h @ head + head_bias
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(net.trace(image).probs[-1], expected, atol=1e-6)
    assert net.name == "tiny"


# --- functional graphs -----------------------------------------------------------------------------

def tensor(source):
    return {"class_name": "__keras_tensor__", "config": {"shape": [None, 28, 8], "dtype": "float32",
                                                         "keras_history": [source, 0, 0]}}


def functional(kwargs_by_layer=None):
    """A functional config as Keras 3 writes it: input -> lstm -> dropout -> dense."""
    kwargs_by_layer = kwargs_by_layer or {}
    layers = [{"class_name": "InputLayer", "name": "img", "config": {"name": "img"}, "inbound_nodes": []}]
    previous = "img"
    for kind, name in (("LSTM", "lstm"), ("Dropout", "dropout"), ("Dense", "dense")):
        kwargs = kwargs_by_layer.get(name, {"training": False, "mask": None} if kind != "Dense" else {})
        layers.append({"class_name": kind, "name": name, "config": {"name": name},
                       "inbound_nodes": [{"args": [tensor(previous)], "kwargs": kwargs}]})
        previous = name
    return {"name": "functional", "layers": layers, "input_layers": [["img", 0, 0]],
            "output_layers": [["dense", 0, 0]]}


def test_a_chain_of_layers_is_read_in_order():
    config = functional()
    assert [e["name"] for e in functional_chain(config)] == ["img", "lstm", "dropout", "dense"]
    config["input_layers"], config["output_layers"] = ["img", 0, 0], ["dense", 0, 0]  # single form
    assert len(functional_chain(config)) == 4


def chain_refusal(config) -> str:
    with pytest.raises(UnsupportedModel) as info:
        functional_chain(config)
    return str(info.value)


def test_graphs_that_are_not_one_chain_are_refused():
    two_inputs = functional()
    two_inputs["input_layers"] = [["img", 0, 0], ["other", 0, 0]]
    assert "2 inputs" in chain_refusal(two_inputs)
    shared = functional()
    shared["layers"][1]["inbound_nodes"].append(shared["layers"][1]["inbound_nodes"][0])
    assert "'lstm' is used 2 times" in chain_refusal(shared)
    skip = functional()
    skip["layers"][3]["inbound_nodes"][0]["args"] = [[tensor("lstm"), tensor("dropout")]]
    assert "'dense' reads 'lstm' and 'dropout'" in chain_refusal(skip)
    reordered = functional()
    reordered["layers"][3]["inbound_nodes"][0]["args"] = [tensor("lstm")]
    assert "not just the layer before it ('dropout')" in chain_refusal(reordered)
    wrong_output = functional()
    wrong_output["output_layers"] = [["dropout", 0, 0]]
    assert "output is 'dropout'" in chain_refusal(wrong_output)


def test_calls_with_more_than_the_layer_below_are_refused():
    state = functional({"lstm": {"initial_state": [tensor("img"), tensor("img")], "mask": None}})
    assert "'lstm' is called with initial_state" in chain_refusal(state)
    mc = functional({"dropout": {"training": True}})
    message = chain_refusal(mc)
    assert "'dropout'" in message and "training=True" in message
    masked = functional({"lstm": {"mask": tensor("img")}})
    assert "called with mask" in chain_refusal(masked)


def test_unknown_node_forms_are_left_to_keras():
    keras2 = functional()
    keras2["layers"][1]["inbound_nodes"] = [[["img", 0, 0, {}]]]
    with pytest.raises(UnknownLayout):
        functional_chain(keras2)
    broken = functional()
    broken["layers"] = "not a list"
    with pytest.raises(UserError, match="no list of layers"):
        functional_chain(broken)


def test_the_check_does_not_change_its_input():
    layers = stack()
    before = copy.deepcopy(layers)
    check_architecture(layers)
    assert layers == before


@pytest.mark.parametrize("activation", ["softmax", "linear", "log_softmax"])
def test_heads_that_give_the_same_probabilities_are_accepted(activation):
    plan = check_architecture([lstm(), dense(activation=activation)])
    assert plan[-1].activation == activation


def test_layers_of_different_widths_are_accepted_each_reading_the_one_below():
    plan = check_architecture([lstm("a", 12, return_sequences=True), lstm("b", 7), dense()])
    assert [(s.inputs, s.units) for s in plan] == [(28, 12), (12, 7), (7, 10)]
    assert plan[1].shapes == ((12, 28), (7, 28), (28,))


@pytest.mark.parametrize("settings, words", [
    ({"peepholes": True}, ["layer 'lstm'", "peephole"]),
    ({"projection": 4}, ["layer 'lstm'", "projects its output to 4", "proj_size"]),
    ({"cell_clip": 3.0}, ["layer 'lstm'", "clips its cell state", "cell_clip"]),
])
def test_other_formats_cell_settings_are_refused_in_the_same_words(settings, words):
    message = refusal([lstm(**settings), dense()])
    for word in words:
        assert word in message, message


def test_a_rescaling_in_front_becomes_the_input_scaling():
    layers = [("Rescaling", {"name": "norm", "scale": 1 / 0.3081, "offset": -0.1307 / 0.3081}),
              lstm(), dense()]
    plan = check_architecture(layers)
    mean, std = plan[0].scaling
    assert plan[0].kind == "rescaling" and plan[0].shapes == ()
    assert mean == pytest.approx(0.1307) and std == pytest.approx(0.3081)
    weights = [[], [np.zeros((28, 32), np.float32), np.zeros((8, 32), np.float32),
                    np.zeros(32, np.float32)], [np.zeros((8, 10), np.float32), np.zeros(10, np.float32)]]
    network = network_from_weights(plan, [check_weights(s, w) for s, w in zip(plan, weights, strict=True)])
    assert network.input_scaling == pytest.approx((0.1307, 0.3081))


@pytest.mark.parametrize("layers, words", [
    ([lstm("a", return_sequences=True), ("Rescaling", {"name": "r", "scale": 2.0}), lstm("b"), dense()],
     ["'r'", "in front of the first LSTM"]),
    ([("Rescaling", {"name": "r", "scale": 0.0}), lstm(), dense()], ["'r'", "scale=0.0"]),
    ([("Rescaling", {"name": "r", "scale": [1.0, 2.0]}), lstm(), dense()], ["'r'", "one finite"]),
])
def test_a_rescaling_elsewhere_or_per_channel_is_refused(layers, words):
    message = refusal(layers)
    for word in words:
        assert word in message, message


def test_half_precision_weights_are_refused_by_name():
    plan = check_architecture([lstm(), dense()])
    half = [np.zeros(s, np.float16) for s in plan[0].shapes]
    with pytest.raises(UnsupportedModel, match="float16 .half precision.*float32"):
        check_weights(plan[0], half)

"""The state space against an independent float64 LSTM written here from the Keras equations:
states, axes, clouds, trajectories, neighbours and class means; the cache; cancelling."""
from __future__ import annotations

import os

import numpy as np
import pytest

from lstm_viewer.core.errors import UserError
from lstm_viewer.core.network import LstmWeights, Network
from lstm_viewer.statespace import (
    Cancelled,
    StateSpace,
    cache_dir,
    default_digits,
    offline_test_digits,
    storage,
)
from lstm_viewer.statespace import cache as disk
from lstm_viewer.statespace.batched import hidden_states

DIGITS = 300
STORAGE = storage.MAX_ERROR + 1e-5   # stored states: the 16-bit code's rounding, plus float32's noise


def random_network(layers=2, units=16, seed=0, scaling=None) -> Network:
    """Every weight random (biases too), so every term of the LSTM matters. ``units``: one width
    for every layer, or a list of each layer's."""
    rng = np.random.default_rng(seed)
    widths = [units] * layers if isinstance(units, int) else list(units)
    lstms, inputs = [], 28
    for u in widths:
        lstms.append(LstmWeights(rng.normal(0, 0.5, (inputs, 4 * u)),
                                 rng.normal(0, 0.5, (u, 4 * u)), rng.normal(0, 0.5, 4 * u)))
        inputs = u
    return Network(lstms, rng.normal(0, 0.5, (inputs, 10)), rng.normal(0, 0.5, 10), name="random",
                   input_scaling=scaling)


def reference_states(network: Network, images: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """float64 h, one (28, n, units) array per layer, and final softmax (n, 10), straight from the
    equations: x' = (x - mean) / std when the model scales its input; z = x W + h U + b split
    i, f, g, o; c = f c + i g; h = o tanh(c)."""
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))
    x = images.astype(np.float64) / 255.0
    if network.input_scaling is not None:
        mean, std = network.input_scaling
        x = (x - mean) / std
    hs = []
    for w in network.layers:
        kernel, recurrent, bias = (a.astype(np.float64) for a in (w.kernel, w.recurrent_kernel, w.bias))
        u = w.units
        h = np.zeros((len(x), u))
        c = np.zeros((len(x), u))
        seq = []
        for t in range(28):
            z = x[:, t] @ kernel + h @ recurrent + bias
            i, f = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u])
            g, o = np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
            c = f * c + i * g
            h = o * np.tanh(c)
            seq.append(h)
        x = np.stack(seq, axis=1)
        hs.append(np.stack(seq))
    logits = x[:, -1] @ network.dense_kernel.astype(np.float64) + network.dense_bias
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return hs, probs / probs.sum(axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache folder (platformdirs honours XDG_CACHE_HOME)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "lstm-viewer"


@pytest.fixture(scope="module")
def digits():
    shipped = offline_test_digits()
    return shipped.images[:DIGITS], shipped.labels[:DIGITS]


@pytest.fixture(scope="module")
def network():
    return random_network()


@pytest.fixture(scope="module")
def reference(network, digits):
    return reference_states(network, digits[0])


@pytest.fixture(scope="module")
def space(network, digits):
    return StateSpace.build(network, *digits, cache=False, threads=2)


def test_every_state_matches_the_float64_lstm(space, reference):
    states, probs = reference
    assert (space.n, space.layers, space.units) == (DIGITS, 2, [16, 16])
    for layer in range(space.layers):
        for row in range(28):
            h = space.hidden(layer, row)
            assert h.dtype == np.float32 and h.shape == (DIGITS, 16)
            np.testing.assert_allclose(h, states[layer][row], rtol=0, atol=STORAGE)
    np.testing.assert_array_equal(space.predictions, probs.argmax(axis=1))


def test_digits_inked_from_the_first_row_and_empty_digits(network, digits):
    """The loop starts at each chunk's first inked row: check the ends of that range too."""
    images = digits[0][:40].copy()
    images[0] = 0                       # empty: every row is the empty digit's
    images[1, 0, 10:14] = 200           # ink in row 0: nothing to skip
    images[2, 27, 3] = 90               # ink only in the last row
    states, probs = reference_states(network, images)
    for chunk in (1, 3, 256):           # chunks of one digit, of a few, of all
        out = [np.empty((28, len(images), 16), storage.DTYPE) for _ in range(2)]
        result = hidden_states(network, images, out, chunk=chunk, threads=2)
        for codes, expected in zip(out, states, strict=True):
            np.testing.assert_allclose(storage.decode(codes), expected, rtol=0, atol=STORAGE)
        np.testing.assert_array_equal(result.predictions, probs.argmax(axis=1))


def test_the_stored_codes_are_within_half_a_step():
    h = np.array([-1.0, -0.99999, -0.5, -1e-7, 0.0, 3e-6, 0.25, 0.123456, 1.0], np.float32)
    codes = np.empty(h.shape, storage.DTYPE)
    codes[:] = storage.encode(h, np.empty_like(h))
    assert codes[0] == -32767 and codes[-1] == 32767 and codes[4] == 0
    assert np.max(np.abs(storage.decode(codes) - h)) <= storage.MAX_ERROR


def test_axes_are_the_principal_components_of_the_pooled_states(space, reference):
    states = reference[0]
    for layer in range(space.layers):
        pooled = states[layer].reshape(-1, space.units[layer])
        covariance = np.cov(pooled, rowvar=False, bias=True)
        values = np.linalg.eigvalsh(covariance)[::-1]
        comps = space.components(layer).astype(np.float64)
        k = len(comps)
        assert k == 10 and comps.shape == (k, space.units[layer])
        np.testing.assert_allclose(space.mean(layer), pooled.mean(axis=0), atol=1e-5)
        np.testing.assert_allclose(comps @ comps.T, np.eye(k), atol=1e-6)     # orthonormal
        for v, expected in zip(comps, values, strict=False):            # the top k eigenvectors, in order
            np.testing.assert_allclose(covariance @ v, expected * v, atol=1e-5 * values[0])
        np.testing.assert_allclose(space.explained(layer), values[:k] / values.sum(), atol=1e-6)
        # The sign rule: each axis's largest coordinate is positive.
        assert np.all(comps[np.arange(k), np.abs(comps).argmax(axis=1)] > 0)
        # This model's top two eigenvalues are well apart, so the axes themselves are determined.
        assert values[0] - values[1] > 0.05 * values[0] and values[1] - values[2] > 0.05 * values[0]


def test_the_cloud_is_every_digits_state_projected(space, reference):
    states = reference[0]
    for layer in range(space.layers):
        axes = space.components(layer)[:2].astype(np.float64)
        for row in (0, 9, 27):
            expected = (states[layer][row] - space.mean(layer)) @ axes.T
            cloud = space.cloud(layer, row)
            assert cloud.shape == (DIGITS, 2)
            np.testing.assert_allclose(cloud, expected, atol=4 * STORAGE)
            assert not cloud.flags.writeable                                   # shared, not a copy


def test_a_traces_trajectory_is_its_h_on_the_first_two_axes(space, network, reference, digits):
    images = digits[0]
    for n in (0, 7):
        trace = network.trace(images[n] / 255.0)
        for layer in range(space.layers):
            path = space.project(trace, layer)
            assert path.shape == (28, 2)
            exact = (trace.h[layer] - space.mean(layer)) @ space.components(layer)[:2].T
            np.testing.assert_array_equal(path, exact)
            # ... and the float64 LSTM's states give the same points.
            axes = space.components(layer)[:2].T.astype(float)
            expected = (reference[0][layer][:, n] - space.mean(layer)) @ axes
            np.testing.assert_allclose(path, expected, atol=1e-5)
            # A test digit's own point in the cloud is where its trajectory passes.
            np.testing.assert_allclose(space.cloud(layer, 12)[n], path[12], atol=4 * STORAGE)


def test_neighbours_are_the_nearest_states_in_the_full_space(space, network, reference, digits):
    images = digits[0]
    states = reference[0]
    trace = network.trace(images[3] / 255.0)
    for layer, row in ((0, 5), (1, 14), (1, 27)):
        query = trace.h[layer][row].astype(np.float64)
        stored = np.linalg.norm(space.hidden(layer, row).astype(np.float64) - query, axis=1)
        exact = np.linalg.norm(states[layer][row] - query, axis=1)
        indices, distances = space.neighbours(trace, layer, row, k=8, return_distances=True)
        np.testing.assert_allclose(distances, stored[indices], rtol=1e-5, atol=1e-6)
        # The k nearest: their distances are the k smallest (float32 may order a near-tie
        # differently from float64, so compare distances, not the order of equals).
        np.testing.assert_allclose(distances, np.sort(stored)[:8], rtol=1e-5, atol=1e-6)
        assert np.all(np.diff(distances) >= 0)
        # The float64 LSTM's states give the same distances to within the storage's rounding.
        np.testing.assert_allclose(distances, np.sort(exact)[:8], atol=4 * STORAGE * 4)
        assert indices[0] == 3                      # the digit itself, at a rounding's distance
        assert distances[0] < 4 * STORAGE * 4
        np.testing.assert_array_equal(space.neighbours(trace, layer, row, k=8), indices)
        without = space.neighbours(trace, layer, row, k=7, exclude=3)
        np.testing.assert_array_equal(without, indices[1:])


def test_neighbours_of_a_drawn_digit_not_among_them(space, network):
    drawn = np.zeros((28, 28))
    drawn[6:22, 13:15] = 1.0                          # a stroke: a "1" of sorts
    trace = network.trace(drawn)
    indices, distances = space.neighbours(trace, 1, 27, k=5, return_distances=True)
    stored = np.linalg.norm(space.hidden(1, 27).astype(np.float64) - trace.h[1][27], axis=1)
    np.testing.assert_allclose(distances, stored[indices], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(distances, np.sort(stored)[:5], rtol=1e-5, atol=1e-6)
    assert np.all(np.diff(distances) >= 0)


def test_selectivity_is_each_classs_mean_state(space, reference, digits):
    labels = digits[1]
    states = reference[0]
    for layer, row in ((0, 3), (1, 20), (1, 27)):
        table = space.selectivity(layer, row)
        assert table.shape == (10, space.units[layer])
        for digit in range(10):
            np.testing.assert_allclose(table[digit], states[layer][row, labels == digit].mean(axis=0),
                                       atol=STORAGE)
        assert not table.flags.writeable


def test_a_class_without_digits_has_no_mean(network, digits):
    images, labels = digits
    keep = labels != 4
    space = StateSpace.build(network, images[keep], labels[keep], cache=False)
    table = space.selectivity(0, 10)
    assert np.all(np.isnan(table[4])) and np.all(np.isfinite(np.delete(table, 4, axis=0)))


def test_the_axes_are_the_same_bit_for_bit_however_built(space, network, digits):
    """Two builds, and builds with one thread or with chunks finishing in another order."""
    for threads in (2, 1, 3):
        again = StateSpace.build(network, *digits, cache=False, threads=threads)
        for layer in range(space.layers):
            np.testing.assert_array_equal(again.mean(layer), space.mean(layer))
            np.testing.assert_array_equal(again.components(layer), space.components(layer))
            np.testing.assert_array_equal(again.explained(layer), space.explained(layer))
            np.testing.assert_array_equal(again.cloud(layer, 27), space.cloud(layer, 27))
        np.testing.assert_array_equal(again.predictions, space.predictions)


def test_float_images_in_0_1_give_the_same_space(space, network, digits):
    images, labels = digits
    again = StateSpace.build(network, images.astype(np.float32) / 255.0, labels, cache=False)
    np.testing.assert_array_equal(again.hidden(1, 27), space.hidden(1, 27))
    np.testing.assert_array_equal(again.components(1), space.components(1))


@pytest.mark.parametrize("units, scaling", [([12, 7], None), ([16, 16], (0.1307, 0.3081)),
                                            ([12, 7], (0.1307, 0.3081))])
def test_layers_of_other_widths_and_scaled_input_match_the_float64_lstm(digits, units, scaling):
    """Each layer is a space of its own width; a scaled model's pass reads (x - mean) / std."""
    network = random_network(units=units, seed=3, scaling=scaling)
    images, labels = digits
    space = StateSpace.build(network, images, labels, cache=False, threads=2)
    states, probs = reference_states(network, images)
    assert space.units == units and space.layers == 2
    np.testing.assert_array_equal(space.predictions, probs.argmax(axis=1))
    for layer, u in enumerate(units):
        for row in range(28):
            assert space.hidden(layer, row).shape == (DIGITS, u)
            np.testing.assert_allclose(space.hidden(layer, row), states[layer][row], rtol=0, atol=STORAGE)
        pooled = states[layer].reshape(-1, u)
        assert space.components(layer).shape == (min(10, *units), u)
        np.testing.assert_allclose(space.mean(layer), pooled.mean(axis=0), atol=1e-5)
        assert space.selectivity(layer, 20).shape == (10, u)
        np.testing.assert_allclose(space.selectivity(layer, 20)[labels[0]],
                                   states[layer][20, labels == labels[0]].mean(axis=0), atol=STORAGE)
        trace = network.trace(images[5] / 255.0)
        exact = (trace.h[layer] - space.mean(layer)) @ space.components(layer)[:2].T
        np.testing.assert_array_equal(space.project(trace, layer), exact)
        np.testing.assert_allclose(space.cloud(layer, 27)[5], exact[27], atol=4 * STORAGE)
        nearest, distances = space.neighbours(trace, layer, 27, k=3, return_distances=True)
        brute = np.linalg.norm(states[layer][27] - trace.h[layer][27], axis=1)
        assert nearest[0] == 5
        np.testing.assert_allclose(distances, np.sort(brute)[:3], atol=4 * STORAGE * 4)


def test_a_scaled_model_never_reuses_the_unscaled_cache(digits, private_cache):
    images, labels = digits
    plain = random_network(units=[12, 7], seed=3)
    scaled = plain.with_input_scaling((0.1307, 0.3081))
    first = StateSpace.build(plain, images, labels)
    progress = Counter()
    second = StateSpace.build(scaled, images, labels, progress=progress)
    assert second.key != first.key and progress.calls and not second.from_cache
    assert not np.array_equal(second.hidden(0, 20), first.hidden(0, 20))
    again = StateSpace.build(scaled, images, labels)
    assert again.from_cache
    _same(again, StateSpace.build(scaled, images, labels, cache=False))


# --- the cache ---------------------------------------------------------------------------------

class Counter:
    def __init__(self):
        self.calls = []

    def __call__(self, done, total):
        self.calls.append((done, total))


def _same(a: StateSpace, b: StateSpace) -> None:
    for layer in range(a.layers):
        for name in ("mean", "components", "explained"):
            np.testing.assert_array_equal(getattr(a, name)(layer), getattr(b, name)(layer))
        for row in (0, 13, 27):
            for query in ("hidden", "cloud", "selectivity"):
                np.testing.assert_array_equal(getattr(a, query)(layer, row), getattr(b, query)(layer, row))
    np.testing.assert_array_equal(a.predictions, b.predictions)


def test_the_second_build_loads_from_the_cache_without_computing(network, digits, private_cache):
    first_progress = Counter()
    first = StateSpace.build(network, *digits, progress=first_progress)
    assert first_progress.calls and first_progress.calls[-1] == (DIGITS, DIGITS)
    assert all(a[0] < b[0] for a, b in zip(first_progress.calls, first_progress.calls[1:], strict=False))
    assert not first.from_cache
    files = sorted(p.name for p in private_cache.iterdir())
    assert files == [f"statespace-{first.key}.npy", f"statespace-{first.key}.npz"]
    assert cache_dir() == private_cache
    mode = (private_cache / files[0]).stat().st_mode & 0o777
    assert mode == 0o666 & ~_umask()                  # an ordinary file, not a private temp file

    second_progress = Counter()
    second = StateSpace.build(network, *digits, progress=second_progress,
                              check=lambda: pytest.fail("a cached build asks nothing"))
    assert second.from_cache and second_progress.calls == []
    _same(first, second)
    # Memory-mapped, read-only: a loaded space costs memory only for the rows looked at.
    assert isinstance(second._states, np.memmap) and not second._states.flags.writeable
    uncached = StateSpace.build(network, *digits, cache=False)
    _same(uncached, second)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("damage", ["truncate states", "overwrite states", "garbage meta", "empty meta",
                                    "foreign meta", "no states", "wrong shape", "wrong type"])
def test_a_damaged_cache_is_rebuilt_not_a_crash(network, digits, private_cache, damage):
    first = StateSpace.build(network, *digits)
    states_path = private_cache / f"statespace-{first.key}.npy"
    meta_path = states_path.with_suffix(".npz")
    if damage == "truncate states":
        with open(states_path, "r+b") as fh:
            fh.truncate(states_path.stat().st_size // 2)
    elif damage == "overwrite states":
        # Damaged in place at the same size (a bad sector, another program): only the CRC tells.
        size = states_path.stat().st_size
        with open(states_path, "r+b") as fh:
            fh.seek(size // 2)
            fh.write(os.urandom(min(4096, size // 4)))
    elif damage == "garbage meta":
        meta_path.write_bytes(os.urandom(500))
    elif damage == "empty meta":
        meta_path.write_bytes(b"")
    elif damage == "foreign meta":
        # Another model's entry copied under this key's name.
        other = StateSpace.build(random_network(seed=1), *digits)
        os.replace(private_cache / f"statespace-{other.key}.npz", meta_path)
    elif damage == "no states":
        states_path.unlink()
    elif damage == "wrong shape":
        np.save(states_path, np.zeros((2, 28, 5, 16), storage.DTYPE))
    elif damage == "wrong type":
        np.save(states_path, np.zeros(storage.size([16, 16], DIGITS), np.float16))
    progress = Counter()
    rebuilt = StateSpace.build(network, *digits, progress=progress)
    assert progress.calls and not rebuilt.from_cache
    # (``first`` maps the file damaged in place: compare with a build that never saw it.)
    _same(StateSpace.build(network, *digits, cache=False), rebuilt)
    assert StateSpace.build(network, *digits).from_cache      # and written again, whole


def test_another_model_or_other_digits_get_their_own_entry(network, digits, private_cache):
    images, labels = digits
    first = StateSpace.build(network, images, labels)
    changed = random_network(seed=0)
    changed.layers[1].bias[5] += 1e-3                         # one weight, barely
    progress = Counter()
    other_model = StateSpace.build(changed, images, labels, progress=progress)
    assert progress.calls and other_model.key != first.key
    relabelled = labels.copy()
    relabelled[0] = (relabelled[0] + 1) % 10
    other_labels = StateSpace.build(network, images, relabelled)
    fewer = StateSpace.build(network, images[:-1], labels[:-1])
    assert len({first.key, other_model.key, other_labels.key, fewer.key}) == 4
    assert not (other_labels.from_cache or fewer.from_cache)
    assert len(list(private_cache.glob("statespace-*.npz"))) == disk.KEEP   # the oldest pruned
    assert StateSpace.build(network, images[:-1], labels[:-1]).from_cache


def test_an_unwritable_cache_folder_only_means_no_cache(network, digits, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    space = StateSpace.build(network, *digits)
    assert space.n == DIGITS and not space.from_cache


# --- cancelling --------------------------------------------------------------------------------

def _stop_when(condition):
    """A ``check`` that raises ``Cancelled`` once ``condition()`` is true."""
    def check():
        if condition():
            raise Cancelled()
    return check


def test_cancel_stops_within_one_batch_and_caches_nothing(network, private_cache):
    images = np.tile(offline_test_digits().images, (3, 1, 1))        # 3,000 digits: 12 chunks
    labels = np.tile(offline_test_digits().labels, 3)
    progress = Counter()
    with pytest.raises(Cancelled):
        StateSpace.build(network, images, labels, progress=progress,
                         check=_stop_when(lambda: bool(progress.calls)), threads=2)
    # Stop is asked after the first chunk; only the chunks already running then (one per thread) may
    # still report (two can finish in the same wait), and no chunk is started after it: 2 of 12 at most.
    assert 1 <= len(progress.calls) <= 2
    assert progress.calls[-1][0] <= 2 * 256
    assert not private_cache.exists() or not list(private_cache.iterdir())


def test_stop_asked_before_anything_runs(network, digits):
    progress = Counter()
    with pytest.raises(Cancelled):
        StateSpace.build(network, *digits, progress=progress, check=_stop_when(lambda: True))
    assert progress.calls == []


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("images, labels, words", [
    (np.zeros((10, 28, 27), np.uint8), np.zeros(10, int), "shape"),
    (np.zeros((10, 28, 28), np.uint8), np.zeros(9, int), "one integer label per digit"),
    (np.zeros((10, 28, 28), np.uint8), np.full(10, 10), "0-9"),
    (np.full((10, 28, 28), 255.0), np.zeros(10, int), "floats in [0, 1]"),
    (np.zeros((1, 28, 28), np.uint8), np.zeros(1, int), "at least 2 digits"),
])
def test_bad_digits_are_one_plain_sentence(network, images, labels, words):
    with pytest.raises(UserError, match=None) as caught:
        StateSpace.build(network, images, labels, cache=False)
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_layer_and_row_out_of_range(space, network, digits):
    trace = network.trace(digits[0][0] / 255.0)
    with pytest.raises(IndexError):
        space.cloud(2, 0)
    with pytest.raises(IndexError):
        space.neighbours(trace, 0, 28)
    with pytest.raises(ValueError, match="another model"):
        space.project(random_network(units=8).trace(digits[0][0] / 255.0), 0)


# --- the digits --------------------------------------------------------------------------------

def test_the_shipped_digits_are_100_of_each_class_from_the_test_set(mnist):
    shipped = offline_test_digits()
    assert shipped.images.shape == (1000, 28, 28) and shipped.images.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(shipped.labels), [100] * 10)
    with np.load(__import__("lstm_viewer.core.assets", fromlist=["asset_path"]).asset_path(
            "testdigits.npz")) as raw:
        indices = raw["indices"]
    assert np.all(np.diff(indices) > 0)
    np.testing.assert_array_equal(shipped.images, mnist.x_test[indices])
    np.testing.assert_array_equal(shipped.labels, mnist.y_test[indices])


def test_default_digits_are_the_full_test_set_when_mnist_is_there(mnist_path, monkeypatch):
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(mnist_path))
    full = default_digits()
    assert full.images.shape == (10000, 28, 28) and len(full.labels) == 10000
    assert "MNIST test set" in full.source


def test_default_digits_offline_are_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.delenv("LSTM_VIEWER_MNIST", raising=False)
    offline = default_digits()
    assert offline.images.shape == (1000, 28, 28) and "shipped" in offline.source
    monkeypatch.setenv("LSTM_VIEWER_MNIST", str(tmp_path / "nowhere"))
    fallback = default_digits()
    assert fallback.images.shape == (1000, 28, 28)
    assert "could not be read" in fallback.source and "\n" not in fallback.source


def _neighbours_by_differences(space, trace, layer, row, k, exclude=None):
    """Every digit's squared distance from its difference, the k smallest, ties to the lower index:
    what ``neighbours`` computed before it estimated candidates with one matrix-vector product."""
    difference = space.hidden(layer, row)
    difference -= trace.h[layer][row]
    squared = np.einsum("ij,ij->i", difference, difference)
    if exclude is not None:
        squared[exclude] = np.inf
    order = np.lexsort((np.arange(len(squared)), squared))
    return order[:k], np.sqrt(squared[order[:k]].astype(np.float64))


def test_neighbours_found_from_estimates_are_those_of_every_difference(space, network, digits):
    """The candidates' estimate (|x|² − 2x·q + |q|²) cancels for near states; within its bound the
    answer must be exactly that of measuring every digit, ties included (digits whose first rows are
    blank share their early states exactly)."""
    images = digits[0]
    drawn = np.zeros((28, 28))
    drawn[6:22, 13:15] = 1.0
    traces = [(network.trace(images[n] / 255.0), n) for n in (0, 3, 7)] + [(network.trace(drawn), None)]
    for trace, own in traces:
        for layer in range(space.layers):
            for row in (0, 2, 4, 9, 14, 20, 27):
                for k in (1, 5, 8):
                    for exclude in {None, own}:
                        found, distances = space.neighbours(trace, layer, row, k=k, exclude=exclude,
                                                            return_distances=True)
                        expected, expected_distances = _neighbours_by_differences(
                            space, trace, layer, row, k, exclude)
                        np.testing.assert_array_equal(found, expected)
                        np.testing.assert_array_equal(distances, expected_distances)

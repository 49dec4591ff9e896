"""One digit-set type for the whole app (``core.digits``): the shipped samples, the shipped 1,000, the
full MNIST test set, and the model's answers for a set."""
from __future__ import annotations

import numpy as np
import pytest

from gui_support import random_network
from lstm_viewer.core.digits import (
    DigitSet,
    load_mnist_test_set,
    load_samples,
    offline_test_digits,
    predict_all,
)
from lstm_viewer.core.errors import UserError


def test_the_shipped_sets_are_digit_sets_with_their_mnist_indices():
    samples, offline = load_samples(), offline_test_digits()
    for digits, size in ((samples, 200), (offline, 1000)):
        assert isinstance(digits, DigitSet) and len(digits) == size
        assert digits.images.dtype == np.uint8 and digits.images.shape == (size, 28, 28)
        assert digits.ids.shape == (size,) and digits.source
    assert np.bincount(offline.labels).tolist() == [100] * 10
    np.testing.assert_array_equal(samples.image(3), samples.images[3].astype(np.float32) / 255)


def test_the_full_test_set_keeps_its_indices(mnist_path):
    full = load_mnist_test_set(mnist_path)
    assert len(full) == 10000 and full.ids.tolist() == list(range(10000))
    shipped = offline_test_digits()   # the shipped digits are those test digits, by index
    np.testing.assert_array_equal(full.images[shipped.ids], shipped.images)


def test_damaged_or_missing_files_say_so(tmp_path):
    assert load_samples(tmp_path / "none.npz") is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UserError, match="cannot read the shipped digits"):
        load_samples(broken)


def test_predict_all_is_the_networks_answer_for_each_digit():
    network, samples = random_network([8]), load_samples()
    answers = predict_all(network, samples)
    expected = [int(np.argmax(network.trace(samples.image(k)).probs[-1])) for k in range(10)]
    assert answers[:10].tolist() == expected

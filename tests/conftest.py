"""Shared fixtures: where MNIST is, and small models trained once per session."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _mnist_path() -> Path | None:
    chosen = os.environ.get("LSTM_VIEWER_MNIST") or str(ROOT.parent / "shared" / "mnist")
    return Path(chosen) if Path(chosen).exists() else None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = _mnist_path()
    if path is None:
        pytest.skip("MNIST not found: set LSTM_VIEWER_MNIST")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from lstm_viewer.core.data import load_mnist
    return load_mnist(mnist_path)


@pytest.fixture(scope="session")
def trained_model_path(tmp_path_factory, mnist) -> Path:
    """A small model trained with the project's own training function (a few seconds)."""
    from lstm_viewer.ml.training import TrainConfig, save_model, train
    result = train(TrainConfig(layers=2, units=32, epochs=1, limit=3000, batch_size=64, lr=3e-3,
                               seed=3), mnist)
    return save_model(result.model, tmp_path_factory.mktemp("models") / "small.keras")


@pytest.fixture(scope="session")
def functional_model_path(tmp_path_factory, trained_model_path) -> Path:
    """The trained model rebuilt as a functional Keras model: a file the direct reader declines."""
    keras = pytest.importorskip("keras")
    seq = keras.saving.load_model(trained_model_path)
    inputs = keras.Input((28, 28))
    x = inputs
    for layer in seq.layers:
        x = layer(x)
    path = tmp_path_factory.mktemp("functional") / "functional.keras"
    keras.Model(inputs, x).save(path)
    return path


def randomised_keras_model(layers: int = 2, units: int = 16, seed: int = 0, keep_prob: float = 1.0):
    """An untrained model with all weights (biases too) random, so every term of the LSTM matters."""
    from lstm_viewer.ml.training import TrainConfig, build_model
    model = build_model(TrainConfig(layers=layers, units=units, seed=seed, keep_prob=keep_prob))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


@pytest.fixture(scope="session")
def random_model_path(tmp_path_factory) -> Path:
    from lstm_viewer.ml.training import save_model
    return save_model(randomised_keras_model(layers=3, units=24, keep_prob=0.8),
                      tmp_path_factory.mktemp("random") / "random.keras")

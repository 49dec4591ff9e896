"""The digit picker's data: real MNIST digits to look at, the bundled samples and, when the data is
there, the full test set (``input.digit_picker`` shows them, ``input.digit_library`` has them loaded
and scored by the session, which is why they live here, beside it).

No Qt here: these functions run in worker threads. TensorFlow is never imported: the full test set is
offered only from a file we can read ourselves (``$LSTM_VIEWER_MNIST`` or an existing Keras cache).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.assets import samples_path
from ...core.errors import UserError
from ...core.network import Network


@dataclass
class DigitSet:
    """Digits with their true labels; ``predicted`` is filled in for the current model."""

    name: str
    images: np.ndarray            # uint8 (n, 28, 28), white ink on black as published
    labels: np.ndarray            # (n,)
    ids: np.ndarray               # (n,) index into the MNIST test set
    predicted: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def image(self, k: int) -> np.ndarray:
        """Digit ``k`` as the network's (28, 28) float32 input in [0, 1]."""
        return self.images[k].astype(np.float32) / 255.0


def load_samples(path: Path | None = None) -> DigitSet | None:
    """The bundled samples, or None when the file isn't there (a source checkout without assets)."""
    path = samples_path() if path is None else Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
            ids = archive["indices"] if "indices" in archive.files else np.arange(len(labels))
    except Exception as exc:
        raise UserError(f"{path}: cannot read the sample digits ({type(exc).__name__})") from None
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(labels) != len(images):
        raise UserError(f"{path}: sample digits have shape {images.shape}, expected (n, 28, 28)")
    return DigitSet("samples", images.astype(np.uint8), labels.astype(int), ids.astype(int))


def test_set_source() -> Path | None:
    """Where the full test set can be read without TensorFlow, or None."""
    from ...core.data import resolve_source
    chosen = resolve_source(None)
    if chosen is not None:
        return chosen if chosen.exists() else None
    cache = Path.home() / ".keras" / "datasets" / "mnist.npz"
    return cache if cache.is_file() else None


def load_test_set(source: Path) -> DigitSet:
    from ...core.data import load_test_set as _load
    images, labels = _load(source)
    return DigitSet("MNIST test set", images, labels.astype(int), np.arange(len(labels)))


def predict_all(network: Network, digits: DigitSet) -> np.ndarray:
    """The model's answer for every digit (batched numpy, no trace kept)."""
    return network.predict(digits.images.astype(np.float32) / 255.0).argmax(axis=1)

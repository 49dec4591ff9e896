"""lstm-viewer: watch a stacked LSTM read a handwritten digit one pixel row at a time.

Importing this package imports neither TensorFlow nor Qt::

    from lstm_viewer import load_network
    net = load_network("model.keras")
    tr = net.trace(img28)        # tr.h, tr.c: (layers, 28, units); tr.gates: (layers, 28, 4, units)

Layers (see README, "Architecture"): ``core`` (numpy, h5py, Pillow), ``analysis`` and
``statespace`` (numpy, on the core), ``ml`` (the only place TensorFlow is imported), ``gui`` (Qt).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time Network is imported on first use (__getattr__ below)
    from .core.network import Network


def __getattr__(name: str):
    # Imported on first use, so that ``python -m lstm_viewer`` reaches its Ctrl+C guard
    # (``__main__.main``) before numpy starts loading.
    if name in ("Network", "Trace"):
        from .core import network
        return getattr(network, name)
    if name == "__version__":
        from importlib import metadata
        try:
            return metadata.version("lstm-viewer")
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'lstm_viewer' has no attribute {name!r}")


def load_network(path: str | os.PathLike | None = None, *, forget_bias: float | None = None,
                 normalize: tuple[float, float] | None = None) -> Network:
    """Open a model of any format lstm-viewer reads as a numpy ``Network`` (the default model when
    ``path`` is None), recognised by its content: a Keras ``.keras`` or ``.h5`` file, a TensorFlow 1
    checkpoint (its folder, ``checkpoint`` file, prefix, or any of its files), a PyTorch file
    (``torch.save``, zip or legacy) or ``.safetensors``.

    ``forget_bias``: for a TF1 checkpoint, the constant its cells add to f (default: read from the
    ``.meta`` graph, else 1.0). ``normalize=(mean, std)``: the first layer reads ``(x - mean) / std``
    (default: what the file records, else [0, 1]). Nothing from the file is executed. A file the app
    cannot compute exactly raises ``UserError`` (one sentence), never anything else. Only Keras 2
    ``.h5`` files and unusual ``.keras`` layouts import TensorFlow.
    """
    from pathlib import Path

    from .core.assets import default_model_path
    from .core.errors import UnknownLayout
    from .core.readers import ReadOptions, finish, read_model
    options = ReadOptions(forget_bias=forget_bias,
                          normalize=None if normalize is None else tuple(normalize))
    path = Path(path) if path is not None else default_model_path()
    try:
        return read_model(path, options)
    except UnknownLayout:
        from .ml.keras_bridge import load_network_via_keras  # TensorFlow only for unusual files
        return finish(load_network_via_keras(path), "Keras model", options)


def load_history(path: str | os.PathLike):
    """The training history kept in a ``.keras`` file (``core.history.TrainingHistory``: ``steps``,
    ``epochs``, ``loss``, ``accuracy``, ``network(i)``); ``UserError`` when the file has none."""
    from .core.history import load_history as read
    return read(path)


__all__ = ["Network", "Trace", "load_history", "load_network", "__version__"]

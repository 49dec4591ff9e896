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


def load_network(path: str | os.PathLike | None = None) -> Network:
    """Open a ``.keras`` model as a numpy ``Network`` (the default model when ``path`` is None).

    Read directly (no TensorFlow) when the archive's layout is the usual one; through Keras only for
    layouts the direct reader does not know. Either way the one architecture check decides, and a
    bad file raises ``UserError`` (one sentence), never anything else.
    """
    from pathlib import Path

    from .core.kerasfile import UnknownLayout, default_model_path, read_keras_file
    path = Path(path) if path is not None else default_model_path()
    try:
        return read_keras_file(path)
    except UnknownLayout:
        from .ml.keras_bridge import load_network_via_keras  # TensorFlow only for unusual files
        return load_network_via_keras(path)


__all__ = ["Network", "Trace", "load_network", "__version__"]

"""lstm-viewer: watch a stacked LSTM read a handwritten digit one pixel row at a time.

Importing this package imports neither TensorFlow nor Qt::

    from lstm_viewer import load_network
    net = load_network("model.keras")
    tr = net.trace(img28)        # tr.h, tr.c: (layers, 28, units); tr.gates: (layers, 28, 4, units)

The window from IPython or Jupyter (Qt is imported only then)::

    viewer = lstm_viewer.show()  # a ``Viewer``: .state (row, selection …), .show_image, .screenshot
    viewer.state.row = 9         # from a plain script, ``lstm_viewer.run()`` runs the event loop

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
    if name == "Viewer":   # Qt: imported only when asked for
        return _window_module().Viewer
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


def _window_module():
    """``lstm_viewer.gui.viewer``, imported by name when the window is asked for: the package's other
    users (the core, the session reading a model through ``load_network``) import this package, and
    must not depend on the window through it (the import contracts see every static import)."""
    import importlib
    return importlib.import_module(".gui.viewer", __name__)


def show(model: str | os.PathLike | Network | None = None, image=None):
    """Open the window and return a handle on it (``lstm_viewer.Viewer``): ``viewer.state`` (the view
    state: row, selection …), ``viewer.open_model(path_or_network)``, ``viewer.show_image(array)``,
    ``viewer.screenshot(path=None)`` (an RGB array; Jupyter shows the handle itself inline),
    ``viewer.close()``.

    ``model``: a path of any format ``load_network`` reads, a ``Network``, or None (the default
    model); ``image``: what to show first (a 28 × 28 array in [0, 1] or uint8, any picture the app's
    preprocessing accepts, or an image file's path; None: the first sample digit). From IPython or
    Jupyter the window stays live between cells (Qt's event loop is integrated here, as ``%gui qt6``
    would); from a plain script call ``lstm_viewer.run()`` to run the event loop. Imports Qt.
    """
    return _window_module().show(model, image)


def run() -> int:
    """From a plain script, after ``show()``: run Qt's event loop until the window is closed (the
    exit status). Inside IPython or Jupyter the loop already runs: returns at once."""
    return _window_module().run()


# Viewer is left out: ``from lstm_viewer import *`` must not import Qt.
__all__ = ["Network", "Trace", "load_history", "load_network", "run", "show", "__version__"]

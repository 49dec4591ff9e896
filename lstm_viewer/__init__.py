"""lstm-viewer: watch a stacked LSTM read a handwritten digit one pixel row at a time.

Importing this package imports neither TensorFlow nor Qt::

    from lstm_viewer import load_network
    net = load_network("model.keras")
    tr = net.trace(img28)        # tr.h, tr.c: (layers, 28, units); tr.gates: (layers, 28, 4, units)
"""
from .network import Network, Trace


def load_network(path=None):
    """Open a ``.keras`` model as a numpy ``Network`` (the default model when ``path`` is None)."""
    from .kerasfile import load_network as _load
    return _load(path)


__all__ = ["Network", "Trace", "load_network"]

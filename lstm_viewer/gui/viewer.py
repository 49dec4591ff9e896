"""The window from a notebook or a script: ``show()`` opens it and returns a ``Viewer`` handle.

    import lstm_viewer
    viewer = lstm_viewer.show()            # the default model, the first sample digit
    viewer.state.row = 9                   # every view after reading rows 1..10
    viewer.show_image(x_test[0])           # a 28 × 28 array in [0, 1] or uint8, or any picture
    viewer.screenshot()                    # (height, width, 3) uint8 RGB; Jupyter shows ``viewer`` inline
    viewer.close()

From IPython or Jupyter, ``show()`` starts Qt's event-loop integration itself (IPython's
``%gui qt6``, as ``napari.Viewer()`` does): the window stays live between cells and the notebook
keeps working. From a plain script, ``lstm_viewer.run()`` runs the event loop until the window closes.

Everything a handle does goes through the window's own automation surface (the session, the view
state): a notebook sees what the window shows, and nothing is computed twice. Models and pictures are
read on the calling thread, so a cell returns with them shown (or with the error raised); only a file
that Keras alone reads (a Keras 2 ``.h5``) imports TensorFlow, which takes a few seconds.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ..core.errors import UserError
from ..core.i18n import tr
from ..core.network import ROWS, Network, Trace
from .qapp import APP_NAME, _ipython_loop_active, get_qapp  # noqa: F401  (get_qapp: part of this API)

if TYPE_CHECKING:
    from .state.view_state import ViewState
    from .window.main_window import MainWindow

SIZE = ROWS   # the network reads (28, 28) pictures: 28 rows of 28 pixels
LEAVE_WAIT_MS = 30_000   # run(): how long a job still inside an uninterruptible step may take to end
_open: list[Viewer] = []   # the handles of open windows: a window is not closed by dropping its handle


def show(model: str | os.PathLike | Network | None = None, image=None, *,
         settings: QtCore.QSettings | None = None) -> Viewer:
    """Open the window on ``model`` (a path any reader recognises, a ``Network``, or None for the
    default model) showing ``image`` (see ``Viewer.show_image``; None: the first sample digit).

    A model that cannot be opened raises ``UserError`` (one sentence) before any window opens.
    ``settings``: where the window remembers its layout and options (default: the app's own, as
    the desktop app uses).
    """
    from .app import launch_model
    from .window.main_window import MainWindow
    get_qapp()
    _open[:] = [viewer for viewer in _open if viewer.window.isVisible()]
    pending = None
    if isinstance(model, Network):
        network = model
    else:
        network, pending, problem = launch_model(model)
        if problem is not None:
            raise UserError(problem)
    if settings is None:
        settings = QtCore.QSettings(APP_NAME, APP_NAME)
    from .window.language import choose_language, install_language
    install_language(QtWidgets.QApplication.instance(), choose_language(None, settings))   # as run_app
    window = MainWindow(network, settings=settings)
    viewer = Viewer(window)
    if pending is not None:
        viewer.open_model(pending)   # a file only Keras reads: read here, in the cell
    if image is None:
        window.show_first_sample()
    else:
        viewer.show_image(image)
    window.fit_to_screen()   # a laptop's screen: inside it, as run_app opens the window
    window.show()
    if QtGui.QGuiApplication.platformName() != "offscreen":   # (which says it cannot, as a warning)
        window.raise_()
    _open.append(viewer)
    _settle()
    return viewer


def run() -> int:
    """From a plain script: run Qt's event loop until the windows ``show()`` opened are closed; the
    exit status. Inside IPython with Qt's loop integrated, returns 0 at once (the loop is running)."""
    if _ipython_loop_active():
        return 0
    app = QtWidgets.QApplication.instance()
    if app is None or not any(viewer.window.isVisible() for viewer in _open):
        raise RuntimeError("nothing to run: open a window with lstm_viewer.show() first")
    status = app.exec()
    # Closing cancelled every job and waited (bounded); one may still be inside a step that cannot be
    # interrupted (TensorFlow's import). A running QThread must not be destroyed: let it end first.
    for viewer in list(_open):
        viewer.window.jobs.wait(LEAVE_WAIT_MS)
    _open[:] = [viewer for viewer in _open if viewer.window.isVisible()]
    return status


class Viewer:
    """A handle on one window: its view state, its model and input, pictures of it.

    ``viewer.window`` is the ``MainWindow`` itself (its automation surface: ``load_model``,
    ``show_panel``, ``export_png`` …).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    # --- what is shown --------------------------------------------------------------------------
    @property
    def state(self) -> ViewState:
        """The window's view state: ``row`` (0-based, 0..27), ``selection`` ((layer, unit) or None),
        ``show_gates``, ``rank_by_magnitude``, ``pinned`` …; setting a field updates every view.
        ``network``, ``image`` and ``trace`` are read-only here: use ``open_model`` and ``show_image``."""
        return self.window.state

    @property
    def network(self) -> Network:
        return self.window.state.network

    @property
    def trace(self) -> Trace | None:
        """The trace of the input shown (gates, c, h and probabilities for every layer and row)."""
        return self.window.state.trace

    def open_model(self, model: str | os.PathLike | Network, *, normalize: tuple[float, float] | None = None,
                   forget_bias: float | None = None) -> Network:
        """Make ``model`` (a path of any format lstm-viewer reads, or a ``Network``) the model of
        every view; the same input is read by it. A file is read now (``UserError`` when it cannot
        be); its training history comes with it. ``normalize=(mean, std)``, ``forget_bias``: as
        ``lstm_viewer.load_network`` (without ``normalize``, a scaling set for this file in the
        window before, Model ▸ Input scaling…, is used again)."""
        session = self.window.session
        if isinstance(model, Network):
            session.set_network(model)
        else:
            from .. import load_network
            from .state.session import history_of
            path = Path(model).expanduser()
            if normalize is None:
                normalize = session.remembered_scaling(path)
            network = load_network(path, forget_bias=forget_bias, normalize=normalize)
            session.set_network(network, history=history_of(path, network))
        session.message.emit(tr("Opened {name}: {model}.", name=session.model_name,
                                model=self.network.describe()), 8000)
        _settle()
        return self.network

    def show_image(self, picture) -> Trace | None:
        """Show ``picture`` and return its trace (None for a blank one). A (28, 28) array is the
        network's input as it is, MNIST's way round (ink 1 or 255 on paper 0): floats in [0, 1] or
        whole numbers 0..255. Anything else goes through the app's preprocessing, as a drawing or an
        image file does: a grayscale or RGB array of any size, either polarity, in [0, 1] or 0..255,
        a Pillow image, or the path of an image file."""
        state = self.window.state
        image = as_input(picture, centring=state.centring, shift=state.shift)
        trace = self.window.session.show_input(image)
        _settle()
        return trace

    # --- pictures -------------------------------------------------------------------------------
    def screenshot(self, path: str | os.PathLike | None = None) -> np.ndarray:
        """The window as it is now, an RGB array (height, width, 3) of uint8; also written to
        ``path`` as a PNG when given (atomically)."""
        image = self._grab()
        if path is not None:
            from .state import file_ops
            target = Path(file_ops.with_suffix(os.fspath(path), ".png"))
            file_ops.write_atomically(target, lambda tmp: _save_image(image, tmp))
        return _rgb_array(image)

    def _grab(self) -> QtGui.QImage:
        self.window.stack_state.check_output_now()   # a picture shows the check's number, not "…"
        _settle()
        return self.window.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)

    def _repr_png_(self) -> bytes:
        """The window as a PNG: Jupyter shows the handle inline."""
        data = QtCore.QByteArray()
        buffer = QtCore.QBuffer(data)
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not self._grab().save(buffer, "PNG"):
            raise OSError("Qt could not encode the window as PNG")
        buffer.close()
        return bytes(data)

    def _ipython_display_(self) -> None:
        from IPython.display import display  # only ever called by IPython, so it is there
        display({"image/png": self._repr_png_(), "text/plain": repr(self)}, raw=True)

    def __repr__(self) -> str:
        state = self.window.state
        shown = "nothing shown" if state.trace is None else f"reads as {state.trace.prediction}"
        closed = "" if self.window.isVisible() else ", closed"
        return (f"<lstm_viewer.Viewer: {self.window.session.model_name} ({state.network.describe()}), "
                f"{shown}, row {state.row + 1} of {SIZE}{closed}>")

    # --- closing --------------------------------------------------------------------------------
    def close(self) -> bool:
        """Close the window (the window's one shutdown path: jobs cancelled and waited for); False
        when it stayed open (a model trained here and not saved asks first)."""
        closed = self.window.close()
        if closed and self in _open:
            _open.remove(self)
        _settle()
        return closed


def as_input(picture, centring: str = "mass", shift: int = 0) -> np.ndarray:
    """``picture`` as the network's (28, 28) float32 input in [0, 1] (see ``Viewer.show_image``);
    ``centring`` and ``shift`` as the preprocessing panel sets them, for pictures preprocessed."""
    from ..core.preprocess import load_image, preprocess
    if isinstance(picture, (str, os.PathLike)):
        return preprocess(load_image(picture), centring, shift)
    if hasattr(picture, "convert") and hasattr(picture, "size") and not isinstance(picture, np.ndarray):
        picture = np.asarray(picture.convert("L"), dtype=np.float32) / 255.0   # a Pillow image
    array = np.asarray(picture)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"expected an image of numbers, got an array of {array.dtype}")
    if array.ndim == 3 and array.shape[-1] in (3, 4):   # RGB(A): its luminance (alpha dropped)
        array = array[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"expected a 2-D grayscale or an RGB image, got shape {array.shape}")
    values = array.astype(np.float32)
    if not np.all(np.isfinite(values)):
        raise ValueError("the image holds NaN or infinite values")
    if values.min() < 0 or values.max() > 255:
        raise ValueError(f"expected pixel values in [0, 1] or 0..255, got {values.min():g}..{values.max():g}")
    if array.shape != (SIZE, SIZE):
        return preprocess(values, centring, shift)
    if np.issubdtype(array.dtype, np.integer) or values.max() > 1.0:
        values = values / 255.0
    return np.ascontiguousarray(values, dtype=np.float32)


def _settle() -> None:
    """Let the window lay itself out and catch up with posted work before it is looked at."""
    QtWidgets.QApplication.sendPostedEvents()
    QtWidgets.QApplication.processEvents()


def _rgb_array(image: QtGui.QImage) -> np.ndarray:
    """An RGB888 QImage as a (height, width, 3) uint8 array of its own (rows may be padded in Qt's)."""
    height, width = image.height(), image.width()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    rows = np.frombuffer(bits, np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, :width * 3].reshape(height, width, 3).copy()


def _save_image(image: QtGui.QImage, path: Path) -> None:
    if not image.save(str(path), "PNG"):
        raise OSError(f"Qt could not write {path}")

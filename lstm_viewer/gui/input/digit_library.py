"""The digit picker's controller: fills the picker (``digit_picker``, the widget) with a ``DigitSet``
(``core.digits``, the data), keeps its "model says" column current for the active model, and loads
the full MNIST test set on request (all through the session's jobs); a chosen digit becomes the input."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore

from ...core import digits as digit_sets
from ...core.errors import UserError
from ...core.i18n import tr
from ..state.session import Session
from .digit_picker import DigitPicker

SCORE_AFTER_SNAPSHOTS_MS = 300   # the "model says" column follows the timeline once it rests this long


class DigitLibrary(QtCore.QObject):
    """Connects the samples panel to the session: choosing shows a digit; a new model rescores."""

    def __init__(self, panel: DigitPicker, session: Session, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.panel, self.session = panel, session
        panel.digitChosen.connect(self._on_digit_chosen)
        panel.loadTestSetRequested.connect(self._on_load_test_set)
        session.state.events.network.connect(self._on_network)
        session.state.events.image.connect(self._on_image)
        self._shown: np.ndarray | None = None   # the digit this library last showed
        # Scrubbing a training history changes the weights many times a second: score once it rests.
        self._score_later = QtCore.QTimer(self)
        self._score_later.setSingleShot(True)
        self._score_later.setInterval(SCORE_AFTER_SNAPSHOTS_MS)
        self._score_later.timeout.connect(self.score_all)

    def _on_network(self, _network=None) -> None:
        if self.session.state.history is not None:
            self._score_later.start()
        else:
            self._score_later.stop()
            self.score_all()

    def load_samples(self) -> None:
        """The shipped samples, and whether the full test set can be offered."""
        try:
            samples = digit_sets.load_samples()
        except UserError as exc:
            samples = None
            self.session.message.emit(str(exc), 8000)
        if samples is not None:
            self.panel.add_set(samples)
        else:
            self.panel.info.setText(tr("No bundled samples (assets/samples.npz)."))
        source = digit_sets.test_set_source()
        tip = (tr("Load the 10,000 MNIST test digits from {source} and find the ones the model gets wrong",
                  source=source)
               if source else tr("Set LSTM_VIEWER_MNIST to a folder with the MNIST files (or mnist.npz) "
                                 "to browse the full test set"))
        self.panel.set_test_set_available(source is not None, tip)

    def score_all(self) -> None:
        """Predict every digit of every set with the current network, in jobs."""
        for digits in self.panel.sets():
            self.session.score(digits, self._on_scored)

    def _on_scored(self, digits, predicted: np.ndarray) -> None:
        digits.predicted = predicted
        self.panel.predictions_changed()

    def _on_digit_chosen(self, image28: np.ndarray, description: str) -> None:
        self._shown = image28
        self.session.show_input(image28)
        self.session.message.emit(description, 5000)

    def _on_image(self, _image) -> None:
        # Another input (a drawing, a file, a digit from the state space) replaced the sample: its
        # highlight goes, so the grid does not claim to show it. (What-if edits keep the original:
        # still ours.) Clicking it again shows it again.
        if self._shown is not None and self.session.original is not self._shown:
            self._shown = None
            self.panel.clear_highlight()

    def _on_load_test_set(self) -> None:
        source = digit_sets.test_set_source()
        if source is None:
            return
        self.panel.load_button.setEnabled(False)
        self.session.load_test_set(source, self.panel.add_set, self._on_scored, self._on_error)

    def _on_error(self, error: BaseException) -> None:
        self.panel.load_button.setEnabled(True)
        self.session.failed.emit(tr("Digits"), error)

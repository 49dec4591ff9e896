"""The window's side of the digit sets: load them, and score them with the current model off-thread."""
from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

from ..core.errors import UserError
from . import digit_sets
from .digit_sets import DigitSet


class DigitActions:
    """Mixin for ``MainWindow``: fills ``self.samples`` and keeps its "model says" column current."""

    def init_digit_sets(self) -> None:
        try:
            samples = digit_sets.load_samples()
        except UserError as exc:
            samples = None
            self.statusBar().showMessage(str(exc), 8000)
        if samples is not None:
            self.samples.add_set(samples)
        else:
            self.samples.info.setText("No bundled samples (assets/samples.npz).")
        source = digit_sets.test_set_source()
        tip = (f"Load the 10,000 MNIST test digits from {source} and find the ones the model gets wrong"
               if source else "Set LSTM_VIEWER_MNIST to a folder with the MNIST files (or mnist.npz) "
                              "to browse the full test set")
        self.samples.set_test_set_available(source is not None, tip)
        self.samples.loadTestSetRequested.connect(self._on_load_test_set)
        # Scored a moment later, so the first paint of the window has both cores to itself.
        QtCore.QTimer.singleShot(300, self.score_digit_sets)

    def score_digit_sets(self) -> None:
        """Predict every digit of every set with the current network, in a worker thread."""
        if not hasattr(self, "samples"):
            return
        network = self.network
        for digits in self.samples.sets():
            self.jobs.start(lambda d=digits: digit_sets.predict_all(network, d),
                            lambda predicted, d=digits, n=network: self._on_scored(d, n, predicted),
                            self._on_digit_error)

    def show_first_sample(self) -> bool:
        """Select the first sample (launch shows a traced digit); False when there are none."""
        self.samples.select_first()
        return self.trace is not None

    def _on_scored(self, digits: DigitSet, network, predicted) -> None:
        if network is not self.network:
            return    # a newer model was opened meanwhile; its own scoring is on its way
        digits.predicted = predicted
        self.samples.predictions_changed()

    def _on_load_test_set(self) -> None:
        source = digit_sets.test_set_source()
        if source is None:
            return
        self.samples.load_button.setEnabled(False)
        self.statusBar().showMessage(f"Loading the MNIST test set from {source}…")
        network = self.network

        def load() -> tuple[DigitSet, object]:
            digits = digit_sets.load_test_set(source)
            digits.predicted = digit_sets.predict_all(network, digits)
            return digits, network

        self.jobs.start(load, self._on_test_set_loaded, self._on_digit_error)

    def _on_test_set_loaded(self, result) -> None:
        digits, network = result
        self.samples.add_set(digits)
        if network is not self.network:
            self.score_digit_sets()
        wrong = int((digits.predicted != digits.labels).sum())
        self.statusBar().showMessage(
            f"MNIST test set: {len(digits):,} digits, the model gets {wrong:,} wrong "
            f"(accuracy {1 - wrong / len(digits):.2%}).", 10000)

    def _on_digit_error(self, message: str) -> None:
        self.samples.load_button.setEnabled(True)
        QtWidgets.QMessageBox.warning(self, "Digits", message)

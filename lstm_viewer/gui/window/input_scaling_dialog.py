"""Model ▸ Input scaling…: what the first layer reads, for model files that do not record it.

A PyTorch or TF1 file stores weights, not the transform its training data went through; a model
trained on ``Normalize((0.1307,), (0.3081,))`` reads ``(x − 0.1307) / 0.3081``, and shown [0, 1]
pixels it answers wrongly without any error. The learner says which, once per file.
"""
from __future__ import annotations

from PyQt6 import QtWidgets

from ...core.i18n import tr

MNIST_NORMALIZE = (0.1307, 0.3081)


class InputScalingDialog(QtWidgets.QDialog):
    """Three choices: [0, 1], MNIST's usual Normalize, or a mean and std of the user's."""

    def __init__(self, current: tuple[float, float] | None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inputScalingDialog")
        self.setWindowTitle(tr("Input scaling"))
        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(tr(
            "What does the first LSTM layer read? A model file stores weights, not how its training "
            "images were scaled: choose what the model was trained on. Every view, the unit "
            "inspector's input terms, occlusion, saliency and the state space then use the scaled "
            "pixels; the input view keeps showing the picture."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.plain = QtWidgets.QRadioButton(tr("Pixels in [0, 1]  (transforms.ToTensor(); the seed, Keras)"))
        self.plain.setObjectName("plainScalingButton")
        self.mnist = QtWidgets.QRadioButton(tr("(x − 0.1307) / 0.3081  (transforms.Normalize((0.1307,), "
                                               "(0.3081,)), as pytorch/examples' MNIST)"))
        self.mnist.setObjectName("mnistScalingButton")
        self.other = QtWidgets.QRadioButton(tr("(x − mean) / std:"))
        self.other.setObjectName("otherScalingButton")
        self.mean = _number_box(-10.0, 10.0, 0.5, "meanSpinBox")
        self.std = _number_box(1e-4, 100.0, 0.5, "stdSpinBox")
        other_row = QtWidgets.QHBoxLayout()
        other_row.addWidget(self.other)
        other_row.addWidget(QtWidgets.QLabel(tr("mean")))
        other_row.addWidget(self.mean)
        other_row.addWidget(QtWidgets.QLabel(tr("std")))
        other_row.addWidget(self.std)
        other_row.addStretch(1)
        for button in (self.plain, self.mnist):
            layout.addWidget(button)
        layout.addLayout(other_row)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for box in (self.mean, self.std):
            box.valueChanged.connect(lambda _value: self.other.setChecked(True))
        self._show(current)

    def _show(self, current: tuple[float, float] | None) -> None:
        if current is None:
            self.plain.setChecked(True)
        elif tuple(current) == MNIST_NORMALIZE:
            self.mnist.setChecked(True)
        else:
            self.mean.setValue(current[0])
            self.std.setValue(current[1])
            self.other.setChecked(True)

    def scaling(self) -> tuple[float, float] | None:
        """The choice: None for [0, 1], else (mean, std)."""
        if self.plain.isChecked():
            return None
        if self.mnist.isChecked():
            return MNIST_NORMALIZE
        return float(self.mean.value()), float(self.std.value())


def ask_input_scaling(parent: QtWidgets.QWidget,
                      current: tuple[float, float] | None) -> tuple[tuple[float, float] | None] | None:
    """The dialog, modal: ``(scaling,)`` when accepted (scaling None = [0, 1]), None when cancelled."""
    dialog = InputScalingDialog(current, parent)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return (dialog.scaling(),)


def _number_box(low: float, high: float, value: float, name: str) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setObjectName(name)
    box.setDecimals(4)
    box.setRange(low, high)
    box.setSingleStep(0.01)
    box.setValue(value)
    return box

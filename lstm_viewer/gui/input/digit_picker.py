"""The digit picker (the widget): a grid of real MNIST digits with their true labels, filterable to the
model's mistakes.

One feature in three modules: this widget shows a ``DigitSet`` (``core.digits``, the data, no Qt) and
says which digit was chosen; ``digit_library`` (the controller) fills it, rescores it for each model
and turns a choice into the session's input."""
from __future__ import annotations

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from ...core.digits import DigitSet
from ...core.i18n import ntr, tr

ICON = 34
TEST_SET = "MNIST test set"   # the full test set's key (its DigitSet.name, untranslated)
_WRONG = QtGui.QColor("#c92a2a")
NO_PARENT = QtCore.QModelIndex()   # rowCount's default: an invalid index, the list's root


class DigitListModel(QtCore.QAbstractListModel):
    """The visible digits of one ``DigitSet``; icons are drawn on demand (10,000 would be 50 MB)."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.digits: DigitSet | None = None
        self.visible = np.zeros(0, dtype=int)
        self._icons: dict[int, QtGui.QIcon] = {}

    def set_digits(self, digits: DigitSet | None, only_wrong: bool) -> None:
        self.beginResetModel()
        self.digits = digits
        self._icons.clear()
        if digits is None:
            self.visible = np.zeros(0, dtype=int)
        elif only_wrong and digits.predicted is not None:
            self.visible = np.flatnonzero(digits.predicted != digits.labels)
        else:
            self.visible = np.arange(len(digits))
        self.endResetModel()

    def rowCount(self, parent: QtCore.QModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.visible)

    def data(self, index: QtCore.QModelIndex, role: int = QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.digits is None:
            return None
        k = int(self.visible[index.row()])
        digits, roles = self.digits, QtCore.Qt.ItemDataRole
        label = int(digits.labels[k])
        guess = None if digits.predicted is None else int(digits.predicted[k])
        if role == roles.DisplayRole:
            return str(label) if guess in (None, label) else f"{label}→{guess}"
        if role == roles.DecorationRole:
            return self._icon(k)
        if role == roles.ForegroundRole and guess is not None and guess != label:
            return QtGui.QBrush(_WRONG)
        if role == roles.ToolTipRole:
            if guess is None:
                return tr("MNIST test digit #{id}: true label {label}", id=int(digits.ids[k]), label=label)
            return tr("MNIST test digit #{id}: true label {label}; the model says {guess}",
                      id=int(digits.ids[k]), label=label, guess=guess)
        if role == roles.UserRole:
            return k
        return None

    def _icon(self, k: int) -> QtGui.QIcon:
        icon = self._icons.get(k)
        if icon is None:
            ink = np.ascontiguousarray(255 - self.digits.images[k])   # dark ink on white, as drawn
            image = QtGui.QImage(ink.data, 28, 28, 28, QtGui.QImage.Format.Format_Grayscale8).copy()
            icon = QtGui.QIcon(QtGui.QPixmap.fromImage(image).scaled(
                ICON, ICON, transformMode=QtCore.Qt.TransformationMode.SmoothTransformation))
            if len(self._icons) > 2000:
                self._icons.clear()
            self._icons[k] = icon
        return icon


class DigitPicker(QtWidgets.QWidget):
    """Pick a digit; ``digitChosen(image28, description)`` fires with the network's input."""

    digitChosen = QtCore.pyqtSignal(object, str)
    loadTestSetRequested = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._sets: dict[str, DigitSet] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QtWidgets.QHBoxLayout()
        self.source = QtWidgets.QComboBox()
        self.source.setObjectName("sampleSourceCombo")
        self.source.setToolTip(tr("Which digits to browse"))
        self.load_button = QtWidgets.QPushButton(tr("Load test set"))
        self.load_button.setObjectName("loadTestSetButton")
        self.random_button = QtWidgets.QPushButton(tr("Random"))
        self.random_button.setToolTip(tr("Show a random digit from the list (R)"))
        self.random_button.setShortcut(QtGui.QKeySequence("R"))
        top.addWidget(self.source, 1)
        top.addWidget(self.load_button)
        layout.addLayout(top)
        self.only_wrong = QtWidgets.QCheckBox(tr("only misclassified"))
        self.only_wrong.setObjectName("onlyMisclassifiedCheck")
        self.only_wrong.setToolTip(tr("Show only the digits the current model gets wrong"))
        second = QtWidgets.QHBoxLayout()
        second.addWidget(self.only_wrong, 1)
        second.addWidget(self.random_button)
        layout.addLayout(second)
        self.model = DigitListModel(self)
        self.view = QtWidgets.QListView()
        self.view.setObjectName("samplesList")
        self.view.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.view.setMovement(QtWidgets.QListView.Movement.Static)
        self.view.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QtWidgets.QListView.LayoutMode.Batched)
        self.view.setIconSize(QtCore.QSize(ICON, ICON))
        self.view.setGridSize(QtCore.QSize(ICON + 10, ICON + 20))
        self.view.setModel(self.model)
        layout.addWidget(self.view, 1)
        self.info = QtWidgets.QLabel("")
        self.info.setObjectName("sampleInfoLabel")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.only_wrong.toggled.connect(self._on_source_changed)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.clicked.connect(self._on_clicked)
        self.random_button.clicked.connect(self._on_random)
        self.load_button.clicked.connect(self.loadTestSetRequested)
        self.set_test_set_available(False, "")

    # --- public -----------------------------------------------------------------------------
    def add_set(self, digits: DigitSet) -> None:
        """Add (or replace) a digit set and show it."""
        # A set's name is its key (the combo's data); the text shown is its name translated.
        self._sets[digits.name] = digits
        text = tr("{name} ({count:,})", name=tr(digits.name), count=len(digits))
        where = self.source.findData(digits.name)
        if where < 0:
            self.source.addItem(text, digits.name)
            where = self.source.count() - 1
        self.source.setItemText(where, text)
        self.source.setCurrentIndex(where)
        self._on_source_changed()

    def sets(self) -> list[DigitSet]:
        return list(self._sets.values())

    def predictions_changed(self) -> None:
        """Labels/colours and the misclassified filter depend on the model's answers: refresh. The
        digit highlighted stays highlighted; none is highlighted if none was (the input is then not
        a sample of this grid: a model change must not bring back the last one clicked)."""
        current = self.highlighted_digit()
        self._on_source_changed()
        if current is not None:
            self._select(current)

    def highlighted_digit(self) -> int | None:
        """The digit marked as shown (its index in the set on display), or None."""
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isSelected(index):
            return None
        return index.data(QtCore.Qt.ItemDataRole.UserRole)

    def clear_highlight(self) -> None:
        """The input is no longer a digit of this grid: no digit marked, none current (a current index
        left behind came back highlighted when the grid was refreshed). Nothing is chosen."""
        selection = self.view.selectionModel()
        with signals_blocked(selection):
            selection.clearSelection()
            selection.clearCurrentIndex()
        self.view.viewport().update()

    def set_test_set_available(self, available: bool, tip: str) -> None:
        self.load_button.setVisible(TEST_SET not in self._sets)
        self.load_button.setEnabled(available)
        self.load_button.setToolTip(tip)

    def select_first(self) -> None:
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0))

    # --- handlers -----------------------------------------------------------------------------
    def _digits(self) -> DigitSet | None:
        return self._sets.get(self.source.currentData())

    def _select(self, k: int) -> None:
        rows = np.flatnonzero(self.model.visible == k)
        if rows.size:
            selection = self.view.selectionModel()
            with signals_blocked(selection):   # same digit, new labels: don't re-trace it
                self.view.setCurrentIndex(self.model.index(int(rows[0])))

    def _on_source_changed(self, *_args) -> None:
        digits = self._digits()
        self.model.set_digits(digits, self.only_wrong.isChecked())
        self.only_wrong.setEnabled(digits is not None and digits.predicted is not None)
        self.load_button.setVisible(TEST_SET not in self._sets)
        if digits is None:
            self.info.setText(tr("No sample digits found (assets/samples.npz)."))
        elif digits.predicted is None:
            self.info.setText(ntr("{count:,} shown", "{count:,} shown", self.model.rowCount()))
        else:
            self.info.setText(ntr("{count:,} shown · model wrong on {wrong:,}",
                                  "{count:,} shown · model wrong on {wrong:,}", self.model.rowCount(),
                                  wrong=int((digits.predicted != digits.labels).sum())))

    def _on_current_changed(self, current: QtCore.QModelIndex, _previous=None) -> None:
        if QtWidgets.QApplication.mouseButtons() != QtCore.Qt.MouseButton.NoButton:
            return   # a mouse click: ``clicked`` follows and shows it (even when already current)
        self._choose(current)

    def _on_clicked(self, index: QtCore.QModelIndex) -> None:
        self._choose(index)   # also re-shows the selected digit after something was drawn

    def _choose(self, current: QtCore.QModelIndex) -> None:
        digits = self._digits()
        if digits is None or not current.isValid():
            return
        k = current.data(QtCore.Qt.ItemDataRole.UserRole)
        label = int(digits.labels[k])
        if digits.predicted is None:
            text = tr("{name} #{id}: true label {label}", name=tr(digits.name), id=int(digits.ids[k]),
                      label=label)
        else:
            text = tr("{name} #{id}: true label {label}, model says {guess}", name=tr(digits.name),
                      id=int(digits.ids[k]), label=label, guess=int(digits.predicted[k]))
        self.info.setText(text)
        self.digitChosen.emit(digits.image(k), text)

    def _on_random(self) -> None:
        rows = self.model.rowCount()
        if rows:
            index = self.model.index(int(np.random.default_rng().integers(rows)))
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

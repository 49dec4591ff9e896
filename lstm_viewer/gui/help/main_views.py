"""Help ▸ What am I looking at?: the main views explained, as the analysis panels explain themselves.

The analysis panels carry their note inside them (``widgets.help_note``, their ``HELP`` text). The
main views have no room for one, so their notes open beside the window, in one small window that
follows the Help menu's choice, and the view explained is brought into sight (its dock shown).
``MAIN_VIEWS`` lists the keys in the menu's order; ``main_view_title(key)`` is a view's name.
"""
from __future__ import annotations

from PyQt6 import QtCore, QtWidgets

from ...core.i18n import tr

MAIN_VIEWS = ("input", "layers", "softmax", "state")   # the Help menu's order: as the data flows
NOTE_WIDTH = 460    # the note's window: about 70 characters a line, at the app's usual font

DIRECT = QtCore.Qt.FindChildOption.FindDirectChildrenOnly   # the window's own, not a panel's


def main_view_title(key: str) -> str:
    """The view's name, as the Help menu shows it."""
    return _TEXTS[key][0]()


def main_view_help(key: str) -> str:
    """The view's note (rich text)."""
    return _TEXTS[key][1]()


def explain_main_view(window, key: str) -> QtWidgets.QDialog:
    """Show the note on the main view ``key`` (one of ``MAIN_VIEWS``) in a small window beside
    ``window`` (one per main window, reused: choosing another view replaces the text), and bring the
    view into sight. Returns the note's window (objectName ``mainViewHelp``)."""
    if key not in _TEXTS:
        raise KeyError(f"no main view called {key!r}; the main views are {', '.join(MAIN_VIEWS)}")
    note = window.findChild(MainViewNote, "mainViewHelp", DIRECT)
    if note is None:
        note = MainViewNote(window)
    note.show_view(key)
    dock = {"input": "inputDock", "softmax": "predictionDock", "state": "predictionDock"}.get(key)
    if dock is not None and hasattr(window, "dock"):
        window.dock(dock).show()
        window.dock(dock).raise_()
    return note


class MainViewNote(QtWidgets.QDialog):
    """The note's window: the view's name as its title, the note as wrapped rich text."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("mainViewHelp")
        self.setModal(False)
        self.key: str | None = None
        layout = QtWidgets.QVBoxLayout(self)
        self.heading = QtWidgets.QLabel()
        self.heading.setObjectName("mainViewHelpTitle")
        self.text = QtWidgets.QLabel()
        self.text.setObjectName("mainViewHelpText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.text.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.text.setStyleSheet("padding: 2px 6px;")   # as the panels' notes (help_note)
        self.text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        area = QtWidgets.QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setWidget(self.text)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(self.heading)
        layout.addWidget(area, 1)
        layout.addWidget(buttons)
        self.resize(NOTE_WIDTH, 520)

    def show_view(self, key: str) -> None:
        self.key = key
        title = main_view_title(key)
        self.setWindowTitle(tr("What am I looking at? · {view}", view=title))
        self.heading.setText(f"<b>{title}</b>")
        self.text.setText(main_view_help(key))
        if not self.isVisible():
            self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        """Beside the window's right edge when the screen has room there, else over its right part."""
        window = self.parentWidget()
        frame = window.frameGeometry()
        screen = window.screen()
        room = screen.availableGeometry() if screen is not None else frame
        x = frame.right() + 8
        if x + self.width() > room.right():
            x = max(room.left(), frame.right() - self.width() - 24)
        y = max(room.top(), min(frame.top() + 60, room.bottom() - self.height()))
        self.move(x, y)


def _input_title() -> str:
    return tr("The input")


def _input_help() -> str:
    return tr("""<p>What the network reads: your drawing (or a sample, or an image file) after MNIST's own
preprocessing: cropped to the ink, scaled to fit 20 × 20 pixels, and placed in 28 × 28 with its centre
of mass in the middle (Explain ▸ Preprocessing steps shows each stage). Dark is ink (1), white is paper
(0).</p>
<p>The network reads the picture as a sequence: one row of 28 pixels per step, top to bottom, 28 steps.
The outlined row is the one just read (the current row: the slider, ◀ ▶, or the Left and Right keys);
faded rows are not read yet, and no view shows anything about them yet.</p>
<p><b>What if</b> a row were missing? Click a row to blank it: every view shows how the network reads
the edited digit. Click it again to restore it; Explain ▸ Restore the original input undoes every
edit.</p>
<p>Below, real MNIST digits: the true label under each, in red with the model's answer after the arrow
when the model gets it wrong.</p>""")


def _layers_title() -> str:
    return tr("The layers")


def _layers_help() -> str:
    return tr("""<p>Each column is one LSTM layer of the stack, the data flowing left to right: layer 1
reads each row's 28 pixels, layer k + 1 reads layer k's h after the same row, and the top layer's h
feeds the softmax. Every layer keeps a state of its own: a cell state <b>c</b> and a hidden state
<b>h</b>, one number per unit.</p>
<p>Each heatmap is rows read so far (top to bottom) × units. A cell's colour is that unit's value after
that row: red positive, blue negative, white near 0; rows not read yet are blank. h = o·tanh(c) always
lies between −1 and 1; c can grow beyond that, and its colour bar gives its range. Beneath each heatmap,
the values at the current row, one stem per unit.</p>
<p><b>Show gates</b> (G) shows each layer's four gates instead: i (input: how much of the candidate is
written into c), f (forget: how much of the old c is kept), g (the candidate, between −1 and 1) and
o (output: how much of c shows in h); i, f and o lie between 0 and 1, so c<sub>t</sub> =
f·c<sub>t−1</sub> + i·g. <b>Rank units by |h|</b> (M) orders the columns by |h| at the current row,
largest first.</p>
<p>Click any cell to follow that unit in the unit inspector: its column is outlined in every heatmap of
its layer. [ and ] step through the units in the order shown, Esc clears.</p>""")


def _softmax_title() -> str:
    return tr("The softmax")


def _softmax_help() -> str:
    return tr("""<p>The answer. A dense layer turns the top layer's h into ten numbers (logits), and the
softmax turns those into ten probabilities that add up to 1, one per digit.</p>
<p>The headline says what the network would answer <i>so far</i>, after the rows read up to the current
one, and its <i>final</i> answer, after all 28 rows: the one the model gives. Early rows often lean to
another digit: the top of a 7 looks like the top of many digits.</p>
<p><b>After the current row</b>: the ten probabilities if the reading stopped here (the most likely in
colour). <b>Final</b>: after row 28. <b>Prediction over time</b>: rows × classes, each row's
probabilities (dark: likely); the dashed line marks the row from which the final answer stays on top,
and the current row is marked as everywhere.</p>""")


def _state_title() -> str:
    return tr("The state of the stack")


def _state_help() -> str:
    return tr("""<p>The seed's point, checked live. In a stack of LSTM layers the state is not one
vector: it is one pair (c, h) per layer, <tt>state = ((c₁, h₁), (c₂, h₂), …)</tt>, with the shapes
shown. The panel gives the first values of each layer's c and h after the current row (the layer views
show them all).</p>
<p>Two equalities, computed on the digit shown. First: the top layer's final h is the very vector the
network outputs after the last row, <tt>state[−1].h = outputs[:, −1]</tt>. The two sides are computed
two ways, as the seed's two programs do (the whole stack stepped one row at a time; each layer run over
all 28 rows before the next), and agree up to float32 rounding. Second: after the current row,
h = o·tanh(c) in every layer and unit: h is the cell state squashed and gated by o.</p>""")


_TEXTS = {"input": (_input_title, _input_help), "layers": (_layers_title, _layers_help),
          "softmax": (_softmax_title, _softmax_help), "state": (_state_title, _state_help)}

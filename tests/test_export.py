"""Figures and animations for slides (issue #25, points 2 and 3): a PNG at 2× is a real rendering at
twice the pixels, an SVG is an SVG of the widget's size, the right-click menu writes them, a GIF and an
MP4 of the row-by-row read hold 28 different frames, Cancel leaves no file and the row as it was, and
``lstm-viewer animate`` writes a GIF and refuses a bad view in one line."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6 import QtCore, QtGui, QtWidgets

from gui_support import ROOT, blotch_digit, close_window, open_window, random_network
from lstm_viewer.gui.export import figures
from lstm_viewer.gui.export.animation import (
    AnimationExport,
    FrameMaker,
    animation_name,
    even_sized,
    export_now,
)
from lstm_viewer.gui.export.figure_menu import install_figure_menus
from lstm_viewer.gui.plots.light_items import KeptAxisItem
from lstm_viewer.gui.widgets.run_text import RunText

WAIT_MS = 60_000   # a limit for the jobs, not a timing assertion
# A popped-up menu grabs the keyboard, which the offscreen platform cannot (the menu still works).
MENU_POPS_UP = pytest.mark.qt_log_ignore("^This plugin does not support grabbing the keyboard$")


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot, random_network([16, 16]), size=(1280, 800))
    win.show_input(blotch_digit(3))
    win.state.row = 11
    QtWidgets.QApplication.processEvents()
    yield win
    close_window(win)


def _read(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _nearest_enlarged(one: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(one, scale, axis=0), scale, axis=1)


def _region(widget: QtWidgets.QWidget, inside: QtWidgets.QWidget) -> QtCore.QRect:
    return QtCore.QRect(widget.mapTo(inside, QtCore.QPoint(0, 0)), widget.size())


def _differs_from_enlarged(one: np.ndarray, two: np.ndarray, rect: QtCore.QRect) -> float:
    """The share of pixels of ``rect`` (in 1× pixels) where the 2× image is not the 1× one enlarged."""
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    enlarged = _nearest_enlarged(one[y:y + h, x:x + w], 2)
    return float(np.mean(np.any(two[2 * y:2 * (y + h), 2 * x:2 * (x + w)] != enlarged, axis=2)))


# --- figures ------------------------------------------------------------------------------------
def test_png_at_2x_is_a_new_rendering_with_twice_the_pixels(window, tmp_path):
    window.show_panel("whyClassDock")
    window.state.selection = (1, 3)
    QtWidgets.QApplication.processEvents()
    panel = window.why_class
    one = _read(figures.write_png(panel, tmp_path / "why-1x.png", 1))
    two = _read(figures.write_png(panel, tmp_path / "why-2x", 2))   # the suffix added
    assert (tmp_path / "why-2x.png").is_file()
    assert one.shape[:2] == (panel.height(), panel.width())
    assert two.shape[:2] == (2 * panel.height(), 2 * panel.width())
    assert not np.array_equal(two, _nearest_enlarged(one, 2))
    # Drawn again where the window keeps drawings at the screen's resolution: the summary (a RunText,
    # a kept pixmap on screen) and the plot's left axis (a KeptAxisItem) are not enlarged copies.
    summary = _region(panel.summary, panel)
    assert _differs_from_enlarged(one, two, summary) > 0.02
    axis = panel.plot.getAxis("left")
    assert isinstance(axis, KeptAxisItem)
    view = panel.plot_widget
    axis_rect = view.mapFromScene(axis.sceneBoundingRect()).boundingRect().translated(
        view.mapTo(panel, QtCore.QPoint(0, 0)))
    assert _differs_from_enlarged(one, two, axis_rect) > 0.02
    # Three times, too.
    three = _read(figures.write_png(panel, tmp_path / "why-3x.png", 3))
    assert three.shape[:2] == (3 * panel.height(), 3 * panel.width())
    # Recorded at 96 dpi × the scale: a slide program places each at the same size.
    for name, dpi in (("why-1x.png", 96), ("why-2x.png", 192), ("why-3x.png", 288)):
        assert Image.open(tmp_path / name).info["dpi"] == pytest.approx((dpi, dpi), abs=0.5)


def test_rendering_leaves_the_window_as_it_was(window, tmp_path):
    window.show_panel("whyClassDock")
    QtWidgets.QApplication.processEvents()
    panel = window.why_class
    items = [item for view in panel.findChildren(QtWidgets.QGraphicsView) for item in view.scene().items()]
    before = [item.cacheMode() for item in items]
    assert QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache in before
    figures.write_png(panel, tmp_path / "a.png", 2)
    figures.write_svg(panel, tmp_path / "a.svg")
    assert [item.cacheMode() for item in items] == before
    for axis in (item for item in items if isinstance(item, KeptAxisItem)):
        assert "paint" not in vars(axis)
    for text in panel.findChildren(RunText):
        assert "paintEvent" not in vars(text)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.svg"]   # no temporary files


def test_svg_is_xml_of_the_widgets_size_with_text_as_text(window, tmp_path):
    widget = window.softmax
    path = figures.write_svg(widget, tmp_path / "softmax.svg", title="Softmax")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox").split() == ["0", "0", str(widget.width()), str(widget.height())]
    width_mm = float(root.get("width").removesuffix("mm"))
    assert width_mm / 25.4 * figures.SVG_DPI == pytest.approx(widget.width(), abs=1)   # a CSS pixel each
    texts = "".join(node.text or "" for node in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "after the current row" in texts


def test_copy_puts_a_2x_image_on_the_clipboard(window):
    image = figures.copy_to_clipboard(window.stack_state)
    on_clipboard = QtWidgets.QApplication.clipboard().image()
    assert (on_clipboard.width(), on_clipboard.height()) == (image.width(), image.height()) \
        == (2 * window.stack_state.width(), 2 * window.stack_state.height())


def test_file_names_say_what_the_figure_shows(window):
    state = window.state
    reads = state.trace.prediction
    assert figures.figure_name("layers", state, ".png") == f"lstm-viewer-layers-reads{reads}-row12.png"
    assert figures.view_file_name(state) == f"lstm-viewer-window-reads{reads}-row12.png"
    state.selection = (1, 7)
    assert figures.figure_name("unit", state, ".svg") \
        == f"lstm-viewer-unit-layer2-unit7-reads{reads}-row12.svg"
    assert figures.figure_name("layers", state, ".png", plot="layer2") \
        == f"lstm-viewer-layers-layer2-reads{reads}-row12.png"
    assert animation_name("softmax", state, "rows", ".gif") == f"lstm-viewer-softmax-reads{reads}-rows.gif"
    window.session.toggle_row(12)   # a what-if edit
    assert "-edited-" in figures.view_file_name(state)


# --- the right-click menu -------------------------------------------------------------------------
def _figure_menus(window):
    """The window's figure menus (installed by MainWindow), or installed here."""
    return getattr(window, "figure_menus", None) or install_figure_menus(window)


def _right_click(widget: QtWidgets.QWidget, pos: QtCore.QPoint | None = None) -> None:
    pos = pos if pos is not None else widget.rect().center()
    event = QtGui.QContextMenuEvent(QtGui.QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QtWidgets.QApplication.sendEvent(widget, event)


@MENU_POPS_UP
def test_right_click_offers_the_figure_menu_and_writes_a_2x_png(window, tmp_path, qtbot):
    menus = _figure_menus(window)
    asked = []

    def ask(title, name, filters):
        asked.append(name)
        return str(tmp_path / name), filters

    menus.ask_save_path = ask
    _right_click(window.softmax.viewport())   # inside the plot: the event goes up to the view
    menu = menus.menu
    assert menu is not None and menu.objectName() == "figureMenu"
    names = {action.objectName() for action in menu.findChildren(QtGui.QAction)}
    assert {"exportPng1xAction", "exportPng2xAction", "exportPng3xAction", "exportSvgAction",
            "copyFigureAction", "animateFigureAction"} <= names
    menu.findChild(QtGui.QAction, "exportPng2xAction").trigger()
    reads = window.state.trace.prediction
    assert asked == [f"lstm-viewer-softmax-reads{reads}-row12.png"]
    written = _read(tmp_path / asked[0])
    assert written.shape[:2] == (2 * window.softmax.height(), 2 * window.softmax.width())
    menu.close()


@MENU_POPS_UP
def test_right_click_in_a_layer_also_offers_that_layer_alone(window, tmp_path):
    menus = _figure_menus(window)
    menus.ask_save_path = lambda title, name, filters: (str(tmp_path / name), filters)
    layer = window.layers.views[1]
    _right_click(layer.states.viewport())
    plot_menu = menus.menu.findChild(QtWidgets.QMenu, "plotFigureMenu")
    assert plot_menu is not None
    plot_menu.findChild(QtGui.QAction, "exportPlotSvgAction").trigger()
    (svg,) = tmp_path.glob("*.svg")
    assert svg.name.startswith("lstm-viewer-layers-layer2-")
    root = ET.parse(svg).getroot()
    assert root.get("viewBox").split()[2:] == [str(layer.width()), str(layer.height())]
    menus.menu.close()


@MENU_POPS_UP
def test_every_panel_has_the_menu_but_a_docks_title_keeps_its_own(window):
    menus = _figure_menus(window)
    window.show_panel("unitDock")
    QtWidgets.QApplication.processEvents()
    _right_click(window.unit_inspector)
    assert menus.menu is not None
    assert "Unit inspector" in menus.menu.actions()[0].text()
    menus.menu.close()
    QtWidgets.QApplication.processEvents()
    assert menus.menu is None
    dock = window.unit_dock
    _right_click(dock, QtCore.QPoint(dock.width() // 2, 4))   # the title bar
    assert menus.menu is None


# --- animations ---------------------------------------------------------------------------------
def test_gif_of_a_panel_has_28_frames_each_with_its_row(window, tmp_path):
    path = export_now(FrameMaker(window, "softmax", scale=1), tmp_path / "read.gif", fps=4)
    assert window.state.row == 11   # the user's row, shown again
    gif = Image.open(path)
    assert gif.n_frames == 28
    assert gif.info["duration"] == 250 and gif.info["loop"] == 0
    frames = []
    for k in range(28):
        gif.seek(k)
        frames.append(np.asarray(gif.convert("RGB")))
    strip = round(24)   # the caption beneath the panel: "row k / 28"
    assert frames[0].shape[:2] == (window.softmax.height() + strip, window.softmax.width())
    for a, b in zip(frames, frames[1:], strict=False):
        assert not np.array_equal(a[-strip:], b[-strip:])   # the caption changes every frame
        assert not np.array_equal(a[:-strip], b[:-strip])   # and so does the view (its row marker)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read.gif"]


def test_mp4_of_the_window_reads_back_with_imageio(window, tmp_path):
    import imageio.v3 as iio
    window.resize(1281, 801)   # odd: the MP4 is padded to even sizes
    QtWidgets.QApplication.processEvents()
    maker = FrameMaker(window, "window", scale=1)
    path = export_now(maker, tmp_path / "read.mp4", fps=8)
    frames = iio.imread(path, plugin="FFMPEG", index=None)
    width, height = maker.frame_size()
    assert (width, height) == (window.width(), window.height())
    assert frames.shape == (28, height + height % 2, width + width % 2, 3)
    assert not np.array_equal(frames[3], frames[20])
    assert window.state.row == 11


def test_even_sized_pads_with_the_last_row_and_column():
    frame = np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3)
    padded = even_sized(frame)
    assert padded.shape == (4, 6, 3)
    assert np.array_equal(padded[:3, :5], frame) and np.array_equal(padded[3, :5], frame[2])


def test_export_in_the_window_encodes_in_a_job_with_progress(window, tmp_path, qtbot):
    export = AnimationExport(window, FrameMaker(window, "layers", scale=1), tmp_path / "layers.gif", fps=6)
    with qtbot.waitSignal(export.ended, timeout=WAIT_MS) as ended:
        export.start()
        assert export.dialog.isVisible() and export.dialog.maximum() == 29
    outcome = ended.args[0]
    assert outcome.path == tmp_path / "layers.gif" and outcome.error is None
    assert Image.open(outcome.path).n_frames == 28
    assert export.encoded == 28 and window.state.row == 11
    assert "28 frames" in export.describe()


def test_cancel_leaves_no_file_and_the_row_as_it_was(window, tmp_path, qtbot):
    (tmp_path / "old.mp4").write_bytes(b"the old file")
    export = AnimationExport(window, FrameMaker(window, "window", scale=1), tmp_path / "old.mp4", fps=4)
    seen_rows = []
    window.state.events.row.connect(seen_rows.append)
    with qtbot.waitSignal(export.ended, timeout=WAIT_MS) as ended:
        export.start()
        qtbot.waitUntil(lambda: export.made >= 3, timeout=WAIT_MS)
        cancel = export.dialog.findChild(QtWidgets.QPushButton)
        cancel.click()
    window.state.events.row.disconnect(seen_rows.append)
    assert ended.args[0].cancelled
    assert seen_rows and window.state.row == 11   # rows were shown, then the user's again
    assert (tmp_path / "old.mp4").read_bytes() == b"the old file"   # the old file as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]   # no temporary file left
    assert "cancelled" in export.describe()


def test_closing_the_window_mid_export_ends_it_with_no_file(window, tmp_path, qtbot):
    export = AnimationExport(window, FrameMaker(window, "softmax", scale=2), tmp_path / "a.gif", fps=4)
    with qtbot.waitSignal(export.ended, timeout=WAIT_MS) as ended:
        export.start()
        qtbot.waitUntil(lambda: export.made >= 2, timeout=WAIT_MS)
        window.close()   # the one shutdown path: every job cancelled and waited for
    assert ended.args[0].cancelled
    assert not window.jobs.threads()
    assert list(tmp_path.iterdir()) == []


def test_training_timeline_has_a_frame_per_snapshot(qtbot, tmp_path):
    from lstm_viewer import load_network
    from lstm_viewer.core.assets import history_model_path
    win = open_window(qtbot, load_network(history_model_path()), size=(1280, 800))
    try:
        history = win.state.history
        assert history is not None
        win.show_input(blotch_digit(5))
        win.session.show_snapshot(4)
        win.state.row = 20
        maker = FrameMaker(win, "softmax", kind="timeline", scale=1)
        path = export_now(maker, tmp_path / "training.gif", fps=10)
        gif = Image.open(path)
        assert gif.n_frames == len(history) == maker.count
        assert (win.state.snapshot, win.state.row) == (4, 20)   # as the user had them
        assert "snapshot 1 / 29 · after 0 batches · row 21 / 28" == maker.caption_text(0)
        assert animation_name("window", win.state, "timeline", ".mp4").endswith("-row21-training.mp4")
    finally:
        close_window(win)


def test_timeline_needs_a_history(window):
    from lstm_viewer.core.errors import UserError
    with pytest.raises(UserError, match="no training history"):
        FrameMaker(window, "window", kind="timeline")


def test_the_dialog_offers_the_open_panels_and_exports(window, tmp_path, qtbot, monkeypatch):
    from lstm_viewer.gui.export import animation_dialog
    window.show_panel("whyClassDock")
    QtWidgets.QApplication.processEvents()
    dialog = animation_dialog.AnimationDialog(window, view="why")
    keys = [dialog.view_combo.itemData(i) for i in range(dialog.view_combo.count())]
    assert keys[:5] == ["window", "layers", "softmax", "state", "input"] and "why" in keys
    assert "unit" not in keys   # not open
    assert dialog.view_combo.currentData() == "why"
    assert [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())] == ["rows"]
    dialog.deleteLater()

    monkeypatch.setattr(animation_dialog.AnimationDialog, "exec",
                        lambda self: QtWidgets.QDialog.DialogCode.Accepted)
    asked = []

    def ask(title, name, filters):
        asked.append(name)
        return str(tmp_path / "mine"), filters

    monkeypatch.setattr(window.window_actions, "ask_save_path", ask)
    export = animation_dialog.export_animation(window, view="input")
    assert export is not None
    qtbot.waitUntil(lambda: export.outcome is not None, timeout=WAIT_MS)
    assert asked[0].startswith("lstm-viewer-input-") and asked[0].endswith("-rows.gif")
    assert export.outcome.path == tmp_path / "mine.gif"   # no suffix typed: the format chosen
    assert Image.open(tmp_path / "mine.gif").n_frames == 28


def test_export_text_goes_through_tr():
    """No display call is handed an English literal, and every tr/ntr call has literal sentences (the
    extractor finds them: tests/test_i18n.py's rule, for this folder)."""
    import ast

    from test_i18n_gui import GUI, untranslated_literals
    assert not [hit for hit in untranslated_literals(GUI) if hit[0].startswith("export/")]
    for path in sorted((GUI / "export").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("tr", "ntr"):
                count = 2 if node.func.id == "ntr" else 1
                assert all(isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                           for arg in node.args[:count]), f"{path.name}:{node.lineno}"


# --- the command line ------------------------------------------------------------------------------
def _animate_command() -> list[str]:
    """``lstm-viewer animate`` once the command line has it, else this folder's module alone."""
    from lstm_viewer import cli
    if "animate" in cli.build_parser().format_help():
        return [sys.executable, "-m", "lstm_viewer", "animate"]
    return [sys.executable, "-m", "lstm_viewer.gui.export.animate_command"]


@pytest.fixture
def digit_png(tmp_path) -> Path:
    images = np.load(ROOT / "assets" / "samples.npz")["images"]
    path = tmp_path / "seven.png"
    Image.fromarray((255 - images[0]).astype(np.uint8)).resize((112, 112)).save(path)
    return path


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(_animate_command() + args, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_cli_animate_writes_a_gif(digit_png, tmp_path):
    out = tmp_path / "read.gif"
    done = _run([str(digit_png), "--out", str(out), "--view", "softmax", "--fps", "5"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).n_frames == 28
    assert "28 frames" in done.stdout


def test_cli_animate_refuses_a_bad_view_in_one_line(digit_png, tmp_path):
    done = _run([str(digit_png), "--out", str(tmp_path / "x.gif"), "--view", "nope"], tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--view" in lines[0] and "nope" in lines[0]
    done = _run([str(digit_png), "--out", str(tmp_path / "x.avi")], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"lstm-viewer: error: {tmp_path / 'x.avi'}: an animation is "
                                                "written as .gif or .mp4, not .avi"]
    assert not list(tmp_path.glob("x.*"))

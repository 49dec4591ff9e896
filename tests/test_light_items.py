"""The light plot items draw what pyqtgraph's own items draw, only cheaper."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtGui, QtWidgets

from lstm_viewer.gui.plots import style
from lstm_viewer.gui.plots.heatmap import heatmap
from lstm_viewer.gui.plots.light_items import KeptAxisItem, SignedBarsItem


def _plot(qtbot, kept: bool) -> pg.PlotWidget:
    widget = pg.PlotWidget(axisItems={"left": KeptAxisItem("left")} if kept else None)
    qtbot.addWidget(widget)
    widget.resize(220, 180)
    widget.getPlotItem().hideAxis("bottom")
    widget.getPlotItem().getAxis("left").setWidth(44)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pixels(widget: pg.PlotWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8).copy()


def test_kept_axis_draws_what_the_axis_draws_and_reuses_a_range_seen_before(qtbot):
    kept, plain = _plot(qtbot, kept=True), _plot(qtbot, kept=False)
    axis = kept.getPlotItem().getAxis("left")
    seen = []
    for low, high in ((0.0, 1.0), (-2.0, 5.0), (0.0, 1.0)):
        for widget in (kept, plain):
            widget.setYRange(low, high, padding=0)
        qtbot.waitUntil(lambda low=low, high=high: all(
            w.getPlotItem().getAxis("left").range == [low, high] for w in (kept, plain)))
        a, b = _pixels(kept), _pixels(plain)
        assert np.array_equal(a, b)            # same ticks, same numbers, same pixels
        seen.append(a)
    assert np.array_equal(seen[0], seen[2])
    assert not np.array_equal(seen[0], seen[1])
    assert axis.drawings_kept() == 2           # the third range was one already drawn


def test_kept_axis_keeps_a_bounded_number_of_drawings(qtbot):
    widget = _plot(qtbot, kept=True)
    axis = widget.getPlotItem().getAxis("left")
    for k in range(KeptAxisItem.KEPT + 5):
        widget.setYRange(0.0, 1.0 + k, padding=0)
        qtbot.waitUntil(lambda k=k: axis.drawings_kept() == min(k + 1, KeptAxisItem.KEPT))   # drawn
    assert axis.drawings_kept() == KeptAxisItem.KEPT


def test_steady_y_axis_keeps_the_axis_label(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    plot.setLabel("left", "share of the logit")
    style.steady_y_axis(plot, 48)
    axis = plot.getAxis("left")
    assert isinstance(axis, KeptAxisItem)
    assert axis.labelText == "share of the logit" and axis.fixedWidth == 48


def _three_bars(qtbot) -> tuple[pg.PlotWidget, SignedBarsItem]:
    """Three bars at x = 0, 1, 2 in a 300 × 200 plot whose view and extent are -1 … 1, shown."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    bars = SignedBarsItem(3, 0.8, ["#d9480f", "#1c7ed6"])
    widget.addItem(bars)
    widget.setXRange(-0.5, 2.5, padding=0)
    widget.setYRange(-1.0, 1.0, padding=0)
    bars.set_extent(-1.0, 1.0)
    widget.resize(300, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, bars


def test_bar_labels_are_drawn_beside_the_bars_or_left_out_when_too_wide(qtbot):
    widget, bars = _three_bars(qtbot)
    bars.set_bars(np.array([0.5, -0.5, 0.0]), np.array([0, 1, 0]), ["u1", "u2", "u3"])
    qtbot.waitUntil(lambda: bars.labels() == ["u1", "u2", "u3"])
    with_labels = _pixels(widget)
    bars.set_bars(np.array([0.5, -0.5, 0.0]), np.array([0, 1, 0]), None)
    qtbot.waitUntil(lambda: bars.labels() is None)
    assert not np.array_equal(with_labels, _pixels(widget))   # the labels are ink on the plot
    widget.resize(60, 200)                                     # slots of ~10 px: nothing fits
    bars.set_bars(np.array([0.5, -0.5, 0.0]), np.array([0, 1, 0]), ["u100", "u200", "u300"])
    qtbot.waitUntil(lambda: widget.getPlotItem().vb.width() < 60
                    and bars.labels() == ["u100", "u200", "u300"])
    without = _pixels(widget)
    bars.set_bars(np.array([0.5, -0.5, 0.0]), np.array([0, 1, 0]), None)
    qtbot.waitUntil(lambda: bars.labels() is None)
    assert np.array_equal(without, _pixels(widget))


def test_bar_labels_are_shortened_together():
    from lstm_viewer.gui.plots.light_items import fit_labels

    def width(text):
        return 7.0 * len(text)

    labels = ["u7", "u75", "u208", "rest", "bias"]
    assert fit_labels(labels, 28.0, width) == labels                        # all fit as given
    assert fit_labels(labels, 21.0, width) == ["7", "75", "208", None, None]  # one too wide: all numbers
    assert fit_labels(labels, 14.0, width) == ["7", "75", None, None, None]
    # Only the names that shortening changes decide it: a too-wide "rest" is left out on its own.
    assert fit_labels(["u7", "u75", "rest"], 21.0, width) == ["u7", "u75", None]


def test_kept_axis_forgets_its_drawings_when_its_ticks_change(qtbot):
    widget = _plot(qtbot, kept=True)
    axis = widget.getPlotItem().getAxis("left")
    widget.setYRange(0.0, 1.0, padding=0)
    qtbot.waitUntil(lambda: axis.range == [0.0, 1.0])
    before = _pixels(widget)
    axis.setTicks([[(0.25, "a quarter")]])
    qtbot.waitUntil(lambda: axis.drawings_kept() == 0)   # the drawings of the old ticks forgotten
    assert not np.array_equal(before, _pixels(widget))       # the same range, drawn anew


def _qimage_pixels(item) -> np.ndarray:
    image = item.qimage
    return np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint32).reshape(
        image.height(), image.width()).copy()


def test_heat_image_rows_reuse_colours_and_match_a_full_render(qtbot):
    """show_rows keeps a trace's colours between rows; what it shows is what rendering the blanked
    values afresh gives, also after the levels change, and the image holds the blanked floats."""
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    item = heatmap(widget.getPlotItem(), style.DIVERGING, (-1.0, 1.0))
    values = np.random.default_rng(0).normal(0, 0.8, (28, 40)).astype(np.float32)
    values[3, 5] = np.nan
    item.setImage(np.full_like(values, np.nan), autoLevels=False)
    reference = heatmap(widget.getPlotItem(), style.DIVERGING, (-1.0, 1.0))
    for step, row in enumerate((0, 13, 27, 4, 4, 20)):
        if step == 4:
            item.setLevels((-2.0, 2.0))
            reference.setLevels((-2.0, 2.0))
        item.show_rows(values, row, source=widget)   # one source throughout: colours kept
        blanked = style.blank_rows(values, row)
        np.testing.assert_array_equal(item.image, blanked)
        reference.setImage(blanked, autoLevels=False)
        reference.render()
        np.testing.assert_array_equal(_qimage_pixels(item), _qimage_pixels(reference))
    item.show_rows(None, 5)
    assert np.isnan(item.image).all()


def test_static_text_item_sits_at_its_anchor_and_follows_its_text(qtbot):
    from lstm_viewer.gui.plots.light_items import StaticTextItem
    item = StaticTextItem("#ff0000", anchor=(1, 0))
    item.setText("row 7")
    rect = item.boundingRect()
    assert item.text() == "row 7"
    assert rect.right() == 0 and rect.top() == 0   # its top-right corner at its position
    assert abs(rect.width() - QtGui.QFontMetricsF(QtGui.QFont()).horizontalAdvance("row 7")) < 2
    item.setText("row 28")
    assert item.boundingRect().width() > rect.width()


def test_settled_scenes_skip_view_boxes_that_paint_nothing(qtbot):
    """A view box without a border paints nothing: flagged so, Qt stops calling its Python paint and
    boundingRect on every repaint. A colour bar's framed box still paints its frame."""
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = widget.addPlot()
    bar = style.colour_bar(style.DIVERGING, (-1.0, 1.0))
    widget.addItem(bar)
    style.settle_scene(widget)
    no_contents = QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert plot.getViewBox().flags() & no_contents
    framed = [item for item in widget.scene().items()
              if isinstance(item, pg.ViewBox) and item.parentItem() is bar]
    assert framed and not any(item.flags() & no_contents for item in framed)


def _on_screen(widget: pg.PlotWidget) -> np.ndarray:
    image = widget.screen().grabWindow(widget.winId()).toImage().convertToFormat(
        QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8).copy()


def test_mark_line_draws_where_an_infinite_line_does_and_leaves_nothing_behind(qtbot):
    """Moved from row to row inside a view that repaints only what changed, the light line leaves on
    screen exactly what pg.InfiniteLine leaves: the line at its new row, nothing at the old one."""
    from PyQt6 import QtCore

    from lstm_viewer.gui.plots.light_items import MarkLine
    pen = pg.mkPen(style.ACCENT, width=1.5)
    widgets, lines = [], []
    for light in (True, False):
        widget = _plot(qtbot, kept=False)
        style.tune_view(widget)   # the app's repaint mode: only a rectangle around what changed
        plot = widget.getPlotItem()
        plot.setRange(xRange=(0, 10), yRange=(0, 28), padding=0)
        plot.disableAutoRange()
        line = MarkLine(pen, vertical=False) if light else pg.InfiniteLine(angle=0, pen=pen)
        plot.addItem(line)
        widgets.append(widget)
        lines.append(line)
    for row in (3, 17, 5, 27):
        for line in lines:
            line.setPos(row)
        QtWidgets.QApplication.processEvents()
        # What is on screen (the window's backing store, repainted only around what moved), not a
        # fresh render: a bounding rectangle too thin for the pen would leave a stale line there.
        light, reference = (_on_screen(widget) for widget in widgets)
        assert light.shape == reference.shape and light.size > 0
        np.testing.assert_array_equal(light, reference)
    assert lines[0].value() == 27
    # Never part of an auto range: the plot's range is the data's.
    curve = widgets[0].getPlotItem().plot([0, 1], [0, 1])
    widgets[0].getPlotItem().enableAutoRange()
    QtWidgets.QApplication.processEvents()
    assert widgets[0].getPlotItem().vb.viewRange()[1][1] < 2
    assert curve is not None and QtCore.QRectF(lines[0].boundingRect()).height() < 1


def test_steady_axis_keeps_the_rectangle_pyqtgraph_computes(qtbot):
    """The kept bounding rectangle is always the one pyqtgraph would compute now, through resizes
    and style changes; and the plot looks the same as one with pyqtgraph's own axes."""
    from lstm_viewer.gui.plots.light_items import steady_axes
    steady = pg.PlotWidget(axisItems=steady_axes())
    plain = pg.PlotWidget()
    for widget in (steady, plain):
        qtbot.addWidget(widget)
        widget.resize(240, 180)
        widget.getPlotItem().setLabel("bottom", "row")
        widget.getPlotItem().setRange(xRange=(0, 28), yRange=(-1, 1), padding=0)
        widget.show()
        qtbot.waitExposed(widget)

    def check() -> None:
        QtWidgets.QApplication.processEvents()
        for name in ("left", "bottom"):
            axis = steady.getPlotItem().getAxis(name)
            assert axis.boundingRect() == pg.AxisItem.boundingRect(axis), name
        np.testing.assert_array_equal(_pixels(steady), _pixels(plain))

    check()
    for widget in (steady, plain):
        widget.resize(300, 220)
    check()
    for widget in (steady, plain):
        widget.getPlotItem().getAxis("left").setStyle(tickLength=-8, hideOverlappingLabels=False)
        widget.getPlotItem().getAxis("left").setWidth(50)
    check()
    for widget in (steady, plain):
        widget.getPlotItem().showGrid(x=True, y=True)   # a grid spans the view: not kept
    check()


def test_a_bar_beyond_the_extent_is_drawn_broken_with_its_value(qtbot):
    """"Why this class" fits its scale to the named units: the other units' sum, often several times
    larger, is cut at the edge with a gap across it and its value written, not drawn off the plot."""
    widget, bars = _three_bars(qtbot)
    bars.set_bars(np.array([0.5, 0.9, -0.5]), np.array([0, 0, 1]))
    assert bars.broken() == []
    qtbot.waitUntil(lambda: bars.heights()[1] == 0.9)
    within = _pixels(widget)
    bars.set_bars(np.array([0.5, 9.6, -2.0]), np.array([0, 0, 1]))
    assert bars.broken() == [1, 2]
    qtbot.waitUntil(lambda: bars.heights()[1] == 9.6)
    broken = _pixels(widget)
    assert not np.array_equal(within, broken)
    # The tall bar's column on screen: orange up to the top edge, cut near it by a gap of paper and
    # its value; below the cut orange again.
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rgb = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[..., 2::-1]
    vb = widget.getPlotItem().vb
    def on_screen(x, y):
        point = widget.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))
        return point.x(), point.y()
    x, top = on_screen(1.0, 1.0)
    _, zero = on_screen(1.0, 0.0)
    column = rgb[top + 1:zero - 1, x].astype(int)
    orange = np.all(np.abs(column - [0xd9, 0x48, 0x0f]) < 8, axis=1)
    assert orange[:3].all() and orange[-3:].all()     # drawn from zero to the edge
    assert not orange.all()                           # with the gap (and the value) across it

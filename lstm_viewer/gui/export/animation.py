"""The row-by-row read (or the training timeline) as an animated GIF or an MP4.

Frames are made on the GUI thread (``FrameMaker``): the view state is moved (``state.row = r``, or the
history's snapshot) and the view or panel is rendered at the chosen scale, as ``figures`` renders a
figure. The whole window shows its own row (the stepper); a single panel gets a caption strip beneath it
("row 12 / 28"), and so does every frame of the training timeline (the snapshot and its batches).
Afterwards the row (and snapshot) the user had are shown again, also after a cancel or an error.

Encoding (``write_animation``) reads the frames as they come and writes them through
``core.atomic.write_atomically``: a cancelled or failed export leaves no file (and the old one, if any,
as it was).

- GIF (Pillow): one palette of 256 colours for every frame, made from the first and last frames (the
  blank start and the full read), no dithering (flat interface colours stay flat); each frame lasts
  1/fps s, loops forever.
- MP4 (H.264 through imageio-ffmpeg's own ffmpeg): yuv420p, which needs even sizes, so an odd width or
  height gets one more row or column of the background; ``+faststart`` so a browser plays it at once.

In the window (``AnimationExport``) the encoder runs in a job on the window's ``JobRunner`` while the
frames are made, a few frames ahead at most, with a progress dialog and Cancel; on the command line
(``lstm-viewer animate``) the same frames and encoders run one after the other (``export_now``).
"""
from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.atomic import write_atomically
from ...core.errors import UserError
from ...core.i18n import ntr, tr
from ...core.network import ROWS
from ..state.jobs import describe_error
from .figures import check_scale, export_rendering, figure_name, image_array, render_image, view_widget
from .views import WINDOW, format_of, panel_dock_name, view_keys, view_title

ROWS_KIND, TIMELINE_KIND = "rows", "timeline"
DEFAULT_FPS = 4.0   # the stepper's default speed
MAX_FPS = 30.0      # a GIF's delay is counted in hundredths of a second; viewers slow faster ones down
QUEUE_FRAMES = 3    # frames made ahead of the encoder at most (memory: a frame of the window at 3× is 43 MB)
CAPTION_HEIGHT = 24   # pixels at 1×, for the caption strip under a panel


def check_fps(fps: float) -> float:
    if not 0.1 <= fps <= MAX_FPS:
        raise UserError(tr("the speed must be between 0.1 and {most} frames a second, got {fps}",
                           most=MAX_FPS, fps=fps))
    return float(fps)


def animation_name(key: str, state, kind: str, suffix: str) -> str:
    """The proposed file name: "lstm-viewer-window-reads7-rows.gif", "…-row28-training.mp4"."""
    if kind == TIMELINE_KIND:
        name = figure_name(key, state, "", row=True)
        name = name.replace(f"-snapshot{state.snapshot + 1}", "") if state.snapshot is not None else name
        return f"{name}-training{suffix}"
    return f"{figure_name(key, state, '', row=False)}-rows{suffix}"


# --- frames -----------------------------------------------------------------------------------
class FrameMaker:
    """Makes the frames of an animation of ``window``, on the GUI thread.

    ``begin()`` stops the window's own playing, remembers the row (and snapshot) and brings the panel
    to the front; ``frame(k)`` shows step k (row k + 1, or snapshot k) and returns the frame, an RGB
    array (height, width, 3); ``end()`` shows the user's row (and snapshot) again. ``view``: "window",
    a main view ("layers", "softmax", "state", "input") or an analysis panel's key ("unit", "why"…).
    """

    def __init__(self, window, view: str = WINDOW, kind: str = ROWS_KIND, scale: float = 1.0) -> None:
        if view not in view_keys():
            raise UserError(tr("there is no view {view}; choose from {views}", view=view,
                               views=", ".join(view_keys())))
        if kind not in (ROWS_KIND, TIMELINE_KIND):
            raise ValueError(kind)
        if kind == TIMELINE_KIND and window.state.history is None:
            raise UserError(tr("this model has no training history: only its rows can be animated"))
        self.window, self.view, self.kind = window, view, kind
        self.scale = check_scale(scale)
        self.state = window.state
        self.count = len(window.state.history) if kind == TIMELINE_KIND else ROWS
        self.caption = kind == TIMELINE_KIND or view != WINDOW
        self._size: tuple[int, int] | None = None   # every frame's (width, height), the first's
        self._saved: tuple[int, int | None] | None = None
        self._rendering = contextlib.ExitStack()
        self.widget: QtWidgets.QWidget | None = None

    def begin(self) -> None:
        window = self.window
        self._saved = (self.state.row, self.state.snapshot)
        stepper = getattr(window, "stepper", None)
        if stepper is not None and stepper.play_button.isChecked():
            stepper.play_button.setChecked(False)   # the row is ours while the frames are made
        history_panel = window.findChild(QtWidgets.QWidget, "historyPanel")   # built once shown
        if history_panel is not None and history_panel.is_playing():
            history_panel.toggle_play()
        dock = panel_dock_name(self.view)
        if dock is not None:
            window.show_panel(dock)   # on screen (a hidden panel does no work), its tab in front
        _settle()
        # The panel as its dock shows it: the same size in every frame.
        self.widget = view_widget(window, self.view, as_on_screen=True)
        if self.scale != 1:
            self._rendering.enter_context(export_rendering(self.widget))

    def frame(self, k: int) -> np.ndarray:
        """Step ``k`` (0-based) shown and rendered: (height, width, 3) uint8."""
        if not 0 <= k < self.count:
            raise IndexError(k)
        if self.kind == ROWS_KIND:
            self.state.row = k
        else:
            self.window.session.show_snapshot(k)
        _settle()
        image = render_image(self.widget, self.scale)
        if self.caption:
            image = self._with_caption(image, k)
        pixels = image_array(image)
        if self._size is None:
            self._size = (pixels.shape[1], pixels.shape[0])
        return _fitted(pixels, self._size, self._background())

    def end(self) -> None:
        """The user's row and snapshot shown again (safe to call twice)."""
        self._rendering.close()
        if self._saved is None:
            return
        row, snapshot = self._saved
        self._saved = None
        if snapshot is not None and self.state.history is not None and self.state.snapshot != snapshot:
            self.window.session.show_snapshot(snapshot)
        self.state.row = row
        _settle()

    def caption_text(self, k: int) -> str:
        if self.kind == TIMELINE_KIND:
            history = self.state.history
            batches = int(history.steps[k])
            return ntr("snapshot {snapshot} / {snapshots} · after {count} batch · row {row} / {rows}",
                       "snapshot {snapshot} / {snapshots} · after {count} batches · row {row} / {rows}",
                       batches, snapshot=k + 1, snapshots=self.count, row=self.state.row + 1, rows=ROWS)
        return tr("row {row} / {rows}", row=k + 1, rows=ROWS)

    def _with_caption(self, image: QtGui.QImage, k: int) -> QtGui.QImage:
        strip = max(1, round(CAPTION_HEIGHT * self.scale))
        framed = QtGui.QImage(image.width(), image.height() + strip, QtGui.QImage.Format.Format_RGB32)
        framed.fill(self._background())
        painter = QtGui.QPainter(framed)
        try:
            painter.drawImage(0, 0, image)
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
            font = QtGui.QFont(self.window.font())
            font.setPixelSize(max(6, round(14 * self.scale)))
            painter.setFont(font)
            painter.setPen(self.window.palette().color(QtGui.QPalette.ColorRole.WindowText))
            painter.drawText(QtCore.QRectF(8 * self.scale, image.height(), image.width() - 16 * self.scale,
                                           strip),
                             QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft,
                             self.caption_text(k))
        finally:
            painter.end()
        return framed

    def _background(self) -> QtGui.QColor:
        return self.window.palette().color(QtGui.QPalette.ColorRole.Window)

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the frames (known once the first is made)."""
        if self._size is None:
            raise RuntimeError("no frame made yet")
        return self._size


def _settle() -> None:
    """Deliver what the state change posted (layouts, scenes' changes), as the next paint would see
    it; no user input is processed here."""
    QtCore.QCoreApplication.sendPostedEvents()


def _fitted(pixels: np.ndarray, size: tuple[int, int], background: QtGui.QColor) -> np.ndarray:
    """``pixels`` cut or padded (with the background) to ``size`` = (width, height): every frame of a
    file has one size, even if a panel grew a line while the rows went by."""
    width, height = size
    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    out = np.empty((height, width, 3), np.uint8)
    out[...] = (background.red(), background.green(), background.blue())
    h, w = min(height, pixels.shape[0]), min(width, pixels.shape[1])
    out[:h, :w] = pixels[:h, :w]
    return out


# --- encoders ---------------------------------------------------------------------------------
def write_animation(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float,
                    palette_from: np.ndarray | None = None) -> Path:
    """``frames`` (RGB arrays, all one size) as the GIF or MP4 ``path`` names, written atomically.

    ``palette_from``: for a GIF, an image holding the colours to keep (else the first frame's). An
    exception from ``frames`` (``Cancelled``) leaves no file."""
    path = Path(path)
    kind = format_of(path)
    fps = check_fps(fps)
    if kind == "gif":
        return write_atomically(path, lambda tmp: encode_gif(tmp, frames, fps, palette_from))
    return write_atomically(path, lambda tmp: encode_mp4(tmp, frames, fps))


def encode_gif(target: Path, frames: Iterable[np.ndarray], fps: float,
               palette_from: np.ndarray | None = None) -> int:
    """Write an animated GIF; the number of frames."""
    from PIL import Image

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise UserError(tr("an animation needs at least one frame"))
    palette = gif_palette(first if palette_from is None else palette_from)
    count = 1

    def quantized() -> Iterator[Image.Image]:
        nonlocal count
        for frame in frames:
            count += 1
            yield _quantize(frame, palette)

    with open(target, "wb") as fh:
        _quantize(first, palette).save(
            fh, format="GIF", save_all=True, append_images=quantized(), loop=0,
            duration=max(20, round(1000 / fps)), optimize=False, disposal=1)
    return count


def gif_palette(pixels: np.ndarray):
    """A 256-colour palette image for the colours of ``pixels`` (every other pixel is enough)."""
    from PIL import Image
    sample = np.ascontiguousarray(pixels[::2, ::2])
    return Image.fromarray(sample).quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _quantize(frame: np.ndarray, palette):
    from PIL import Image
    return Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE)


def encode_mp4(target: Path, frames: Iterable[np.ndarray], fps: float) -> int:
    """Write an H.264 MP4 with imageio-ffmpeg's ffmpeg; the number of frames."""
    import imageio_ffmpeg

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise UserError(tr("an animation needs at least one frame"))
    first = even_sized(first)
    height, width = first.shape[:2]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
               "-r", f"{fps:g}", "-i", "-", "-an",
               "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-crf", "18",
               "-tune", "animation", "-movflags", "+faststart", "-f", "mp4", str(target)]
    count = 0
    with tempfile.TemporaryFile() as errors:   # a file, not a pipe: ffmpeg never blocks on it
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            for frame in _chain(first, frames):
                frame = even_sized(frame)
                if frame.shape[:2] != (height, width):
                    raise ValueError(f"frame {count} is {frame.shape[1]}x{frame.shape[0]}, "
                                     f"not {width}x{height}")
                try:
                    process.stdin.write(np.ascontiguousarray(frame).tobytes())
                except BrokenPipeError:
                    break   # ffmpeg stopped: its status and message below
                count += 1
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            status = process.wait()
        except BaseException:
            process.kill()   # cancelled or failed: nothing of this file is kept
            with contextlib.suppress(OSError):
                process.stdin.close()
            process.wait()
            raise
        if status != 0:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise UserError(tr("{path}: ffmpeg could not write the MP4 ({reason})", path=target,
                               reason=said[-1] if said else tr("exit status {status}", status=status)))
    return count


def even_sized(frame: np.ndarray) -> np.ndarray:
    """``frame`` with one more row and/or column (copies of its last) when its height or width is odd:
    H.264 in yuv420p needs even sizes."""
    height, width = frame.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return frame
    return np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


# --- on the command line: one thing after another ----------------------------------------------
def export_now(maker: FrameMaker, path: str | os.PathLike, fps: float,
               on_frame: Callable[[int], None] | None = None) -> Path:
    """Make every frame and write the file, on this (the GUI) thread; the user's row shown again."""
    path = Path(path)
    kind = format_of(path)
    maker.begin()
    try:
        palette_from = _palette_frames(maker) if kind == "gif" else None

        def frames() -> Iterator[np.ndarray]:
            for k in range(maker.count):
                yield maker.frame(k)
                if on_frame is not None:
                    on_frame(k + 1)

        return write_animation(path, frames(), fps, palette_from)
    finally:
        maker.end()


def _palette_frames(maker: FrameMaker) -> np.ndarray:
    """The first and last frames one above the other: the colours of the blank start and of the full
    read (or of the first and final weights)."""
    first, last = maker.frame(0), maker.frame(maker.count - 1)
    return np.concatenate([first, last], axis=0)


# --- in the window: frames on the GUI thread, encoding in a job ---------------------------------
_END = object()


@dataclass
class Outcome:
    """How an export ended: ``path`` written, or ``error`` (an exception), or neither (cancelled)."""

    path: Path | None = None
    error: BaseException | None = None

    @property
    def cancelled(self) -> bool:
        return self.path is None and self.error is None


class AnimationExport(QtCore.QObject):
    """One export in the window: a progress dialog with Cancel, frames made one per turn of the event
    loop, the encoder in a job on ``window.jobs``. ``ended`` carries an ``Outcome``."""

    ended = QtCore.pyqtSignal(object)

    def __init__(self, window, maker: FrameMaker, path: str | os.PathLike, fps: float) -> None:
        super().__init__(window)
        self.window, self.maker = window, maker
        self.path = Path(path)
        self.kind = format_of(self.path)
        self.fps = check_fps(fps)
        self.outcome: Outcome | None = None
        self.made = 0       # frames made
        self.encoded = 0    # frames handed to the encoder
        self._frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._job = None
        self._stopped = False
        self._writing = False
        self.dialog = QtWidgets.QProgressDialog(
            tr("Making the frames of “{name}”…", name=view_title(maker.view, window)), tr("Cancel"), 0,
            maker.count + 1, window)
        self.dialog.setObjectName("animationProgress")
        self.dialog.setWindowTitle(tr("Export animation"))
        self.dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        """Begin: the dialog shows, the job starts, the frames follow."""
        self.dialog.setValue(0)
        self.dialog.show()
        try:
            self.maker.begin()
            palette_from = _palette_frames(self.maker) if self.kind == "gif" else None
        except Exception as exc:
            self._finish(Outcome(error=exc))
            return
        self._job = self.window.jobs.run(
            lambda context: self._encode(context, palette_from), key="export animation",
            on_progress=self._on_encoded, on_done=lambda path: self._finish(Outcome(path=path)),
            on_error=lambda exc: self._finish(Outcome(error=exc)),
            on_cancelled=lambda: self._finish(Outcome()))
        if self._job is None:   # the window is closing
            self._finish(Outcome())
            return
        QtCore.QTimer.singleShot(0, self._make_next)

    def cancel(self) -> None:
        """Stop: no file is written, the user's row is shown again (``ended`` follows when the job has
        stopped)."""
        if self._stopped or self._writing:   # the file's last part is being written: it will be whole
            return
        self._stopped = True
        self.maker.end()
        if self._job is not None:
            self._job.cancel()
        else:
            self._finish(Outcome())

    def _make_next(self) -> None:
        if self._stopped or self.outcome is not None:
            return
        if self._job is not None and self._job.is_cancelled():   # the window is closing
            self._stopped = True
            self._finish(Outcome())
            return
        if self.made == self.maker.count:
            self.maker.end()
            self._writing = True   # no cancel from here: the encoder only finishes the file
            self._put(_END)
            self.dialog.setLabelText(tr("Writing {path}…", path=self.path.name))
            self.dialog.setCancelButton(None)
            return
        if self._frames.full():   # the encoder is behind: let it catch up
            QtCore.QTimer.singleShot(5, self._make_next)
            return
        try:
            frame = self.maker.frame(self.made)
        except Exception as exc:
            self._stopped = True
            self.maker.end()
            self._job.cancel()
            self._finish(Outcome(error=exc))
            return
        self._put(frame)
        self.made += 1
        QtCore.QTimer.singleShot(0, self._make_next)

    def _put(self, item) -> None:
        self._frames.put(item)   # never blocks: put only when not full (or the end, one more)

    def _encode(self, context, palette_from) -> Path:
        """In the job's thread: the frames as they come, into the file (atomically)."""
        def frames() -> Iterator[np.ndarray]:
            while True:
                context.check()
                try:
                    item = self._frames.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is _END:
                    return
                yield item
                context.report(1)

        return write_animation(self.path, frames(), self.fps, palette_from)

    def _on_encoded(self, _step) -> None:
        self.encoded += 1
        if not self._stopped:
            self.dialog.setValue(min(self.encoded, self.maker.count))

    def _finish(self, outcome: Outcome) -> None:
        if self.outcome is not None:
            return
        if outcome.path is None and outcome.error is None and not self._stopped and self._job is not None:
            outcome = Outcome()   # cancelled from elsewhere (the window closing)
        self.outcome = outcome
        self._stopped = True
        self.maker.end()
        self.dialog.setValue(self.dialog.maximum())
        self.dialog.hide()
        self.dialog.deleteLater()
        self.ended.emit(outcome)

    def describe(self) -> str:
        """The outcome in one sentence for the status bar."""
        outcome = self.outcome
        if outcome is None:
            return ""
        if outcome.error is not None:
            return describe_error(outcome.error)
        if outcome.cancelled:
            return tr("The animation was cancelled; nothing was written.")
        size = outcome.path.stat().st_size if outcome.path.exists() else 0
        return ntr("Saved {count} frame as {path} ({megabytes} MB).",
                   "Saved {count} frames as {path} ({megabytes} MB).", self.maker.count,
                   path=outcome.path, megabytes=f"{size / 1e6:.1f}")

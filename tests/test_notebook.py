"""The window from a notebook: a real notebook run through a real kernel (nbclient + ipykernel), as a
learner would run it: ``show()`` starts Qt's event-loop integration itself, the row set from a cell
reaches the views, ``show_image`` and ``screenshot()`` work, and the handle displays inline as a PNG.

Plus the handle itself, in this process (``show_image``'s inputs, ``open_model``, the PNG written) and
``lstm_viewer.run()`` from a plain script, in a subprocess."""
from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from gui_support import random_network, write_keras_file

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "lstm-viewer-test"
OFFSCREEN_NOTES = {"This plugin does not support propagateSizeHints()",
                   "This plugin does not support raise()"}

CELLS = [
    # 0: importing the package imports no Qt; show() opens the window and integrates Qt's loop.
    """import sys, json, time
import numpy as np
import lstm_viewer
print(json.dumps({"qt_before_show": "PyQt6" in sys.modules}))
viewer = lstm_viewer.show()
print(json.dumps({"eventloop": get_ipython().active_eventloop}))""",
    # 1: a timer set now fires only if Qt's loop runs while the kernel waits for the next cell.
    """from PyQt6 import QtCore
ticks = []
QtCore.QTimer.singleShot(0, lambda: ticks.append(time.monotonic()))
viewer.state.row = 9""",
    # 2: the loop ran between the cells; the row reached the headline's views.
    """time.sleep(0.05)   # (the loop also runs while this cell's request is being received)
print(json.dumps({"ticked": len(ticks), "row": viewer.state.row,
                  "detail": viewer.window.header.detail.text()}))""",
    # 3: a real MNIST test digit, shown as an array; the handle as the cell's value: shown inline.
    """from lstm_viewer.core.data import load_test_set
images, labels = load_test_set()
trace = viewer.show_image(images[0])
print(json.dumps({"label": int(labels[0]), "prediction": trace.prediction,
                  "same_input": bool(np.allclose(viewer.state.image, images[0] / 255.0))}))
viewer""",
    # 4: a screenshot as an array, and as a PNG file.
    """shot = viewer.screenshot(SHOT_PATH)
print(json.dumps({"shape": shot.shape, "dtype": str(shot.dtype), "std": float(shot.std()),
                  "colours": len(np.unique(shot.reshape(-1, 3), axis=0))}))""",
    # 5: closing ends every job's thread.
    """closed = viewer.close()
print(json.dumps({"closed": closed, "threads": len(viewer.window.jobs.threads())}))""",
]


def _kernel_spec(folder: Path) -> Path:
    """A kernel spec running this interpreter (not whatever ``python3`` names on this machine)."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lstm-viewer tests", "language": "python"}))
    return folder / "kernels"


def _json_lines(output) -> dict:
    found = {}
    for item in output:
        if item.get("output_type") == "stream" and item.get("name") == "stdout":
            for line in item["text"].splitlines():
                if line.startswith("{"):
                    found.update(json.loads(line))
    return found


def test_a_notebook_opens_the_window_moves_it_and_shows_it_inline(tmp_path, mnist_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    shot_path = tmp_path / "shot.png"
    cells = [*CELLS[:4], CELLS[4].replace("SHOT_PATH", repr(str(shot_path))), CELLS[5]]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LSTM_VIEWER_MNIST=str(mnist_path),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    manager = KernelManager(kernel_name=KERNEL,
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(_kernel_spec(tmp_path))]))
    client = nbclient.NotebookClient(notebook, km=manager, timeout=120, allow_errors=False,
                                     resources={"metadata": {"path": str(tmp_path)}})
    started = time.perf_counter()
    try:
        client.execute(env=env)
    finally:
        if manager.has_kernel:   # given its manager, nbclient leaves the kernel running
            manager.shutdown_kernel(now=True)
    seconds = time.perf_counter() - started
    outputs = [cell.outputs for cell in notebook.cells]
    print(f"the notebook ran in {seconds:.1f} s")

    first = _json_lines(outputs[0])
    assert first["qt_before_show"] is False          # importing lstm_viewer imports no Qt
    assert first["eventloop"].startswith("qt")       # show() integrated Qt's loop (%gui qt6)

    moved = _json_lines(outputs[2])
    assert moved["ticked"] == 1, "Qt's event loop did not run between the cells"
    assert moved["row"] == 9 and "after row 10 of 28" in moved["detail"]

    shown = _json_lines(outputs[3])
    assert shown["same_input"] and shown["prediction"] == shown["label"]
    inline = [o for o in outputs[3] if o.get("output_type") in ("display_data", "execute_result")
              and "image/png" in o.get("data", {})]
    assert len(inline) == 1, outputs[3]
    png = base64.b64decode(inline[0]["data"]["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "lstm_viewer.Viewer" in inline[0]["data"]["text/plain"]

    shot = _json_lines(outputs[4])
    height, width, channels = shot["shape"]
    assert channels == 3 and shot["dtype"] == "uint8" and width >= 800 and height >= 500
    assert shot["std"] > 10 and shot["colours"] > 50     # a window, not a blank picture
    from PIL import Image
    with Image.open(shot_path) as written:
        assert written.size == (width, height) and written.mode == "RGB"
    with Image.open(io.BytesIO(png)) as inline_image:
        assert inline_image.size == (width, height)

    closing = _json_lines(outputs[5])
    assert closing == {"closed": True, "threads": 0}
    # Nothing said on stderr (a Qt warning, a Python warning, a traceback) but the offscreen plugin's
    # notes that pyproject's qt_log_ignore lists.
    said = [line for cell in outputs for o in cell if o.get("name") == "stderr"
            for line in o["text"].splitlines() if line.strip() and line not in OFFSCREEN_NOTES]
    assert not said, said


# --- the handle, in this process ------------------------------------------------------------------
@pytest.fixture
def viewer(qtbot, tmp_path):
    from PyQt6 import QtCore

    from lstm_viewer.gui.viewer import show
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    handle = show(random_network([16, 12]), settings=settings)
    qtbot.addWidget(handle.window)
    yield handle
    handle.close()
    assert not handle.window.jobs.threads()


def test_show_image_takes_what_the_app_reads(viewer, tmp_path):
    from PIL import Image

    from lstm_viewer.core.preprocess import preprocess
    from lstm_viewer.gui.viewer import as_input
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 13:16] = 255
    trace = viewer.show_image(digit)                       # uint8: / 255, as it is
    assert trace is viewer.state.trace
    np.testing.assert_array_equal(viewer.state.image, digit / 255.0)
    viewer.show_image(digit / 255.0)                       # floats in [0, 1]: as they are
    np.testing.assert_array_equal(viewer.state.image, digit / 255.0)
    # Any other picture goes through the preprocessing (a drawing, dark ink on white, 100 × 80).
    paper = np.full((100, 80), 255, np.uint8)
    paper[20:80, 35:45] = 0
    viewer.show_image(paper)
    np.testing.assert_array_equal(viewer.state.image, preprocess(paper))
    rgb = np.repeat(paper[..., None], 3, axis=2)
    np.testing.assert_allclose(as_input(rgb), preprocess(paper), atol=1e-6)
    Image.fromarray(paper).save(tmp_path / "paper.png")
    viewer.show_image(tmp_path / "paper.png")              # a file
    np.testing.assert_allclose(viewer.state.image, preprocess(paper), atol=1e-6)
    with Image.open(tmp_path / "paper.png") as picture:    # a Pillow image
        np.testing.assert_allclose(as_input(picture), preprocess(paper), atol=1e-6)
    assert viewer.show_image(np.zeros((28, 28))) is None and viewer.state.trace is None   # blank
    for bad in (np.full((28, 28), np.nan), np.full((28, 28), 300.0), np.zeros((2, 28, 28)),
                np.full((28, 28), -1.0)):
        with pytest.raises(ValueError):
            viewer.show_image(bad)
    with pytest.raises(TypeError):
        viewer.show_image(np.array([["a"]]))


def test_open_model_reads_a_file_now_and_keeps_the_input(viewer, tmp_path):
    from lstm_viewer.core.errors import UserError
    digit = np.zeros((28, 28), np.float32)
    digit[5:23, 12:16] = 1.0
    viewer.show_image(digit)
    other = random_network([8], seed=4, name="other")
    path = write_keras_file(tmp_path / "other.keras", other)
    network = viewer.open_model(path)
    assert network is viewer.state.network and network.units == [8]
    assert viewer.window.session.model_name == "other.keras"
    np.testing.assert_array_equal(viewer.state.image, digit)    # the same input, read by the new model
    np.testing.assert_allclose(viewer.trace.probs, other.trace(digit).probs, rtol=1e-5, atol=1e-6)
    with pytest.raises(UserError):
        viewer.open_model(tmp_path / "missing.keras")
    assert viewer.state.network is network                       # a failure leaves the model
    viewer.open_model(random_network([4], seed=5))               # a Network
    assert viewer.state.network.units == [4]


def test_screenshot_follows_the_state_and_writes_a_png(viewer, tmp_path):
    from PIL import Image
    viewer.state.row = 27
    last = viewer.screenshot()
    viewer.state.row = 2
    early = viewer.screenshot(tmp_path / "early")               # ".png" added
    assert last.shape == early.shape and last.dtype == np.uint8 and last.shape[2] == 3
    assert (last != early).any()                                 # the row reached the views
    with Image.open(tmp_path / "early.png") as written:
        np.testing.assert_array_equal(np.asarray(written.convert("RGB")), early)
    assert viewer._repr_png_().startswith(b"\x89PNG")
    assert "row 3 of 28" in repr(viewer)


def test_importing_the_package_and_its_show_imports_no_qt():
    code = ("import sys, lstm_viewer; lstm_viewer.show, lstm_viewer.run; from lstm_viewer import *; "
            "print([m for m in ('PyQt6', 'pyqtgraph', 'tensorflow') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_run_from_a_plain_script_runs_the_loop_until_the_window_closes(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import lstm_viewer
        from PyQt6 import QtCore
        viewer = lstm_viewer.show()
        QtCore.QTimer.singleShot(300, lambda: viewer.state.__setattr__("row", 4))
        QtCore.QTimer.singleShot(600, viewer.close)
        status = lstm_viewer.run()
        print("RAN", status, viewer.state.row, len(viewer.window.jobs.threads()))
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=dict(os.environ, QT_QPA_PLATFORM="offscreen",
                                                 PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert "RAN 0 4 0" in done.stdout, done.stdout + done.stderr

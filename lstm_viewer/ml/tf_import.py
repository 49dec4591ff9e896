"""Importing TensorFlow quietly: without its start-up lines on the terminal, and, on a worker
thread, without freezing the window.

Used by the window's training job (the import takes seconds and, done naively, holds the GIL for
long stretches, which stalls the GUI thread as surely as doing it there) and by the commands that
need Keras (train, convert, evaluate --keras), so that "E0000 … failed call to cuInit" on a machine
without a GPU does not read as if something failed.
"""
from __future__ import annotations

import ctypes
import gc
import importlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# The big shared libraries of the tensorflow package, loaded without the GIL (see quiet_import).
TF_LIBRARIES = ("libtensorflow_framework.so.2", "libtensorflow_cc.so.2")

# TensorFlow's start-up lines, which read like failures on a machine without a GPU: "E0000 ...
# failed call to cuInit", the oneDNN and CPU-instruction notices, absl's "before InitializeLog"
# warning. The first ones are printed before TF_CPP_MIN_LOG_LEVEL is read (and cuInit's is an
# error, which level 2 keeps), so they are filtered from the process's stderr while TensorFlow
# starts; any other line written meanwhile is passed on.
STARTUP_NOISE = ("All log messages before absl::InitializeLog()", "oneDNN custom operations",
                 "cudart_stub.cc", "cuInit", "cuda_platform.cc", "cuda_executor.cc", "cpu_feature_guard",
                 "rebuild TensorFlow with the appropriate compiler flags",
                 "This TensorFlow binary is optimized", "Unable to register cu")


def quiet_import(modules: Sequence[str], preload: Sequence[str] = ()) -> None:
    """Import big packages on a worker thread without freezing the GUI thread. Call it from the worker.

    A worker holding the GIL stalls the GUI thread as surely as work on the GUI thread does, and
    importing TensorFlow holds it in two long stretches (measured on 2 busy cores):

    - ``dlopen`` of its shared libraries: CPython keeps the GIL while it loads an extension, and
      ``libtensorflow_cc.so`` takes 0.5 s. ``preload`` (paths inside the first package) are loaded
      first through a ctypes foreign call, which releases the GIL; the import then finds them loaded.
      RTLD_LOCAL, as Python itself uses: RTLD_GLOBAL would let TensorFlow's bundled BoringSSL
      symbols capture ``_hashlib``'s (a crash).
    - the cyclic garbage collector: the import makes ~440,000 objects and every full collection
      walks all of them (pauses growing to 270 ms). It is paused during the import, and what the
      import made is frozen (``gc.freeze``) so that later collections skip it.
    """
    if all(name in sys.modules for name in modules):
        # Imported earlier (by the CLI path, a test, a notebook) without freezing: freeze now, or
        # the next full collection walks TensorFlow's objects while the window waits for the GIL.
        gc.freeze()
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # TensorFlow's info and warning lines: not here
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with startup_lines_filtered():   # the libraries print as they load: the preload included
            if preload:
                _preload_without_gil(modules[0], preload)
            for name in modules:
                importlib.import_module(name)
            if "tensorflow" in modules:   # the device probe (cuInit's "error") now, inside the filter
                sys.modules["tensorflow"].config.list_physical_devices()
        _quiet_absl()
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def startup_lines_filtered() -> Iterator[None]:
    """Send the process's stderr (file descriptor 2: TensorFlow's C++ logs too) to a temporary
    file meanwhile, then write back every line that is not ``STARTUP_NOISE``."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):   # no real stderr (pythonw, a test's capture)
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not any(noise in line for noise in STARTUP_NOISE)]
            if kept:
                os.write(2, "".join(kept).encode("utf-8", "replace"))


def _quiet_absl() -> None:
    """absl's Python logging (Keras' and TensorFlow's ``WARNING:absl:`` lines): errors only."""
    try:
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass


def _preload_without_gil(package: str, libraries: Sequence[str]) -> None:
    """dlopen ``libraries`` (paths inside ``package``) through ctypes, which releases the GIL.

    Best effort, Linux only: when anything is missing the import simply loads them itself.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return
        folder = Path(list(spec.submodule_search_locations)[0])
        dlopen = ctypes.CDLL(None).dlopen
        dlopen.restype = ctypes.c_void_p
        dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        for name in libraries:
            if (folder / name).is_file():
                dlopen(os.fsencode(folder / name), os.RTLD_NOW | os.RTLD_LOCAL)
    except (AttributeError, OSError, ImportError, ValueError):
        pass

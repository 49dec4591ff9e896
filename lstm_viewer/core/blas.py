"""Keep numpy's BLAS to one thread in the app, and let one batched computation use every core.

The trace's matrix products are tiny ((1, u) @ (u, 4u), 28 times per layer): threads cannot speed
them up, but OpenBLAS threads that spin while waiting make them slow when the machine is busy
(measured on 2 cores with a training run in the background: 6 ms per 3 × 256 trace with one thread,
48 ms with the default two). ``OPENBLAS_NUM_THREADS`` is read only when numpy is first imported,
which has happened long before the window opens, so the running library is told directly.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")


def limit_blas_threads(threads: int = 1) -> bool:
    """Best effort: True when a loaded OpenBLAS accepted the limit."""
    setter = _openblas_function(_SETTERS)
    if setter is None:
        return False
    setter(ctypes.c_int(threads))
    return True


def blas_threads() -> int | None:
    """The loaded OpenBLAS's thread count, or None when there is none to ask."""
    getter = _openblas_function(_GETTERS)
    return None if getter is None else int(getter())


# Blocks asking for a thread count, in any thread: a pass with threads of its own needs BLAS on one
# thread (``one_thread``), a batched product on its own wants every core (``all_cores``). One
# ``one_thread`` block outweighs any ``all_cores``; when the last block ends, the count in force
# before the first one began is restored (one thread in the app, OpenBLAS's default in a script).
_asking = {"one": 0, "all": 0}
_resting: int | None = None
_asking_lock = threading.Lock()


@contextlib.contextmanager
def all_cores():
    """Let OpenBLAS use every core for one batched computation (in a job), then as before.

    Occlusion's recurrent products run on up to 28 rows at once: there two threads pay (measured on
    2 cores: 4.3–4.7 instead of 5.9–6.3 traces' time), unlike the trace's one-row products. The
    setting is process-wide, so a trace on the GUI thread in those ~60 ms may run with two threads
    too. While a state-space pass runs (``one_thread``) the cores are its own and this asks nothing.
    """
    with _asking_for("all"):
        yield


@contextlib.contextmanager
def one_thread():
    """OpenBLAS on one thread while a computation runs threads of its own (the state-space pass).

    A threaded OpenBLAS inside each of those threads oversubscribes the cores, and its waiting
    threads spin on the cores the other thread's elementwise work needs: measured on the 2-core VM
    under load, a 512-digit pass took 35-50 s instead of 8-14 s.
    """
    with _asking_for("one"):
        yield


@contextlib.contextmanager
def _asking_for(kind: str):
    global _resting
    with _asking_lock:
        if not any(_asking.values()):
            _resting = blas_threads()
        _asking[kind] += 1
        _apply()
    try:
        yield
    finally:
        with _asking_lock:
            _asking[kind] -= 1
            _apply()


def _apply() -> None:
    """The thread count the running blocks ask for (called holding the lock)."""
    if _asking["one"]:
        limit_blas_threads(1)
    elif _asking["all"]:
        limit_blas_threads(usable_cores())
    elif _resting is not None:
        limit_blas_threads(_resting)


def worker_threads() -> int:
    """Threads for a computation spread over the cores (the state-space pass, scoring a digit set):
    one per core this process may use, at most four (beyond that the matrix products dominate)."""
    return max(1, min(usable_cores(), 4))


def usable_cores() -> int:
    """The cores this process may use (taskset, cgroups), at least 1."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


@functools.cache
def _openblas_function(names: tuple[str, ...]):
    """The first of ``names`` exported by a loaded OpenBLAS (looked up once: it reads /proc)."""
    import numpy  # noqa: F401  (make sure numpy's BLAS is loaded)

    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            function = getattr(library, name, None)
            if function is not None:
                return function
    return None


def _loaded_openblas() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if p.startswith("/"))

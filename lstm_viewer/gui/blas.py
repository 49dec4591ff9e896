"""Keep numpy's BLAS to one thread in the app.

The trace's matrix products are tiny ((1, u) @ (u, 4u), 28 times per layer): threads cannot speed
them up, but OpenBLAS threads that spin while waiting make them slow when the machine is busy
(measured on 2 cores with a training run in the background: 6 ms per 3 × 256 trace with one thread,
48 ms with the default two). ``OPENBLAS_NUM_THREADS`` is read only when numpy is first imported,
which has happened long before the window opens, so the running library is told directly.
"""
from __future__ import annotations

import ctypes
import sys

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")


def limit_blas_threads(threads: int = 1) -> bool:
    """Best effort: True when a loaded OpenBLAS accepted the limit."""
    import numpy  # noqa: F401  (make sure numpy's BLAS is loaded)

    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                return True
    return False


def _loaded_openblas() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if p.startswith("/"))

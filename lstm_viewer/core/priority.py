"""Worker threads below the window's thread: a background computation on every core must leave the
window a core the moment it needs one (a stroke drawn during a state-space build lost its shape while
the window's thread waited: Qt merged the mouse moves)."""
from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICENESS = 10


def lower_this_thread() -> None:
    """This thread only, on Linux (where a thread's id names it for setpriority). Elsewhere nothing:
    on macOS a native thread id is not a process id, and renicing "it" could hit another process.
    Never raises (it runs as a thread pool's initializer, where an exception breaks the pool)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICENESS))
    except Exception:  # noqa: BLE001  (it must never raise: see the docstring)
        pass   # not allowed (a container's limits): the work runs at the usual priority

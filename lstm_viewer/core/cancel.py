"""The one cancel idiom: a long pass takes ``check: Callable[[], None]`` and calls it at its abort
points; ``check()`` raises ``Cancelled`` once the caller wants it to stop.

The GUI's job runner hands ``JobContext.check``; a script or the CLI makes one from an event::

    stop = threading.Event()
    StateSpace.build(network, images, labels, check=check_event(stop))
"""
from __future__ import annotations

import threading
from collections.abc import Callable

Check = Callable[[], None]


class Cancelled(Exception):
    """Raised by a ``check()`` to stop a pass (or a job) at its next abort point."""


def check_event(event: threading.Event) -> Check:
    """A ``check`` that raises ``Cancelled`` once ``event`` is set."""
    def check() -> None:
        if event.is_set():
            raise Cancelled()
    return check


def never() -> None:
    """A ``check`` that never stops anything (the default)."""

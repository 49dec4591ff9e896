"""Writing files from the app: always through ``core.atomic.write_atomically`` (a temporary file
beside the target, flushed, ordinary permissions, then an atomic rename).

A crash or a full disk halfway through never leaves a half-written model or trace under the
user's chosen name, and never destroys the file that was there before.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from ...core.atomic import write_atomically  # noqa: F401  (the one atomic writer; callers use it from here)
from ...core.errors import UserError
from ...core.network import Trace


def copy_model(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Save a model that came from a file: copy the .keras archive as it is."""
    source, target = Path(source), Path(target)
    if target.suffix != ".keras":
        raise UserError(f"{target}: model files must end in .keras")
    if not source.is_file():
        raise UserError(f"{source}: the model's file is gone; nothing to copy")
    if source.resolve() == target.resolve():
        return target
    return write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))


def save_trace(trace: Trace, target: str | os.PathLike) -> Path:
    """The trace's arrays as ``.npz`` (the same arrays as ``lstm-viewer inspect --out``)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:   # a file object: numpy would append .npz to a name
            np.savez_compressed(fh, **trace.arrays())
    return write_atomically(target, write)


def with_suffix(name: str, suffix: str) -> str:
    """Add ``suffix`` when a save dialog returned a name without it."""
    return name if name.lower().endswith(suffix) else name + suffix

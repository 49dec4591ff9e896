"""The state space's disk cache: one pair of files per model and set of digits, in the user's cache folder.

``statespace-<key>.npy`` holds the states (opened memory-mapped, so a loaded space costs almost no
memory until rows are looked at) and ``statespace-<key>.npz`` the rest (axes, predictions, clouds,
class means, the key itself). The key hashes the model's weights and input scaling, the digits and
the labels, so a changed model or data set never meets an old file. Each file is written beside its
final name and renamed into place, the small one last: a crash leaves either nothing or a complete
pair. Anything unreadable, truncated or made for another key is ignored (and later overwritten),
never an error. The states file is checked whole against a CRC-32 kept in the small file (whose
members numpy checks itself): a file damaged in place, at the same size, would otherwise give wrong
neighbours silently. Only the few most recently used entries are kept: the full test set of a
3 × 256 model takes 430 MB.
"""
from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import platformdirs

from ..core.atomic import write_atomically
from ..core.errors import UserError
from ..core.network import Network
from . import storage

# Bump when the files' contents change meaning (3: int16 codes, clouds; 4: states CRC; 5: norms;
# 6: states flat, layer after layer, and per-layer axes and class means: layers may differ in width).
FORMAT = 6
KEEP = 3            # entries kept after a new one is written (most recently used first)
STALE_SECONDS = 24 * 3600   # a temporary file this old was left by a crash


def cache_dir() -> Path:
    """The user's cache folder for lstm-viewer (``$XDG_CACHE_HOME/lstm-viewer`` on Linux)."""
    return Path(platformdirs.user_cache_dir("lstm-viewer", appauthor=False))


def cache_key(network: Network, images: np.ndarray, labels: np.ndarray, components: int) -> str:
    """A hash of everything the stored numbers depend on, the input scaling included: a scaled
    model and the same weights reading [0, 1] compute other states."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"statespace format {FORMAT}, {components} components".encode())
    digest.update(f"input scaling {network.input_scaling!r}".encode())
    arrays = [a for w in network.layers for a in (w.kernel, w.recurrent_kernel, w.bias)]
    for array in (*arrays, network.dense_kernel, network.dense_bias, images, labels):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _paths(key: str) -> tuple[Path, Path]:
    stem = cache_dir() / f"statespace-{key}"
    return stem.with_suffix(".npy"), stem.with_suffix(".npz")


def load(key: str, states_shape: tuple[int, ...], expected: dict[str, tuple[tuple[int, ...], np.dtype]]
         ) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """The entry for ``key``: (states memory-mapped read-only, the named arrays), or None.

    ``expected`` gives each array's shape and dtype; an entry that differs in any of them, or in
    its key or format, or cannot be read whole, is not this entry.
    """
    states_path, meta_path = _paths(key)
    try:
        with np.load(meta_path, allow_pickle=False) as meta:    # members are CRC-checked
            if str(meta["key"]) != key or int(meta["format"]) != FORMAT:
                return None
            arrays = {name: meta[name] for name in expected}
            crc = int(meta["states_crc32"])
        states = np.load(states_path, mmap_mode="r", allow_pickle=False)
        if (states.shape != tuple(states_shape) or states.dtype != storage.DTYPE
                or not states.flags.c_contiguous):
            return None
        if _file_crc32(states_path, states.offset) != crc:
            return None
    except Exception:  # noqa: BLE001  (whatever is wrong with a cache file, it is rebuilt)
        return None
    if any(arrays[name].shape != tuple(shape) or arrays[name].dtype != dtype
           for name, (shape, dtype) in expected.items()):
        return None
    _touch(meta_path)
    return states, arrays


def save(key: str, states: np.ndarray, arrays: dict[str, np.ndarray]) -> bool:
    """Write the entry for ``key``: the states, then the named arrays; False if the disk refuses
    (nothing is left behind then)."""
    states_path, meta_path = _paths(key)
    meta = {"key": np.array(key), "format": np.array(FORMAT), "states_crc32": np.array(_crc32(states)),
            **arrays}
    try:
        states_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(states_path, _with_file(lambda fh: np.save(fh, states, allow_pickle=False)))
        write_atomically(meta_path, _with_file(lambda fh: np.savez(fh, **meta)))
    except (OSError, UserError):   # the core's writer says a full disk in words: a cache just skips
        return False
    _prune()
    return True


CRC_CHUNK = 16 * 2**20   # bytes per zlib call (it releases the GIL for each)


def _crc32(states: np.ndarray) -> int:
    """CRC-32 of the array's bytes, as ``_file_crc32`` reads them back from its .npy file."""
    data = memoryview(np.ascontiguousarray(states)).cast("B")
    crc = 0
    for start in range(0, len(data), CRC_CHUNK):
        crc = zlib.crc32(data[start:start + CRC_CHUNK], crc)
    return crc


def _file_crc32(path: Path, offset: int) -> int:
    """CRC-32 of a file's bytes from ``offset`` on, read in chunks (not through the memory map, so
    checking does not make every page of the states part of this process's memory)."""
    crc = 0
    buffer = bytearray(CRC_CHUNK)
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            read = fh.readinto(buffer)
            if not read:
                return crc
            crc = zlib.crc32(memoryview(buffer)[:read], crc)


def _with_file(write: Callable) -> Callable[[Path], None]:
    """``write(file)`` as the core's atomic writer wants it, ``write(path)``."""
    def write_path(tmp: Path) -> None:
        with open(tmp, "wb") as fh:   # a file object: numpy would append .npy/.npz to a name
            write(fh)
    return write_path


def _touch(path: Path) -> None:
    try:
        os.utime(path)   # "recently used", for _prune
    except OSError:
        pass


def _prune() -> None:
    """Keep the KEEP most recently used entries; remove temporary files a crash left behind."""
    folder = cache_dir()
    try:
        entries = sorted(folder.glob("statespace-*.npz"), key=_mtime, reverse=True)
        leftovers = [p for p in folder.glob(".statespace-*") if time.time() - _mtime(p) > STALE_SECONDS]
        orphans = [p for p in folder.glob("statespace-*.npy")
                   if not p.with_suffix(".npz").exists() and time.time() - _mtime(p) > STALE_SECONDS]
        for meta in entries[KEEP:]:
            for path in (meta.with_suffix(".npy"), meta):
                path.unlink(missing_ok=True)
        for path in leftovers + orphans:
            path.unlink(missing_ok=True)
    except OSError:
        pass   # another process pruning at the same time, or a file in use (Windows): next time


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

"""The state-space cache on disk, as Help ▸ About shows it: its folder, its size, and clearing it.

The state space (``statespace.cache``) keeps up to three entries, each a states file and a small file
of axes and clouds (430 MB for the full test set read by a 3 × 256 model), and the state space across
training (``statespace.history``) keeps up to three files of its own; both live in the user's cache
folder (``statespace.cache_dir``). Clearing removes the finished entries and temporary files a crash
left behind, never a file being written now (a pass still running keeps its result). No Qt here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ...statespace.cache import STALE_SECONDS, cache_dir
from ...statespace.history import PREFIX as HISTORY_PREFIX

ENTRY_PATTERNS = ("statespace-*.npy", "statespace-*.npz", f"{HISTORY_PREFIX}*.npz")
TEMPORARY_PATTERNS = (".statespace-*", f".{HISTORY_PREFIX}*")


@dataclass(frozen=True)
class CacheUsage:
    folder: Path
    files: int
    size: int   # bytes


def cache_folder() -> Path:
    return cache_dir()


def cache_files(now: float | None = None) -> list[Path]:
    """The cache's files that may be removed: every finished entry, and temporary files older than a
    day (a crash's leftovers; a younger one is being written)."""
    folder = cache_dir()
    now = time.time() if now is None else now
    found: set[Path] = set()
    try:
        for pattern in ENTRY_PATTERNS:
            found.update(p for p in folder.glob(pattern) if p.is_file())
        for pattern in TEMPORARY_PATTERNS:
            found.update(p for p in folder.glob(pattern) if p.is_file() and now - _mtime(p) > STALE_SECONDS)
    except OSError:
        return []
    return sorted(found)


def cache_usage() -> CacheUsage:
    """How much the state-space caches hold now (files being written not counted)."""
    files = cache_files()
    return CacheUsage(cache_dir(), len(files), sum(_size(p) for p in files))


def clear_cache() -> tuple[int, int]:
    """Remove the state-space caches: (bytes freed, files that could not be removed). A space the
    State space panel has open stays readable (the system frees its file when the panel lets go)."""
    freed, kept = 0, 0
    for path in cache_files():
        size = _size(path)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:   # in use (Windows), or no permission
            kept += 1
            continue
        freed += size
    return freed, kept


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

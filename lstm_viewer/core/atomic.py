"""Writing files so that nothing is ever half-written: a temporary file beside the target, then a rename.

``write_atomically(path, write)`` has ``write`` fill a new file in the target's folder, flushes it to
disk, gives it the permissions any new file gets (0o666 minus the umask; ``tempfile.mkstemp`` would
make it private) and renames it over the target in one step. A full disk, a crash or an exception
halfway through leaves the old file as it was and no temporary file behind.
"""
from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import UserError
from .i18n import tr


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` for a new file beside ``path``, then move it into place atomically.

    ``tmp_path`` ends with ``path``'s suffix (Keras and numpy look at it). An ``OSError`` (disk full,
    no permission...) becomes a ``UserError``; anything else is raised as it is, after cleaning up.
    """
    path = Path(path)
    check_folder(path)
    try:
        tmp = _create_beside(path)
    except OSError as exc:
        raise UserError(tr("{path}: cannot write it ({reason})", path=path,
                           reason=describe_os_error(exc))) from None
    try:
        write(tmp)
        _flush_to_disk(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(tr("{path}: cannot write it ({reason})", path=path,
                           reason=describe_os_error(exc))) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _flush_folder(path.parent)
    return path


def check_can_write(path: str | os.PathLike) -> Path:
    """Fail now, with one sentence, if ``path`` could not be written later: before hours of work.

    The folder must exist and be writable (asked of the system and tried with a real file), and
    ``path`` must not be a folder.
    """
    path = Path(path)
    check_folder(path)
    if not os.access(_folder(path), os.W_OK | os.X_OK):
        raise UserError(tr("{path}: cannot write in the folder {folder} (permission denied)", path=path,
                           folder=_folder(path)))
    try:
        _create_beside(path).unlink()
    except OSError as exc:
        raise UserError(tr("{path}: cannot write in the folder {folder} ({reason})", path=path,
                           folder=_folder(path), reason=describe_os_error(exc))) from None
    return path


def check_folder(path: Path) -> None:
    """The target's folder exists and the target is not a folder itself."""
    if path.is_dir():
        raise UserError(tr("{path}: is a folder; give a file name", path=path))
    if not _folder(path).is_dir():
        raise UserError(tr("{path}: the folder {folder} does not exist", path=path, folder=_folder(path)))


def describe_os_error(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    return exc.strerror or str(exc) or type(exc).__name__


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _create_beside(path: Path) -> Path:
    """A new, empty, hidden file next to ``path``, created with ordinary permissions (umask applies)."""
    for _ in range(100):
        tmp = _folder(path) / f".{path.stem}-{secrets.token_hex(4)}{path.suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))


def _flush_to_disk(tmp: Path) -> None:
    # The writer may have closed its file without fsync: without this, a power cut just after the
    # rename could leave an empty file under the user's name.
    fd = os.open(tmp, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder, and needs no such step)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the data itself is already on disk
    finally:
        os.close(fd)

"""Session files (``.lstmview``): what the window shows, in a small JSON file a teacher can share.

Format (version 1; README, "Sessions")::

    {"format": "lstm-viewer session", "version": 1,
     "model": {"path": "/abs/model.keras", "sha256": "…", "name": "model.keras",
               "asset": "default.keras" | null,   a model shipped with the app, wherever it is installed
               "normalize": [0.1307, 0.3081] | null},
     "input": [[28 numbers] × 28] | null,      the pixels in [0, 1], exactly (float32 as JSON numbers)
     "blanked_rows": [rows from 1],            what-if edits (rows set to paper)
     "pinned": [[…] × 28] | null,              input A of an A/B comparison
     "row": 1..28, "selection": {"layer": from 1, "unit": from 0} | null,
     "options": {"show_gates": bool, "rank_by_magnitude": bool},
     "snapshot": from 1 | null,                the training history's snapshot shown
     "panels": ["unit", …],                    the analysis panels open (keys of the panel table)
     "lesson": {"path": "…" | null, "builtin": "seed.md" | null, "step": from 1} | null,
     "zoom": 1.0}

Reading checks every field (types, ranges, sizes) and says which is wrong in one sentence; nothing
in the file is executed, and a model file is only ever opened by the app's own readers.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import write_atomically
from .errors import UserError
from .i18n import tr

FORMAT, VERSION = "lstm-viewer session", 1
SUFFIX = ".lstmview"
MAX_BYTES = 2_000_000   # two 28 × 28 inputs and a few names: far below this


@dataclass
class SessionFile:
    model_path: str | None = None
    model_sha256: str | None = None
    model_name: str = ""
    model_asset: str | None = None             # the name of a model shipped in assets/
    normalize: tuple[float, float] | None = None
    image: np.ndarray | None = None            # (28, 28) float32 in [0, 1]
    blanked_rows: tuple[int, ...] = ()         # 0-based
    pinned: np.ndarray | None = None
    row: int = 27                              # 0-based
    selection: tuple[int, int] | None = None   # 0-based (layer, unit)
    show_gates: bool = False
    rank_by_magnitude: bool = False
    snapshot: int | None = None                # 0-based
    panels: list[str] = field(default_factory=list)
    lesson_path: str | None = None
    lesson_builtin: str | None = None
    lesson_step: int | None = None             # 0-based
    zoom: float | None = None


def file_checksum(path: str | os.PathLike) -> str | None:
    """SHA-256 of a model file, or of a folder's files in name order (a TF1 checkpoint's folder);
    None when there is nothing there."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    else:
        return None
    for part in files:
        digest.update(part.name.encode() if path.is_dir() else b"")
        with open(part, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _pixels(image: np.ndarray | None) -> list | None:
    # float(np.float32) is exact as a double, and json writes doubles so they read back the same.
    return None if image is None else [[float(v) for v in row] for row in np.asarray(image, np.float32)]


def session_json(session: SessionFile) -> dict:
    return {
        "format": FORMAT, "version": VERSION,
        "model": {"path": session.model_path, "sha256": session.model_sha256, "name": session.model_name,
                  "asset": session.model_asset,
                  "normalize": None if session.normalize is None else list(session.normalize)},
        "input": _pixels(session.image),
        "blanked_rows": [r + 1 for r in session.blanked_rows],
        "pinned": _pixels(session.pinned),
        "row": session.row + 1,
        "selection": None if session.selection is None else
        {"layer": session.selection[0] + 1, "unit": session.selection[1]},
        "options": {"show_gates": session.show_gates, "rank_by_magnitude": session.rank_by_magnitude},
        "snapshot": None if session.snapshot is None else session.snapshot + 1,
        "panels": list(session.panels),
        "lesson": None if session.lesson_step is None else
        {"path": session.lesson_path, "builtin": session.lesson_builtin, "step": session.lesson_step + 1},
        "zoom": session.zoom,
    }


def write_session(path: str | os.PathLike, session: SessionFile) -> Path:
    """Write ``session`` as JSON at ``path`` (``.lstmview`` added if missing), atomically."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    text = json.dumps(session_json(session), ensure_ascii=False, indent=1)
    write_atomically(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
    return path


class _Fields:
    """Reads the JSON's fields, each checked; a wrong one is a ``UserError`` naming it."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path, self.data = path, data

    def wrong(self, name: str, expected: str) -> UserError:
        return UserError(tr("{path}: “{field}” should be {expected}", path=self.path.name, field=name,
                            expected=expected))

    def get(self, mapping: dict, name: str, kinds, expected: str, shown: str | None = None):
        """``mapping[name]`` if it is one of ``kinds`` (None if absent); true/false is not a number."""
        value = mapping.get(name)
        if value is None:
            return None
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.wrong(shown or name, expected)
        return value

    def whole(self, mapping: dict, name: str, low: int, high: int, shown: str | None = None) -> int | None:
        value = self.get(mapping, name, int, tr("a whole number from {low} to {high}", low=low, high=high),
                         shown)
        if value is not None and not low <= value <= high:
            raise self.wrong(shown or name, tr("a whole number from {low} to {high}", low=low, high=high))
        return value

    def pixels(self, name: str) -> np.ndarray | None:
        value = self.data.get(name)
        if value is None:
            return None
        expected = tr("28 rows of 28 numbers from 0 to 1")
        if not isinstance(value, list) or len(value) != 28:
            raise self.wrong(name, expected)
        try:
            image = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise self.wrong(name, expected) from None
        if image.shape != (28, 28) or not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
            raise self.wrong(name, expected)
        return image.astype(np.float32)


def read_session(path: str | os.PathLike) -> SessionFile:
    """The session in ``path``; ``UserError`` (one sentence) when it is not a readable session file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError(tr("{path}: too big for a session file", path=path.name))
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UserError(tr("{path}: not a session file (not JSON)", path=path.name)) from None
    except OSError as exc:
        raise UserError(tr("{path}: cannot read the session ({reason})", path=path.name,
                           reason=exc.strerror or type(exc).__name__)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(tr("{path}: not an lstm-viewer session file", path=path.name))
    if data.get("version") != VERSION:
        raise UserError(tr("{path}: session format version {version} is not one this lstm-viewer reads "
                           "(it reads {supported})", path=path.name, version=data.get("version"),
                           supported=VERSION))
    f = _Fields(path, data)
    session = SessionFile()
    model = f.get(data, "model", dict, tr("an object")) or {}
    session.model_path = f.get(model, "path", str, tr("a file path"), "model.path")
    session.model_sha256 = f.get(model, "sha256", str, tr("a SHA-256 checksum"), "model.sha256")
    session.model_name = f.get(model, "name", str, tr("a name"), "model.name") or ""
    asset = f.get(model, "asset", str, tr("a file name"), "model.asset")
    if asset is not None and (Path(asset).name != asset or not asset.endswith(".keras")):
        raise f.wrong("model.asset", tr("the name of a model shipped with the app"))
    session.model_asset = asset
    normalize = f.get(model, "normalize", list, tr("[mean, std]"), "model.normalize")
    if normalize is not None:
        if (len(normalize) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                           and math.isfinite(v) for v in normalize) or normalize[1] <= 0):
            raise f.wrong("model.normalize", tr("[mean, std] with std above 0"))
        session.normalize = (float(normalize[0]), float(normalize[1]))
    session.image = f.pixels("input")
    session.pinned = f.pixels("pinned")
    blanked = f.get(data, "blanked_rows", list, tr("a list of rows from 1 to 28")) or []
    if not all(isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 28 for r in blanked):
        raise f.wrong("blanked_rows", tr("a list of rows from 1 to 28"))
    session.blanked_rows = tuple(sorted({r - 1 for r in blanked}))
    row = f.whole(data, "row", 1, 28)
    session.row = 27 if row is None else row - 1
    selection = f.get(data, "selection", dict, tr("an object"))
    if selection is not None:
        layer = f.whole(selection, "layer", 1, 16, "selection.layer")
        unit = f.whole(selection, "unit", 0, 4095, "selection.unit")
        if layer is None or unit is None:
            raise f.wrong("selection", tr("an object with “layer” and “unit”"))
        session.selection = (layer - 1, unit)
    options = f.get(data, "options", dict, tr("an object")) or {}
    session.show_gates = bool(f.get(options, "show_gates", bool, tr("true or false"), "options.show_gates"))
    session.rank_by_magnitude = bool(f.get(options, "rank_by_magnitude", bool, tr("true or false"),
                                           "options.rank_by_magnitude"))
    snapshot = f.whole(data, "snapshot", 1, 1000)
    session.snapshot = None if snapshot is None else snapshot - 1
    panels = f.get(data, "panels", list, tr("a list of panel names")) or []
    if not all(isinstance(p, str) for p in panels):
        raise f.wrong("panels", tr("a list of panel names"))
    session.panels = [p for p in panels if isinstance(p, str)]
    lesson = f.get(data, "lesson", dict, tr("an object"))
    if lesson is not None:
        session.lesson_path = f.get(lesson, "path", str, tr("a file path"), "lesson.path")
        session.lesson_builtin = f.get(lesson, "builtin", str, tr("a file name"), "lesson.builtin")
        step = f.whole(lesson, "step", 1, 1000, "lesson.step")
        session.lesson_step = 0 if step is None else step - 1
    zoom = f.get(data, "zoom", (int, float), tr("a number"))
    if zoom is not None and not (math.isfinite(zoom) and 0.25 <= zoom <= 4):
        raise f.wrong("zoom", tr("a number from 0.25 to 4"))
    session.zoom = None if zoom is None else float(zoom)
    return session

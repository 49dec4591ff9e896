"""File ▸ Save session… / Open session…: the window's view to and from a ``.lstmview`` file
(``core.session_file``). Saving records what is on screen; opening restores what it can and says,
in plain words, what it could not (a model file that is gone or has changed since)."""
from __future__ import annotations

from pathlib import Path

from ...core.assets import asset_path
from ...core.errors import UserError
from ...core.i18n import tr
from ...core.lessons import builtin_lessons, builtin_lessons_folder
from ...core.readers import ReadOptions, find_reader, read_model
from ...core.session_file import SessionFile, file_checksum, read_session, write_session
from ..panels import PANELS
from ..state.session import history_of


def capture(window) -> tuple[SessionFile, list[str]]:
    """What the window shows now, and what a session file cannot keep of it (sentences)."""
    state, session = window.state, window.session
    notes: list[str] = []
    captured = SessionFile()
    source = session.model_source
    if session.unsaved or not source:
        notes.append(tr("The model trained here is not saved, so the session does not name it: save the "
                        "model first (File ▸ Save model as…), then the session."))
    else:
        captured.model_path = str(Path(source).resolve())
        captured.model_sha256 = file_checksum(source)
        captured.model_name = session.model_name
        if Path(source).resolve().parent == asset_path("default.keras").resolve().parent:
            captured.model_asset = Path(source).name   # found again wherever the app is installed
        if state.network.metadata.get("scaling_from") == "you":
            captured.normalize = state.network.input_scaling
    captured.image = session.original if session.original is not None else state.image
    captured.blanked_rows = tuple(state.blanked_rows)
    captured.pinned = None if state.pinned is None else state.pinned.image
    captured.row, captured.selection = state.row, state.selection
    captured.show_gates, captured.rank_by_magnitude = state.show_gates, state.rank_by_magnitude
    captured.snapshot = state.snapshot if state.history is not None else None
    captured.panels = [spec.key for spec in PANELS if not window.dock(spec.object_name).isHidden()]
    if window.lesson_panel_open():
        panel = window.lesson_panel
        path = panel.lesson_path
        if path is not None and path.parent.resolve() == builtin_lessons_folder().resolve():
            captured.lesson_builtin = _original_name(path)
        elif path is not None:
            captured.lesson_path = str(path.resolve())
        captured.lesson_step = panel.step_index
    captured.zoom = window.zoom.factor
    return captured, notes


def _original_name(path: Path) -> str:
    """seed.zh_CN.md -> seed.md: a shipped lesson is named by its original, opened in any language."""
    return path.name.split(".")[0] + ".md"


def save(window, path: str | Path) -> tuple[Path, list[str]]:
    captured, notes = capture(window)
    return write_session(path, captured), notes


def open_session(window, path: str | Path) -> list[str]:
    """Restore the session in ``path``; the sentences returned say what could not be restored.
    ``UserError`` when the file is not a session (the window is unchanged then)."""
    restored = read_session(path)
    notes: list[str] = []
    model = _find_model(restored, Path(path), notes)
    if model is None and restored.model_path is None:
        _restore_view(window, restored, notes)
        return notes
    if model is None:
        model = restored.model_path
        notes.append(tr("The session's model {path} is not there any more: the session opened with the "
                        "model open now ({name}).", path=model, name=window.session.model_name))
        _restore_view(window, restored, notes)
        return notes
    checksum = file_checksum(model)
    if restored.model_sha256 and checksum != restored.model_sha256:
        notes.append(tr("The model {path} has changed since the session was saved: it is shown as it is "
                        "now, and its numbers may differ from the session's.", path=model))
    session = window.session
    same_file = (session.model_source and not session.unsaved
                 and Path(session.model_source).resolve() == Path(model).resolve()
                 and session.state.network.input_scaling == restored.normalize)
    if same_file:
        _restore_view(window, restored, notes)
        return notes
    options = ReadOptions(normalize=restored.normalize)
    if find_reader(model)[0].needs_tensorflow:
        # Keras reads this one (seconds): the view follows once the model has arrived.
        def arrived() -> None:
            session.modelInfoChanged.disconnect(arrived)
            _restore_view(window, restored, [])
        session.modelInfoChanged.connect(arrived)
        session.load_model(model, options)
        return notes
    network = read_model(Path(model), options)
    session.set_network(network, history=history_of(Path(model), network))
    _restore_view(window, restored, notes)
    return notes


def _find_model(restored: SessionFile, session_path: Path, notes: list[str]) -> str | None:
    """Where the session's model is on this machine: a shipped model wherever the app is installed;
    the path it was saved with; else a file of the same name beside the session file (a teacher
    shares the two together), if it is the same file. None when none of these is there."""
    if restored.model_asset is not None and asset_path(restored.model_asset).is_file():
        return str(asset_path(restored.model_asset))
    if restored.model_path is None:
        return None
    if Path(restored.model_path).exists():
        return restored.model_path
    beside = session_path.resolve().parent / Path(restored.model_path).name
    if not beside.exists():
        return None
    if restored.model_sha256 and file_checksum(beside) != restored.model_sha256:
        notes.append(tr("{path} is beside the session but is not the model it was saved with (another "
                        "checksum): it was not opened.", path=beside))
        return None
    return str(beside)


def _restore_view(window, restored: SessionFile, notes: list[str]) -> None:
    state, session = window.state, window.session
    network = state.network
    state.show_gates, state.rank_by_magnitude = restored.show_gates, restored.rank_by_magnitude
    if restored.snapshot is not None and state.history is not None:
        if restored.snapshot < len(state.history):
            session.show_snapshot(restored.snapshot)
        else:
            notes.append(tr("The session shows snapshot {snapshot}, which this model's history does not "
                            "have.", snapshot=restored.snapshot + 1))
    session.show_input(restored.image)
    for row in restored.blanked_rows:
        session.toggle_row(row)
    state.pinned = None if restored.pinned is None else state.network.trace(restored.pinned)
    state.row = restored.row
    if restored.selection is not None:
        layer, unit = restored.selection
        if layer < len(network.units) and unit < network.units[layer]:
            state.selection = restored.selection
        else:
            notes.append(tr("The session's selected unit (layer {layer}, unit {unit}) is not in this "
                            "model.", layer=layer + 1, unit=unit))
            state.selection = None
    else:
        state.selection = None
    wanted = set(restored.panels)
    for spec in PANELS:
        if spec.key in wanted:
            window.show_panel(spec.object_name)
        elif spec.key != "lesson" or restored.lesson_step is None:
            window.dock(spec.object_name).hide()
    if restored.lesson_step is not None:
        _restore_lesson(window, restored, notes)
    if restored.zoom is not None:
        window.zoom.set_factor(restored.zoom)


def _restore_lesson(window, restored: SessionFile, notes: list[str]) -> None:
    if restored.lesson_builtin is not None:
        # in the interface's language (builtin_lessons), whichever language it was saved in
        path = next((p for p in builtin_lessons() if _original_name(p) == restored.lesson_builtin), None)
    else:
        path = Path(restored.lesson_path) if restored.lesson_path else None
    if path is None or not path.is_file():
        notes.append(tr("The session's lesson {name} is not there any more.",
                        name=restored.lesson_builtin or restored.lesson_path or "?"))
        return
    window.show_panel("lessonDock")
    try:
        window.lesson_panel.open_lesson(path, restored.lesson_step, apply=False)
    except UserError as exc:
        notes.append(str(exc))
        return
    step = window.lesson_panel.current_step
    window.highlight_views([d.args for d in step.all("highlight")])

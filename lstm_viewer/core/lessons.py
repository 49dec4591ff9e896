"""Lessons: plain Markdown files a teacher writes, read into steps that set the window.

A lesson file (README, "Lessons") is Markdown. ``# Title`` names the lesson; each ``## Heading``
starts a step; the step's text is everything under it, shown as Markdown, except lines that begin
with ``@``: those are directives that set the window for the step::

    @input test 0        the first MNIST test digit (or: @input digit 7, the first sample of class 7)
    @row 14              rows are counted from 1, as the stepper shows them (or: @row last)
    @panel unit          open an analysis panel (its key in the panel table)
    @highlight layer 3   frame a view: input, layers, layer K, softmax, state, stepper, headline, or a panel
    @select 3 17         select layer 3's unit 17 (layers from 1, units from 0 as the views number
                         them); @select 3 strongest: the unit of layer 3 with the largest |h| now
    @gates on            the layer views show the gates i, f, g, o (off: c and h)
    @pin                 pin the digit shown as A (Compare)
    @task row 14         something for the learner to do; the panel ticks it when done
                         (row N, select LAYER, panel KEY, gates on|off)

In the text, ``{{name}}`` is replaced by a number of the model shown (``LIVE_FIELDS``), updated as
the learner steps. Nothing in a lesson is executed: directives are a closed vocabulary, checked
when the file is read, with the line of any mistake.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .i18n import current_language, tr

MAX_BYTES = 1_000_000   # a lesson is a page of text; anything bigger is not one
PANEL_KEYS = ("unit", "why", "importance", "preprocess", "history", "compare", "statespace")
VIEW_KEYS = ("input", "layers", "softmax", "state", "stepper", "headline")
TASK_KINDS = ("row", "select", "panel", "gates")
# The numbers a lesson's text may show with {{name}} (computed by the window from the trace shown).
LIVE_FIELDS = ("row", "prediction", "probability", "so_far", "layers", "units", "top_units",
               "state_h", "final_h", "outputs_last", "gap", "selected", "selected_h", "selected_c")
_LIVE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str | int, ...]
    line: int


@dataclass
class Step:
    title: str
    text: str                                  # Markdown, directives removed
    directives: list[Directive] = field(default_factory=list)

    def first(self, name: str) -> Directive | None:
        return next((d for d in self.directives if d.name == name), None)

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.directives if d.name == name]


@dataclass
class Lesson:
    title: str
    steps: list[Step]
    source: str = ""                           # the file it came from, for messages


def _error(source: str, line: int, message: str) -> UserError:
    return UserError(tr("{source}, line {line}: {message}", source=source, line=line, message=message))


def _whole(word: str, low: int, high: int, source: str, line: int, what: str) -> int:
    try:
        value = int(word)
    except ValueError:
        raise _error(source, line, tr("{what} must be a whole number, got “{word}”", what=what,
                                      word=word)) from None
    if not low <= value <= high:
        raise _error(source, line, tr("{what} must be between {low} and {high}, got {value}", what=what,
                                      low=low, high=high, value=value))
    return value


def _panel_key(key: str, source: str, line: int) -> str:
    if key not in PANEL_KEYS:
        raise _error(source, line, tr("unknown panel “{key}” (known: {known})", key=key,
                                      known=", ".join(PANEL_KEYS)))
    return key


def _directive(words: list[str], source: str, line: int) -> Directive:
    """One ``@name args`` line, checked: a mistake names its line and what was expected."""
    name, args = words[0][1:].lower(), words[1:]

    def need(count: int, usage: str) -> None:
        if len(args) != count:
            raise _error(source, line, tr("expected “{usage}”", usage=usage))

    if name == "input":
        need(2, "@input test N | @input digit D")
        kind = args[0].lower()
        if kind == "test":
            return Directive(name, (kind, _whole(args[1], 0, 9999, source, line, "N")), line)
        if kind == "digit":
            return Directive(name, (kind, _whole(args[1], 0, 9, source, line, "D")), line)
        raise _error(source, line, tr("expected “{usage}”", usage="@input test N | @input digit D"))
    if name == "row":
        need(1, "@row N | @row last")
        return Directive(name, (28 if args[0].lower() == "last" else
                                _whole(args[0], 1, 28, source, line, "N"),), line)
    if name == "panel":
        need(1, "@panel KEY")
        return Directive(name, (_panel_key(args[0], source, line),), line)
    if name == "highlight":
        if len(args) == 2 and args[0] == "layer":
            return Directive(name, ("layer", _whole(args[1], 1, 16, source, line, "K")), line)
        need(1, "@highlight VIEW | @highlight layer K")
        if args[0] not in VIEW_KEYS + PANEL_KEYS:
            raise _error(source, line, tr("unknown view “{key}” (known: {known})", key=args[0],
                                          known=", ".join(VIEW_KEYS + PANEL_KEYS + ("layer K",))))
        return Directive(name, (args[0],), line)
    if name == "select":
        need(2, "@select LAYER UNIT | @select LAYER strongest")
        layer = _whole(args[0], 1, 16, source, line, "LAYER")
        unit: str | int = "strongest" if args[1].lower() == "strongest" else \
            _whole(args[1], 0, 4095, source, line, "UNIT")
        return Directive(name, (layer, unit), line)
    if name == "gates":
        need(1, "@gates on | @gates off")
        if args[0].lower() not in ("on", "off"):
            raise _error(source, line, tr("expected “{usage}”", usage="@gates on | @gates off"))
        return Directive(name, (args[0].lower(),), line)
    if name == "pin":
        need(0, "@pin")
        return Directive(name, (), line)
    if name == "task":
        if not args or args[0] not in TASK_KINDS:
            raise _error(source, line, tr("expected “{usage}”",
                                          usage="@task row N | select LAYER | panel KEY | gates on|off"))
        kind, rest = args[0], args[1:]
        if len(rest) != 1:
            raise _error(source, line, tr("expected “{usage}”", usage=f"@task {kind} …"))
        if kind == "row":
            return Directive(name, (kind, _whole(rest[0], 1, 28, source, line, "N")), line)
        if kind == "select":
            return Directive(name, (kind, _whole(rest[0], 1, 16, source, line, "LAYER")), line)
        if kind == "panel":
            _panel_key(rest[0], source, line)
        if kind == "gates" and rest[0] not in ("on", "off"):
            raise _error(source, line, tr("expected “{usage}”", usage="@task gates on|off"))
        return Directive(name, (kind, rest[0]), line)
    raise _error(source, line, tr("unknown directive “{name}” (known: {known})", name=words[0],
                                  known="@input, @row, @panel, @highlight, @select, @gates, @pin, @task"))


def parse_lesson(text: str, source: str = "lesson") -> Lesson:
    """The lesson in ``text`` (Markdown with directives); ``UserError`` naming the line of a mistake."""
    title, steps = "", []
    step: Step | None = None
    lines: list[str] = []
    in_code = False

    def close() -> None:
        if step is not None:
            step.text = "\n".join(lines).strip()
            steps.append(step)

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_code = not in_code
        if not in_code and raw.startswith("# ") and not title and step is None:
            title = raw[2:].strip()
            continue
        if not in_code and raw.startswith("## "):
            close()
            step, lines = Step(raw[3:].strip(), ""), []
            continue
        if not in_code and stripped.startswith("@") and len(stripped) > 1 and stripped[1].isalpha():
            if step is None:
                raise _error(source, number, tr("a directive before the first step (“## …”)"))
            step.directives.append(_directive(stripped.split(), source, number))
            continue
        if step is not None:
            lines.append(raw)
        for name in _LIVE.findall(raw):
            if name not in LIVE_FIELDS:
                raise _error(source, number, tr("unknown number “{field}” (known: {known})",
                                                field="{{" + name + "}}", known=", ".join(LIVE_FIELDS)))
    close()
    if not steps:
        raise UserError(tr("{source}: no steps (each step begins with a “## ” heading)", source=source))
    return Lesson(title or steps[0].title, steps, source)


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Read a lesson file (UTF-8 Markdown); one sentence when it is not one."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(tr("{path}: {size:,} bytes is too big for a lesson (at most {limit:,})",
                               path=path, size=size, limit=MAX_BYTES))
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(tr("{path}: a lesson must be UTF-8 text", path=path)) from None
    except OSError as exc:
        raise UserError(tr("{path}: cannot read the lesson ({reason})", path=path,
                           reason=exc.strerror or type(exc).__name__)) from None
    return parse_lesson(text, path.name)


def fill_live_fields(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by ``values[name]`` (a dash where there is none)."""
    return _LIVE.sub(lambda m: values.get(m.group(1), "–"), text)


def builtin_lessons_folder() -> Path:
    from .assets import asset_path
    return asset_path("lessons")


def builtin_lessons(language: str | None = None) -> list[Path]:
    """The lessons shipped in ``assets/lessons/``, in the interface's language where translated:
    ``name.md`` is English, ``name.zh_CN.md`` its Simplified Chinese version."""
    folder = builtin_lessons_folder()
    language = language if language is not None else current_language()
    originals = sorted(p for p in folder.glob("*.md") if p.stem.count(".") == 0)
    chosen = []
    for original in originals:
        translated = original.with_name(f"{original.stem}.{language}.md") if language else None
        chosen.append(translated if translated is not None and translated.is_file() else original)
    return chosen

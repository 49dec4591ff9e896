"""The translation catalogue, kept by hand-free commands (pure Python: no gettext tools, no Babel).

    python -m lstm_viewer.tools.i18n update    # source → lstm_viewer.pot → every <lang>.po (merged)
    python -m lstm_viewer.tools.i18n check     # what is left to do: untranslated, fuzzy, {placeholders}
    python -m lstm_viewer.tools.i18n compile   # every .po → its .mo (the file the app reads)
    python -m lstm_viewer.tools.i18n extract   # only the template, lstm_viewer/locale/lstm_viewer.pot

To add a sentence: write it through ``tr``/``ntr``/``N_`` where it is shown, run ``update``, fill in
its ``msgstr`` in ``lstm_viewer/locale/zh_CN/LC_MESSAGES/lstm_viewer.po`` (search for ``msgstr ""``
followed by an empty line, or ``#, fuzzy``), run ``compile`` and commit the .po and the .mo. The tests
fail until every sentence has a finished translation and the .mo matches the .po.

``update`` keeps every translation whose English is unchanged; a sentence whose English was edited
gets the old translation marked ``#, fuzzy`` with the old English beside it (``#| msgid``), to be
checked and the mark removed; translations of sentences that are gone stay at the end as ``#~``
(obsolete) entries, never compiled, so nothing is lost when a sentence comes back.

The extractor finds the calls of ``tr``, ``ntr`` and ``N_`` imported from ``core.i18n`` (as
``tests/test_i18n.py`` checks every call has a literal it can find); references name the file, not the
line, so the catalogue does not change when code moves.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]           # lstm_viewer/
LOCALE = PACKAGE / "locale"
DOMAIN = "lstm_viewer"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
KEYWORDS = {"tr": 1, "N_": 1, "ntr": 2}                  # function → how many leading msgid arguments
PLURAL_FORMS = {"zh_CN": "nplurals=1; plural=0;"}
DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
# A {placeholder}, or a literal brace doubled: both must come back unchanged in a translation.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{[^{}]*\}")


@dataclass
class Entry:
    """One message of a catalogue: msgid (and msgid_plural), its translation(s), and its comments."""
    msgid: str
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)       # the translator's own (# …)
    previous: str | None = None                              # #| msgid: the English it translated
    obsolete: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and not self.fuzzy


# --- extracting -------------------------------------------------------------------------------
def extract(package: Path = PACKAGE) -> list[Entry]:
    """Every msgid of the package's ``tr``/``ntr``/``N_`` calls, in order of first appearance (files
    sorted by path), each with the files it appears in. A call without a literal is skipped: the
    sentence it passes on is marked with ``N_`` where it is written."""
    found: dict[str, Entry] = {}
    root = package.parent
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("i18n")
                 for alias in node.names if alias.name in KEYWORDS}
        if not names:
            continue
        where = path.relative_to(root).as_posix()
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name) and node.func.id in names]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            count = KEYWORDS[names[call.func.id]]
            args = call.args[:count]
            if len(args) < count or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                             for a in args):
                continue
            entry = Entry(args[0].value, args[1].value if count == 2 else None,
                          [""] if count == 1 else ["", ""])
            entry = found.setdefault(entry.key, entry)
            if where not in entry.references:
                entry.references.append(where)
            if PLACEHOLDER.search(entry.msgid + (entry.msgid_plural or "")) \
                    and "python-brace-format" not in entry.flags:
                entry.flags.append("python-brace-format")
    return list(found.values())


# --- writing and reading .po ------------------------------------------------------------------
def _quote(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
                  .replace("\r", "\\r").replace("\n", "\\n")) + '"'


def _string_lines(keyword: str, text: str, width: int = 79) -> list[str]:
    """``msgid "…"`` as gettext writes it: one line when it fits, else ``""`` and one line per piece,
    broken after each newline and at spaces to stay within ``width``."""
    one = f"{keyword} {_quote(text)}"
    if len(one) <= width and "\n" not in text[:-1]:
        return [one]
    pieces: list[str] = []
    for line in re.split(r"(?<=\n)", text):
        if not line:
            continue
        current = ""
        for word in re.split(r"(?<= )", line):     # keep the spaces at the ends of pieces
            if current and len(_quote(current + word)) > width:
                pieces.append(current)
                current = ""
            current += word
        if current:
            pieces.append(current)
    return [f'{keyword} ""'] + [_quote(p) for p in pieces]


def header(language: str | None) -> str:
    plural = PLURAL_FORMS.get(language or "", DEFAULT_PLURAL_FORMS)
    return (f"Project-Id-Version: lstm-viewer\n"
            f"Language: {language or ''}\n"
            f"MIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=UTF-8\n"
            f"Content-Transfer-Encoding: 8bit\n"
            f"Plural-Forms: {plural}\n")


def format_po(entries: list[Entry], language: str | None, title: str) -> str:
    """The text of a .po (or, with ``language`` None and empty translations, the .pot)."""
    out = [f"# {title}", "# Written by python -m lstm_viewer.tools.i18n; translations are edited by hand.",
           'msgid ""', *_string_lines("msgstr", header(language)), ""]
    for entry in entries:
        prefix = "#~ " if entry.obsolete else ""
        out += [f"# {c}" if c else "#" for c in entry.comments]
        if not entry.obsolete:
            out += [f"#: {ref}" for ref in entry.references]
        if entry.flags:
            out.append("#, " + ", ".join(entry.flags))
        if entry.previous is not None and not entry.obsolete:
            out += ["#| " + line for line in _string_lines("msgid", entry.previous)]
        lines = _string_lines("msgid", entry.msgid)
        if entry.msgid_plural is None:
            lines += _string_lines("msgstr", entry.msgstr[0])
        else:
            lines += _string_lines("msgid_plural", entry.msgid_plural)
            for n, text in enumerate(entry.msgstr):
                lines += _string_lines(f"msgstr[{n}]", text)
        out += [prefix + line for line in lines]
        out.append("")
    return "\n".join(out)


_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(text: str, name: str = "<po>") -> tuple[str, list[Entry]]:
    """(the header, the entries) of a .po file's text: msgid, msgid_plural, msgstr / msgstr[n],
    references (#:), flags (#,), previous msgid (#|), translator comments (#), obsolete entries (#~).
    Multi-line strings are joined; escapes \\n \\t \\" \\\\ undone."""
    entries: list[Entry] = []
    head = ""
    entry: Entry | None = None
    pending = Entry("")            # comments gathered before the next msgid
    target: tuple[str, int] | None = None   # which string a continuation line extends
    previous_parts: list[str] | None = None

    def finish() -> None:
        nonlocal entry, head
        if entry is not None:
            if entry.msgid == "" and entry.msgid_plural is None and not entry.obsolete:
                head = entry.msgstr[0]
            else:
                entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#"):
            if entry is not None and target is not None and not obsolete:
                finish()
                target = None
                pending = Entry("")
            kind, rest = line[:2], line[2:].strip()
            if kind == "#:":
                pending.references += rest.split()
            elif kind == "#,":
                pending.flags += [f.strip() for f in rest.split(",") if f.strip()]
            elif kind == "#|":
                if rest.startswith("msgid "):
                    previous_parts = [_unquote(rest[6:], where)]
                    pending.previous = previous_parts[0]
                elif rest.startswith('"') and previous_parts is not None:
                    previous_parts.append(_unquote(rest, where))
                    pending.previous = "".join(previous_parts)
            elif kind in ("#.", "#~"):
                pass
            else:
                pending.comments.append(line[1:].strip())
            continue
        keyword, _, value = line.partition(" ")
        if line.startswith('"'):
            if target is None or entry is None:
                raise ValueError(f"{where}: a string continues nothing")
            part = _unquote(line, where)
            kind, index = target
            if kind == "msgid":
                entry.msgid += part
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + part
            else:
                entry.msgstr[index] += part
            continue
        if keyword == "msgctxt":
            raise ValueError(f"{where}: msgctxt is not used by lstm-viewer's catalogue")
        if keyword == "msgid":
            finish()
            entry = pending
            entry.msgid, entry.msgstr, entry.obsolete = _unquote(value, where), [], obsolete
            pending, previous_parts = Entry(""), None
            target = ("msgid", 0)
        elif entry is None:
            raise ValueError(f"{where}: {keyword} before msgid")
        elif keyword == "msgid_plural":
            entry.msgid_plural = _unquote(value, where)
            target = ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr = [_unquote(value, where)]
            target = ("msgstr", 0)
        elif re.fullmatch(r"msgstr\[\d+\]", keyword):
            index = int(keyword[7:-1])
            if index != len(entry.msgstr):
                raise ValueError(f"{where}: {keyword} out of order")
            entry.msgstr.append(_unquote(value, where))
            target = ("msgstr", index)
        else:
            raise ValueError(f"{where}: cannot read {line[:40]!r}")
    finish()
    for e in entries:
        if not e.msgstr:
            raise ValueError(f"{name}: {e.msgid[:40]!r} has no msgstr")
    return head, entries


def read_po(path: Path) -> list[Entry]:
    return parse_po(path.read_text(encoding="utf-8"), str(path))[1]


def nplurals(language: str) -> int:
    return int(re.search(r"nplurals\s*=\s*(\d+)", PLURAL_FORMS.get(language, DEFAULT_PLURAL_FORMS))[1])


# --- merging ----------------------------------------------------------------------------------
def merge(template: list[Entry], existing: list[Entry], language: str) -> list[Entry]:
    """The template's entries in its order, each with its translation from ``existing``; a new msgid
    close to one no longer in the template gets that translation marked fuzzy (``#|`` the old
    English); translations no longer used stay at the end as obsolete entries."""
    forms = nplurals(language)
    by_key = {e.key: e for e in existing}
    used: set[str] = set()
    merged = []
    fresh = []
    for t in template:
        old = by_key.get(t.key)
        entry = Entry(t.msgid, t.msgid_plural, references=list(t.references), flags=list(t.flags))
        if old is not None:
            used.add(t.key)
            entry.msgstr = list(old.msgstr)
            entry.comments = list(old.comments)
            if old.fuzzy:
                entry.flags.append("fuzzy")
                entry.previous = old.previous
        else:
            entry.msgstr = [""] * (1 if t.msgid_plural is None else forms)
            fresh.append(entry)
        merged.append(entry)
    # Edited sentences: the closest unused old translation, to be checked (fuzzy).
    spare = {e.key: e for e in existing if e.key not in used and any(e.msgstr)}
    for entry in fresh:
        if not spare:
            break
        close = difflib.get_close_matches(entry.key, list(spare), n=1, cutoff=0.75)
        if close and (spare[close[0]].msgid_plural is None) == (entry.msgid_plural is None):
            old = spare.pop(close[0])
            entry.msgstr = list(old.msgstr)
            entry.comments = list(old.comments)
            entry.previous = old.msgid
            entry.flags.append("fuzzy")
    for old in existing:
        if old.key in spare and any(old.msgstr):
            merged.append(Entry(old.msgid, old.msgid_plural, list(old.msgstr), comments=list(old.comments),
                                obsolete=True))
    return merged


# --- compiling --------------------------------------------------------------------------------
def mo_bytes(entries: list[Entry], language: str) -> bytes:
    """A GNU .mo of the finished translations (fuzzy, empty and obsolete entries left out), sorted
    by msgid so the same .po always gives the same bytes."""
    messages = {"": header(language)}
    for e in entries:
        if e.translated and not e.obsolete:
            messages[e.key] = "\0".join(e.msgstr)
    items = sorted((k.encode(), v.encode()) for k, v in messages.items())
    start = 7 * 4 + 16 * len(items)
    ids = strs = b""
    id_table, str_table = [], []
    for key, _ in items:
        id_table.append((len(key), start + len(ids)))
        ids += key + b"\0"
    for _, value in items:
        str_table.append((len(value), start + len(ids) + len(strs)))
        strs += value + b"\0"
    data = struct.pack("<7I", 0x950412DE, 0, len(items), 28, 28 + 8 * len(items), 0, 0)
    return data + b"".join(struct.pack("<2I", *e) for e in id_table + str_table) + ids + strs


# --- checking ---------------------------------------------------------------------------------
def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(entries: list[Entry], template: list[Entry] | None = None) -> list[str]:
    """One sentence per thing left to do: a msgid of the source not in the catalogue, an empty or
    fuzzy translation, a translation whose {placeholders} differ from its English."""
    out = []
    keys = {e.key for e in entries if not e.obsolete}
    for t in template or []:
        if t.key not in keys:
            out.append(f"not in the catalogue (run update): {t.msgid!r}")
    for e in entries:
        if e.obsolete:
            continue
        if not all(e.msgstr):
            out.append(f"untranslated: {e.msgid!r}")
            continue
        if e.fuzzy:
            out.append(f"fuzzy (check it, then remove the mark): {e.msgid!r}")
        for n, text in enumerate(e.msgstr):
            got = placeholders(text)
            if e.msgid_plural is None:
                wanted = [placeholders(e.msgid)]
            else:   # each form as the plural; the first may be the singular's ("one digit")
                wanted = [placeholders(e.msgid_plural)] + ([placeholders(e.msgid)] if n == 0 else [])
            if got not in wanted:
                out.append(f"placeholders differ ({' '.join(got) or 'none'} instead of "
                           f"{' '.join(wanted[0]) or 'none'}): {e.msgid!r}")
    return out


# --- the commands -----------------------------------------------------------------------------
def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def write_template(entries: list[Entry]) -> Path:
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(format_po(entries, None, "lstm-viewer's sentences, extracted from the source."),
                        encoding="utf-8")
    return TEMPLATE


def cmd_extract(args) -> int:
    entries = extract()
    print(f"{write_template(entries)}: {len(entries)} messages")
    return 0


def cmd_update(args) -> int:
    template = extract()
    write_template(template)
    targets = list(dict.fromkeys([*languages(), *(args.add or [])]))
    for language in targets:
        path = po_path(language)
        old = read_po(path) if path.exists() else []
        merged = merge(template, old, language)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(format_po(merged, language, f"lstm-viewer in {language}."), encoding="utf-8")
        todo = sum(1 for e in merged if not e.obsolete and not e.translated)
        print(f"{path}: {len(template)} messages, {todo} to translate or check")
    return 0


def cmd_compile(args) -> int:
    for language in languages():
        entries = read_po(po_path(language))
        mo_path(language).write_bytes(mo_bytes(entries, language))
        done = sum(1 for e in entries if e.translated and not e.obsolete)
        print(f"{mo_path(language)}: {done} translations")
    return 0


def cmd_check(args) -> int:
    template = extract()
    status = 0
    for language in languages():
        entries = read_po(po_path(language))
        found = problems(entries, template)
        mo = mo_path(language)
        if not mo.exists() or mo.read_bytes() != mo_bytes(entries, language):
            found.append(f"{mo.name} is not compiled from the .po (run compile)")
        for line in found:
            print(f"{language}: {line}")
        status |= bool(found)
        if not found:
            print(f"{language}: complete ({len(template)} messages)")
    return int(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_viewer.tools.i18n",
                                     description="Keep lstm-viewer's translation catalogue.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="write the template (lstm_viewer.pot) from the source")
    update = commands.add_parser("update", help="extract, then merge the template into every .po")
    update.add_argument("--add", action="append", metavar="LANG", help="start a catalogue for LANG")
    commands.add_parser("compile", help="write every .mo from its .po")
    commands.add_parser("check", help="list what is left to translate (exit status 1 if anything)")
    args = parser.parse_args(argv)
    return {"extract": cmd_extract, "update": cmd_update, "compile": cmd_compile,
            "check": cmd_check}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

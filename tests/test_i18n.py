"""The one translation function: whole sentences with named placeholders, plurals, a catalogue found
by language, English when there is none."""
from __future__ import annotations

import struct

import pytest

from lstm_viewer.core import i18n
from lstm_viewer.core.i18n import install_translation, ntr, tr


def write_mo(path, messages: dict, plural_forms: str) -> None:
    """A gettext .mo file (the GNU format: a header, two tables of (length, offset), the strings)."""
    header = f"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: {plural_forms}\n"
    entries = sorted({"": header, **messages}.items())
    ids = [k.encode() for k, _ in entries]
    strs = [v.encode() for _, v in entries]
    start = 7 * 4 + 16 * len(entries)
    ids_blob, strs_blob, id_table, str_table = b"", b"", [], []
    for raw in ids:
        id_table.append((len(raw), start + len(ids_blob)))
        ids_blob += raw + b"\0"
    for raw in strs:
        str_table.append((len(raw), start + len(ids_blob) + len(strs_blob)))
        strs_blob += raw + b"\0"
    data = struct.pack("<7I", 0x950412DE, 0, len(entries), 28, 28 + 8 * len(entries), 0, 0)
    data += b"".join(struct.pack("<2I", *e) for e in id_table + str_table) + ids_blob + strs_blob
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    write_mo(tmp_path / "zh_CN" / "LC_MESSAGES" / "lstm_viewer.mo",
             {"Opened {name}.": "已打开 {name}。",
              "{count} digit\0{count} digits": "{count} 个数字"},
             "nplurals=1; plural=0;")
    assert install_translation("zh_CN")
    yield
    install_translation("en")


def test_english_without_a_catalogue():
    install_translation("en")
    assert tr("Opened {name}.", name="m.pth") == "Opened m.pth."
    assert ntr("{count} digit", "{count} digits", 1) == "1 digit"
    assert ntr("{count} digit", "{count} digits", 3) == "3 digits"
    assert install_translation("xx_YY") is False and tr("Opened {name}.", name="a") == "Opened a."


def test_a_catalogue_translates_whole_sentences_and_plurals(chinese):
    assert i18n.current_language() == "zh_CN"
    assert tr("Opened {name}.", name="m.pth") == "已打开 m.pth。"
    assert ntr("{count} digit", "{count} digits", 1) == "1 个数字"
    assert ntr("{count} digit", "{count} digits", 5) == "5 个数字"
    assert tr("Not in the catalogue.") == "Not in the catalogue."   # a missing entry stays English

"""Helpers for the translation tests: a gettext catalogue written without gettext's tools."""
from __future__ import annotations

import struct


def write_mo(path, messages: dict, plural_forms: str) -> None:
    """A gettext .mo file (the GNU format: a header, two tables of (length, offset), the strings).
    A plural entry's key is ``singular\\0plural``, its value the forms joined by ``\\0``."""
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

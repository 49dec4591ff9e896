"""One registry of model readers, each recognising its files by content, not by name.

Every reader ends the same way: it describes the model's layers in the one format-neutral vocabulary
(``core.architecture``: ``(kind, settings)`` pairs, Keras' names for kinds and settings, because
that is the richest of the formats), hands its weights over in the engine's layout (per LSTM layer
``W (in, 4u)``, ``U (u, 4u)``, ``b (4u)``, gate columns i, f, g, o; the head ``(units, 10)``,
``(10,)``), and lets ``check_architecture`` / ``check_weights`` / ``network_from_weights`` decide.
So every refusal comes from one place, in the same words, whatever the file.
"""
from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownLayout, UserError
from ..i18n import tr
from ..network import Network


@dataclass(frozen=True)
class ReadOptions:
    """What the user may add to a file that does not record it.

    ``forget_bias``: a TF1 checkpoint's constant added to f at every step (None: from the ``.meta``
    graph, else BasicLSTMCell's default 1.0). ``normalize``: ``(mean, std)`` the first layer reads
    ``(x - mean) / std`` (None: what the file records, else [0, 1]).
    """

    forget_bias: float | None = None
    normalize: tuple[float, float] | None = None


@dataclass(frozen=True)
class Reader:
    """One model format."""

    format: str                                   # named in messages and the model information
    patterns: tuple[str, ...]                     # for the Open dialog's filter only
    recognise: Callable[[Path], Path | None]      # by content: the path to read, or None if not ours
    read: Callable[[Path, ReadOptions], Network]  # raises UserError (one sentence) on any problem
    needs_tensorflow: bool = False                # read in a worker: importing TF takes seconds


# --- the registry ---------------------------------------------------------------------------------
_PICTURE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00",
                       b"MM\x00*")


def registry() -> tuple[Reader, ...]:
    """Every reader, in the order they are asked (each looks at a few bytes; the first to claim wins)."""
    from . import keras_archive, tf1_checkpoint, torch_file
    return (keras_archive.READER, *torch_file.READERS, keras_archive.HDF5_READER, tf1_checkpoint.READER)


def find_reader(path: str | os.PathLike) -> tuple[Reader, Path]:
    """The reader for ``path`` and the path it reads (a TF1 checkpoint's prefix, say), by content.

    Raises ``UserError`` with one sentence when no reader claims it: a missing file, a picture, or a
    file of no format lstm-viewer knows.
    """
    path = Path(path)
    if path.exists() and not (path.is_file() or path.is_dir()):   # a pipe or a device: would wait forever
        raise UserError(tr("{path}: is not a regular file (a pipe or a device?), not a model file",
                           path=path))
    # Asked even when nothing is at ``path``: a TF1 checkpoint's prefix names no file of its own.
    for reader in registry():
        target = reader.recognise(path)
        if target is not None:
            return reader, target
    if not path.exists():
        raise UserError(tr("{path}: no such model file or folder", path=path))
    for reader in registry():
        # Nobody recognised the content; a file named as one format is most likely a damaged one of
        # it, and its reader says what is wrong better than "unknown format" would.
        if path.is_file() and any(fnmatch.fnmatch(path.name.lower(), p) for p in reader.patterns):
            return reader, path
    if path.is_file() and _starts_with_picture(path):
        raise UserError(tr("{path}: this is a picture, not a model; open it with File ▸ Open image… (or: "
                           "lstm-viewer inspect {file_name})", path=path, file_name=path.name))
    if path.is_dir():
        raise UserError(tr("{path}: this folder holds no model lstm-viewer can read (a Keras .keras or .h5 "
                           "file, a TensorFlow 1 checkpoint, a PyTorch file or .safetensors)", path=path))
    raise UserError(tr("{path}: not a model file lstm-viewer can read (it reads a Keras .keras or .h5 file, "
                       "a TensorFlow 1 checkpoint, a PyTorch file or .safetensors)", path=path))


def read_model(path: str | os.PathLike, options: ReadOptions = ReadOptions()) -> Network:
    """Recognise ``path`` by content and read it: the one way every caller opens a model.

    Raises ``UserError`` (or a subclass) as ``"<path>: <format>: <sentence>"``; ``UnknownLayout``
    for a Keras file only Keras itself can read (the caller may try ``ml.keras_bridge``).
    """
    reader, target = find_reader(path)
    if options.forget_bias is not None and reader.format != "TF1 checkpoint":
        raise UserError(tr("{path}: a forget_bias applies to TensorFlow 1 checkpoints only; this is a "
                           "{format}, whose f bias already holds it", path=path, format=tr(reader.format)))
    try:
        network = reader.read(target, options)
    except UnknownLayout:
        raise
    except UserError as exc:
        text = str(exc)
        prefix = tr("{path}: {reason}", path=target, reason="")   # the Keras reader names the file itself
        if text.startswith(prefix):
            text = text[len(prefix):]
        text = one_line(text)
        raise type(exc)(tr("{path}: {format}: {reason}", path=target, format=tr(reader.format),
                           reason=text)) from None
    return finish(network, reader.format, options)


def finish(network: Network, format_name: str, options: ReadOptions) -> Network:
    """Record the format and apply the user's input scaling (which overrides what a file records)."""
    network.metadata.setdefault("format", format_name)
    recorded = network.input_scaling is not None or network.metadata.get("scaling_from") == "the file"
    if options.normalize is not None:
        network = network.with_input_scaling(options.normalize)
        network.metadata["scaling_from"] = "you"
    else:
        network.metadata["scaling_from"] = "the file" if recorded else "not recorded"
    return network


def describe_model(network: Network) -> str:
    """One line for the title and the model information, e.g.
    'PyTorch state_dict · 2 × 128 LSTM · input (x − 0.1307) / 0.3081'."""
    meta = network.metadata
    parts = [tr(meta.get("format", "Keras model")), network.describe()]
    parts += [str(d) for d in meta.get("details", ())]
    if network.input_scaling is not None:
        parts.append(tr("input {scaling}", scaling=network.describe_scaling()))
    elif meta.get("scaling_from") == "not recorded" and meta.get("format") not in (None, "Keras model"):
        parts.append(tr("input [0, 1] (the file records no scaling)"))
    return " · ".join(parts)


def describe_briefly(network: Network) -> str:
    """The short form for the status bar: 'PyTorch state_dict · 2 × 128 LSTM · input [0, 1]'."""
    scaling = "[0, 1]" if network.input_scaling is None else network.describe_scaling()
    format_name = tr(network.metadata.get("format", "Keras model"))
    return tr("{format} · {layers} · input {scaling}", format=format_name, layers=network.describe(),
              scaling=scaling)


def dialog_filter() -> str:
    """The Open model dialog's filter: every format together, then each on its own."""
    readers = registry()
    every = " ".join(p for r in readers for p in r.patterns)
    each = ";;".join(f"{tr(r.format)} ({' '.join(r.patterns)})" for r in readers)
    return tr("Models ({patterns})", patterns=every) + f";;{each};;" + tr("All files (*)")


def one_line(text: str, limit: int = 1000) -> str:
    """A message quoting a hostile file's names stays one short line: unprintable characters escaped
    (a newline in a variable's name), and the middle of an overlong message elided."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else f"{text[:limit * 2 // 3]} … {text[-limit // 3:]}"


def _starts_with_picture(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head.startswith(_PICTURE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


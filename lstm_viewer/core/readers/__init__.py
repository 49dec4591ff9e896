"""One registry of model readers, each recognising its files by content, not by name.

Every reader ends the same way: it describes the model's layers in the one format-neutral vocabulary
(``core.architecture``: ``(kind, settings)`` pairs, Keras' names for kinds and settings, because
that is the richest of the formats), hands its weights over in the engine's layout (per LSTM layer
``W (in, 4u)``, ``U (u, 4u)``, ``b (4u)``, gate columns i, f, g, o; the head ``(units, 10)``,
``(10,)``), and lets ``check_architecture`` / ``check_weights`` / ``network_from_weights`` decide.
So every refusal comes from one place, in the same words, whatever the file.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
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

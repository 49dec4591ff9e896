"""Keras files in the registry: ``.keras`` archives read directly (``core.kerasfile``); Keras 2 HDF5
files recognised here and read by Keras itself (``ml.keras_bridge``, via ``UnknownLayout``)."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import UnknownLayout
from ..i18n import N_, tr
from ..kerasfile import read_keras_file
from . import Reader, ReadOptions
from .torch_pickle import ZIP_ERRORS, open_regular

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _is_keras_archive(path: Path) -> Path | None:
    try:
        with open_regular(path) as f:   # a FIFO or a device is no archive (and must not block)
            if not zipfile.is_zipfile(f):
                return None
            with zipfile.ZipFile(f) as archive:
                return path if "config.json" in archive.namelist() else None
    except ZIP_ERRORS:     # damaged: a newer zip version, a bad directory, ...; not ours to claim
        return None


def _is_hdf5(path: Path) -> Path | None:
    try:
        with open_regular(path) as fh:
            return path if fh.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE else None
    except (OSError, ValueError):
        return None


def _read_archive(path: Path, _options: ReadOptions):
    network = read_keras_file(path)
    network.metadata["details"] = []
    return network


def _read_hdf5(path: Path, _options: ReadOptions):
    raise UnknownLayout(tr("{path}: a Keras 2 HDF5 model, which only Keras itself reads", path=path))


READER = Reader(format=N_("Keras model"), patterns=("*.keras",), recognise=_is_keras_archive,
                read=_read_archive)
HDF5_READER = Reader(format=N_("Keras 2 HDF5 model"), patterns=("*.h5", "*.hdf5"), recognise=_is_hdf5,
                     read=_read_hdf5, needs_tensorflow=True)

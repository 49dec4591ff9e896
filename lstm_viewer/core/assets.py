"""The files shipped with the app (the default model, the sample digits), wherever it is installed.

``assets/`` lives at the repository's top level and is mapped into the package as
``lstm_viewer.assets`` at build time (``pyproject.toml``), so an editable install, ``pip install .``,
a wheel and pipx all find it through ``importlib.resources``.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parents[2] / "assets"


def asset_path(name: str) -> Path:
    """A shipped file as a real path (the package is installed unzipped, as pip always does)."""
    try:
        return Path(str(resources.files("lstm_viewer.assets").joinpath(name)))
    except ModuleNotFoundError:
        # Imported from a source tree (the repository's folder on sys.path, e.g. the working
        # directory, before an editable install's finder): assets/ is beside the package.
        return _SOURCE_TREE / name


def default_model_path() -> Path:
    """The pretrained model shipped in ``assets/``."""
    return asset_path("default.keras")


def history_model_path() -> Path:
    """The small model shipped with its training history (2 × 64, 29 snapshots)."""
    return asset_path("history-2x64.keras")


def samples_path() -> Path:
    """The 200 MNIST test digits shipped in ``assets/``."""
    return asset_path("samples.npz")

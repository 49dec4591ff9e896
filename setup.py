"""Only the package list, which pyproject.toml cannot express: every package under lstm_viewer/ is found
(no folder can be left out of the wheel silently), plus assets/, kept at the repository's top level and
installed as lstm_viewer.assets (package-dir in pyproject.toml; setuptools' find does not follow it)."""
from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["lstm_viewer", "lstm_viewer.*"]), "lstm_viewer.assets"])

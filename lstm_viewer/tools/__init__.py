"""Contributor tools (not used by the app at run time): ``python -m lstm_viewer.tools.i18n``."""

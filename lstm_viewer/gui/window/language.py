"""The language of the interface: the app's own sentences (``core.i18n``'s gettext catalogue) and Qt's
standard dialogs and buttons (Qt's ``qtbase_<lang>.qm``, where Qt's installation has it)."""
from __future__ import annotations

from PyQt6 import QtCore

from ...core.i18n import install_translation

# The Qt translator installed for each application (one at a time: a new language replaces it).
_qt_translators: dict[int, QtCore.QTranslator] = {}


def install_language(app: QtCore.QCoreApplication, language: str | None) -> bool:
    """Show ``language`` ('zh_CN', 'en', None for English) from now on: the app's sentences through
    ``tr`` and Qt's own texts (file dialogs, message boxes' buttons). Windows built afterwards are in
    that language. True when the app has a catalogue for it (English always has one: its msgids)."""
    found = install_translation(language)
    old = _qt_translators.pop(id(app), None)
    if old is not None:
        app.removeTranslator(old)
    if language and language.split("_")[0] != "en":
        translator = QtCore.QTranslator(app)
        folder = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load("qtbase_" + language, folder):
            app.installTranslator(translator)
            _qt_translators[id(app)] = translator
    return found

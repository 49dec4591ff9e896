"""The language of the interface: the app's own sentences (``core.i18n``'s gettext catalogue) and Qt's
standard dialogs and buttons (Qt's ``qtbase_<lang>.qm``, where Qt's installation has it).

Which language: ``--lang`` on the command line, else the choice remembered in the settings (View ▸
Language), else the system's (``LANG=zh_CN.UTF-8`` gives Chinese); see ``choose_language``. A
Chinese interface also needs a font with Chinese characters: ``use_cjk_font`` finds one (Noto Sans CJK
SC, Source Han Sans, WenQuanYi, Microsoft YaHei, PingFang SC…) and makes it the fallback of the
application's font, or says there is none (``NO_CJK_FONT``) so the app can tell the user once.
"""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets

from ...core.i18n import N_, current_language, install_translation, tr, translate_in

# The languages the app has, each named in its own language (as a language menu always does).
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
SETTINGS_KEY = "language"

# CJK families with Simplified Chinese glyphs, best first, for Linux (Noto, Source Han, WenQuanYi,
# Droid), Windows (Microsoft YaHei, SimHei, SimSun) and macOS (PingFang, Hiragino Sans GB, Heiti).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei UI", "Microsoft YaHei",
                "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "SimHei", "DengXian",
                "Sarasa Gothic SC", "AR PL UKai CN", "AR PL UMing CN", "SimSun", "NSimSun",
                "Droid Sans Fallback")
# Said in English on purpose: without a Chinese font the translation of this sentence would be boxes.
NO_CJK_FONT = ("No font with Chinese characters was found, so Chinese text may show as boxes. Install one "
               "(Debian/Ubuntu: sudo apt install fonts-noto-cjk; Fedora: google-noto-sans-cjk-fonts) "
               "and start lstm-viewer again.")
RESTART_NOTE = N_("The window will be in {language} the next time lstm-viewer starts.")

# The Qt translator installed for each application (one at a time: a new language replaces it), and
# the application's font before a Chinese fallback was added to it (put back for English).
_qt_translators: dict[int, list[QtCore.QTranslator]] = {}
_fonts_before: dict[int, QtGui.QFont] = {}


# Qt 6's own texts that its qtbase_zh_CN.qm lacks or says oddly (Qt 6 added accelerators to two file
# dialog labels; the catalogue still has the old wording), by (context, source text).
QT_GAPS = {"zh_CN": {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
    ("QFileDialog", "File &name:"): "文件名(&N)：",
    ("QFileSystemModel", "Size"): "大小",
    ("QShortcut", "Left"): "←",
    ("QShortcut", "Right"): "→",
    ("QShortcut", "Up"): "↑",
    ("QShortcut", "Down"): "↓",
}}


class _QtGaps(QtCore.QTranslator):
    """The few Qt texts of ``QT_GAPS``, asked before Qt's own catalogue (installed after it)."""

    def __init__(self, texts: dict, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self.texts = texts

    def translate(self, context, source, disambiguation=None, n=-1):   # Qt's virtual
        return self.texts.get((context, source))   # None: not ours, Qt asks the next catalogue

    def isEmpty(self) -> bool:  # noqa: N802  (Qt's virtual)
        return False


def install_language(app: QtCore.QCoreApplication, language: str | None) -> bool:
    """Show ``language`` ('zh_CN', 'en', None for English) from now on: the app's sentences through
    ``tr``, Qt's own texts (file dialogs, message boxes' buttons) and, for Chinese, a Chinese font as
    the fallback of the application's font (``use_cjk_font``; English puts the font back). Windows
    built afterwards are in that language. True when the app has a catalogue for it (English always
    has one: its msgids)."""
    found = install_translation(language)
    for old in _qt_translators.pop(id(app), []):
        app.removeTranslator(old)
    english = not language or language.split("_")[0] == "en"
    if not english:
        translator = QtCore.QTranslator(app)
        folder = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
        installed = []
        if translator.load("qtbase_" + language, folder):
            app.installTranslator(translator)
            installed.append(translator)
        if language in QT_GAPS:   # installed last: asked first
            gaps = _QtGaps(QT_GAPS[language], app)
            app.installTranslator(gaps)
            installed.append(gaps)
        _qt_translators[id(app)] = installed
    if isinstance(app, QtGui.QGuiApplication):
        before = _fonts_before.pop(id(app), None)
        if before is not None:
            app.setFont(before)
        if not english and found:
            _fonts_before[id(app)] = QtGui.QFont(app.font())
            use_cjk_font(app)
    return found


def known_language(name: object) -> str | None:
    """``name`` as one of ``LANGUAGES``' keys ('zh_CN', 'zh-CN', 'zh_CN.UTF-8', 'zh' → 'zh_CN';
    'en_GB' → 'en'), None for a language the app does not have (or nothing)."""
    if not isinstance(name, str) or not name.strip():
        return None
    base = name.strip().split(".")[0].split("@")[0].replace("-", "_")
    language = base.split("_")[0].lower()
    if language == "en" or base in ("C", "POSIX"):
        return "en"
    if language == "zh":   # the one Chinese catalogue is Simplified: better than English for zh_TW too
        return "zh_CN"
    return None


def system_language() -> str:
    """The system's language if the app has it ('zh_CN' for LANG=zh_CN.UTF-8), else 'en'.

    The environment first, as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: the first set),
    then Qt's system locale (Windows and macOS set no LANG)."""
    import os
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            for name in value.split(":"):   # LANGUAGE is a list, best first
                found = known_language(name)
                if found:
                    return found
            return "en"
    for name in QtCore.QLocale.system().uiLanguages():
        found = known_language(name)
        if found:
            return found
    return "en"


def choose_language(requested: str | None = None, settings: QtCore.QSettings | None = None) -> str:
    """The language to show: ``requested`` (the command line's --lang), else the one remembered in
    ``settings`` (View ▸ Language), else the system's."""
    for candidate in (requested, settings.value(SETTINGS_KEY) if settings is not None else None):
        found = known_language(candidate)
        if found:
            return found
    return system_language()


def language_menu(menu_parent: QtWidgets.QWidget, settings: QtCore.QSettings | None) -> QtWidgets.QMenu:
    """View ▸ Language: English / 简体中文, the language shown now checked. Choosing one remembers it
    in ``settings`` and says (in the chosen language) that the window uses it from the next start:
    every widget takes its text when it is built, so a running window stays as it is."""
    menu = QtWidgets.QMenu(tr("&Language"), menu_parent)
    menu.setObjectName("languageMenu")
    group = QtGui.QActionGroup(menu)
    group.setExclusive(True)
    shown = known_language(current_language()) or "en"
    for key, name in LANGUAGES.items():
        action = QtGui.QAction(name, menu)
        action.setObjectName(f"language_{key}")
        action.setData(key)
        action.setCheckable(True)
        action.setChecked(key == shown)
        group.addAction(action)
        menu.addAction(action)
    group.triggered.connect(lambda action: _choose(menu_parent, settings, action.data()))
    return menu


def _choose(parent: QtWidgets.QWidget, settings: QtCore.QSettings | None, language: str) -> None:
    if settings is not None:
        settings.setValue(SETTINGS_KEY, language)
        settings.sync()
    if language == current_language():
        return
    note = translate_in(language, RESTART_NOTE, language=LANGUAGES[language])
    window = parent
    while window is not None and not isinstance(window, QtWidgets.QMainWindow):
        window = window.parentWidget()   # the View menu's parent is the menu bar, then the window
    if window is not None:
        window.statusBar().showMessage(note, 15000)
    else:
        QtWidgets.QMessageBox.information(parent, "lstm-viewer", note)


def find_cjk_font() -> str | None:
    """An installed font family with Simplified Chinese characters (a preferred one if any), or None.
    Needs a QGuiApplication (the font database is the platform's)."""
    installed = QtGui.QFontDatabase.families(QtGui.QFontDatabase.WritingSystem.SimplifiedChinese)
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    # Any other family that says it covers Simplified Chinese, avoiding the Japanese, Korean and
    # Traditional variants of a family when the SC one is there (handled above) and serif faces.
    plain = [f for f in installed if not any(mark in f for mark in (" JP", " KR", " TC", " HK", "Serif"))]
    return (plain or installed or [None])[0]


def use_cjk_font(app: QtGui.QGuiApplication) -> str | None:
    """Make a Simplified Chinese family the fallback of the application's font (so Chinese text uses
    its Chinese forms, not a Japanese variant the platform might pick), the family or None if there is
    none. Latin text keeps the platform's font."""
    family = find_cjk_font()
    if family is None:
        return None
    font = app.font()
    families = font.families() or [font.family()]
    if family not in families:
        font.setFamilies([*families, family])
        app.setFont(font)
    return family

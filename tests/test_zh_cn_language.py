"""Choosing the language (issue #26, point 2) and a font for it (point 3): the system's locale by
default, ``--lang`` on the command line, the choice remembered from View ▸ Language; a Simplified
Chinese font found, or one sentence saying which package to install."""
from __future__ import annotations

import pytest
from PyQt6 import QtCore, QtGui, QtWidgets

from gui_support import close_window, random_network, write_keras_file
from lstm_viewer.gui.window import language
from lstm_viewer.gui.window.language import choose_language, known_language, language_menu, system_language

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def locale_env(monkeypatch):
    """Set the locale variables as a shell would (the others unset)."""
    def set_env(**values):
        for name in LOCALE_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    return set_env


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def restore_language(qapp):
    """Whatever a test installs (language, app font), the next test has English and the old font."""
    from lstm_viewer.gui import install_language
    font = QtGui.QFont(qapp.font())
    yield
    install_language(qapp, "en")
    qapp.setFont(font)


def test_language_names():
    assert [known_language(n) for n in ("zh_CN", "zh-CN", "zh_CN.UTF-8", "zh", "zh_TW", "en_GB.UTF-8",
                                        "en", "C.UTF-8", "POSIX", "fr_FR", "", None, 3)] == [
        "zh_CN", "zh_CN", "zh_CN", "zh_CN", "zh_CN", "en", "en", "en", "en", None, None, None, None]


def test_the_system_locale_chooses_as_gettext_does(locale_env):
    locale_env(LANG="zh_CN.UTF-8")
    assert system_language() == "zh_CN"
    locale_env(LANG="zh_CN.UTF-8", LC_ALL="C")            # LC_ALL wins over LANG
    assert system_language() == "en"
    locale_env(LANG="en_US.UTF-8", LC_MESSAGES="zh_CN.UTF-8")
    assert system_language() == "zh_CN"
    locale_env(LANGUAGE="fr:zh_CN", LANG="fr_FR.UTF-8")   # a list: the first language the app has
    assert system_language() == "zh_CN"
    locale_env(LANG="de_DE.UTF-8")                        # no German catalogue: English
    assert system_language() == "en"


def test_command_line_then_remembered_choice_then_system(locale_env, settings):
    locale_env(LANG="zh_CN.UTF-8")
    assert choose_language(None, settings) == "zh_CN"
    settings.setValue("language", "en")
    assert choose_language(None, settings) == "en"
    assert choose_language("zh_CN", settings) == "zh_CN"
    settings.setValue("language", "klingon")              # a value this version does not know: ignored
    assert choose_language(None, settings) == "zh_CN"
    locale_env(LANG="C.UTF-8")
    assert choose_language(None, None) == "en"


def test_the_language_menu_remembers_the_choice_and_says_when_it_applies(qtbot, settings, qapp,
                                                                          restore_language):
    from lstm_viewer.gui import install_language
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    view = window.menuBar().addMenu("View")   # as menus.py would: a submenu of View
    menu = language_menu(view, settings)
    view.addMenu(menu)
    assert menu.title() == "&Language"
    actions = menu.actions()
    assert [a.text() for a in actions] == ["English", "简体中文"]
    assert [a.isChecked() for a in actions] == [True, False]
    actions[1].trigger()
    assert settings.value("language") == "zh_CN"
    assert [a.isChecked() for a in actions] == [False, True]
    # Said in the language chosen (the window stays as it is until the next start).
    assert window.statusBar().currentMessage() == "下次启动 lstm-viewer 时，窗口将使用简体中文。"
    # From a Chinese window: the menu is Chinese, and going back to English is said in English.
    install_language(qapp, "zh_CN")
    menu = language_menu(window, settings)
    assert menu.title() == "语言(&L)" and [a.isChecked() for a in menu.actions()] == [False, True]
    menu.actions()[0].trigger()
    assert settings.value("language") == "en"
    assert window.statusBar().currentMessage() == \
        "The window will be in English the next time lstm-viewer starts."


def test_lang_on_the_command_line_reaches_run_app(monkeypatch):
    import lstm_viewer.gui.app as app_module
    from lstm_viewer.cli import build_parser, main
    calls = []
    monkeypatch.setattr(app_module, "run_app", lambda model, language=None, **_others:
                        calls.append((model, language)) or 0)
    assert main(["--lang", "zh_CN"]) == 0 and main([]) == 0
    assert calls == [(None, "zh_CN"), (None, None)]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--lang", "fr"])


def test_a_simplified_chinese_font_is_found_and_made_the_fallback(qapp, restore_language):
    families = QtGui.QFontDatabase.families(QtGui.QFontDatabase.WritingSystem.SimplifiedChinese)
    if not families:
        pytest.skip("no font with Chinese characters installed here (Debian: fonts-noto-cjk)")
    found = language.use_cjk_font(qapp)
    assert found in families and " JP" not in found and " KR" not in found
    assert qapp.font().families()[-1] == found
    assert language.use_cjk_font(qapp) == found and qapp.font().families().count(found) == 1


def test_installing_chinese_adds_the_font_and_english_puts_the_font_back(qapp, restore_language):
    from lstm_viewer.gui import install_language
    if language.find_cjk_font() is None:
        pytest.skip("no font with Chinese characters installed here (Debian: fonts-noto-cjk)")
    before = QtGui.QFont(qapp.font())
    install_language(qapp, "zh_CN")
    assert qapp.font().families()[-1] == language.find_cjk_font()
    install_language(qapp, "zh_CN")   # again: still one fallback
    assert qapp.font().families().count(language.find_cjk_font()) == 1
    install_language(qapp, "en")
    assert qapp.font() == before


def _run_app_and_look(qapp, tmp_path, **kwargs):
    """run_app on a small model; what its window shows, read just before closing it."""
    from lstm_viewer.gui import MainWindow
    from lstm_viewer.gui.app import run_app
    model = write_keras_file(tmp_path / "m.keras", random_network([8]))
    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    seen = {}

    def look_and_close() -> None:
        for w in [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]:
            seen["menus"] = [a.text() for a in w.menuBar().actions()]
            seen["status"] = w.statusBar().currentMessage()
            close_window(w)

    QtCore.QTimer.singleShot(300, look_and_close)
    assert run_app(model, settings=settings, **kwargs) == 0
    return seen


def test_run_app_follows_the_system_locale_and_the_command_line(qapp, tmp_path, no_hard_exit, locale_env,
                                                                  restore_language):
    locale_env(LANG="zh_CN.UTF-8")
    seen = _run_app_and_look(qapp, tmp_path)
    assert seen["menus"][:2] == ["文件(&F)", "编辑(&E)"]
    seen = _run_app_and_look(qapp, tmp_path, language="en")
    assert seen["menus"][:2] == ["&File", "&Edit"]


def test_without_a_chinese_font_the_app_says_so_once(qapp, tmp_path, no_hard_exit, monkeypatch, capsys,
                                                     restore_language):
    monkeypatch.setattr(language, "find_cjk_font", lambda: None)
    seen = _run_app_and_look(qapp, tmp_path, language="zh_CN")
    assert seen["status"] == language.NO_CJK_FONT and "fonts-noto-cjk" in seen["status"]
    assert capsys.readouterr().err.count("fonts-noto-cjk") == 1


def test_qt_texts_its_own_chinese_catalogue_lacks_are_filled_in(qapp, restore_language):
    """Qt 6's file dialog labels gained accelerators its qtbase_zh_CN.qm does not have: filled in,
    and everything else still comes from Qt's own catalogue (a key name, a button)."""
    language.install_language(qapp, "zh_CN")
    dialog = QtWidgets.QFileDialog()
    dialog.setOption(QtWidgets.QFileDialog.Option.DontUseNativeDialog)
    labels = [label.text() for label in dialog.findChildren(QtWidgets.QLabel) if label.text()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    assert QtGui.QKeySequence("Ctrl+O").toString(native) == "Ctrl+O"   # not swallowed
    assert QtGui.QKeySequence("Left").toString(native) == "←"
    language.install_language(qapp, "en")
    assert QtCore.QCoreApplication.translate("QFileDialog", "&Look in:") == "&Look in:"

"""The one translation function: whole sentences with named placeholders, plurals, a catalogue found
by language, English when there is none."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from i18n_support import write_mo

from lstm_viewer.core import i18n
from lstm_viewer.core.errors import UserError
from lstm_viewer.core.i18n import install_translation, ntr, tr


@pytest.fixture
def chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    write_mo(tmp_path / "zh_CN" / "LC_MESSAGES" / "lstm_viewer.mo",
             {"Opened {name}.": "已打开 {name}。",
              "{count} digit\0{count} digits": "{count} 个数字"},
             "nplurals=1; plural=0;")
    assert install_translation("zh_CN")
    yield
    install_translation("en")


def test_english_without_a_catalogue():
    install_translation("en")
    assert tr("Opened {name}.", name="m.pth") == "Opened m.pth."
    assert ntr("{count} digit", "{count} digits", 1) == "1 digit"
    assert ntr("{count} digit", "{count} digits", 3) == "3 digits"
    assert install_translation("xx_YY") is False and tr("Opened {name}.", name="a") == "Opened a."


def test_a_catalogue_translates_whole_sentences_and_plurals(chinese):
    assert i18n.current_language() == "zh_CN"
    assert tr("Opened {name}.", name="m.pth") == "已打开 m.pth。"
    assert ntr("{count} digit", "{count} digits", 1) == "1 个数字"
    assert ntr("{count} digit", "{count} digits", 5) == "5 个数字"
    assert tr("Not in the catalogue.") == "Not in the catalogue."   # a missing entry stays English


# Calls whose first argument is not a literal: each passes on a sentence marked with N_ elsewhere (a table
# of sentences, a reader's format name), so the extractor still finds every msgid. (module, argument)
DEFERRED = {
    ("lstm_viewer/gui/lessons/panel.py", "spec.title"),                   # PANELS' N_-marked titles
    ("lstm_viewer/core/architecture.py", "sentence"),                    # _LSTM_RULES
    ("lstm_viewer/ml/training.py", "message"),                           # TrainingConfig.validate's table
    ("lstm_viewer/ml/training.py", "OUT_OF_MEMORY"),
    ("lstm_viewer/core/readers/__init__.py", "reader.format"),           # Reader(format=N_(…))
    ("lstm_viewer/core/readers/__init__.py", "r.format"),
    ("lstm_viewer/core/readers/__init__.py", "meta.get('format', 'Keras model')"),
    ("lstm_viewer/core/readers/__init__.py",
     "network.metadata.get('format', 'Keras model')"),
    ("lstm_viewer/gui/window/main_window.py", "spec.title"),                # PANELS' N_-marked texts
    ("lstm_viewer/gui/window/main_window.py", "spec.menu_text"),
    ("lstm_viewer/gui/window/main_window.py", "spec.help_text"),
    ("lstm_viewer/gui/window/main_window.py", "reader.format"),             # Reader(format=N_(…))
    ("lstm_viewer/gui/window/main_window.py", "meta.get('format', 'Keras model')"),
    ("lstm_viewer/gui/window/main_window.py", "how"),                       # the input scaling's N_ table
    # The panels' help notes (HELP = N_("""…""")) and their N_ tables of names and titles.
    ("lstm_viewer/gui/panels/compare.py", "HELP"),
    ("lstm_viewer/gui/panels/importance.py", "HELP"),
    ("lstm_viewer/gui/panels/preprocessing.py", "HELP"),
    ("lstm_viewer/gui/panels/preprocessing.py", "CENTRING_NAMES[key]"),
    ("lstm_viewer/gui/panels/preprocessing.py", "title"),                   # STAGE_TITLES
    ("lstm_viewer/gui/panels/preprocessing.py", "t"),
    ("lstm_viewer/gui/panels/unit_inspector.py", "HELP"),
    ("lstm_viewer/gui/panels/unit_inspector.py", "GATE_WORDS[name]"),
    ("lstm_viewer/gui/panels/why_class.py", "HELP"),
    ("lstm_viewer/gui/input/digit_picker.py", "digits.name"),              # DigitSet(N_(name)): a key
    ("lstm_viewer/gui/training/panel.py", "PRESET_NAMES[key]"),
    ("lstm_viewer/gui/views/layer_view.py", "long"),                        # GATE_TITLES
    ("lstm_viewer/gui/views/layer_view.py", "short"),
    ("lstm_viewer/gui/panels/history.py", "HELP"),
    ("lstm_viewer/gui/panels/history.py", "NO_HISTORY"),
    ("lstm_viewer/gui/panels/history.py", "text"),                          # SPEEDS
    ("lstm_viewer/gui/statespace/panel.py", "HELP"),
    ("lstm_viewer/gui/statespace/selectivity.py", "order"),                 # ORDERS, the combo's items
}


def _translation_calls():
    """Every call of i18n's tr / ntr / N_ in the package, as (module, name, call)."""
    root = Path(i18n.__file__).resolve().parents[2]
    for path in sorted((root / "lstm_viewer").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and (node.module or "").endswith("i18n") for alias in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported \
                    and node.func.id in ("tr", "ntr", "N_"):
                yield path.relative_to(root).as_posix(), node.func.id, node


def test_every_msgid_is_a_literal_an_extractor_finds():
    """``pybabel extract -k tr -k ntr:1,2 -k N_`` finds a msgid only when it is written as a literal."""
    def literal(arg):
        return isinstance(arg, ast.Constant) and isinstance(arg.value, str)

    calls = list(_translation_calls())
    assert len(calls) > 250   # the core's sentences are marked
    deferred_seen = set()
    for module, name, call in calls:
        count = 2 if name == "ntr" else 1
        args = call.args[:count]
        assert len(args) == count, f"{module}:{call.lineno}: {name}() without its message"
        if all(literal(a) for a in args):
            continue
        key = (module, ast.unparse(args[0]))
        assert name == "tr" and key in DEFERRED, f"{module}:{call.lineno}: {name}() of a non-literal {key[1]}"
        deferred_seen.add(key)
    assert deferred_seen == DEFERRED   # the list names no call that has gone


def test_placeholders_are_named():
    """Every placeholder of a msgid is named ({name}, {count:,}), never positional ({} or {0})."""
    import string
    for module, _name, call in _translation_calls():
        for arg in call.args[:2]:
            formatted = call.keywords or _name != "tr"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and formatted:
                for _, field, _, _ in string.Formatter().parse(arg.value):
                    assert field is None or field.isidentifier(), f"{module}:{call.lineno}: {{{field}}}"


def test_a_core_error_reaches_the_user_translated(tmp_path, monkeypatch):
    from lstm_viewer import load_network
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    write_mo(tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "lstm_viewer.mo",
             {"{path}: no such model file or folder": "{path}：没有这个模型文件或文件夹"},
             "nplurals=1; plural=0;")
    missing = tmp_path / "gone.keras"
    try:
        assert install_translation("zh_CN")
        with pytest.raises(UserError) as caught:
            load_network(missing)
        assert str(caught.value) == f"{missing}：没有这个模型文件或文件夹"
    finally:
        install_translation("en")
    with pytest.raises(UserError, match="no such model file or folder"):
        load_network(missing)

"""The Simplified Chinese catalogue is complete, finished, compiled and well formed (issue #26).

These fail when a sentence is added to the source without its translation. To fix that:
``python -m lstm_viewer.tools.i18n update``, translate the new ``msgstr ""`` entries (and check the
``#, fuzzy`` ones, then remove the mark) in ``lstm_viewer/locale/zh_CN/LC_MESSAGES/lstm_viewer.po``,
``python -m lstm_viewer.tools.i18n compile``, commit the .po and the .mo (README, "Text in any
language")."""
from __future__ import annotations

import re

import pytest

from lstm_viewer.core import i18n
from lstm_viewer.tools import i18n as catalogue

HOW_TO_FIX = ("run `python -m lstm_viewer.tools.i18n update`, translate the entries listed in "
              "lstm_viewer/locale/zh_CN/LC_MESSAGES/lstm_viewer.po, then `... compile`")
CJK = "\u3400-\u4dbf\u4e00-\u9fff"


@pytest.fixture(scope="module")
def entries():
    """The finished translations (what is missing is the first test's business)."""
    return [e for e in catalogue.read_po(catalogue.po_path("zh_CN")) if not e.obsolete and e.translated]


@pytest.fixture(scope="module")
def source():
    return catalogue.extract()


def test_every_sentence_of_the_source_has_a_finished_translation(entries, source):
    """Every msgid the extractor finds is in the catalogue, translated, not fuzzy, and its
    translation keeps the same {placeholders} (and doubled braces)."""
    found = catalogue.problems(entries, source)
    assert not found, f"{len(found)} to do ({HOW_TO_FIX}):\n" + "\n".join(found[:40])


def test_the_compiled_catalogue_is_the_po_compiled(entries):
    """The shipped .mo is exactly what ``compile`` makes from the committed .po (never stale)."""
    mo = catalogue.mo_path("zh_CN")
    assert mo.exists(), HOW_TO_FIX
    full = catalogue.read_po(catalogue.po_path("zh_CN"))
    assert mo.read_bytes() == catalogue.mo_bytes(full, "zh_CN"), \
        "the .mo is stale: run `python -m lstm_viewer.tools.i18n compile` and commit it"


def test_the_app_reads_the_shipped_catalogue():
    try:
        assert i18n.install_translation("zh_CN")
        assert i18n.tr("&File") == "文件(&F)"
        assert i18n.ntr("{count} row/s", "{count} rows/s", 1) == "1 行/秒"
        assert i18n.ntr("{count} row/s", "{count} rows/s", 4) == "4 行/秒"
        assert i18n.tr("Opened {name}: {model}.", name="m.keras", model="LSTM") == "已打开 m.keras：LSTM。"
    finally:
        i18n.install_translation("en")
    assert i18n.tr("&File") == "&File"


def test_one_plural_form_as_chinese_has(entries):
    head, _ = catalogue.parse_po(catalogue.po_path("zh_CN").read_text(encoding="utf-8"))
    assert "Plural-Forms: nplurals=1; plural=0;" in head
    assert all(len(e.msgstr) == 1 for e in entries if e.msgid_plural is not None)


def test_chinese_sentences_use_chinese_punctuation(entries):
    """A comma, semicolon, colon, question or exclamation mark, or a full stop after a Chinese character
    is the full-width one (，；：？！。); formulas and code between them keep ASCII."""
    after_hanzi = re.compile(f"[{CJK}][,;:!?]|[{CJK}]\\.(?=\\s|$)|[,;:](?=[{CJK}])")
    wrong = [(e.msgid, m.group()) for e in entries for text in e.msgstr
             for m in after_hanzi.finditer(text)]
    assert wrong == []


def test_file_dialog_filters_keep_ascii_parentheses(entries):
    """Qt reads a file filter's patterns between ASCII parentheses: "图像 (*.png)", never "图像（*.png）"."""
    for e in entries:
        if "({patterns})" in e.msgid or "(*)" in e.msgid:
            assert "({patterns})" in e.msgstr[0] or "(*)" in e.msgstr[0], e.msgid


def test_menu_accelerators_follow_the_chinese_convention(entries):
    """'&File' → '文件(&F)': the same letter, upper case, in ASCII parentheses after the Chinese words
    (before a trailing …)."""
    for e in entries:
        letter = re.search(r"&([A-Za-z])(?![a-z]+;)", e.msgid)   # not an entity (&nbsp;)
        if letter is None or re.search(f"[{CJK}]", e.msgstr[0]) is None:
            continue
        assert f"(&{letter[1].upper()})" in e.msgstr[0], (e.msgid, e.msgstr[0])
        assert len(re.findall(r"&(?![a-z]+;)", e.msgstr[0])) == 1, e.msgstr[0]


def test_terms_a_learner_meets_in_code_stay_recognisable(entries):
    """LSTM, MNIST, softmax, logit, Keras, state, and the formulas are kept as they are; the gates keep
    their letters beside their Chinese names."""
    for term in ("LSTM", "MNIST", "softmax", "logit", "Keras", "PyTorch", "TensorFlow", "o·tanh(c)",
                 "state_dict", "float32", "Dense(10"):
        for e in entries:
            if term in e.msgid:
                assert term in e.msgstr[0], (term, e.msgid, e.msgstr[0])
    translated = {e.msgid: e.msgstr[0] for e in entries}
    for english, chinese in (("i · input gate", "i · 输入门"), ("f · forget gate", "f · 遗忘门"),
                             ("g · candidate", "g · 候选值"), ("o · output gate", "o · 输出门"),
                             ("c · cell state", "c · 细胞状态"), ("h · hidden state", "h · 隐藏状态")):
        assert translated[english] == chinese


# --- the tool -----------------------------------------------------------------------------------
def test_a_po_file_reads_back_as_written():
    entries = [catalogue.Entry("Opened {name}.", msgstr=["已打开 {name}。"], references=["a.py"],
                               flags=["python-brace-format"]),
               catalogue.Entry("{count} digit", "{count} digits", ["{count} 个数字"]),
               catalogue.Entry('A "quoted"\tand\\ long line\nwith a break ' + "word " * 30,
                               msgstr=["一\n二"], comments=["checked by a reader"]),
               catalogue.Entry("Old one", msgstr=["旧的"], obsolete=True),
               catalogue.Entry("Edited", msgstr=["改过"], flags=["fuzzy"], previous="Edited before")]
    text = catalogue.format_po(entries, "zh_CN", "test")
    head, back = catalogue.parse_po(text)
    assert "nplurals=1" in head
    assert [(e.msgid, e.msgid_plural, e.msgstr, e.references, e.flags, e.comments, e.previous,
             e.obsolete) for e in back] == [
        (e.msgid, e.msgid_plural, e.msgstr, e.references, e.flags, e.comments, e.previous, e.obsolete)
        for e in entries]
    assert max(len(line) for line in text.splitlines() if not line.startswith("#")) <= 80


def test_update_keeps_translations_marks_edited_sentences_fuzzy_and_keeps_gone_ones():
    old = [catalogue.Entry("Open the model.", msgstr=["打开模型。"]),
           catalogue.Entry("Save the trained model now.", msgstr=["现在保存训练好的模型。"]),
           catalogue.Entry("Something removed entirely", msgstr=["被删掉的"])]
    template = [catalogue.Entry("Open the model."), catalogue.Entry("Save the trained model now!"),
                catalogue.Entry("A brand new sentence")]
    merged = catalogue.merge(template, old, "zh_CN")
    by_id = {e.msgid: e for e in merged}
    assert by_id["Open the model."].translated
    edited = by_id["Save the trained model now!"]
    assert edited.fuzzy and edited.previous == "Save the trained model now." and not edited.translated
    assert by_id["A brand new sentence"].msgstr == [""]
    assert by_id["Something removed entirely"].obsolete
    problems = catalogue.problems(merged, template)
    assert len(problems) == 2 and any("fuzzy" in p for p in problems) \
        and any("untranslated" in p for p in problems)
    # Compiling leaves out what is not finished; gettext reads the rest.
    assert b"Save the trained" not in catalogue.mo_bytes(merged, "zh_CN")


def test_the_check_finds_placeholders_that_differ():
    wrong = [catalogue.Entry("Opened {name}.", msgstr=["已打开 {nmae}。"]),
             catalogue.Entry("{count:,} shown", "{count:,} shown", ["显示 {count} 个"]),
             catalogue.Entry("h_{{t}}", msgstr=["h_{t}"])]
    found = catalogue.problems(wrong)
    assert len(found) == 3 and all("placeholders differ" in p for p in found)
    assert catalogue.problems([catalogue.Entry("{a} and {b}", msgstr=["{b} 和 {a}"])]) == []  # reordered


def test_the_extractor_finds_the_calls_of_the_translation_functions(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        "from .i18n import N_, ntr, tr\nfrom other import tr as not_ours\n"
        "A = N_('Marked')\nx = tr('Shown {n}', n=1) + tr('Two ' 'pieces')\n"
        "y = ntr('{count} row', '{count} rows', 2)\nz = tr(A)\n", encoding="utf-8")
    (package / "n.py").write_text("def tr(x):\n    return x\ntr('Not the translation function')\n",
                                  encoding="utf-8")
    found = catalogue.extract(package)
    assert [(e.msgid, e.msgid_plural, e.references, e.flags) for e in found] == [
        ("Marked", None, ["pkg/m.py"], []),
        ("Shown {n}", None, ["pkg/m.py"], ["python-brace-format"]),
        ("Two pieces", None, ["pkg/m.py"], []),
        ("{count} row", "{count} rows", ["pkg/m.py"], ["python-brace-format"])]


def test_a_compiled_catalogue_is_what_gettext_reads(tmp_path):
    import gettext
    entries = [catalogue.Entry("Opened {name}.", msgstr=["已打开 {name}。"]),
               catalogue.Entry("{count} digit", "{count} digits", ["{count} 个数字"]),
               catalogue.Entry("Unfinished", msgstr=[""])]
    path = tmp_path / "x.mo"
    path.write_bytes(catalogue.mo_bytes(entries, "zh_CN"))
    with path.open("rb") as handle:
        read = gettext.GNUTranslations(handle)
    assert read.gettext("Opened {name}.") == "已打开 {name}。"
    assert read.ngettext("{count} digit", "{count} digits", 5) == "{count} 个数字"
    assert read.gettext("Unfinished") == "Unfinished"

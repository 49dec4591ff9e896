"""The one translation function: every sentence a person reads goes through ``tr`` (or ``ntr``).

Sentences are written whole, in English, with named placeholders (``tr("Opened {name}.", name=…)``),
never assembled from fragments, so a translator sees the whole sentence and may reorder it. Plural
forms go through ``ntr`` (languages differ in how many forms they have). The catalogue is gettext's
(``lstm_viewer/locale/<lang>/LC_MESSAGES/lstm_viewer.mo``): gettext needs no Qt, so the core's error
sentences, shown in the window, are translated by the same function as the window's own text.
A table of sentences marks each with ``N_`` (found by the extractor, translated later by ``tr``).
The msgids are found by ``python -m lstm_viewer.tools.i18n update`` (as ``pybabel extract -k tr
-k ntr:1,2 -k N_`` would), which merges them into ``lstm_viewer/locale/<lang>/LC_MESSAGES/lstm_viewer.po``;
``compile`` writes the .mo this module reads (README, "Text in any language").

``install_translation("zh_CN")`` switches the language for the whole process; without it (or for a
language with no catalogue) the English text is shown.
"""
from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "lstm_viewer"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_catalogue: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def install_translation(language: str | None) -> bool:
    """Use ``language``'s catalogue ('zh_CN', 'en'…) from now on; False if there is none (English)."""
    global _catalogue, _language
    if not language or language.split("_")[0] == "en":
        _catalogue, _language = gettext.NullTranslations(), "en"
        return True
    found = _catalogue_for(language)
    if type(found) is gettext.NullTranslations:
        _catalogue, _language = found, "en"
        return False
    _catalogue, _language = found, language
    return True


def current_language() -> str:
    return _language


def _catalogue_for(language: str | None) -> gettext.NullTranslations:
    if not language or language.split("_")[0] == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)


def translate_in(language: str | None, message: str, /, **values: object) -> str:
    """``message`` in ``language`` whatever the current one is (a note about switching language is
    said in the language chosen); ``message`` is marked for the catalogue elsewhere with ``N_``."""
    text = _catalogue_for(language).gettext(message)
    return text.format(**values) if values else text


def tr(message: str, /, **values: object) -> str:
    """``message`` in the current language, its ``{placeholders}`` filled from ``values``."""
    text = _catalogue.gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name, which extractors look for)
    """Mark ``message`` for the catalogue without translating it now (gettext's convention): for tables
    of sentences, each passed through ``tr`` where it is shown, in the language of that moment."""
    return message


def ntr(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The form for ``count``, ``{count}`` filled in: ``ntr("{count} digit", "{count} digits", n)``."""
    text = _catalogue.ngettext(singular, plural, count)
    return text.format(count=count, **values)

"""The translation catalogs: complete in Spanish and Russian, and never behind the sources.

Workflow when a test here fails (CONTRIBUTING.md, "Translations"):
``make i18n-extract i18n-update``, translate the new or changed entries in
``portal/translations/{es,ru}/LC_MESSAGES/messages.po`` (docs/glossary.md), run this test again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES
from portal.i18n_catalogs import CATALOGS, extract

TRANSLATED = [code for code in LANGUAGES if code != "en"]  # English is the source language


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _po(language: str) -> Catalog:
    return _catalog(CATALOGS / language / "LC_MESSAGES" / "messages.po", language)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the sources hold today, extracted exactly as ``make i18n-extract`` does."""
    output = tmp_path_factory.mktemp("pot") / "messages.pot"
    extract(output)
    return _catalog(output)


def test_every_language_has_a_catalog() -> None:
    for language in LANGUAGES:
        assert (CATALOGS / language / "LC_MESSAGES" / "messages.po").is_file(), language


def test_committed_template_matches_the_sources(sources: Catalog) -> None:
    committed = _catalog(CATALOGS / "messages.pot")
    assert _ids(sources) - _ids(committed) == set(), "new messages: run make i18n-extract i18n-update"
    assert _ids(committed) - _ids(sources) == set(), "messages gone from the sources: run make i18n-extract i18n-update"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_exactly_the_messages_of_the_sources(sources: Catalog, language: str) -> None:
    catalog = _ids(_po(language))
    missing = sorted(map(repr, _ids(sources) - catalog))
    stale = sorted(map(repr, catalog - _ids(sources)))
    assert not missing, f"{language}: not in the catalog (make i18n-extract i18n-update): {missing[:20]}"
    assert not stale, f"{language}: no longer in the sources (make i18n-extract i18n-update): {stale[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = _po(language)
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.id, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy (check, then drop the fuzzy flag): {fuzzy[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_plural_forms(language: str) -> None:
    catalog = _po(language)
    problems = [(m.id, str(error)) for m, errors in catalog.check() for error in errors]
    assert not problems, f"{language}: {problems[:10]}"
    forms = get_plural(language).num_plurals
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == forms, (language, message.id)
    assert catalog.num_plurals == forms


def test_plural_forms_of_russian_follow_the_number() -> None:
    """Russian has three forms (1 камера, 2 камеры, 5 камер); the catalog picks them by the rule."""
    from babel.support import Translations

    with (CATALOGS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    import io

    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    words = {n: translations.ungettext("%(num)d camera", "%(num)d cameras", n) % {"num": n} for n in (1, 2, 5, 11, 21)}
    assert words == {1: "1 камера", 2: "2 камеры", 5: "5 камер", 11: "11 камер", 21: "21 камера"}

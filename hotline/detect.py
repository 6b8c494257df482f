"""Guess the language of a first text: keywords, then letters and words only one language uses,
then an offline detector (lingua) restricted to the languages served."""
from __future__ import annotations

from functools import lru_cache

from lingua import Language as LinguaLanguage
from lingua import LanguageDetectorBuilder

from hotline.content.catalog import Catalog
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MIN_CONFIDENCE = 0.5
MIN_LETTERS = 3


@lru_cache(maxsize=4)
def _detector(names: tuple[str, ...]):
    languages = [getattr(LinguaLanguage, name) for name in names]
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def _detectable(catalog: Catalog) -> dict[str, str]:
    """The detector's language names, each with the served language it stands for."""
    return {name: lang.code for lang in catalog.languages for name in lang.detect}


def warm(catalog: Catalog) -> None:
    """Build the detector ahead of the first text, so no family waits for it."""
    _detector(tuple(sorted(_detectable(catalog))))


def keyword_language(catalog: Catalog, text: str) -> str | None:
    """The language whose keyword the text is (or starts with), if any."""
    said = normalize(text)
    if not said:
        return None
    keywords = vocabulary(catalog).keywords
    return keywords.get(said) or keywords.get(said.split(" ", 1)[0])


def marked_language(catalog: Catalog, text: str) -> str | None:
    """A language the text's letters or common words give away (Pashto letters, Creole words)."""
    marks = vocabulary(catalog).marks
    for code, letters, _ in marks:
        if letters and any(ch in letters for ch in text):
            return code
    tokens = set(normalize(text).split())
    for code, _, words in marks:
        if tokens & words:
            return code
    return None


def guess(catalog: Catalog, text: str) -> str | None:
    """The most likely language of a text among those served, or None when it cannot tell."""
    found = keyword_language(catalog, text) or marked_language(catalog, text)
    if found:
        return found
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    names = _detectable(catalog)
    detector = _detector(tuple(sorted(names)))
    if detector is None:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return names.get(values[0].language.name)

"""Guess the language of a first text: keywords, then letters and words only one language uses,
then an offline detector (lingua) restricted to the languages served."""
from __future__ import annotations

from functools import lru_cache

from lingua import Language as LinguaLanguage
from lingua import LanguageDetectorBuilder

from hotline.content.catalog import Catalog
from hotline.inbound import Inbound
from hotline.vocabulary import vocabulary

MIN_CONFIDENCE = 0.6   # of the served language, its detector languages' confidences added (Bosnian + Croatian)
MIN_WORD = 4           # letters of the longest word: "Msg" or "ok" says nothing of a language


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


def keyword_language(catalog: Catalog, said: str) -> str | None:
    """The language whose keyword a text's normalized words are (or start with), if any."""
    if not said:
        return None
    keywords = vocabulary(catalog).keywords
    return keywords.get(said) or keywords.get(said.split(" ", 1)[0])


def marked_language(catalog: Catalog, body: str, said: str) -> str | None:
    """A language the text's letters or common words give away (Pashto letters, Creole words)."""
    marks = vocabulary(catalog).marks
    for code, letters, _ in marks:
        if letters and any(ch in letters for ch in body):
            return code
    tokens = set(said.split())
    for code, _, words in marks:
        if tokens & words:
            return code
    return None


def guess(catalog: Catalog, text: Inbound) -> str | None:
    """The language of a text among those served, or None when it is not clear: never a confident guess from a
    few letters or a word many languages share."""
    found = keyword_language(catalog, text.words) or marked_language(catalog, text.body, text.words)
    if found:
        return found
    if max((len(word) for word in text.words.split()), default=0) < MIN_WORD:
        return None
    commands = vocabulary(catalog).commands
    if sum(1 for words in commands.values() if text.words in words) > 1:   # MENU: the menu word of ten languages
        return None
    names = _detectable(catalog)
    detector = _detector(tuple(sorted(names)))
    if detector is None:
        return None
    served: dict[str, float] = {}
    for value in detector.compute_language_confidence_values(text.body):
        code = names.get(value.language.name)
        if code:
            served[code] = served.get(code, 0.0) + value.value
    best = max(served, key=served.get, default=None)
    return best if best is not None and served[best] >= MIN_CONFIDENCE else None

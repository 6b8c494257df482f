"""The language of a first text, from what the text itself shows: a language's name, the letters of a script, words
a language owns, digits written for Arabic letters, and an offline detector (lingua) that knows ~75 languages, so that
a language the hotline does not serve is recognised as one. Weak evidence is no guess: the family then gets the
language list in English and Spanish, never a confident reply in a language it may not read."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, localedata
from lingua import Language as LinguaLanguage
from lingua import LanguageDetectorBuilder

from hotline.content.catalog import Catalog
from hotline.content.memo import per_catalog
from hotline.inbound import Inbound
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MIN_CONFIDENCE = 0.6   # of a served language (its detector languages' confidences added: Bosnian + Croatian)
ONE_WORD = 0.9         # the same for a text of one word ("سلام" is Arabic, Dari, Pashto and Urdu)
VETO = 0.9             # a language not served this sure outweighs a single word a served language owns
PERSIAN_KEYBOARD = frozenset("یکپچژگ")   # letters a Persian or Pashto keyboard types and an Arabic one does not
MIN_WORD = 4           # letters of the longest word in Latin letters: "Msg" or "ok" says nothing of a language
SHORT = 3              # words of a text that asks for a language by name ("español por favor", "Urdu?")
NEGATIONS = frozenset({"no", "not", "dont", "don", "nie", "ne", "pa", "не", "нет", "لا", "نه", "hapana", "不"})
ASKING = frozenset({"speak", "speaker", "please", "pls", "plz", "someone", "anyone", "somebody"})   # in English
# Letters of languages families write that the hotline does not serve: Russian, Belarusian, Macedonian, Urdu, Kurdish.
NOT_SERVED_LETTERS = "ыэъёЫЭЪЁўЎѓќѕЃЌЅٹڈڑںےہھۃەێۆڕڵ"
# Words of languages families write in Latin letters that the detector does not know, or knows only in their own
# script: Urdu and Hindi, Bengali, Nepali, Russian, Kinyarwanda and Kirundi, Tigrinya, Burmese, Lingala. A text with
# more of them than of a served language's words is not guessed.
NOT_SERVED_WORDS = frozenset(map(normalize, """
hai hain kya mujhe mera meri mere aap nahi nahin kaise sakte sakta chahiye chahie hoga raha rahi mein tum hum
bhai bolta karna karo kuch yahan wahan ami amar apni tumi korte theke chai bhalo dhonnobad ache malai chahiyo
hajur garnu parchha dhanyabad namaste mne nuzhna nuzhen nuzhno pozhaluysta pozhaluista zdravstvuyte
zdravstvuite spasibo privet menya pomosh pomoshch muraho mwaramutse mwiriwe ndashaka nkeneye ubufasha umwana
abana ishuri murakoze amakuru amahoro ndakeneye hagez kidli mingalaba mingalarbar mbote nazali lisalisi
کیا آپ میرا میری
""".split()))
# Languages beyond the detector's whose names families may text (Nepali, Tigrinya, Burmese, Kinyarwanda...).
OTHER_LANGUAGES = ("ne", "ti", "my", "rw", "am", "om", "ku", "ha", "ig", "ln", "kri")
# Arabic in Latin letters writes 3 for ع, 7 for ح, 5 for خ, 2 for ء...: a digit inside a word (mar7aba, so2al) says
# so; one at a word's edge (3ala, 3kids, gr8) only when two words have one.
ARABIZI_INSIDE = re.compile(r"[a-z][235789]+[a-z]")
ARABIZI_EDGE = re.compile(r"^[235789][a-z]{2,}$|^[a-z]{2,}[235789]$")
SCRIPTS = {"CJK": "HAN", "HIRAGANA": "KANA", "KATAKANA": "KANA"}


@dataclass(frozen=True)
class Guess:
    """A first text's language among those served (None: not clear), and whether the family named it."""

    lang: str | None = None
    chosen: bool = False   # the family named the language (español, srpski, 中文): a choice, not a guess


UNCLEAR = Guess()


@lru_cache(maxsize=1)
def _detector():
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def warm(catalog: Catalog) -> None:
    """Build the detector and the names ahead of the first text, so no family waits for them."""
    _detector()
    _every_name(catalog)
    _served_names(catalog)


@per_catalog(maxsize=1)
def _served(catalog: Catalog) -> dict[str, str]:
    """The detector's language names, each with the served language it stands for (Serbian: Bosnian)."""
    return {name: lang.code for lang in catalog.languages for name in lang.detect}


@per_catalog(maxsize=1)
def _codes(catalog: Catalog) -> frozenset[str]:
    """The served languages' codes."""
    return frozenset(lang.code for lang in catalog.languages)


@per_catalog(maxsize=1)
def _names(catalog: Catalog) -> dict[str, str]:
    """Every language name a family may text, normalized: a served language's names with its code, and the names
    of languages not served (in their own words and in English, from CLDR) with ''."""
    served = _served(catalog)
    codes = [lang.iso_code_639_1.name.lower() for lang in LinguaLanguage.all() if lang.name not in served]
    english = Locale("en").languages
    found: dict[str, str] = {}
    for code in sorted(set(codes) | set(OTHER_LANGUAGES)):
        own = Locale.parse(code).get_display_name(code) if localedata.exists(code) else None
        for name in (own, english.get(code)):
            if name and "(" not in name:
                found.setdefault(normalize(name), "")
    found.update(vocabulary(catalog).names)
    return found


def _named(catalog: Catalog, said: str) -> Guess | None:
    """A short text that names a language ("español por favor", "srpski", "Urdu?"): the first one named, or
    UNCLEAR for a language the hotline does not serve; None when the text names none (or says "no English")."""
    words = said.split()
    if not words or len(words) > SHORT or NEGATIONS.intersection(words):
        return None
    first = _mentioned(_every_name(catalog), said)
    if first is None:
        return None
    return Guess(first, chosen=True) if first else UNCLEAR


def script(body: str) -> str | None:
    """The script a text is written in: the non-Latin one it shows (the Latin words beside Chinese or Arabic are
    loans, "hi" or "ICE"), else LATIN; None without letters."""
    counts: dict[str, int] = {}
    for ch in body:
        if ch.isalpha():
            name = unicodedata.name(ch, "").split(" ", 1)[0]
            if name and name != "MODIFIER":
                counts[SCRIPTS.get(name, name)] = counts.get(SCRIPTS.get(name, name), 0) + 1
    others = {name: n for name, n in counts.items() if name != "LATIN"}
    if others and (sum(others.values()) >= 2 or "LATIN" not in counts):
        return "KANA" if "KANA" in others else max(others, key=others.get)
    return "LATIN" if counts else None


def _detected(catalog: Catalog, body: str) -> dict[str, float]:
    """The detector's confidence in each language, a served language's detector languages added together; a
    language not served under its detector name."""
    served = _served(catalog)
    found: dict[str, float] = {}
    for value in _detector().compute_language_confidence_values(body):   # the likeliest first
        confidence = value.value
        if not confidence:   # the rest are 0 too (of ~75 languages, most)
            break
        name = value.language.name
        key = served.get(name, name)
        found[key] = found.get(key, 0.0) + confidence
    return found


def _owned(catalog: Catalog, words: list[str]) -> dict[str, int]:
    """How many different words of the text each served language owns."""
    said = set(words)
    return {code: len(said & owned) for code, _, owned in vocabulary(catalog).marks if said & owned}


def _by_words(hits: dict[str, int], found: dict[str, float], served: set[str], veto: bool = True) -> str | None:
    """The language whose words the text shows most (the detector breaks a tie), unless (with veto) the detector is
    sure of a language not served and the text shows a single word of the served one."""
    ranked = sorted(hits, key=lambda code: (hits[code], found.get(code, 0.0)), reverse=True)
    best = ranked[0]
    if len(ranked) > 1 and hits[ranked[1]] == hits[best] and found.get(ranked[1], 0.0) >= found.get(best, 0.0):
        return None
    top = max(found, key=found.get, default=None)
    if veto and top is not None and top not in served and found[top] >= VETO and hits[best] < 2:
        return None
    return best


def _latin(catalog: Catalog, text: Inbound, found: dict[str, float], served: set[str]) -> str | None:
    """A text in Latin letters: Arabic written with digits, else the words a language owns; English, which families
    mix into every language, only with two of its words, no other language's, and the detector's agreement."""
    words = text.words.split()
    if max(map(len, words)) < MIN_WORD:
        return None
    if len(words) == 1:   # the detector says little of one word ("abogado")
        found = {}
    english = _served(catalog).get("ENGLISH")
    if any(map(ARABIZI_INSIDE.search, words)) or sum(1 for w in words if ARABIZI_EDGE.match(w)) >= 2:
        return _served(catalog).get("ARABIC")
    hits = _owned(catalog, words)
    if len(NOT_SERVED_WORDS.intersection(words)) >= max(hits.values(), default=1):
        return None
    others = {code: n for code, n in hits.items() if code != english}
    if others and (max(others.values()) >= 2 or hits.get(english, 0) <= 2):
        return _by_words(others, found, served)
    mine, top = hits.get(english, 0), max(found, key=found.get, default=None)
    agreed = top == english and (mine >= 2 or (mine and found[top] >= ONE_WORD))
    covered = mine >= 2 and mine * 3 >= len(words) * 2   # two words in three are common English ones
    if not (agreed or covered):
        return _by_words(others, found, served) if others else None
    if not ASKING.intersection(words) or NEGATIONS.intersection(words):   # not "I don't read Spanish"
        return english
    asked = _mentioned(_every_name(catalog), text.words, english)   # "I speak Dari", "anyone speak Somali?"
    return english if asked is None else asked or None


def _lettered(catalog: Catalog, text: Inbound, found: dict[str, float], served: set[str]) -> str | None:
    """A text in another script: its letters (Pashto's, Ukrainian's, Serbian Cyrillic's), the words a language owns,
    else the detector when it is sure (Chinese characters of any length)."""
    words = text.words.split()
    if len(NOT_SERVED_WORDS.intersection(words)) >= 2:
        return None
    hits = _owned(catalog, [word for word in words if script(word) != "LATIN"])   # not "hi" beside Chinese
    top = max(found, key=found.get, default=None)
    if top == "ar" and found[top] >= VETO and sum(hits.values()) == 1 and len(words) >= 3 \
            and not PERSIAN_KEYBOARD.intersection(text.body):   # Arabic "أين" (where) is Dari "این" (this) once
        return top                                                # folded: one word, typed on an Arabic keyboard
    if hits:   # a word of Pashto typed without Pashto letters outweighs the detector's Persian or Urdu
        return _by_words(hits, found, served, veto=False)
    sure = ONE_WORD if len(words) == 1 else MIN_CONFIDENCE
    return top if top in served and found[top] >= sure else None


def guess(catalog: Catalog, text: Inbound) -> Guess:
    """The language of a first text among those served, or UNCLEAR: never a confident guess from a few letters,
    a greeting or a word many languages share, nor for a language the hotline does not serve."""
    said = text.words
    if not said:
        return UNCLEAR
    asked = _named(catalog, said)
    if asked is not None:
        return asked
    vocab = vocabulary(catalog)
    if said in vocab.keywords:
        return Guess(vocab.keywords[said])
    if sum(1 for words in vocab.commands.values() if said in words) > 1:   # MENU: the menu word of ten languages
        return UNCLEAR
    if any(ch in NOT_SERVED_LETTERS for ch in text.body):
        return UNCLEAR
    for code, letters, _ in vocab.marks:
        if letters and any(ch in letters for ch in text.body):
            return Guess(code)
    written = script(text.body)
    if written is None:
        return UNCLEAR
    found = _detected(catalog, text.body)
    served = _codes(catalog)
    read = _latin if written == "LATIN" else _lettered
    english = _served(catalog).get("ENGLISH")
    return Guess(read(catalog, text, found, served) or _mentioned(_served_names(catalog), said, english))


Names = dict[str, tuple[tuple[str, str], ...]]   # language names by their first word: (name, code) for each


def _by_first_word(names: dict[str, str]) -> Names:
    """Names indexed by their first word, so a text is matched against the few that could be in it."""
    index: dict[str, list[tuple[str, str]]] = {}
    for name, code in names.items():
        if name:
            index.setdefault(name.split(" ", 1)[0], []).append((name, code))
    return {word: tuple(found) for word, found in index.items()}


@per_catalog(maxsize=1)
def _every_name(catalog: Catalog) -> Names:
    """Every language name a family may text (_names), by first word."""
    return _by_first_word(_names(catalog))


@per_catalog(maxsize=1)
def _served_names(catalog: Catalog) -> Names:
    """The served languages' names, by first word."""
    return _by_first_word(vocabulary(catalog).names)


def _mentioned(names: Names, said: str, but: str | None = None) -> str | None:
    """The first language a text names, but the one given: its code, '' for a language not served, else None."""
    padded = f" {said} "
    found = [(padded.find(f" {name} "), code) for word in set(said.split()) for name, code in names.get(word, ())
             if code != but and f" {name} " in padded]
    return min(found)[1] if found else None

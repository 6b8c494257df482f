"""Checks across content files: required messages, translations, placeholders, voices."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import lingua
import phonenumbers

from hotline import twilio_lists
from hotline.content.catalog import PLACEHOLDER, SOURCE_LANGUAGE, Language, Node, Resource, Voice, number_words, wanted
from hotline.text import ARABIC_KEYBOARD, normalize, scripts

if TYPE_CHECKING:
    from hotline.content.loader import Source

# Message ids the hotline itself uses, beyond those the menu names.
REQUIRED = (
    "keyword.menu", "keyword.languages", "keyword.more",
    "option", "option.voice", "listing", "listing.voice", "footer", "footer.voice", "more",
    "unclear", "goodbye", "goodbye.voice", "fallback",
    "languages", "languages.footer", "language.offer.voice", "greeting.voice",
    "closed.voice", "languages.switch.voice", "languages.more.voice", "callback.offer.voice", "callback.voice",
    "callback.done.voice", "listing.connect.voice", "connect.voice",
    "forgotten", "forgotten.voice", "erase.offer.voice", "erase.voice", "not_done", "intro",
    "callback.withheld.voice", "textme.offer.voice", "textme.sent.voice", "textme.again.voice",
    "textme.failed.voice", "textme.optout.voice", "textme.self.voice", "textme.busy.voice",
    "erase.bytext.voice", "callback.unverified.voice", "help", "stopped", "optin", "textme.from", "textme.stop",
    "unsure.voice", "whisper.voice",
)
# The Arabic alphabet as Arabic writes it (hamza to yeh, U+0621-U+064A). Persian, Dari and Pashto write more letters of
# Unicode's Arabic block after it (ی ک پ چ ژ گ, Pashto's ټ ډ ړ ...), and ی and ک where Arabic writes ي ى and ك.
ARABIC_ALPHABET = (0x0621, 0x064A)
WEEKDAY_IDS = {f"weekday.{day}" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}   # a translation's own
PARAMETERS_BY_ID = {"closed.voice": {"day", "time"}, "closure.voice": {"first", "last"}}
PARAMETERS = {"digit", "label", "name", "phone"}
METHODS = {"human", "machine", "draft"}
META_FIELDS = {"translator", "method", "reviewed", "needs_review", "notes"}
REVIEW_DAYS = 180
AUDIO_SUFFIXES = {".mp3", ".wav"}


def detectable(name: str) -> bool:
    """Whether the offline detector knows a language by this name (e.g. SPANISH)."""
    return hasattr(lingua.Language, name.upper())


def phone_number(text: str) -> str | None:
    """A U.S. phone number in E.164 form (or a valid short number like 911), else None."""
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_short_number(number):
        return phonenumbers.national_significant_number(number)
    return None


def placeholders(text: str) -> set[str]:
    """The {names} a text refers to."""
    return set(PLACEHOLDER.findall(text))


def _menu_ids(nodes: dict[str, Node]) -> set[str]:
    ids = set(nodes)
    for node in nodes.values():
        ids.update(f"{opt.goto}.label" for opt in node.options if opt.goto in nodes)
    return ids


def check_english(src: "Source", messages: dict[str, dict[str, str]], nodes: dict[str, Node],
                  resources: dict[str, Resource]) -> None:
    """Every id the hotline and its menu use exists in English, and every {name} is known."""
    english = messages[SOURCE_LANGUAGE]
    if src.data is None:
        return
    for mid in sorted(set(REQUIRED) | _menu_ids(nodes)):
        if mid not in english:
            src.error(None, "missing-message", f"{mid}: message used by the hotline is missing in English")
    known = PARAMETERS | set(resources)
    for mid, text in english.items():
        for name in sorted(placeholders(text) - known - PARAMETERS_BY_ID.get(mid, set())):
            src.error(src.data, "unknown-placeholder",
                      f"{mid}: {{{name}}} is neither a resource id nor one of {', '.join(sorted(PARAMETERS))}", mid)
    _check_words(src, SOURCE_LANGUAGE, messages, nodes)


def _check_words(src: "Source", code: str, messages: dict[str, dict[str, str]], nodes: dict[str, Node]) -> None:
    """No word chooses two options of one menu in this language; number words are one to nine."""
    table = messages.get(code, {})
    numbers = number_words(table.get("keyword.numbers", ""))
    if "keyword.numbers" in table and len(numbers) != 9:
        src.error(src.data, "bad-value", f"keyword.numbers: needs the words for one to nine, in order, other "
                  f"spellings after a slash ({len(numbers)} given)", "keyword.numbers")
    for node in nodes.values():
        owner: dict[str, str] = {}
        for opt in node.options:
            words = list(opt.words) + table.get(f"{opt.goto}.words", "").split(",")
            for word in {normalize(w) for w in words if w.strip()}:
                if owner.get(word, opt.goto) != opt.goto:
                    src.error(src.data, "duplicate-word",
                              f"menu '{node.id}': the word '{word}' chooses both '{owner[word]}' and '{opt.goto}'",
                              f"{opt.goto}.words")
                owner[word] = opt.goto


def check_translation(src: "Source", code: str, messages: dict[str, dict[str, str]], nodes: dict[str, Node],
                      resources: dict[str, Resource]) -> None:
    """A translation: its _meta, missing and unknown ids, and placeholders that match English."""
    if src.data is None:
        return
    english, table = messages[SOURCE_LANGUAGE], messages[code]
    _check_meta(src)
    for mid in english:
        if mid not in table and not mid.endswith(".words") and wanted(code, mid) and mid not in (
                "keyword.stop", "keyword.start", "keyword.help", "keyword.forget", "keyword.numbers"):
            src.warn(None, "missing-translation", f"{mid}: not translated yet; callers get the English text")
    for mid, text in table.items():
        if (mid.startswith("name.") and mid.split(".")[1] in resources) or mid in WEEKDAY_IDS:
            continue
        if mid not in english:
            src.warn(src.data, "unknown-message", f"{mid}: English has no message with this id (a typo?)", mid)
        elif placeholders(text) != placeholders(english[mid]):
            want = ", ".join(f"{{{p}}}" for p in sorted(placeholders(english[mid]))) or "none"
            src.warn(src.data, "placeholder-mismatch", f"{mid}: placeholders differ from English (English has {want})", mid)
    _check_words(src, code, messages, nodes)


def _check_meta(src: "Source") -> None:
    meta = src.data.get("_meta")
    if not isinstance(meta, dict):
        src.error(None, "missing-field", "_meta is missing: say who translated this file, how and when it was reviewed")
        return
    src.unknown_fields(meta, META_FIELDS, "_meta")
    method = meta.get("method")
    if method not in METHODS:
        src.error(meta, "bad-value", f"_meta method must be one of {', '.join(sorted(METHODS))}", "method" if "method" in meta else None)
    elif method != "human" or meta.get("needs_review"):
        src.warn(meta, "unreviewed", f"translation is marked '{method}' and needs review by a person", "method")
    reviewed = meta.get("reviewed")
    if isinstance(reviewed, dt.date) and (dt.date.today() - reviewed).days > REVIEW_DAYS:
        src.warn(meta, "review-old", f"last reviewed {reviewed}, more than {REVIEW_DAYS} days ago", "reviewed")
    elif reviewed is not None and not isinstance(reviewed, dt.date):
        src.error(meta, "bad-value", "_meta reviewed must be a date like 2026-12-01", "reviewed")


def check_twilio(src: "Source", item: dict, code: str, voice: "Voice | None", speech: str | None) -> None:
    """A language's voice, <Say> language and speech language are ones Twilio lists (hotline.twilio_lists)."""
    known = twilio_lists.lists()
    where = item.get("voice") if isinstance(item.get("voice"), dict) else item
    if voice is not None and voice.say not in known["say_language"]:
        src.error(where, "twilio-say-language", f"voice of '{code}': Twilio's <Say> has no language '{voice.say}' "
                  f"(for example {', '.join(sorted(c for c in known['say_language'] if c[:2] == voice.say[:2])) or 'none close'})",
                  "say")
    if voice is not None and voice.name is not None:
        if voice.name not in known["say_voice"]:
            close = sorted(v for v in known["say_voice"] if v.split("-")[0] == voice.name.split("-")[0])
            src.error(where, "twilio-voice", f"voice of '{code}': Twilio has no voice '{voice.name}'"
                      + (f" (it has {', '.join(close)})" if close else ""), "name")
        elif voice.name.startswith("Google.") and not voice.name.startswith(f"Google.{voice.say}-"):
            src.error(where, "twilio-voice", f"voice of '{code}': {voice.name} speaks another language than "
                      f"'{voice.say}'", "name")
    if speech is not None and speech not in known["gather_language"]:
        close = sorted(c for c in known["gather_language"] if c.split("-")[0] == speech.split("-")[0])
        src.error(item, "twilio-speech-language", f"speech of '{code}': Twilio's speech recognition has no "
                  f"language '{speech}'" + (f" (it has {', '.join(close)})" if close else ""), "speech")


def audio_dir(root: Path, code: str) -> Path:
    """Where recorded or rendered audio for a language lives."""
    return Path(root) / "prompts" / "audio" / code


def has_audio(root: Path, code: str) -> bool:
    """Whether a language has any recorded or rendered audio."""
    folder = audio_dir(root, code)
    return folder.is_dir() and any(p.suffix in AUDIO_SUFFIXES for p in folder.rglob("*"))


def check_keywords(src: "Source", languages: list[Language]) -> None:
    """No name or keyword chooses two languages, and no word marks two (a word both use marks neither)."""
    owner: dict[str, str] = {}
    for lang in languages:
        for word in lang.choosing + lang.heard:
            key = normalize(word)
            if owner.get(key, lang.code) != lang.code:
                src.error(None, "duplicate-keyword",
                          f"keyword '{word}' of '{lang.code}' is also a keyword of '{owner[key]}'")
            owner.setdefault(key, lang.code)
    marks: dict[str, str] = {}
    for lang in languages:
        for word in lang.words + lang.choosing:
            key = normalize(word)
            if marks.get(key, lang.code) != lang.code:
                src.error(None, "shared-word", f"words: '{word}' of '{lang.code}' is also a word of "
                          f"'{marks[key]}': a word two languages use tells neither; remove it from both")
            marks.setdefault(key, lang.code)


def check_hints(sources: dict, languages: list[Language], messages: dict[str, dict[str, str]],
                nodes: dict[str, Node]) -> None:
    """Every word a call's speech recognition is given as a hint (a menu option's words, in each language callers may
    speak) is written in that language's own letters: those of its name (Arabic in Arabic letters, Bosnian in Latin
    letters), none that another language's letters: field keeps for itself, in Arabic only the Arabic alphabet (not
    Persian's ی ک پ چ ژ گ), in Dari or Pashto not the Arabic keyboard's ي ى ك. A hint in other letters is one the
    recognizer cannot write, and makes it worse, not better."""
    words = sorted({f"{opt.goto}.words" for node in nodes.values() for opt in node.options})
    for lang in (lang for lang in languages if lang.speech):
        rel = "prompts/en.yaml" if lang.code == SOURCE_LANGUAGE else f"translations/{lang.code}.yaml"
        src, table = sources.get(rel), messages.get(lang.code, {})
        if src is None or src.data is None:
            continue
        own, arabic = scripts(lang.name), lang.code == "ar"
        others = {ch: other.code for other in languages if other.code != lang.code for ch in other.letters}
        for mid in (mid for mid in words if mid in table):
            for word in (w.strip() for w in table[mid].split(",") if w.strip()):
                why = _foreign(word, lang, own, arabic, others)
                if why:
                    src.error(src.data, "hint-letters", f"{mid}: '{word}' {why}: callers are heard in {lang.speech}, "
                              f"and Twilio's speech recognition gets this word as a hint; write it as {lang.name} "
                              f"writes it, or leave it out (texts still match the English words)", mid)


def _foreign(word: str, lang: Language, own: set[str], arabic: bool, others: dict[str, str]) -> str:
    """Why a word is not written in a language's own letters ('' when it is)."""
    written = scripts(word)
    if not written <= own:
        return (f"is in {' and '.join(sorted(s.title() for s in written - own))} letters, and {lang.name} is written in "
                f"{' and '.join(sorted(s.title() for s in own))} letters")
    for ch in word:
        if ch in others:
            return f"has '{ch}', a letter only '{others[ch]}' uses"
        if arabic and scripts(ch) == {"ARABIC"} and not ARABIC_ALPHABET[0] <= ord(ch) <= ARABIC_ALPHABET[1]:
            return f"has '{ch}', a letter Persian, Dari or Pashto write and Arabic does not"
        if not arabic and ch in ARABIC_KEYBOARD:
            return f"has '{ch}', the Arabic keyboard's letter, where {lang.name} writes '{ARABIC_KEYBOARD[ch]}'"
    return ""


def _meanings(code: str, table: dict[str, str], nodes: dict[str, Node]) -> dict[str, str]:
    """What each (normalized) word means in one language: a number, a topic or a menu command."""
    found: dict[str, str] = {}
    for i, spellings in enumerate(number_words(table.get("keyword.numbers", ""))):
        for word in spellings:
            found.setdefault(normalize(word), f"the number {i + 1}")
    for kind in ("menu", "languages", "more"):
        for word in table.get(f"keyword.{kind}", "").split(","):
            if word.strip():
                found.setdefault(normalize(word), f"the command {kind.upper()}")
    for node in nodes.values():
        for opt in node.options:
            for word in list(opt.words) + table.get(f"{opt.goto}.words", "").split(","):
                if word.strip():
                    found.setdefault(normalize(word), f"the topic '{opt.goto}'")
    return found


def check_meanings(src: "Source", sources: dict, languages: list[Language], messages: dict[str, dict[str, str]],
                   nodes: dict[str, Node]) -> None:
    """One word, one meaning: a language's keyword is no other language's number, topic or command word, and a
    STOP, START, HELP or ERASE word is the same command in every language that has it (compared as texts are
    read: after hotline.text.normalize, which folds accents and the Arabic keyboard's letters)."""
    items = (src.data or {}).get("languages") if isinstance(src.data, dict) else None
    meanings = {lang.code: _meanings(lang.code, messages.get(lang.code, {}), nodes) for lang in languages}
    for i, lang in enumerate(languages):
        where = items[i] if isinstance(items, list) and i < len(items) and isinstance(items[i], dict) else None
        for word in lang.choosing:
            key = normalize(word)
            for other, words in meanings.items():
                if other != lang.code and key in words:
                    src.error(where, "two-meanings", f"keyword '{word}' of '{lang.code}' is {words[key]} in "
                              f"'{other}': a family texting it there would be switched to '{lang.code}'", "keywords")
    commands: dict[str, tuple[str, str]] = {}
    for lang in languages:
        table, rel = messages.get(lang.code, {}), "prompts/en.yaml" if lang.code == SOURCE_LANGUAGE else f"translations/{lang.code}.yaml"
        for kind in ("stop", "start", "help", "forget"):
            for word in table.get(f"keyword.{kind}", "").split(","):
                key = normalize(word)
                if not key:
                    continue
                seen = commands.setdefault(key, (kind, lang.code))
                if seen[0] != kind and rel in sources:
                    sources[rel].error(sources[rel].data, "two-meanings", f"keyword.{kind}: '{word.strip()}' is "
                                       f"{seen[0].upper()} in '{seen[1]}'", f"keyword.{kind}")


def audio_files(root: Path, languages: list[Language]) -> dict[str, dict[str, str]]:
    """The audio files each language has, as paths relative to its audio folder, each with a stamp that changes
    when the file does (a prompt recorded again under the same name gets a new URL, past Twilio's cache)."""
    found = {}
    for lang in languages:
        folder = audio_dir(root, lang.code)
        if folder.is_dir():
            found[lang.code] = {str(p.relative_to(folder)): _stamp(p) for p in sorted(folder.rglob("*"))
                                if p.suffix in AUDIO_SUFFIXES and not p.name.startswith(".")}
    return found


def _stamp(file: Path) -> str:
    stat = file.stat()
    return hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:8]


def check_voices(src: "Source", root: Path, languages: list[Language]) -> None:
    """Every language can be spoken: a Twilio voice or audio files."""
    items = (src.data or {}).get("languages") if isinstance(src.data, dict) else None
    for i, lang in enumerate(languages):
        declared = isinstance(items, list) and i < len(items) and isinstance(items[i], dict) and items[i].get("voice") == "none"
        if not lang.spoken and lang.espeak:
            where = items[i] if isinstance(items, list) and i < len(items) else None
            src.error(where, "no-voice", f"language '{lang.code}' has no audio yet in prompts/audio/{lang.code}/: "
                      "run `hotline audio` to render it, or callers could not hear it")
        elif not lang.spoken and not declared:
            where = items[i] if isinstance(items, list) and i < len(items) else None
            src.error(where, "no-voice",
                      f"language '{lang.code}' has no Twilio voice and no audio in prompts/audio/{lang.code}/: "
                      "callers could not hear it (add voice:, run `hotline audio`, or write voice: none for text only)")

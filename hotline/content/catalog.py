"""The validated content the hotline serves: languages, menu nodes, resources, messages."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, Mapping

from hotline.rtl import right_to_left

log = logging.getLogger(__name__)

Channel = Literal["sms", "voice"]
SOURCE_LANGUAGE = "en"
CONFIDENCE = 0.5   # the least Confidence Twilio's speech recognition must report for what a caller said to be acted on
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
STAFF_LANGUAGES = ("en", "es")          # what the Welcome Center's staff hear the hotline in
STAFF_MESSAGES = frozenset({"whisper.voice"})   # heard by staff, not families: in STAFF_LANGUAGES only


def wanted(code: str, msg_id: str) -> bool:
    """Whether a translation into this language should have this message: every one but those only the Welcome
    Center's staff hear, which are in the staff's languages only."""
    return msg_id not in STAFF_MESSAGES or code in STAFF_LANGUAGES


def number_words(value: str) -> list[tuple[str, ...]]:
    """keyword.numbers: the words for one to nine in order, each with any other spellings after a slash ("en/youn")."""
    return [tuple(w.strip() for w in entry.split("/") if w.strip()) for entry in value.split(",") if entry.strip()]


@dataclass(frozen=True)
class Voice:
    """How Twilio's <Say> speaks a language."""

    say: str
    name: str | None = None


@dataclass(frozen=True)
class Language:
    """A language the hotline serves."""

    code: str
    name: str
    keywords: tuple[str, ...] = ()   # a greeting or a topic word that, texted alone, starts in this language
    detect: tuple[str, ...] = ()
    voice: Voice | None = None
    speech: str | None = None   # the code Twilio's speech recognition (<Gather language>) hears it in, if any
    fold_accents: bool = False
    spoken: bool = True   # False: no Twilio voice and no audio yet, so offered by text only
    espeak: str | None = None   # espeak-ng voice that `hotline audio` renders this language with
    letters: str = ""           # letters only this language uses: a text with one is in it
    words: tuple[str, ...] = () # common words this language owns among those families write
    locale: str | None = None   # the CLDR locale for dates and times, when it is not the code
    names: tuple[str, ...] = () # what families call the language (ESPAÑOL, espanol, Spanish): naming it chooses it
    heard: tuple[str, ...] = () # on a call's language menu, what its speech recognition writes for the name (CREOLE)
    confidence: float = CONFIDENCE   # speech Twilio is less sure of is not acted on: the caller is asked for a key

    @property
    def choosing(self) -> tuple[str, ...]:
        """Every word that, texted alone, starts the hotline in this language: its names, then its keywords."""
        return self.names + self.keywords

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left (by its own name's script)."""
        return right_to_left(self.name)


@dataclass(frozen=True)
class Option:
    """One choice in a menu: a digit, the node it leads to, and words that choose it."""

    digit: str
    goto: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Node:
    """A place in the menu tree: its options and the resources it lists."""

    id: str
    options: tuple[Option, ...] = ()
    resources: tuple[str, ...] = ()
    connect: bool = False   # on calls, each listed organization can be rung by its position
    key: str | None = None  # a listed organization whose number must be on the topic's first text message


@dataclass(frozen=True)
class Resource:
    """An organization and its phone number (E.164, or a short number such as 911)."""

    id: str
    name: str
    short: str
    phone: str
    also: tuple[str, ...] = ()

    @property
    def phones(self) -> tuple[str, ...]:
        """Every number of the organization, the main one first."""
        return (self.phone,) + self.also


@dataclass(frozen=True, eq=False)   # compared and hashed by identity: caches key on the catalog served
class Catalog:
    """Everything the hotline says, immutable once loaded."""

    languages: tuple[Language, ...]
    nodes: Mapping[str, Node]
    resources: Mapping[str, Resource]
    messages: Mapping[str, Mapping[str, str]]
    version: str = ""
    schedule: object = None
    origins: Mapping[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # (lang, id) -> (file, line)
    audio: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # lang -> audio file -> its stamp
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)  # the YAML files it was read from, by path
    _by_code: Mapping[str, Language] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))
        object.__setattr__(self, "resources", MappingProxyType(dict(self.resources)))
        frozen = {code: MappingProxyType(dict(m)) for code, m in self.messages.items()}
        object.__setattr__(self, "messages", MappingProxyType(frozen))
        object.__setattr__(self, "_by_code", MappingProxyType({lang.code: lang for lang in self.languages}))

    def origin(self, lang: str, msg_id: str) -> tuple[str, int]:
        """Where a message is written: its file and line (for problems staff can find)."""
        return self.origins.get((lang, msg_id), ("prompts/en.yaml" if lang == SOURCE_LANGUAGE else f"translations/{lang}.yaml", 1))

    def language(self, code: str | None) -> Language:
        """The language with this code, or the source language (English)."""
        return self._by_code.get(code or "", self._by_code[SOURCE_LANGUAGE])

    def offered(self, channel: Channel) -> tuple[Language, ...]:
        """The languages a caller can choose on a channel, in menu order."""
        return self.languages if channel == "sms" else tuple(lang for lang in self.languages if lang.spoken)

    def with_spoken(self, *codes: str) -> "Catalog":
        """The same content with these languages offered on calls too (their prompts all have audio)."""
        return replace(self, languages=tuple(replace(lang, spoken=True) if lang.code in codes else lang
                                             for lang in self.languages))

    def has_language(self, code: str | None) -> bool:
        """Whether this code is a language the hotline serves."""
        return code in self._by_code

    def find(self, lang: str, msg_id: str, channel: Channel = "sms") -> str | None:
        """The text of a message in a language, falling back to English; None if neither has it."""
        candidates = (f"{msg_id}.voice", msg_id) if channel == "voice" else (msg_id,)
        for code in dict.fromkeys((lang, SOURCE_LANGUAGE)):
            table = self.messages.get(code, {})
            for candidate in candidates:
                if candidate in table:
                    return table[candidate]
        return None

    def text(self, lang: str, msg_id: str, channel: Channel = "sms") -> str:
        """The text of a message: caller's language -> English -> the id itself (logged)."""
        found = self.find(lang, msg_id, channel)
        if found is None:
            log.warning("message missing", extra={"message_id": msg_id, "lang": lang})
            return msg_id
        return found

    def words(self, lang: str, msg_id: str) -> tuple[str, ...]:
        """A comma-separated word list of a message, in the language and in English."""
        found: list[str] = []
        for code in dict.fromkeys((lang, SOURCE_LANGUAGE)):
            found += self.messages.get(code, {}).get(msg_id, "").split(",")
        return tuple(w.strip() for w in found if w.strip())

    def resource_name(self, lang: str, rid: str, channel: Channel = "sms") -> str:
        """An organization's name in a language, else its name from resources.yaml."""
        candidates = (f"name.{rid}.voice", f"name.{rid}") if channel == "voice" else (f"name.{rid}",)
        table = self.messages.get(lang, {})
        for candidate in candidates:
            if candidate in table:
                return table[candidate]
        resource = self.resources[rid]
        return resource.name if channel == "voice" else resource.short

"""Draft missing translations with a machine translator, keeping {placeholders} intact."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from hotline.content.catalog import SOURCE_LANGUAGE, Catalog, wanted
from hotline.content.edit import MACHINE_NOTE, TranslationFile, placeholders

Translator = Callable[[str], str]
# Language codes the translation services use where they differ from ours.
SERVICE_CODES = {"prs": "fa", "zh": "zh-CN"}
KEYS = {"deepl": "DEEPL_API_KEY", "microsoft": "MICROSOFT_API_KEY"}   # the services that need a key, and where
_TOKEN = re.compile(r"\[\[(\d+)\]\]")


class TranslationUnavailable(RuntimeError):
    """The translation service could not be reached or refused; nothing was written."""


@dataclass
class Drafts:
    """What a translate run drafted and what it had to skip."""

    code: str
    drafted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def protect(text: str) -> tuple[str, list[str]]:
    """Replace {placeholders} with [[n]] tokens a translator leaves alone."""
    names: list[str] = []

    def token(match) -> str:
        names.append(match.group(0))
        return f"[[{len(names) - 1}]]"

    return re.sub(r"\{[A-Za-z_][A-Za-z0-9_]*\}", token, text), names


def restore(text: str, names: list[str]) -> str | None:
    """Put placeholders back; None if the translation lost or invented any."""
    found = [int(n) for n in _TOKEN.findall(text)]
    if sorted(found) != list(range(len(names))):
        return None
    return _TOKEN.sub(lambda m: names[int(m.group(1))], text)


def draft(catalog: Catalog, root: Path, code: str, translator: Translator) -> Drafts:
    """Translate every message missing in a language and write them marked as machine translations."""
    english = catalog.messages[SOURCE_LANGUAGE]
    target = TranslationFile(root, code)
    have = target.messages()
    result = Drafts(code)
    pending = {}
    for mid, text in english.items():
        if mid in have or mid.endswith(".words") or mid.startswith("keyword.") or not wanted(code, mid):
            continue
        protected, names = protect(text)
        try:
            translated = translator(protected)
        except Exception as exc:  # the service's own errors vary by backend
            raise TranslationUnavailable(f"the translation service failed ({type(exc).__name__}); nothing was changed") from None
        restored = restore(translated or "", names)
        if restored is None or placeholders(restored) != placeholders(text):
            result.skipped.append(mid)
            continue
        pending[mid] = restored
    for mid, text in pending.items():
        target.set(mid, text, MACHINE_NOTE)
        result.drafted.append(mid)
    if result.drafted:
        if target.meta.get("method") == "human":
            target.meta["method"] = "machine"
        target.meta["needs_review"] = True
        target.save()
    return result


def service(code: str, environ=os.environ) -> Translator:
    """A deep-translator backend chosen by HOTLINE_TRANSLATOR (google, deepl, microsoft), keys from the environment."""
    import deep_translator

    backend = environ.get("HOTLINE_TRANSLATOR", "google").lower()
    target = SERVICE_CODES.get(code, code)
    if backend == "google":
        engine = deep_translator.GoogleTranslator(source="en", target=target)
    elif backend in KEYS and not environ.get(KEYS[backend]):
        raise TranslationUnavailable(f"HOTLINE_TRANSLATOR={backend} needs the service's key in {KEYS[backend]}, "
                                     "which is not set; set it, or leave HOTLINE_TRANSLATOR unset for Google")
    elif backend == "deepl":
        engine = deep_translator.DeeplTranslator(api_key=environ["DEEPL_API_KEY"], source="en", target=target)
    elif backend == "microsoft":
        engine = deep_translator.MicrosoftTranslator(api_key=environ["MICROSOFT_API_KEY"], source="en",
                                                     target=target, region=environ.get("MICROSOFT_REGION"))
    else:
        raise TranslationUnavailable(f"HOTLINE_TRANSLATOR={backend!r} is not one of google, deepl, microsoft")
    return engine.translate

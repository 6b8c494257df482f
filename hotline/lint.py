"""Checks that need the channels: what a text message costs once rendered, in every language."""
from __future__ import annotations

from hotline.content.catalog import Catalog
from hotline.content.problems import Problem
from hotline.engine import Screen, State, Turn
from hotline.segments import MAX_SEGMENTS, NEEDLESS, clean, gsm_units, measure
from hotline.sms import choices, render, unclear_languages

GSM_SHARE = 0.9   # a language whose texts are this GSM-7 is "otherwise GSM-7"


def _pages(catalog: Catalog, lang: str, node: str) -> list[str]:
    pages: list[str] = []
    for page in range(20):
        (reply,) = render(catalog, Turn((Screen(node, page=page),), State(lang=lang)))
        if pages and reply.text == pages[-1]:
            break
        pages.append(reply.text)
    return pages


def long_replies(catalog: Catalog) -> list[Problem]:
    """A warning for each topic whose text message needs more than one page of three segments."""
    found = []
    for language in catalog.languages:
        for node in catalog.nodes:
            pages = _pages(catalog, language.code, node)
            if len(pages) > 1:
                segments = sum(measure(p).segments for p in pages)
                file, line = catalog.origin(language.code, node)
                found.append(Problem(file, line, 1, "too-long",
                                     f"{node}: the text message is over {MAX_SEGMENTS} segments ({segments} in "
                                     f"{len(pages)} parts); families must reply MORE for the rest; shorten it",
                                     "warning"))
    return found


def costly_characters(catalog: Catalog) -> list[Problem]:
    """A warning for characters that needlessly turn a GSM-7 language's text into UCS-2 (twice the cost)."""
    found = []
    for language in catalog.languages:
        table = catalog.messages.get(language.code, {})
        cleaned = {mid: clean(text, language.fold_accents) for mid, text in table.items() if not mid.endswith(".voice")}
        gsm = [mid for mid, text in cleaned.items() if gsm_units(text) is not None]
        if not cleaned or len(gsm) / len(cleaned) < GSM_SHARE:
            continue   # a language written in another script: UCS-2 is not needless there
        for mid, text in table.items():
            if mid.endswith(".voice"):
                continue
            needless = sorted({ch for ch in text if ch in NEEDLESS_CHARS})
            forcing = sorted({ch for ch in cleaned[mid] if gsm_units(ch) is None})
            file, line = catalog.origin(language.code, mid)
            if forcing:
                found.append(Problem(file, line, 1, "forces-ucs2",
                                     f"{mid}: {' '.join(map(repr, forcing))} makes this text UCS-2, which costs "
                                     "about twice as many segments; use a plain letter", "warning"))
            elif needless:
                found.append(Problem(file, line, 1, "needless-ucs2",
                                     f"{mid}: {' '.join(map(repr, needless))} would force UCS-2; it is replaced "
                                     "when sent, but write a straight quote or hyphen instead", "warning"))
    return found


NEEDLESS_CHARS = {chr(code) for code in NEEDLESS}


def long_choices(catalog: Catalog) -> list[Problem]:
    """A warning when the reply to a first text whose language is not clear (every language by its own name, asked
    in English and Spanish) is over three segments: every family whose language the hotline cannot tell pays it."""
    reply = choices(catalog)
    if reply.segments <= MAX_SEGMENTS:
        return []
    file, line = catalog.origin(unclear_languages(catalog)[0], "languages")
    return [Problem(file, line, 1, "too-long", f"languages: the list sent when a first text's language is not clear "
                    f"is {reply.segments} segments, over {MAX_SEGMENTS}; shorten this line or a language's name",
                    "warning")]


def sms_problems(catalog: Catalog) -> list[Problem]:
    """All text-message cost warnings for a catalog."""
    return sorted(long_replies(catalog) + costly_characters(catalog) + long_choices(catalog))



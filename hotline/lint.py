"""Checks that need the channels: what a text message costs once rendered, and what its first page carries, in
every language."""
from __future__ import annotations

from hotline.content.catalog import Catalog
from hotline.content.problems import Problem
from hotline.engine import Screen
from hotline.render import fill, phone_text
from hotline.segments import MAX_SEGMENTS, NEEDLESS, clean, gsm_units, measure
from hotline.sms import choices, pages, unclear_languages, written

GSM_SHARE = 0.9   # a language whose texts are this GSM-7 is "otherwise GSM-7"


def _texts(catalog: Catalog, lang: str, node: str) -> list[str]:
    return [reply.text for reply in pages(catalog, lang, Screen(node))]


def _squeezed(text: str) -> str:
    return " ".join(text.split())   # a page joins a line's sentences, or starts a new line, where the pager cut


def key_facts(catalog: Catalog) -> list[Problem]:
    """An error for each topic whose key fact is not whole on its first text message in a language, where a family
    who never replies MORE still reads it: its key sentence (<id>.key) and its key organization's number (key:)."""
    found = []
    for language in catalog.languages:
        code = language.code
        for node in catalog.nodes.values():
            first = _squeezed(_texts(catalog, code, node.id)[0])
            key_id = f"{node.id}.key"
            if catalog.find(code, key_id) is not None:
                if _squeezed(written(catalog, code, fill(catalog, code, "sms", key_id))) not in first:
                    file, line = catalog.origin(code, key_id)
                    found.append(Problem(file, line, 1, "key-not-first",
                                         f"{key_id}: the fact that protects the family no longer fits the first text "
                                         f"message in '{code}', so a family who never replies MORE would miss it; "
                                         f"shorten it, and put the context in '{node.id}'"))
            number = phone_text(catalog.resources[node.key].phone, "sms") if node.key else None
            if number is not None and number not in first:
                file, line = catalog.origin(code, node.id)
                found.append(Problem(file, line, 1, "key-not-first",
                                     f"{node.id}: {number}, the number of {node.key} and this topic's key, is no longer "
                                     f"on the first text message in '{code}', so a family who never replies MORE "
                                     f"would not have it; shorten the text before it"))
    return found


def long_replies(catalog: Catalog) -> list[Problem]:
    """A warning for each topic whose text message needs more than one page of three segments."""
    found = []
    for language in catalog.languages:
        for node in catalog.nodes:
            texts = _texts(catalog, language.code, node)
            if len(texts) > 1:
                segments = sum(measure(text).segments for text in texts)
                file, line = catalog.origin(language.code, node)
                found.append(Problem(file, line, 1, "too-long",
                                     f"{node}: the text message is over {MAX_SEGMENTS} segments ({segments} in "
                                     f"{len(texts)} parts); families must reply MORE for the rest; shorten it",
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
    """All text-message problems of a catalog: key facts off the first page (errors), costs (warnings)."""
    return sorted(key_facts(catalog) + long_replies(catalog) + costly_characters(catalog) + long_choices(catalog))




def whatsapp_problems(catalog: Catalog) -> list[Problem]:
    """A warning for each topic or message that would not fit one WhatsApp message (1,600 characters, Twilio's
    limit): it is sent cut into several, which may arrive out of order."""
    from hotline import whatsapp

    found = []
    for language in catalog.languages:
        code = language.code
        for node in catalog.nodes:
            sent = whatsapp.messages(catalog, code, Screen(node))
            if len(sent) > 1:
                size = whatsapp.size("\n".join(reply.text for reply in sent))
                file, line = catalog.origin(code, node)
                found.append(Problem(file, line, 1, "whatsapp-split",
                                     f"{node}: on WhatsApp this topic is about {size} characters, over "
                                     f"{whatsapp.LIMIT}: it is sent in {len(sent)} messages; shorten it", "warning"))
        for mid in catalog.messages.get(code, {}):
            if mid.endswith(".voice") or mid in catalog.nodes or mid.startswith("_"):
                continue
            size = whatsapp.size(whatsapp.written(catalog, code, fill(catalog, code, "sms", mid)))
            if size > whatsapp.LIMIT:
                file, line = catalog.origin(code, mid)
                found.append(Problem(file, line, 1, "whatsapp-split",
                                     f"{mid}: {size} characters, over WhatsApp's {whatsapp.LIMIT}: it would be "
                                     "sent in several messages; shorten it", "warning"))
    return found


def audio_problems(catalog: Catalog) -> list[Problem]:
    """An error for each language that callers hear from audio files (no Twilio voice) where a prompt has no audio
    any more because its text changed (a phone number, an edit): callers would hear that prompt in English, so a
    release is refused until `hotline audio` renders it again (or a person records it)."""
    from hotline import audio

    found = []
    for language in catalog.languages:
        if language.voice is not None or not language.spoken:
            continue   # spoken by Twilio, or offered by text only (the text-only warning says how far recording is)
        lacking = audio.missing(catalog, language.code)
        if lacking:
            first = lacking[0]
            said = f"{first.msg_id}.voice" if (language.code, f"{first.msg_id}.voice") in catalog.origins else first.msg_id
            file, line = catalog.origin(language.code, said) if first.msg_id else (f"prompts/audio/{language.code}", 1)
            how = f"hotline audio --lang {language.code}" if language.espeak else "the /record page"
            found.append(Problem(file, line, 1, "stale-audio",
                                 f"'{language.code}': {len(lacking)} prompts have no audio since their text changed "
                                 f"(first: {first.msg_id or '-'}: \"{first.text[:50]}\"); callers would hear them in "
                                 f"English: render them with `{how}` (or record them), then commit "
                                 f"prompts/audio/{language.code}/"))
    return found

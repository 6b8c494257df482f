"""Turn an engine Screen into text parts for a channel; both adapters build on this."""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from hotline.content.catalog import PLACEHOLDER, Catalog, Channel
from hotline.engine import GOODBYE, LANGUAGES, MAIN, Screen


@dataclass(frozen=True)
class Part:
    """One piece of a reply, in one language (the language list mixes languages)."""

    text: str
    lang: str
    kind: str = "body"


def phone_text(number: str, channel: Channel) -> str:
    """A number as families read it in a text, or spoken digit by digit on a call."""
    if not number.startswith("+"):
        return " ".join(number) if channel == "voice" else number
    parsed = phonenumbers.parse(number)
    if channel == "sms":
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = phonenumbers.national_significant_number(parsed)
    groups = [digits[:3], digits[3:6], digits[6:]] if len(digits) == 10 else [digits]
    return ", ".join(" ".join(group) for group in groups)


def fill(catalog: Catalog, lang: str, channel: Channel, msg_id: str, **params: str) -> str:
    """A message's text with {placeholders} filled: parameters first, then resources' numbers."""
    text = catalog.text(lang, msg_id, channel)

    def value(match) -> str:
        name = match.group(1)
        if name in params:
            return str(params[name])
        if name in catalog.resources:
            return phone_text(catalog.resources[name].phone, channel)
        return match.group(0)

    return PLACEHOLDER.sub(value, text)


def parts(catalog: Catalog, lang: str, channel: Channel, screen: Screen) -> list[Part]:
    """Everything a screen says, in order: notices, body, listings, options, footer."""
    found = [Part(fill(catalog, lang, channel, notice), lang, "notice") for notice in screen.notices]
    if screen.node == LANGUAGES:
        return found + _language_list(catalog, lang, channel)
    if screen.node == GOODBYE:
        return found + [Part(fill(catalog, lang, channel, "goodbye"), lang)]
    node = catalog.nodes[screen.node]
    found.append(Part(fill(catalog, lang, channel, node.id), lang))
    for rid in node.resources:
        name = catalog.resource_name(lang, rid, channel)
        separator = ". " if channel == "voice" else ", "
        phone = separator.join(phone_text(number, channel) for number in catalog.resources[rid].phones)
        found.append(Part(fill(catalog, lang, channel, "listing", name=name, phone=phone), lang, "listing"))
    for opt in node.options:
        label = catalog.text(lang, f"{opt.goto}.label", channel)
        found.append(Part(fill(catalog, lang, channel, "option", digit=opt.digit, label=label), lang, "option"))
    footer = "languages.footer" if node.id == MAIN and channel == "sms" else "footer"
    if node.id != MAIN or channel == "sms":
        found.append(Part(fill(catalog, lang, channel, footer), lang, "footer"))
    return found


def _language_list(catalog: Catalog, lang: str, channel: Channel) -> list[Part]:
    if channel == "sms":
        lines = [Part(fill(catalog, lang, channel, "languages"), lang)]
        return lines + [Part(f"{i} {language.name}", language.code, "option")
                        for i, language in enumerate(catalog.offered(channel), start=1)]
    return [Part(fill(catalog, language.code, channel, "language.offer", digit=str(i)), language.code, "option")
            for i, language in enumerate(catalog.offered(channel), start=1)]

"""Turn an engine Screen into text parts for a channel; both adapters build on this."""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from hotline.content.catalog import PLACEHOLDER, Catalog, Channel
from hotline.content.memo import per_catalog
from hotline.engine import (CALLBACK, CALLBACK_DONE, CONNECT, ERASE, FORGOTTEN, GOODBYE, LANGUAGES, MAIN, Screen,
                            language_page, language_pages)
from hotline.engine_constants import CALLBACK_DIGIT, ERASE_DIGIT, MORE_LANGUAGES_DIGIT, TEXT_ME_DIGIT


@dataclass(frozen=True)
class Part:
    """One piece of a reply, in one language (the language list mixes languages)."""

    text: str
    lang: str
    kind: str = "body"
    msg_id: str = ""   # the message it was written from, where a recording of it could stand in


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


def parts(catalog: Catalog, lang: str, channel: Channel, screen: Screen, *, after_hours: bool = False,
          withheld: bool = False, texting: bool = False, verified: bool = True, **params: str) -> list[Part]:
    """Everything a screen says, in order: notices, body, listings, options, footer. texting: on a call, a topic
    that lists organizations offers its numbers by text; verified: the carrier attests the caller's number, so
    the call may text it, erase what is kept for it or ask for a call back (else the caller is told how by text)."""
    flags = (after_hours, withheld, texting, verified)
    return list(_parts(catalog, lang, channel, screen, flags, tuple(sorted(params.items()))))


@per_catalog(maxsize=4096)
def _parts(catalog: Catalog, lang: str, channel: Channel, screen: Screen, flags: tuple[bool, bool, bool, bool],
           param_items: tuple[tuple[str, str], ...]) -> tuple[Part, ...]:
    """parts(), computed once per catalog, language, screen, call flags and parameters."""
    return tuple(_compose(catalog, lang, channel, screen, *flags, **dict(param_items)))


def _compose(catalog: Catalog, lang: str, channel: Channel, screen: Screen, after_hours: bool, withheld: bool,
             texting: bool, verified: bool, **params: str) -> list[Part]:

    def part(msg_id: str, kind: str = "body", code: str = lang, **extra: str) -> Part:
        return Part(fill(catalog, code, channel, msg_id, **params, **extra), code, kind, msg_id)

    found = [part(notice, "notice") for notice in screen.notices]
    if screen.node == LANGUAGES:
        return found + _language_list(catalog, lang, channel, screen.page)
    if screen.node in (GOODBYE, CALLBACK, CALLBACK_DONE, ERASE, FORGOTTEN):
        return found + [part(screen.node)]
    if screen.node == CONNECT:
        return found + [part("connect", name=catalog.resource_name(lang, screen.target, channel))]
    node = catalog.nodes[screen.node]
    voice = channel == "voice"
    options = [part("option", "option", digit=opt.digit, label=catalog.text(lang, f"{opt.goto}.label", channel))
               for opt in node.options]
    if screen.brief and voice:   # the numbers were just texted: what can be pressed next
        return found + options + [part("footer", "footer")]
    if screen.brief:
        found.append(Part(catalog.text(lang, f"{node.id}.label", channel), lang))
    else:   # the fact that protects the family first, where the topic has one, then the topic's text
        found += [part(f"{node.id}.key")] if catalog.find(lang, f"{node.id}.key") is not None else []
        found.append(part(node.id))
    connect = node.connect and voice
    for position, rid in enumerate(node.resources, start=1):
        name = catalog.resource_name(lang, rid, channel)
        phone = (". " if channel == "voice" else ", ").join(
            phone_text(number, channel) for number in catalog.resources[rid].phones)
        template = "listing.connect" if connect else "listing"
        found.append(part(template, "listing", name=name, phone=phone, digit=str(position)))
    found += options
    if voice and texting and not withheld and node.resources and node.id != MAIN:
        found.append(part("textme.offer", "option", digit=TEXT_ME_DIGIT) if verified else part("textme.self", "notice"))
    if node.id == MAIN and voice:
        if withheld:   # nothing is kept for a hidden number: nothing to erase, no number to call back
            found += [part("callback.withheld", "notice")] if after_hours else []
        elif verified:
            found.append(part("erase.offer", "option", digit=ERASE_DIGIT))
            if after_hours:
                found.append(part("callback.offer", "option", digit=CALLBACK_DIGIT))
        else:          # a caller ID anyone could have used: the same things, by a text from the phone itself
            found.append(part("erase.bytext", "notice"))
            found += [part("callback.unverified", "notice")] if after_hours else []
        found.append(part("languages.switch", "footer"))
    else:
        found.append(part("languages.footer" if node.id == MAIN else "footer", "footer"))
    return found


def _language_list(catalog: Catalog, lang: str, channel: Channel, page: int) -> list[Part]:
    shown = language_page(catalog, channel, page)
    if channel == "sms":
        lines = [Part(fill(catalog, lang, channel, "languages"), lang, "body", "languages")]
        return lines + [Part(f"{i} {language.name}", language.code, "option")
                        for i, language in enumerate(shown, start=1)]
    found = [Part(fill(catalog, language.code, channel, "language.offer", digit=str(i)), language.code, "option",
                  "language.offer") for i, language in enumerate(shown, start=1)]
    if language_pages(catalog, channel) > 1:
        found += [Part(fill(catalog, language.code, channel, "languages.more", digit=MORE_LANGUAGES_DIGIT),
                       language.code, "footer", "languages.more") for language in shown[:2]]
    return found

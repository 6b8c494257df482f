"""Text a caller the numbers they just heard: one text message, sent through Twilio's REST API from the hotline's
own number, in the caller's language, with the organizations and numbers of the topic (right to left where the
language is, cut like every reply: a list too long for three segments ends with how to get the rest, and the
text conversation is kept so that MORE brings it).

Never to a hidden number (the engine says why) or to a number that texted STOP. A caller whose number the
carrier did not attest may not own it, so they are never told that it opted out: only that no text went.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from hotline import sms
from hotline.content.catalog import Catalog
from hotline.engine import Screen, State
from hotline.twilio_rest import FAILURES, described, error_code

log = logging.getLogger(__name__)

UNSUBSCRIBED = 21610   # Twilio: the number replied STOP to the hotline's number, so Twilio sends it nothing

Send = Callable[[str, str], None]   # (to, body): sends one text, raises one of FAILURES when it cannot


@dataclass(frozen=True)
class Texted:
    """What came of it: what the caller is told (sent, failed, optout), and the text conversation to keep."""

    outcome: str
    follow: State | None = None   # a list longer than one text: where MORE goes on


def sender(client, from_: str) -> Send:
    """Send through the twilio SDK's Client, from the hotline's number (HOTLINE_PHONE_NUMBER)."""
    def send(to: str, body: str) -> None:
        client.messages.create(to=to, from_=from_, body=body)
    return send


def pages(catalog: Catalog, lang: str, topic: str) -> tuple[sms.SmsReply, ...]:
    """A topic's name, organizations and numbers as text messages of at most three segments."""
    return sms.pages(catalog, lang, Screen(topic, brief=True))


def text_numbers(catalog: Catalog, send: Send | None, number: str, lang: str, topic: str, *, opted_out: bool,
                 attested: bool) -> Texted:
    """Text one topic's numbers to a caller; what to tell them."""
    if opted_out:
        return Texted("optout" if attested else "failed")
    if send is None:   # the REST API was switched off during the call
        return Texted("failed")
    first, *rest = pages(catalog, lang, topic)
    try:
        send(number, first.text)
    except FAILURES as exc:
        log.warning("a caller's text was not sent", extra={"error": described(exc), "topic": topic})
        return Texted("optout" if error_code(exc) == UNSUBSCRIBED and attested else "failed")
    return Texted("sent", State(channel="sms", lang=lang, node=topic, brief=True) if rest else None)

"""Text a caller the numbers they just heard: one text message, sent through Twilio's REST API from the hotline's
own number, in the caller's language, with the organizations and numbers of the topic (right to left where the
language is, cut like every reply: a list too long for three segments ends with how to get the rest, and the
text conversation is kept so that MORE brings it).

Offered only to a caller whose number the carrier attests (the engine sees to it: anyone can call with anyone's
caller ID), and sent only to a person's phone in the US or Canada that is not the hotline's own and did not text
STOP, within the budgets of hotline.budgets. A caller hears what became of it in words that tell nothing about
anyone else.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from hotline import budgets, callers, sms
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


def sender(client, from_: str) -> Callable[..., None]:
    """Send through the twilio SDK's Client, from the hotline's number (HOTLINE_PHONE_NUMBER), asking Twilio for
    the text's delivery status at status_callback."""
    def send(to: str, body: str, status_callback: str | None = None) -> None:
        client.messages.create(to=to, from_=from_, body=body,
                               **({"status_callback": status_callback} if status_callback else {}))
    return send


def listed(catalog: Catalog) -> tuple[str, ...]:
    """Numbers the content names (the organizations, the Welcome Center the calls ring): never a family's phone, so
    never texted whatever a caller ID says."""
    forward = catalog.schedule.forward_to if catalog.schedule is not None else None
    return tuple(phone for resource in catalog.resources.values() for phone in resource.phones) + \
        ((forward,) if forward else ())


def pages(catalog: Catalog, lang: str, topic: str) -> tuple[sms.SmsReply, ...]:
    """A topic's name, organizations and numbers as text messages of at most three segments."""
    return sms.pages(catalog, lang, Screen(topic, brief=True))


def text_numbers(catalog: Catalog, send: Send | None, number: str, lang: str, topic: str, *, opted_out: bool,
                 own: tuple[str, ...] | None, take: Callable[[], str], give_back: Callable[[], None]) -> Texted:
    """Text one topic's numbers to an attested caller; what to tell them. own: the hotline's numbers (None in the
    simulator, whose made-up number is shown the text, never sent it); take() takes a text from the budgets
    (hotline.budgets), give_back() returns the topic's when the text could not be sent."""
    if send is None:   # the REST API was switched off during the call
        return Texted("failed")
    if own is not None and not callers.textable(number, own + listed(catalog)):
        log.warning("a caller's text was not sent: not a person's phone in the US or Canada", extra={"topic": topic})
        return Texted("failed")
    if opted_out:
        return Texted("optout")
    budget = take()
    if budget != budgets.OK:
        return Texted({budgets.AGAIN: "again", budgets.DOWN: "failed"}.get(budget, "busy"))
    first, *rest = pages(catalog, lang, topic)
    try:
        send(number, first.text)
    except FAILURES as exc:
        give_back()
        log.warning("a caller's text was not sent", extra={"error": described(exc), "topic": topic})
        return Texted("optout" if error_code(exc) == UNSUBSCRIBED else "failed")
    return Texted("sent", State(channel="sms", lang=lang, node=topic, brief=True) if rest else None)

"""One text through the whole path, by SMS or WhatsApp: read, step, write, then answer. Shared by /sms, the simulator
and `hotline chat`.

The person is their phone number on both: the same keyed hash, so the language a family chose by SMS answers them
on WhatsApp too, and ERASE on either deletes both. Each way of texting keeps its own conversation, rate count and
opt-out: Twilio's carrier block list is for SMS alone, and a family may stop one and keep the other."""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

import orjson

from hotline import callers, inbound, sms, whatsapp
from hotline.content.catalog import Catalog
from hotline.carrier import BY_HOTLINE, BY_TWILIO
from hotline.engine import Turn
from hotline.sessions import (CONFLICT, DOWN, DUPLICATE, ERASED, LIMITED, OK, OPT_OUT_TTL, OPT_OUTS, OTHER_OPT_OUT,
                               RETRY_TTL, Changes, Loaded, Store)
from hotline.sms import SmsReply, Writer
from hotline.stats import counts_for, limited

ATTEMPTS = 8          # a text that collides with another from the same number is read and stepped again
UNDONE = "not_done"   # what a family is told when STOP, START or ERASE could not be stored
WRITERS = {"sms": sms.SMS, "whatsapp": whatsapp.WHATSAPP}   # how each way of texting writes its replies


@dataclass(frozen=True)
class Exchange:
    """What one text produced, whether what it changed was stored, and what happened (for logs and counts)."""

    turn: Turn | None
    replies: list[SmsReply]
    stored: bool
    outcome: str = "reply"
    lang: str | None = None


@dataclass
class _Plan:
    """An answer worked out from what was read, and what it changes once written."""

    exchange: Exchange
    changes: Changes = field(default_factory=Changes)
    compare: bool = False      # written only if the conversation read is still the one stored
    must_store: bool = False   # a command that must not be confirmed unless stored


def text(catalog: Catalog, store: Store, number: str, body: str | None, lang: str | None = None,
         media: bool = False, retry: str = "", day: dt.date | None = None, own: tuple[str, ...] = (),
         opt_out_type: str | None = None, channel: str = "sms") -> Exchange:
    """Answer one text from a number (E.164, without WhatsApp's prefix), by SMS or WhatsApp (channel). lang
    preselects the language of a new conversation; retry is the request's retry field (the same message again gets
    the same reply); day counts it in that day's usage; own are the hotline's own numbers, which are never
    answered (two hotline numbers would answer each other)."""
    writer = WRITERS.get(channel, sms.SMS)
    channel = writer.channel
    said = inbound.read(catalog, body, media, opt_out_type, channel)
    who = store.caller(number)
    if not callers.person(number) or number.strip() in own:   # a short code, a named sender, the hotline itself
        store.commit(who, Changes(counts=counts_for(channel, None, outcomes=["ignored sender"])), day=day)
        return Exchange(None, [], True, "ignored sender")
    rate = channel if said.command is None and said.twilio is None else ""   # commands are never counted or limited
    for attempt in range(ATTEMPTS):
        if attempt:   # collided with another text from the same number: a moment, so that one of them wins
            time.sleep(random.uniform(0, 0.002 * attempt))
        loaded = store.load(who, channel, retry=retry)
        if loaded.replay is not None:
            replies = [writer.reply(t) for t in orjson.loads(loaded.replay)]
            return Exchange(None, replies, True, "retry")
        if loaded.before_erase:   # Twilio retried a text answered before the number was erased: nothing comes back
            return Exchange(None, [], True, "retry before erase")
        if not loaded.ok:
            return _unstored(catalog, store, who, said, writer)
        plan = _plan(catalog, store, who, said, loaded, lang, retry, writer)
        done = plan.exchange
        plan.changes.counts = counts_for(channel, done.lang, done.turn.events if done.turn else (), [done.outcome])
        result = store.commit(who, plan.changes, channel=channel, compare=loaded if plan.compare else None, day=day,
                              once=retry, rate=rate, over=limited(channel))
        if result == CONFLICT:
            continue
        if result == LIMITED:
            return Exchange(None, [], True, "rate limited")
        if result == DOWN and plan.must_store:
            return _undone(catalog, (done.lang,), writer)
        if result == DUPLICATE:   # the same text, answered by another worker a moment ago: the same answer, once
            return _again(done, said, loaded)
        outcome = {ERASED: "erased meanwhile"}.get(result, done.outcome)
        return Exchange(done.turn, done.replies, result == OK, outcome, done.lang)
    # Collided every time: nothing was stored, so nothing is answered as if it had been.
    return _undone(catalog, _languages(said, None), writer)


def _plan(catalog: Catalog, store: Store, who: str, said: inbound.Inbound, loaded: Loaded,
          chosen: str | None, retry: str, writer: Writer) -> _Plan:
    """What to answer and what to write, from what was read. The reply is kept with the conversation for a
    retry of the same message; nothing about STOP, START or ERASE is kept beyond what they change.

    Twilio answers its own keywords itself (hotline.carrier): they get no reply here, only the change Twilio's block
    list makes. A family's own stop word (PARAR) is the hotline's opt-out, confirmed in their language; after
    Twilio's, nothing the hotline sends would arrive, so nothing is sent, and only Twilio's opt-in words lift it.
    On WhatsApp, Twilio answers only with Advanced Opt-Out (OptOutType): STOP itself is the hotline's there."""
    kind, twilio = said.command, said.twilio
    speak = _languages(said, (loaded.state.lang if loaded.state else None) or loaded.lang)
    opt_out, blocked = store.key(OPT_OUTS[writer.channel], who), loaded.opt_out == BY_TWILIO
    if twilio == "stop":
        return _Plan(Exchange(None, [], True, "opted out", speak[0]), Changes(sets=[(opt_out, BY_TWILIO, OPT_OUT_TTL)]))
    if twilio == "start":
        return _Plan(Exchange(None, [], True, "opted in", speak[0]), Changes(deletes=[opt_out]))
    if twilio == "help":
        return _Plan(Exchange(None, [], True, "answered by Twilio", speak[0]))
    if blocked and kind != "forget":   # Twilio delivers nothing to this number until its START, YES or UNSTOP
        return _Plan(Exchange(None, [], True, "opted out, no reply", speak[0]))
    if kind == "stop":
        changes = Changes(sets=[(opt_out, BY_HOTLINE, OPT_OUT_TTL)])
        replies = _notices(catalog, speak, writer.stopped, writer)
        return _Plan(Exchange(None, replies, True, "opted out", speak[0]), changes, must_store=True)
    if kind == "help":       # answered even after the hotline's own opt-out, as carriers expect
        return _Plan(Exchange(None, _notices(catalog, speak, "help", writer), True, "help", speak[0]))
    if kind == "forget":     # both channels', opt-outs too (but one Twilio keeps): no trace that the family wrote
        keep = _kept_by_twilio(writer.channel, loaded)
        changes = Changes(deletes=store.everything(who, keep=keep), sets=_answered_before(store, who, loaded))
        replies = [] if blocked else _notices(catalog, speak, "forgotten", writer)   # Twilio would not deliver it
        return _Plan(Exchange(None, replies, True, "forgotten", speak[0]), changes, must_store=not blocked)
    if loaded.opted_out and kind != "start":
        return _Plan(Exchange(None, [], True, "opted out, no reply", speak[0]))
    turn, replies = sms.respond(catalog, loaded.state, said, loaded.lang, chosen=chosen, restart=kind == "start",
                                writer=writer)
    if kind == "start" and loaded.opted_out:   # the hotline's own opt-out, lifted by the family's own word: said
        replies = [sms.notice(catalog, turn.state.lang or speak[0], "optin", writer)] + replies
    reply = orjson.dumps([r.text for r in replies]).decode() if retry and kind != "start" else None
    changes = Changes(sets=store.conversation(who, turn.state, loaded, retry, reply, channel=writer.channel))
    if kind == "start":
        changes.deletes.append(opt_out)
    return _Plan(Exchange(turn, replies, True, "reply", turn.state.lang), changes, compare=True,
                 must_store=kind == "start")


def _kept_by_twilio(channel: str, loaded: Loaded) -> tuple[str, ...]:
    """The opt-outs an ERASE keeps: those Twilio keeps too (its STOP by SMS, or OptOutType=STOP), which only its
    opt-in words lift; the channel's own, read as loaded.opt_out, and the other channel's (loaded.other_opt_out)."""
    mine = OPT_OUTS[channel]
    other = OTHER_OPT_OUT[mine]
    return tuple(kind for kind, whose in ((mine, loaded.opt_out), (other, loaded.other_opt_out)) if whose == BY_TWILIO)


def _again(done: Exchange, said: inbound.Inbound, loaded: Loaded) -> Exchange:
    """A retry of a text already answered, whose reply was not kept (a command's): its answer again only while what
    it said still holds. A START retried after a later STOP, or a STOP after a later START, gets nothing: neither
    "you will get answers again" to a number that opted out nor "no more replies" to one that opted back in."""
    stop = said.command == "stop" or said.twilio == "stop"
    if loaded.opted_out != stop and said.command != "help":
        return Exchange(None, [], True, "retry, since changed", done.lang)
    return Exchange(done.turn, done.replies, True, "retry", done.lang)


def _answered_before(store: Store, who: str, loaded: Loaded) -> list[tuple[str, str, int]]:
    """What an ERASE leaves for five minutes, so that Twilio retrying a text answered just before it brings nothing
    back: a mark for each such text, named by the keyed hash of its id alone (never linked to the number)."""
    return [(store.key("erased", field), "1", RETRY_TTL) for _, field, _ in loaded.replies if field]


def _unstored(catalog: Catalog, store: Store, who: str, said: inbound.Inbound, writer: Writer) -> Exchange:
    """Redis is away: help and topics are still answered, but nothing that needs storing is confirmed, a stop
    word never gets a menu, and a number this worker saw opted out gets nothing."""
    speak = _languages(said, None)
    if said.twilio is not None:   # Twilio answered it and keeps its block list: nothing to say, nothing to confirm
        return Exchange(None, [], False, "not stored", speak[0])
    if said.command == "help":
        return Exchange(None, _notices(catalog, speak, "help", writer), False, "help", speak[0])
    if said.command is not None:
        return _undone(catalog, speak, writer)
    if store.known_opted_out(who, writer.channel):
        return Exchange(None, [], False, "opted out, no reply")
    turn, replies = sms.degraded(catalog, said, writer)   # still answer, remembering nothing
    return Exchange(turn, replies, False, "degraded", turn.state.lang)


def _languages(said: inbound.Inbound, known: str | None) -> tuple[str, ...]:
    """The languages to answer a command in: the conversation's or the number's, else the command word's own
    (all of them where languages share it: معلومات is Arabic, Dari and Pashto), else English."""
    return (known,) if known else said.command_langs or ("en",)


def _notices(catalog: Catalog, langs: tuple[str, ...], msg_id: str, writer: Writer) -> list[sms.SmsReply]:
    return [sms.notice(catalog, lang, msg_id, writer) for lang in langs]


def _undone(catalog: Catalog, langs: tuple[str | None, ...], writer: Writer) -> Exchange:
    langs = tuple(lang or "en" for lang in langs)
    return Exchange(None, _notices(catalog, langs, UNDONE, writer), False, "not stored, told so", langs[0])

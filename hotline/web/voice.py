"""POST /voice and what follows under /voice/: the incoming call, Gather actions, forwarding with a whisper."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import budgets, callers, carrier, screening, texting, voice
from hotline.engine import TEXT_ME, TEXT_OUTCOMES, Turn, texted
from hotline.sessions import DOWN, LANGUAGE_TTL, LIMITED, OPT_OUT_KINDS, SESSION_TTL, Changes, record
from hotline.stats import counts_for, limited
from hotline.web import hotline, note
from hotline.web.twilio import fields, protect, status_url, twiml

bp = Blueprint("voice", __name__, url_prefix="/voice")
protect(bp, voice.fallback)


def _hours(now):
    """(open now, next opening) from schedule.yaml; always closed without a schedule."""
    schedule = hotline().catalog.schedule
    if schedule is None:
        return False, None
    return schedule.is_open(now), schedule.opening(now)


def _caller(number: str, call_sid: str) -> tuple[str, bool]:
    """The keyed hash a call is kept under, and whether its caller ID is withheld: every withheld caller is a
    stranger of their own (their call's id), never one shared 'anonymous'."""
    app = hotline()
    if callers.withheld(number):
        return app.store.caller(f"withheld call {call_sid}"), True
    return app.store.caller(number), False


def _caller_id() -> str | None:
    """The hotline's own number, shown when a call is forwarded or connected (HOTLINE_PHONE_NUMBER)."""
    numbers = hotline().settings.phone_numbers
    return numbers[0] if numbers else None


def call(number: str, now=None, call_sid: str = "", attested: bool = False, texting_on: bool | None = None) -> str:
    """A new call, counted and noted: forwarded while open, else the hotline (webhook and simulator). texting_on:
    whether the caller may get numbers by text (default: when Twilio's REST API is set up)."""
    app = hotline()
    now = now or current_app.config["HOTLINE_CLOCK"]()
    day, retry = app.today(), app.store.retry_field("voice", call_sid, "start") if call_sid else ""
    who, withheld = _caller(number, call_sid)
    is_open, opens = _hours(now)
    rate = "voice" if attested and not withheld else "voice-unattested"   # spoofed calls cannot silence real ones
    if is_open and app.catalog.schedule.forward_to:   # counted in open hours too: a flood is a flood
        if app.store.commit(who, Changes(counts=counts_for("voice", None, outcomes=["forwarded"])), day=day,
                            rate=rate, over=limited("voice")) == LIMITED:
            return _limited()
        note(outcome="forwarded")
        schedule = app.catalog.schedule
        return str(voice.forward(schedule.forward_to, _caller_id(), schedule.forward_timeout))
    loaded = app.store.load(who, "voice", retry=retry)   # a forwarded call reads nothing: the rate is counted in
                                                         # its write
    turn = voice.start(app.catalog, None if withheld else loaded.lang, after_hours=not is_open,
                       attested=attested and not withheld, withheld=withheld,
                       texting=app.texter is not None if texting_on is None else texting_on)
    document = voice.document(app.catalog, turn, opens, _caller_id())
    if loaded.replay is not None:          # Twilio asked again: the same answer, counted once
        note(outcome="retry")
        return document
    counts = counts_for("voice", turn.state.lang, turn.events, [] if loaded.ok else ["degraded"])
    kept = [app.store.call_steps(who, loaded, retry)] if retry else []
    if app.store.commit(who, Changes(sets=kept, counts=counts), channel="voice", day=day, once=retry, rate=rate,
                        over=limited("voice")) == LIMITED:
        return _limited()
    note(lang=turn.state.lang, node=turn.state.node, stored=loaded.ok, outcome="menu")
    return document


def _limited() -> str:
    """A call over its number's limit or the hotline's ceiling: hung up, nothing said."""
    note(outcome="rate limited")
    return str(voice.hang_up())


@bp.post("")
def incoming():
    """Answer a call: the Welcome Center while it is open, else the hotline in the caller's language (a call
    status callback sent here by mistake, about a call that has ended, changes nothing)."""
    form = fields()
    if carrier.call_ended(form):
        note(outcome="status callback on /voice, ignored")
        return twiml(VoiceResponse())
    return twiml(call(form.get("From", ""), call_sid=form.get("CallSid", ""),
                      attested=carrier.attested(form.get("StirVerstat"))))


def not_answered(number: str, attested: bool = False, call_sid: str = "") -> str:
    """The Welcome Center did not answer (or was busy): the hotline menu (webhook and simulator)."""
    app = hotline()
    who, withheld = _caller(number, call_sid)
    loaded = app.store.load(who, "voice")
    turn = voice.start(app.catalog, None if withheld else loaded.lang, attested=attested and not withheld,
                       withheld=withheld, texting=app.texter is not None)
    note(outcome="not answered", lang=turn.state.lang, node=turn.state.node)
    app.store.commit(who, Changes(counts=counts_for("voice", None, outcomes=["not answered"], new=False)),
                     day=app.today())
    return voice.document(app.catalog, turn, None, _caller_id())


@bp.post("/forwarded")
def forwarded():
    """After ringing the Welcome Center: done if a person took the call (pressed the whisper's key), else the hotline
    menu at once. Not DialCallStatus: it says 'completed' for a voicemail too. Twilio's DialBridged stands in only
    when Redis cannot say (only a key press connects the two)."""
    app, form = hotline(), fields()
    taken = screening.taken(app.store, form.get("CallSid", ""))
    if taken or (taken is None and carrier.bridged(form)):
        note(outcome="taken by staff")
        who, _ = _caller(form.get("From", ""), form.get("CallSid", ""))
        app.store.commit(who, Changes(counts=counts_for("voice", None, outcomes=["taken by staff"], new=False)),
                         day=app.today())
        return twiml(voice.hang_up())
    return twiml(not_answered(form.get("From", ""), carrier.attested(form.get("StirVerstat")), form.get("CallSid", "")))


@bp.post("/whisper")
def whisper():
    """The Welcome Center answered a forwarded call: before the family is connected, whoever answered hears who calls
    and which key takes the call."""
    note(outcome="whisper")
    return twiml(voice.whisper(hotline().catalog))


@bp.post("/whisper/key")
def whisper_key():
    """A key on the Welcome Center's leg: a person took the call. Recorded for the caller's call (ParentCallSid),
    then nothing more on this leg, so Twilio connects the two."""
    form = fields()
    if not form.get("Digits", "").strip():
        return twiml(voice.hang_up())
    stored = screening.mark_taken(hotline().store, form.get("ParentCallSid", ""))
    note(outcome="key pressed", stored=stored)
    return twiml(voice.connect_staff())


def _text_numbers(number: str, who: str, turn: Turn, loaded, send, changes: Changes, call_sid: str, now,
                  simulated: bool) -> Turn:
    """The caller pressed for a topic's numbers by text: send them (or say why not), within the budgets (but in the
    simulator, which only shows the text), keeping the text conversation when the list goes on after MORE."""
    app = hotline()
    loaded = loaded if loaded is not None else app.store.load(who, "voice")
    opted_out = loaded.opted_out if loaded.ok else app.store.known_opted_out(who)
    topic, state = turn.screens[-1].target, turn.state
    call = call_sid or f"no call id {who}"

    def take() -> str:
        return budgets.OK if simulated else app.budget.take(call, who, topic, now)

    done = texting.text_numbers(app.catalog, send, number, state.lang or "en", topic, opted_out=opted_out,
                                own=None if simulated else app.settings.phone_numbers, take=take,
                                give_back=lambda: None if simulated else app.budget.give_back(call, topic))
    if done.follow is not None:
        changes.sets.append((app.store.key("sms", who), record(done.follow, []), SESSION_TTL))
    return texted(state, topic, done.outcome)


def prompt(number: str, args, digits: str | None, speech: str | None, now=None, call_sid: str = "",
           send: texting.Send | None = None, confidence: float | None = None) -> str:
    """What the caller pressed or said at a prompt, written, counted and noted (webhook and simulator). send:
    how a caller's text goes (default: Twilio's REST API; the simulator shows it instead); confidence: Twilio's
    for speech (None: none given, as from the simulator's typed words)."""
    app = hotline()
    now = now or current_app.config["HOTLINE_CLOCK"]()
    day, (who, _) = app.today(), _caller(number, call_sid)
    retry = app.store.retry_field("voice", call_sid, args.get("s", ""), args.get("back", ""), digits or "",
                                  speech or "") if call_sid else ""
    loaded = app.store.load(who, "voice", retry=retry) if retry else None
    turn = voice.resume(app.catalog, args.get("s"), digits, speech, returning=args.get("back") == "1",
                        confidence=confidence)
    _, opens = _hours(now) if turn.state.after_hours else (False, None)
    texts = turn.screens[-1].node == TEXT_ME
    if loaded is not None and loaded.replay is not None:   # Twilio asked again: the same answer, done once
        note(outcome="retry")
        if texts:
            turn = texted(turn.state, turn.screens[-1].target, loaded.replay if loaded.replay in TEXT_OUTCOMES
                          else "again")
        return voice.document(app.catalog, turn, opens, _caller_id())
    changes = Changes()
    if texts:
        texter = send or (partial(app.texter, status_callback=status_url()) if app.texter else None)
        turn = _text_numbers(number, who, turn, loaded, texter, changes, call_sid, now, send is not None)
    events = {e.name for e in turn.events}
    language = turn.state.lang if "language" in events else None
    changes.counts = counts_for("voice", language, turn.events, new=False)
    if language and turn.state.verified:   # an unattested caller ID may be someone else's: its past is not touched
        changes.sets.append((app.store.key("lang", who), language, LANGUAGE_TTL))
    if "callback" in events:
        changes.sets.append(app.callbacks.entry(number, turn.state.lang or "en", now))
    if "forget" in events:   # offered only to an attested caller, and never an opt-out: that is Twilio's and STOP's
        changes.deletes += app.store.everything(who, keep=OPT_OUT_KINDS)
    document = voice.document(app.catalog, turn, opens, _caller_id())
    if retry and loaded is not None and loaded.ok and "forget" not in events:   # after ERASE nothing is kept
        outcome = next((e.value for e in turn.events if e.name == "textme"), "") if texts else ""
        changes.sets.append(app.store.call_steps(who, loaded, retry, outcome))
    stored = app.store.commit(who, changes, channel="voice", day=day, once=retry)   # a copy in flight: once
    if stored == DOWN and events & {"callback", "forget"}:   # never confirm what was not stored
        turn = voice.undone(turn.state)
        document = voice.document(app.catalog, turn, opens, _caller_id())
    note(lang=turn.state.lang, node=turn.state.node, outcome="end" if turn.end else "prompt",
         events=[e.name for e in turn.events], stored=stored)
    return document


@bp.post("/step")
def step():
    """Answer what the caller pressed or said at a prompt."""
    form = fields()
    return twiml(prompt(form.get("From", ""), request.args, form.get("Digits"), form.get("SpeechResult"),
                        call_sid=form.get("CallSid", ""), confidence=carrier.speech_confidence(form)))

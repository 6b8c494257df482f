"""POST /voice and what follows under /voice/: the incoming call, Gather actions, forwarding."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from hotline import voice
from hotline.callbacks import Callbacks
from hotline.web import hotline, note
from hotline.web.twilio import protect, twiml

bp = Blueprint("voice", __name__, url_prefix="/voice")
protect(bp, voice.fallback)
ANSWERED = {"completed", "answered"}


def _hours(now):
    """(open now, next opening) from schedule.yaml; always closed without a schedule."""
    schedule = hotline().catalog.schedule
    if schedule is None:
        return False, None
    return schedule.is_open(now), schedule.next_open(now)


def call(number: str, to: str, now=None):
    """A new call, counted and noted: forwarded while open, else the hotline (webhook and simulator)."""
    app = hotline()
    now = now or current_app.config["HOTLINE_CLOCK"]()
    is_open, opens = _hours(now)
    if is_open and app.catalog.schedule.forward_to:
        note(outcome="forwarded")
        app.count("voice", None, outcomes=["forwarded"])
        return voice.forward(app.catalog.schedule.forward_to, to)
    loaded = app.store.load(number, "voice")
    if loaded.limited:
        note(outcome="rate limited")
        app.count("voice", None, outcomes=["rate limited"])
        return voice.hang_up()
    turn = voice.start(app.catalog, loaded.lang, after_hours=not is_open)
    app.count("voice", turn.state.lang, turn.events, [] if loaded.ok else ["degraded"])
    note(lang=turn.state.lang, node=turn.state.node, stored=loaded.ok, outcome="menu")
    return voice.document(app.catalog, turn, opens)


@bp.post("")
def incoming():
    """Answer a call: the Welcome Center while it is open, else the hotline in the caller's language."""
    return twiml(call(request.form.get("From", ""), request.form.get("To", "")))


def not_answered(number: str):
    """The Welcome Center did not answer (or was busy): the hotline menu (webhook and simulator)."""
    app = hotline()
    loaded = app.store.load(number, "voice")
    turn = voice.start(app.catalog, loaded.lang)
    note(outcome="not answered", lang=turn.state.lang, node=turn.state.node)
    app.count("voice", None, outcomes=["not answered"], new=False)
    return voice.document(app.catalog, turn)


@bp.post("/forwarded")
def forwarded():
    """After ringing the Welcome Center: done if answered, else the hotline menu."""
    if request.form.get("DialCallStatus") in ANSWERED:
        return twiml(voice.hang_up())
    return twiml(not_answered(request.form.get("From", "")))


def prompt(number: str, args, digits: str | None, speech: str | None, now=None):
    """What the caller pressed or said at a prompt, counted and noted (webhook and simulator)."""
    app = hotline()
    now = now or current_app.config["HOTLINE_CLOCK"]()
    turn = voice.resume(app.catalog, args.get("s"), digits, speech, returning=args.get("back") == "1")
    language = turn.state.lang if any(e.name == "language" for e in turn.events) else None
    if language:
        app.store.remember(number, language)
    if any(e.name == "callback" for e in turn.events):
        Callbacks(app.store).request(number, turn.state.lang or "en", now)
    _, opens = _hours(now) if turn.state.after_hours else (False, None)
    app.count("voice", language, turn.events, new=False)
    note(lang=turn.state.lang, node=turn.state.node, outcome="end" if turn.end else "prompt",
         events=[e.name for e in turn.events])
    return voice.document(app.catalog, turn, opens)


@bp.post("/step")
def step():
    """Answer what the caller pressed or said at a prompt."""
    return twiml(prompt(request.form.get("From", ""), request.args, request.form.get("Digits"),
                        request.form.get("SpeechResult")))

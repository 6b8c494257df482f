"""POST /voice and what follows under /voice/: the incoming call, Gather actions, forwarding."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from hotline import voice
from hotline.callbacks import Callbacks
from hotline.web import hotline, note
from hotline.web.twilio import protect, twiml

bp = Blueprint("voice", __name__, url_prefix="/voice")
protect(bp, voice.fallback)
ANSWERED = {"completed", "answered"}


def _clock():
    return current_app.config["HOTLINE_CLOCK"]()


def _hours():
    """(open now, next opening) from schedule.yaml; always closed without a schedule."""
    schedule, now = hotline().catalog.schedule, _clock()
    if schedule is None:
        return False, None
    return schedule.is_open(now), schedule.next_open(now)


@bp.post("")
def incoming():
    """Answer a call: the Welcome Center while it is open, else the hotline in the caller's language."""
    app = hotline()
    is_open, opens = _hours()
    if is_open and app.catalog.schedule.forward_to:
        note(outcome="forwarded")
        return twiml(voice.forward(app.catalog.schedule.forward_to, request.form.get("To", "")))
    loaded = app.store.load(request.form.get("From", ""), "voice")
    if loaded.limited:
        note(outcome="rate limited")
        return twiml(voice.refuse())
    turn = voice.start(app.catalog, loaded.lang, after_hours=not is_open)
    note(lang=turn.state.lang, node=turn.state.node, stored=loaded.ok, outcome="menu")
    return twiml(voice.render(app.catalog, turn, opens))


@bp.post("/forwarded")
def forwarded():
    """After ringing the Welcome Center: done if answered, else the hotline menu."""
    if request.form.get("DialCallStatus") in ANSWERED:
        response = VoiceResponse()
        response.hangup()
        return twiml(response)
    app = hotline()
    loaded = app.store.load(request.form.get("From", ""), "voice")
    turn = voice.start(app.catalog, loaded.lang)
    note(outcome="not answered", lang=turn.state.lang, node=turn.state.node)
    return twiml(voice.render(app.catalog, turn))


@bp.post("/step")
def step():
    """Answer what the caller pressed or said at a prompt."""
    app = hotline()
    turn = voice.resume(app.catalog, request.args.get("s"), request.form.get("Digits"),
                        request.form.get("SpeechResult"), returning=request.args.get("back") == "1")
    number = request.form.get("From", "")
    if turn.state.lang and any(e.name == "language" for e in turn.events):
        app.store.remember(number, turn.state.lang)
    if any(e.name == "callback" for e in turn.events):
        Callbacks(app.store).request(number, turn.state.lang or "en", _clock())
    _, opens = _hours() if turn.state.after_hours else (False, None)
    note(lang=turn.state.lang, node=turn.state.node, outcome="end" if turn.end else "prompt",
         events=[e.name for e in turn.events])
    return twiml(voice.render(app.catalog, turn, opens))

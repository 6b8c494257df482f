"""POST /voice and /voice/step: Twilio's incoming-call webhook and the Gather actions that follow."""
from __future__ import annotations

import logging

from flask import Blueprint, request

from hotline import voice
from hotline.web import hotline
from hotline.web.twilio import protect, twiml

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")
protect(bp, voice.fallback)


@bp.post("")
def incoming():
    """Answer a call: straight to a returning caller's language, else the language choice."""
    app = hotline()
    loaded = app.store.load(request.form.get("From", ""), "voice")
    turn = voice.start(app.catalog, loaded.lang)
    log.info("voice", extra={"lang": turn.state.lang, "node": turn.state.node, "stored": loaded.ok})
    return twiml(voice.render(app.catalog, turn))


@bp.post("/step")
def step():
    """Answer what the caller pressed or said at a prompt."""
    app = hotline()
    before = request.args.get("s")
    turn = voice.resume(app.catalog, before, request.form.get("Digits"), request.form.get("SpeechResult"))
    if turn.state.lang and any(e.name == "language" for e in turn.events):
        app.store.remember(request.form.get("From", ""), turn.state.lang)
    log.info("voice", extra={"lang": turn.state.lang, "node": turn.state.node, "end": turn.end})
    return twiml(voice.render(app.catalog, turn))

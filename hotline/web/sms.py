"""POST /sms: Twilio's incoming-message webhook."""
from __future__ import annotations

from flask import Blueprint, request
from twilio.twiml.messaging_response import MessagingResponse

from hotline import conversation, sms
from hotline.render import fill
from hotline.web import hotline, note
from hotline.web.twilio import protect, twiml

bp = Blueprint("sms", __name__)


def fallback(catalog) -> MessagingResponse:
    """The text sent when something inside failed: the Welcome Center number, in the first two languages."""
    response = MessagingResponse()
    response.message("\n".join(fill(catalog, lang.code, "sms", "fallback") for lang in catalog.languages[:2]))
    return response


protect(bp, fallback)


def answer(number: str, body: str, media: bool = False, lang: str | None = None):
    """One text through the hotline, counted and noted: the TwiML and what happened (webhook and simulator)."""
    app = hotline()
    done = conversation.text(app.catalog, app.store, number, body, lang=lang, media=media)
    response = sms.document(tuple(done.replies))
    app.count("sms", done.lang, done.turn.events if done.turn else (), [done.outcome])
    note(lang=done.lang, node=done.turn.state.node if done.turn else None, outcome=done.outcome,
         stored=done.stored, segments=sum(r.segments for r in done.replies),
         encoding=",".join(sorted({r.encoding for r in done.replies})))
    return response, done


@bp.post("/sms")
def incoming():
    """Answer one text message."""
    media = request.form.get("NumMedia", "0").strip() not in ("", "0")
    response, _ = answer(request.form.get("From", ""), request.form.get("Body", ""), media)
    return twiml(response)

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
    response.message("\n".join(sms.written(catalog, lang.code, fill(catalog, lang.code, "sms", "fallback"))
                               for lang in catalog.languages[:2]))
    return response


protect(bp, fallback)


def answer(number: str, body: str, media: bool = False, lang: str | None = None, message_sid: str = ""):
    """One text through the hotline, counted and noted: the TwiML and what happened (webhook and simulator)."""
    app = hotline()
    retry = app.store.retry_field("sms", message_sid) if message_sid else ""
    done = conversation.text(app.catalog, app.store, number, body, lang=lang, media=media, retry=retry,
                             day=app.today(), own=app.settings.phone_numbers)
    note(lang=done.lang, node=done.turn.state.node if done.turn else None, outcome=done.outcome,
         stored=done.stored, segments=sum(r.segments for r in done.replies),
         encoding=",".join(sorted({r.encoding for r in done.replies})))
    return sms.document(tuple(done.replies)), done


@bp.post("/sms")
def incoming():
    """Answer one text message."""
    form = request.form
    media = form.get("NumMedia", "0").strip() not in ("", "0")
    response, _ = answer(form.get("From", ""), form.get("Body", ""), media, message_sid=form.get("MessageSid", ""))
    return twiml(response)

"""POST /sms: Twilio's incoming-message webhook."""
from __future__ import annotations

from flask import Blueprint
from twilio.twiml.messaging_response import MessagingResponse

from hotline import carrier, conversation, inbound, sms
from hotline.stats import delivery_counts
from hotline.render import fill
from hotline.web import hotline, note
from hotline.web.twilio import fields, protect, status_url, twiml

bp = Blueprint("sms", __name__)


def fallback(catalog) -> MessagingResponse:
    """The text sent when something inside failed: the Welcome Center number, in the first two languages."""
    response = MessagingResponse()
    response.message("\n".join(sms.written(catalog, lang.code, fill(catalog, lang.code, "sms", "fallback"))
                               for lang in catalog.languages[:2]))
    return response


protect(bp, fallback)


def answer(number: str, body: str, media: bool = False, lang: str | None = None, message_sid: str = "",
           opt_out_type: str | None = None, status: str | None = None, channel: str = "sms"):
    """One text through the hotline, by SMS or WhatsApp, counted and noted: the TwiML and what happened (webhook
    and simulator). status: where Twilio is to report the replies' delivery."""
    app = hotline()
    retry = app.store.retry_field("sms", message_sid) if message_sid else ""
    done = conversation.text(app.catalog, app.store, number, body, lang=lang, media=media, retry=retry,
                             day=app.today(), own=app.settings.phone_numbers, opt_out_type=opt_out_type,
                             channel=channel)
    note(channel=channel, lang=done.lang, node=done.turn.state.node if done.turn else None, outcome=done.outcome,
         stored=done.stored, segments=sum(r.segments for r in done.replies),
         encoding=",".join(sorted({r.encoding for r in done.replies if r.encoding})) or None)
    return sms.document(tuple(done.replies), status), done


@bp.post("/sms")
def incoming():
    """Answer one text message, by SMS or WhatsApp (a status callback sent here by mistake changes nothing)."""
    form = fields()
    if carrier.status_callback(form, hotline().settings.phone_numbers):
        note(outcome="status callback on /sms, ignored")
        return twiml(MessagingResponse())
    came = inbound.arrived(form)
    response, _ = answer(came.number, came.body, came.media, message_sid=form.get("MessageSid", ""),
                         opt_out_type=came.opt_out_type, status=status_url(), channel=came.channel)
    return twiml(response)


@bp.post("/status")
def delivery():
    """Twilio's message status callback: the outcome counted for the day, by status and error code, no identity."""
    form = fields()
    status = form.get("MessageStatus", form.get("SmsStatus", "")).strip().lower()
    if status in carrier.MESSAGE_STATUSES:
        app = hotline()
        code = form.get("ErrorCode", "").strip()
        mark = app.store.retry_field("status", form.get("MessageSid", ""), status)
        app.store.count_once(mark, app.today(), delivery_counts(status, code if code.isdigit() else ""))
        note(outcome=f"status {status}", error=code or None)
    return twiml(MessagingResponse())

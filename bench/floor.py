"""The least any hotline must do per webhook, for comparison: parse Twilio's form, check its signature
with RequestValidator, make one Redis round trip (a GET), and answer constant TwiML; served like the hotline."""
import os

import redis
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator, compare

from bare import SMS, VOICE

application = Flask(__name__)
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
store = redis.Redis.from_url(os.environ["REDIS_URL"])


def least(document: str) -> Response:
    url = f"{request.scheme}://{request.host}{request.path}"
    if not compare(validator.compute_signature(url, request.form), request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    store.get("floor")
    return Response(document, mimetype="text/xml")


@application.post("/sms")
def sms():
    return least(SMS)


@application.post("/voice")
def voice():
    return least(VOICE)

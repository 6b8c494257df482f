"""The least a correct stateful webhook does, for comparison: parse Twilio's form, check its signature with the
twilio SDK, read the caller's state and write it back (two Redis round trips, under a keyed hash of the number,
with a TTL), and answer constant TwiML; served like the hotline."""
import hashlib
import hmac
import os

import redis
from bare import SMS, VOICE
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator, compare

application = Flask(__name__)
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
store = redis.Redis.from_url(os.environ["REDIS_URL"])
secret = os.environ["HOTLINE_SECRET"].encode()


def least(document: str) -> Response:
    url = f"{request.scheme}://{request.host}{request.path}"
    if not compare(validator.compute_signature(url, request.form), request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    key = "floor:" + hmac.new(secret, request.form.get("From", "").encode(), hashlib.sha256).hexdigest()[:32]
    state = store.get(key) or b"0"
    store.set(key, str(int(state) + 1), ex=24 * 3600)
    return Response(document, mimetype="text/xml")


@application.post("/sms")
def sms():
    return least(SMS)


@application.post("/voice")
def voice():
    return least(VOICE)

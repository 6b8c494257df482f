"""Property-based hostile input: whatever arrives, the answer is well-formed TwiML or 403/404/405, never 5xx."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.twilio_client import TwilioClient

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
FIELDS = st.dictionaries(st.sampled_from(["From", "To", "Body", "Digits", "SpeechResult", "NumMedia", "CallSid",
                                          "DialCallStatus", "Confidence", "ParentCallSid", "DialBridged"])
                         | st.text(min_size=1, max_size=20),
                         ANY_TEXT, max_size=8)
ROUTES = st.sampled_from(["/sms", "/voice", "/voice/step", "/voice/forwarded", "/voice/whisper", "/voice/whisper/key",
                          "/voice/step?s=%7B%7D",
                          "/voice/step?s=" + "%7B%22channel%22%3A%22voice%22%2C%22node%22%3A%22legal%22%2C%22version%22%3A1%7D",
                          "/voice/step?s=garbage&back=1"])
CALLERS = st.integers(min_value=0, max_value=9999).map(lambda n: f"+1203555{n:04d}")
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _well_formed(reply) -> None:
    assert reply.status == 200, reply.body
    assert reply.content_type == "text/xml"
    assert ET.fromstring(reply.body).tag == "Response"


@SLOW
@given(route=ROUTES, fields=FIELDS)
def test_signed_webhooks_always_answer_twiml(twilio: TwilioClient, route, fields):
    _well_formed(twilio.post(route, fields))


@SLOW
@given(caller=CALLERS, body=ANY_TEXT, media=st.sampled_from(["0", "1", "", "-3", "x"]))
def test_any_text_body_gets_a_reply_within_three_segments(twilio: TwilioClient, caller, body, media):
    from hotline.segments import measure

    reply = twilio.text(caller, body, NumMedia=media)
    _well_formed(reply)
    assert all(measure(m).segments <= 3 for m in reply.messages)


@SLOW
@given(caller=CALLERS, digits=st.text(alphabet="0123456789*#", max_size=6), speech=ANY_TEXT)
def test_any_keys_or_speech_on_a_call_get_twiml(twilio: TwilioClient, caller, digits, speech):
    reply = twilio.call(caller)
    _well_formed(reply)
    if reply.gather is None:        # this caller is over the minute's limit: the call ends at once
        assert reply.hangup
        return
    action = reply.gather.get("action")
    for params in ({"Digits": digits}, {"SpeechResult": speech}, {}):
        _well_formed(twilio.post(action, {"From": caller, **params}))


@SLOW
@given(route=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/._-%0123456789", max_size=40)
       .filter(lambda r: not r.startswith("/")),   # "//x" would name a host to the test client
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
def test_unknown_routes_and_methods_are_never_5xx(app, route, method):
    response = app.test_client().open("/" + route, method=method)
    assert response.status_code < 500
    response.close()


@SLOW
@given(fields=FIELDS, signature=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_unsigned_or_forged_posts_change_nothing(twilio: TwilioClient, redis_client, fields, signature):
    before = sorted(redis_client.scan_iter("hotline:sms:*"))
    for route in ("/sms", "/voice", "/voice/step"):
        assert twilio.post(route, fields, signature=signature or "x").status == 403
    assert sorted(redis_client.scan_iter("hotline:sms:*")) == before

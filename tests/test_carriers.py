"""The hotline on a real Twilio number, where Twilio and the US carriers decide who gets a text. A model of what
Twilio documents (../shared/twilio/PLATFORM.md) stands between the family and the hotline: Twilio answers its own
opt-out, opt-in and help words itself (and still passes the text on), blocks every message to a number after an
opt-out (21610) until an opt-in word, and with Advanced Opt-Out sends OptOutType. The family must get exactly one
reply to a text that deserves one (Twilio's or the hotline's, never both), and nothing the hotline sends may be
lost to Twilio's block list, while the hotline believes it was delivered."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

from hotline import carrier
from hotline.stats import Stats
from tests.conftest import SECRET, TOKEN
from tests.servers import Gunicorn
from tests.twilio_client import ACCOUNT, HOTLINE, message_params, sid

FAMILY = "+18605550731"
# Twilio's documented keywords, written here from PLATFORM.md (not imported from the hotline, which they check).
TWILIO_OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
TWILIO_OPT_IN = ["START", "YES", "UNSTOP"]
TWILIO_HELP = ["HELP", "INFO"]


@dataclass
class Twilio:
    """Twilio's messaging, as PLATFORM.md describes it, in front of the hotline's /sms webhook."""

    post: object                                        # (path, params) -> (status, body)
    blocked: set = field(default_factory=set)          # numbers that opted out with Twilio
    delivered: list = field(default_factory=list)      # (who sent it, text) of every message the family gets
    refused: int = 0                                    # hotline messages Twilio refused (21610)

    def text(self, number: str, body: str, opt_out_type: str | None = None) -> list[str]:
        """A family's text: Twilio's own answer if it is one of its words, then the hotline's, as delivered."""
        word = body.strip().upper()
        kind = {"STOP": "stop", "START": "start", "HELP": "help"}.get(opt_out_type or "") or \
            ("stop" if word in TWILIO_OPT_OUT else "start" if word in TWILIO_OPT_IN else
             "help" if word in TWILIO_HELP else None)
        got = []
        if kind == "stop":
            self.blocked.add(number)
            got.append(("twilio", "You have successfully been unsubscribed. Reply START to resubscribe."))
        elif kind == "start":
            self.blocked.discard(number)
            got.append(("twilio", "You have successfully been re-subscribed to messages from this number."))
        elif kind == "help":
            got.append(("twilio", "Reply STOP to unsubscribe. Msg&Data Rates May Apply."))
        extra = {"OptOutType": opt_out_type} if opt_out_type else {}
        status, answer = self.post("/sms", message_params(number, body, **extra))
        assert status == 200
        for message in ET.fromstring(answer).iter("Message"):
            if number in self.blocked:
                self.refused += 1                    # error 21610: the hotline spoke to a number Twilio blocks
            else:
                got.append(("hotline", message.text))
        self.delivered += got
        return [who for who, _ in got]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, redis_url):
    server = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                       "HOTLINE_PHONE_NUMBER": HOTLINE, "TWILIO_ACCOUNT_SID": ACCOUNT},
                      tmp_path_factory.mktemp("gunicorn") / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def twilio_model(gunicorn, redis_client):
    return Twilio(gunicorn.post)


@pytest.mark.parametrize("word", TWILIO_OPT_OUT + ["stop", " Revoke ", "optout"])
def test_after_each_twilio_opt_out_word_the_hotline_agrees_with_twilio(twilio_model, word):
    assert twilio_model.text(FAMILY, "hola") == ["hotline"]
    assert twilio_model.text(FAMILY, word) == ["twilio"]                 # one reply: Twilio's
    for body in ("hola", "1", "SI", "SIM", "WI", "TAK", "نعم", "AYUDA", "BORRAR"):
        assert twilio_model.text(FAMILY, body) == [], body             # nothing, from anyone
    assert twilio_model.refused == 0                                   # the hotline never spoke into the block
    assert twilio_model.text(FAMILY, "START") == ["twilio"]            # Twilio's opt-in word: Twilio answers
    assert twilio_model.text(FAMILY, "hola") == ["hotline"]            # and the hotline is back


@pytest.mark.parametrize("word", TWILIO_OPT_IN + TWILIO_HELP)
def test_twilios_opt_in_and_help_words_get_one_reply(twilio_model, word):
    twilio_model.text(FAMILY, "hola")
    assert twilio_model.text(FAMILY, word) == ["twilio"]
    assert twilio_model.text(FAMILY, "4") == ["hotline"]
    assert "Ayuda legal" in twilio_model.delivered[-1][1]              # the conversation went on where it was


@pytest.mark.parametrize("opt_out_type, body", [("STOP", "PARAR"), ("STOP", "توقف"), ("STOP", "ANULUJ"),
                                                 ("HELP", "AYUDA"), ("START", "VOLVER")])
def test_each_opt_out_type_counts_whatever_the_body(twilio_model, opt_out_type, body):
    twilio_model.text(FAMILY, "hola")
    assert twilio_model.text(FAMILY, body, opt_out_type) == ["twilio"]
    after = twilio_model.text(FAMILY, "hola")
    assert after == ([] if opt_out_type == "STOP" else ["hotline"])
    if opt_out_type == "STOP":
        assert twilio_model.text(FAMILY, "VOLVER", "START") == ["twilio"]
        assert twilio_model.text(FAMILY, "hola") == ["hotline"]
    assert twilio_model.refused == 0


@pytest.mark.parametrize("word", ["PARAR", "RETE", "توقف", "停止", "СТОП", "SIMAMISHA"])
def test_a_familys_own_stop_word_is_the_hotlines_and_is_confirmed_once(twilio_model, word):
    """Not a word Twilio knows: Twilio delivers everything, so the hotline confirms it, then keeps quiet until its
    own start word or Twilio's."""
    twilio_model.text(FAMILY, "hola")
    assert twilio_model.text(FAMILY, word) == ["hotline"]
    confirmation = twilio_model.delivered[-1][1]
    assert "STOP" in confirmation and "START" in confirmation
    assert twilio_model.text(FAMILY, "hola") == []
    assert twilio_model.text(FAMILY, "START") == ["twilio"]
    assert twilio_model.text(FAMILY, "hola") == ["hotline"]


def test_an_unclear_first_text_gets_one_message(twilio_model):
    assert twilio_model.text(FAMILY, "ok") == ["hotline"]
    assert twilio_model.text("+18605550732", "INFO") == ["twilio"]     # six messages and 12 segments before


# --- delivery seen, never mistaken for a text ----------------------------------------------------------------------

def test_every_reply_asks_for_its_delivery_status(twilio):
    reply = twilio.text(FAMILY, "hola")
    (message,) = reply.root.iter("Message")
    assert message.get("action") == "http://localhost/status" and message.get("method") == "POST"


def test_status_callbacks_are_counted_by_status_and_error_code_once(twilio, app, redis_client):
    def report(message_sid, status, code=None):
        params = {"MessageSid": message_sid, "MessageStatus": status, "SmsStatus": status, "AccountSid": ACCOUNT,
                  "From": HOTLINE, "To": FAMILY, "ApiVersion": "2010-04-01", **({"ErrorCode": code} if code else {})}
        return twilio.post("/status", params)

    first, second, third = sid("SM"), sid("SM"), sid("SM")
    assert report(first, "sent").status == 200 and report(first, "delivered").status == 200
    report(first, "delivered")                                       # Twilio may post the same report again
    report(second, "undelivered", "30007")
    report(third, "failed", "30034")
    hotline = app.extensions["hotline"]
    counts = Stats(hotline.store).days(hotline.today(), 1)[0][1]
    assert counts["delivery:delivered"] == 1 and counts["delivery:undelivered"] == 1
    assert counts["error:30007"] == 1 and counts["error:30034"] == 1 and "sms" not in counts
    keys = [k.decode() for k in redis_client.scan_iter("hotline:*")]
    assert not any(k.startswith(("hotline:sms:", "hotline:lang:")) for k in keys)   # no conversation, no identity
    unsigned = twilio.post("/status", {"MessageSid": first, "MessageStatus": "failed"}, signature="nope")
    assert unsigned.status == 403


def test_a_status_callback_sent_to_the_sms_webhook_changes_nothing(twilio, app, redis_client):
    params = {"MessageSid": sid("SM"), "MessageStatus": "delivered", "SmsStatus": "delivered", "AccountSid": ACCOUNT,
              "From": HOTLINE, "To": FAMILY, "ApiVersion": "2010-04-01"}
    reply = twilio.post("/sms", params)
    assert reply.status == 200 and reply.messages == []
    assert list(redis_client.scan_iter("hotline:*")) == []            # no conversation, no count, nothing


@pytest.mark.parametrize("status", carrier.FINAL_CALL_STATUSES)
def test_a_call_status_callback_sent_to_the_voice_webhook_changes_nothing(twilio, redis_client, status):
    from tests.twilio_client import call_params

    reply = twilio.post("/voice", call_params(FAMILY, CallStatus=status))
    assert reply.status == 200 and reply.root.find("Gather") is None and reply.root.find("Dial") is None
    assert list(redis_client.scan_iter("hotline:*")) == []


def test_the_stats_page_and_command_show_delivery(settings, redis_client, make_app, redis_url):
    import os
    import subprocess
    import sys
    from dataclasses import replace

    from tests.test_staff_pages import ADMIN, Staff
    from tests.twilio_client import TwilioClient

    app = make_app(replace(settings, admin_token=ADMIN))
    twilio = TwilioClient(app.test_client(), TOKEN)
    twilio.post("/status", {"MessageSid": sid("SM"), "MessageStatus": "undelivered", "ErrorCode": "30007",
                            "From": HOTLINE, "To": FAMILY})
    page = Staff(app.test_client()).get("/stats").get_data(as_text=True)
    assert "undelivered: 1" in page and "error 30007: 1" in page
    env = {**os.environ, "REDIS_URL": redis_url, "HOTLINE_SECRET": SECRET.decode()}
    out = subprocess.run([sys.executable, "-m", "hotline.cli", "stats", "--days", "400"], capture_output=True,
                         text=True, env=env, timeout=60).stdout
    assert "undelivered 1" in out and "30007 1" in out


def test_chat_json_prints_a_line_for_every_input_twilio_keywords_included():
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_CONTENT_DIR")}
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "chat", "--from", FAMILY, "--json"],
                          input="hola\nHELP\nINFO\nAYUDA\nERASE\nPARAR\nSTOP\nhola\n", capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert all({"text", "segments", "encoding", "lang"} <= set(line) for line in lines)
    assert [line["outcome"] for line in lines if not line["text"]] == ["answered by Twilio", "answered by Twilio",
                                                                        "opted out", "opted out, no reply"]
    assert any("STOP" in line["text"] and "START" in line["text"] for line in lines)   # PARAR confirmed

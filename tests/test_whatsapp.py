"""Families on WhatsApp: Twilio posts their messages to the same /sms webhook, with From and To as whatsapp:+E164
and WhatsApp's own fields (../shared/twilio/PLATFORM.md, "WhatsApp through Twilio"). Each request here carries
every field Twilio sends for its message type, signed as Twilio signs it; the tests read what the family reads."""
from __future__ import annotations

import json
from dataclasses import replace

import phonenumbers
import pytest
from ruamel.yaml import YAML
from click.testing import CliRunner

from hotline.cli import main
from hotline.settings import PROJECT_ROOT
from tests.conftest import edit
from tests.test_staff_pages import ADMIN, Staff
from tests.twilio_client import ACCOUNT, HOTLINE, sid

FAMILY = "+18605550142"
WA_ID = FAMILY.lstrip("+")
PROFILE = "Mariana Quispe Huamán"   # the name a family gave their WhatsApp profile: never kept, never logged
LIMIT = 1600


def whatsapp_params(number: str, body: str, message_type: str = "text", profile: str = PROFILE,
                    **extra: str) -> dict[str, str]:
    """Every parameter Twilio posts to an incoming-message webhook for one WhatsApp message."""
    message = sid("SM")
    wa_id = number.lstrip("+")
    return {"SmsMessageSid": message, "NumMedia": "0", "ProfileName": profile, "MessageType": message_type,
            "SmsSid": message, "WaId": wa_id, "SmsStatus": "received", "Body": body, "To": f"whatsapp:{HOTLINE}",
            "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": message, "AccountSid": ACCOUNT,
            "ChannelMetadata": json.dumps({"type": "whatsapp", "data": {"context": {"ProfileName": profile,
                                                                                     "WaId": wa_id}}}),
            "From": f"whatsapp:{number}", "ApiVersion": "2010-04-01", **extra}


def media(kind: str, content_type: str) -> dict[str, str]:
    """The fields of a message that carries one file (picture, voice note, sticker, contact card)."""
    return {"NumMedia": "1", "MediaContentType0": content_type,
            "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid('MM')}/Media/{sid('ME')}"}


LOCATION = {"Latitude": "41.7658", "Longitude": "-72.6734", "Address": "500 Main St, Hartford, CT",
            "Label": "Casa de mi tía"}


class WhatsApp:
    """A family's WhatsApp, through Twilio, to the hotline."""

    def __init__(self, twilio, number: str = FAMILY):
        self.twilio, self.number = twilio, number

    def send(self, body: str = "", message_type: str = "text", **extra: str) -> list[str]:
        reply = self.twilio.post("/sms", whatsapp_params(self.number, body, message_type, **extra))
        assert reply.status == 200 and reply.content_type == "text/xml", reply.body
        return reply.messages


@pytest.fixture
def family(twilio) -> WhatsApp:
    return WhatsApp(twilio)


@pytest.fixture
def staff(settings, redis_client, make_app) -> Staff:
    """A signed-in staff member's browser, on an app with HOTLINE_ADMIN_TOKEN set (the same Redis as twilio's)."""
    return Staff(make_app(replace(settings, admin_token=ADMIN)).test_client())


def _content(name: str) -> dict:
    return YAML(typ="safe").load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


def test_hola_gets_the_spanish_menu_with_its_accents(family):
    (menu,) = family.send("hola, necesito ayuda")
    assert menu.startswith("Línea para familias de las Escuelas Públicas de Hartford")
    assert "Información, no asesoría legal" in menu and "Responda con un número:" in menu
    assert "Si agentes de inmigración llegan a una escuela" in menu and "6 Denunciar discriminación" in menu
    assert "MORE" not in menu and "MAS" not in menu and "(1/" not in menu   # no paging on WhatsApp


def test_a_ukrainian_family_gets_every_legal_organization_and_number_in_one_message(family):
    (menu,) = family.send("Доброго дня, мені потрібна допомога")
    assert "Юрдопомога" in menu
    (legal,) = family.send("4")
    assert legal.startswith("*Юрдопомога*\n")                       # the topic's name, bold on WhatsApp
    assert "Юридична допомога з імміграції" in legal and len(legal) <= LIMIT
    resources = _content("prompts/resources.yaml")
    listed = _content("prompts/menu.yaml")["legal"]["resources"]
    assert len(listed) >= 5
    for rid in listed:
        also = resources[rid].get("also", [])
        for number in [resources[rid]["phone"]] + ([also] if isinstance(also, str) else list(also)):
            shown = phonenumbers.format_number(phonenumbers.parse(number, "US"), phonenumbers.PhoneNumberFormat.NATIONAL)
            assert shown in legal, (rid, shown)


def test_a_number_that_texted_in_polish_is_answered_in_polish_on_whatsapp(twilio, family):
    assert "Odpisz" in twilio.text(FAMILY, "dzień dobry, potrzebuję pomocy").messages[0]
    (menu,) = family.send("👋")
    assert "Linia dla rodzin Szkół Publicznych w Hartford" in menu and "4 Bezpłatna pomoc prawna" in menu
    (legal,) = family.send("4")
    assert legal.startswith("*") and "(860) 692-3085" in legal


def test_stop_then_nothing_until_start_on_whatsapp(family):
    family.send("hola")
    (stopped,) = family.send("STOP")
    assert stopped.startswith("No recibirá más respuestas de esta línea por WhatsApp")   # the family's language
    assert family.send("hola") == [] and family.send("4") == []
    (help_text,) = family.send("HELP")                                    # help is still answered
    assert "Centro de Bienvenida (860) 695-8400" in help_text
    again = family.send("START")
    assert again[0].startswith("Volverá a recibir respuestas") and "Responda con un número" in again[1]
    assert "Ayuda legal de inmigración" in family.send("4")[0]


@pytest.mark.parametrize("stop, start", [("STOP", "START"), ("PARAR", "SI")])
def test_a_retried_start_after_a_later_stop_sends_nothing(family, stop, start):
    """Twilio retries a message whose answer it did not get (a timeout), with the same MessageSid: a START retried
    after the family's next STOP must not tell them they get answers again, nor send the menu."""
    family.send("hola")
    family.send(stop)
    first = whatsapp_params(FAMILY, start)
    assert len(family.twilio.post("/sms", first).messages) == 2           # "you will get answers again", the menu
    assert len(family.send(stop)) == 1
    assert family.twilio.post("/sms", first).messages == []              # the retry: nothing, and still stopped
    assert family.send("4") == []


def test_a_retried_stop_after_a_later_start_confirms_nothing(family):
    family.send("hola")
    first = whatsapp_params(FAMILY, "STOP")
    assert len(family.twilio.post("/sms", first).messages) == 1
    family.send("START")
    assert family.twilio.post("/sms", first).messages == []              # no "no more replies": it is not stopped
    assert "Ayuda legal de inmigración" in family.send("4")[0]


def test_a_retried_sms_start_word_after_a_later_stop_word_sends_nothing(twilio):
    from tests.twilio_client import message_params

    twilio.text(FAMILY, "hola")
    twilio.text(FAMILY, "PARAR")
    first = message_params(FAMILY, "SI")
    assert len(twilio.post("/sms", first).messages) == 2
    twilio.text(FAMILY, "PARAR")
    assert twilio.post("/sms", first).messages == [] and twilio.text(FAMILY, "4").messages == []


def test_a_familys_own_stop_word_stops_whatsapp_too(family):
    family.send("dzień dobry")
    (stopped,) = family.send("ANULUJ")
    assert stopped.startswith("Nie dostaniesz już odpowiedzi z tej linii na WhatsAppie") and "SMS" not in stopped
    assert family.send("4") == []
    assert "4 Bezpłatna pomoc prawna" in family.send("TAK")[-1]


def test_whatsapp_stop_leaves_sms_answered_and_sms_stop_leaves_whatsapp_answered(twilio, family):
    family.send("hola")
    family.send("STOP")
    assert "Ayuda legal gratuita" in twilio.text(FAMILY, "hola").messages[0]   # SMS still answered
    assert family.send("hola") == []
    family.send("START")
    assert twilio.text(FAMILY, "STOP").messages == []   # Twilio answers its STOP by SMS and blocks SMS
    assert twilio.text(FAMILY, "hola").messages == []
    assert "Ayuda legal" in family.send("4")[0]          # WhatsApp goes on


def test_with_advanced_opt_out_twilio_answers_and_the_hotline_agrees(family):
    family.send("hola")
    assert family.send("BASTA", OptOutType="STOP") == []   # Twilio confirmed it in the district's words
    assert family.send("hola") == []
    assert family.send("VOLVER", OptOutType="START") == []
    assert "Responda con un número" in family.send("hola")[0]


def test_erase_on_one_channel_erases_both(twilio, family, redis_client):
    twilio.text(FAMILY, "dzień dobry")
    family.send("hola")
    family.send("STOP")
    assert list(redis_client.scan_iter("hotline:whatsapp-optout:*"))
    (done,) = twilio.text(FAMILY, "ERASE").messages
    assert done.startswith("Gotowe: usuneli")   # by SMS, Polish folded
    assert not [k for k in redis_client.scan_iter("hotline:*")
                if k.split(b":")[1] in (b"sms", b"whatsapp", b"lang", b"optout", b"whatsapp-optout")]
    assert "Reply with the number of your language" in family.send("👋")[0]   # nothing remembered, not stopped


def test_erase_on_whatsapp_erases_the_sms_side_but_keeps_twilios_block(twilio, family, redis_client):
    twilio.text(FAMILY, "hola")
    twilio.text(FAMILY, "STOP")                     # Twilio's own block list: only Twilio's START lifts it
    family.send("hola")
    (done,) = family.send("BORRAR")
    assert done.startswith("Listo: borramos todo lo que guardábamos")
    assert not list(redis_client.scan_iter("hotline:sms:*")) and not list(redis_client.scan_iter("hotline:lang:*"))
    assert twilio.text(FAMILY, "hola").messages == []   # still blocked by Twilio: nothing sent that would fail


@pytest.mark.parametrize("kind, extra", [
    ("location", LOCATION),
    ("audio", media("audio", "audio/ogg")),
    ("image", media("image", "image/jpeg")),
    ("sticker", media("sticker", "image/webp")),
    ("contacts", media("contacts", "text/vcard")),
    ("video", media("video", "video/mp4")),
    ("document", media("document", "application/pdf")),
    ("reaction", {}),
    ("unsupported", {}),
])
def test_what_cannot_be_read_gets_the_media_notice_and_the_menu_in_the_familys_language(family, kind, extra):
    family.send("hola")
    (reply,) = family.send("", kind, **extra)
    assert reply.startswith("Solo podemos leer texto, no fotos ni grabaciones.")
    assert "Responda con un número" in reply and "4 Ayuda legal gratuita" in reply


def test_a_voice_note_as_a_first_message_is_answered_in_the_remembered_language(twilio, family):
    twilio.text(FAMILY, "dzień dobry")
    (reply,) = family.send("", "audio", **media("audio", "audio/ogg"))
    assert reply.startswith("Czytamy tylko tekst, nie zdjęcia ani nagrania.") and "Bezpłatna pomoc prawna" in reply


def test_a_picture_with_a_caption_is_read_by_its_caption(family):
    family.send("hola")
    (reply,) = family.send("4", "image", **media("image", "image/jpeg"))
    assert "Ayuda legal de inmigración" in reply


def test_a_button_reply_is_read_by_its_payload(family):
    family.send("hola")
    (reply,) = family.send("Ayuda legal", "button", ButtonText="Ayuda legal", ButtonPayload="4")
    assert reply.startswith("*Ayuda legal gratuita*")
    (menu,) = family.send("Menú", "button", ButtonText="MENU", ButtonPayload="")
    assert "Responda con un número" in menu


def test_forwarded_messages_and_ad_referrals_are_read_as_text(family):
    (menu,) = family.send("hola", Forwarded="true", FrequentlyForwarded="true", ReferralBody="Escuelas",
                          ReferralHeadline="Línea", ReferralSourceType="ad", ReferralSourceId="1",
                          ReferralSourceUrl="https://fb.me/x", ReferralNumMedia="0")
    assert "Responda con un número" in menu


def test_arabic_on_whatsapp_keeps_numbers_in_order(family):
    from hotline.rtl import LRM

    family.send("مرحبا، أحتاج مساعدة")
    (legal,) = family.send("4")
    assert legal.startswith("*مساعدة قانونية*") and f"{LRM}(860) 695-6337" in legal


def test_whatsapp_and_sms_conversations_do_not_overwrite_each_other(twilio, family):
    family.send("hola")
    twilio.text(FAMILY, "hello")
    assert "Ayuda legal de inmigración" in family.send("4")[0]   # WhatsApp goes on in Spanish, in its own place
    assert "Reply with a number" in twilio.text(FAMILY, "menu").messages[0]


def test_nothing_of_the_family_is_kept_or_logged(app, twilio, family, redis_client, logged):
    for body in ("hola", "4", "my son Pedro", "STOP", "START"):
        family.send(body)
    family.send("", "location", **LOCATION)
    family.send("", "audio", **media("audio", "audio/ogg"))
    family.send("1", "button", ButtonText="Uno", ButtonPayload="1")
    twilio.text(FAMILY, "hola")
    keys = list(redis_client.scan_iter("*"))
    assert any(k.startswith(b"hotline:whatsapp:") for k in keys)
    values = [redis_client.dump(k) or b"" for k in keys]
    blob = b"\n".join(keys + values).decode("latin-1") + b"\n".join(keys + values).decode("utf-8", "replace")
    log = logged.getvalue()
    assert log.count("\n") >= 8
    for secret in (FAMILY, WA_ID, WA_ID[1:], "Mariana", "Quispe", "41.7658", "-72.6734", "500 Main", "Pedro",
                   "Casa de mi t"):
        assert secret not in blob, f"{secret} in Redis"
        assert secret not in log, f"{secret} in the log"
    for key in keys:   # by a Redis TTL, or (what no memory policy may evict) by the hotline's own sweep
        if key != b"hotline:expiry":
            assert redis_client.ttl(key) > 0 or redis_client.zscore("hotline:expiry", key), f"{key!r} never expires"


def test_a_whatsapp_opt_out_is_swept_when_due(family, redis_client, app):
    family.send("STOP")
    (key,) = list(redis_client.scan_iter("hotline:whatsapp-optout:*"))
    assert redis_client.ttl(key) == -1 and redis_client.zscore("hotline:expiry", key)
    store = app.extensions["hotline"].store
    store.sweep(now=redis_client.zscore("hotline:expiry", key) + 1)
    assert not redis_client.exists(key)


def test_stats_count_whatsapp_as_its_own_channel(app, twilio, family, redis_url, now):
    import datetime as dt
    import os
    import subprocess
    import sys

    from hotline.stats import Stats, Table

    now.value = dt.datetime.now(dt.timezone.utc)
    family.send("hola")
    family.send("4")
    WhatsApp(twilio, "+18605550143").send("مرحبا")
    twilio.text("+18605550144", "hello")
    hotline = app.extensions["hotline"]
    table = Table.of(Stats(hotline.store).days(hotline.today(), 1))
    assert table.totals("whatsapp") == {"": 3} and table.totals("sms") == {"": 1}
    assert table.totals("whatsapp:lang:") == {"es": 2, "ar": 1}
    env = {**os.environ, "REDIS_URL": redis_url, "HOTLINE_SECRET": "x" * 32}
    shown = subprocess.run([sys.executable, "-m", "hotline.cli", "stats"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "texts 1, WhatsApp messages 3, calls 0" in shown.stdout
    assert "languages (WhatsApp): es 2, ar 1" in shown.stdout


def test_the_stats_page_shows_whatsapp(staff, twilio):
    WhatsApp(twilio).send("hola")
    WhatsApp(twilio).send("4")
    twilio.text("+18605550145", "hola")
    page = staff.get("/stats").get_data(as_text=True)
    assert 'id="whatsapp">2<' in page and 'id="texts">1<' in page and "Español (es)" in page


def test_the_simulator_sends_as_whatsapp(staff):
    reply = staff.post("/simulator/sms", json={"session": "w1", "body": "hola", "channel": "whatsapp"}).get_json()
    assert reply["channel"] == "whatsapp"
    (menu,) = reply["replies"]
    assert menu["segments"] == 0 and menu["encoding"] == "" and "Responda con un número" in menu["text"]
    legal = staff.post("/simulator/sms", json={"session": "w1", "body": "4", "channel": "whatsapp"}).get_json()
    assert legal["replies"][0]["text"].startswith("*Ayuda legal gratuita*")
    sms = staff.post("/simulator/sms", json={"session": "w1", "body": "4"}).get_json()   # the same phone, by SMS
    assert sms["channel"] == "sms" and sms["replies"][0]["encoding"] == "GSM-7"


@pytest.mark.parametrize("payload, told", [
    (["hola"], "JSON object"),
    ({"session": "w2", "body": ["STOP"]}, "body: text expected"),
    ({"session": "w2", "body": "hola", "lang": ["es"]}, "lang: text expected"),
    ({"session": "w2", "body": "hola", "lang": "xx"}, "not a language the hotline serves"),
    ({"session": "w2", "body": "hola", "channel": "telegram"}, "channel: one of sms, whatsapp"),
])
def test_the_simulator_says_what_is_wrong_with_a_request_and_changes_nothing(staff, redis_client, payload, told):
    answer = staff.post("/simulator/sms", json=payload)
    assert answer.status_code == 400 and told in answer.get_data(as_text=True)
    assert not [k for k in redis_client.scan_iter("hotline:*") if b"optout" in k or b":sms:" in k]


def test_the_simulator_reads_its_channel_in_any_case_and_gives_each_tab_its_own_phone(staff):
    reply = staff.post("/simulator/sms", json={"session": "x", "body": "hola", "channel": "WhatsApp"}).get_json()
    assert reply["channel"] == "whatsapp"
    staff.post("/simulator/sms", json={"session": "x", "body": "STOP"})
    other = staff.post("/simulator/sms", json={"session": "z", "body": "hola"}).get_json()   # another tab
    assert other["replies"] and "Responda con un numero" in other["replies"][0]["text"]   # SMS: accents folded


def test_check_warns_where_whatsapp_would_split_and_long_topics_go_in_numbered_parts(content_copy, settings,
                                                                                       redis_client, make_app):
    from hotline import whatsapp
    from hotline.content import load
    from hotline.engine import Screen

    clean = CliRunner().invoke(main, ["check", "--content-dir", str(content_copy)])
    assert clean.exit_code == 0 and "whatsapp" not in clean.output.lower()
    long = ("Las familias tienen derechos. " * 60).strip()   # 1,800 characters: over one WhatsApp message
    edit(content_copy / "translations/es.yaml", "support: |-\n", f"support: |-\n  {long}\n")
    result = CliRunner().invoke(main, ["check", "--content-dir", str(content_copy)])
    assert result.exit_code == 0   # a warning, not an error
    warned = [line for line in result.output.splitlines() if "WhatsApp" in line]
    assert any(line.startswith("translations/es.yaml:") and "support:" in line for line in warned), result.output
    catalog, _ = load(content_copy)
    sent = [reply.text for reply in whatsapp.messages(catalog, "es", Screen("support"))]
    assert len(sent) == 2 and all(len(text) <= LIMIT for text in sent)
    assert sent[0].startswith("(1/2) *Comida, vivienda y apoyo para los niños*") and sent[1].startswith("(2/2) ")
    assert "(860) 692-3085" in sent[1] and sent[1].endswith("0 Menú")   # cut between lines, never in a listing


def test_hotline_chat_writes_as_whatsapp(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_CONTENT_DIR")}
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "chat", "--from", f"whatsapp:{FAMILY}", "--json"],
                            input="hola\n4\nSTOP\nhola\n", capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    replies = [json.loads(block) for block in result.stdout.split("\n\n") if block.strip()]
    assert [r["channel"] for r in replies] == ["whatsapp"] * 4
    assert "Responda con un número" in replies[0]["text"] and replies[0]["segments"] == 0
    assert replies[0]["encoding"] is None and replies[0]["lang"] == "es"
    assert replies[1]["text"].startswith("*Ayuda legal gratuita*") and "(860) 541-5030" in replies[1]["text"]
    assert replies[2]["text"].startswith("No recibirá más respuestas") and replies[3]["text"] == ""
    assert FAMILY not in result.stderr and WA_ID not in result.stderr


@pytest.mark.parametrize("sender, told", [
    ("whatsapp:", "is not a phone number"),
    ("whatsapp:+18605550142@c.us", "is not a phone number"),
    (f"whatsapp:{HOTLINE}", None),                                       # the hotline's own number: never answered
])
def test_hotline_chat_refuses_what_is_not_a_number_and_ignores_its_own(sender, told):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_CONTENT_DIR")}
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "chat", "--from", sender, "--json"], input="hola\n",
                            capture_output=True, text=True, env={**env, "HOTLINE_PHONE_NUMBER": HOTLINE}, timeout=120)
    if told:
        assert result.returncode == 2 and told in result.stderr and "Traceback" not in result.stderr
    else:
        assert result.returncode == 0 and json.loads(result.stdout.strip())["outcome"] == "ignored sender"


@pytest.mark.parametrize("sender", [f"whatsapp:{HOTLINE}", f"WhatsApp:{HOTLINE}", f"whatsapp: {HOTLINE}"])
def test_a_whatsapp_status_callback_on_the_message_webhook_changes_nothing(twilio, app, redis_client, sender):
    reply = twilio.post("/sms", {"MessageSid": "SM" + "7" * 32, "AccountSid": ACCOUNT, "MessageStatus": "read",
                                 "From": sender, "To": f"whatsapp:{FAMILY}", "ApiVersion": "2010-04-01"})
    assert reply.status == 200 and reply.messages == []
    assert list(redis_client.scan_iter("hotline:whatsapp:*")) == []
    assert list(redis_client.scan_iter("hotline:stats:*")) == []                       # not counted as a message

"""Texts in any language and script: understood, cheap in segments, and STOP always honoured."""
from __future__ import annotations

import time

import pytest

from hotline import carrier
from hotline.content import load
from hotline.segments import clean, measure
from hotline.settings import PROJECT_ROOT, Settings
from tests.conftest import TOKEN, edit
from tests.twilio_client import TwilioClient

CATALOG, _ = load(PROJECT_ROOT)
NUMBER = "+18605550180"
GSM_CAPABLE = {"en", "es", "pt", "ht", "pl", "bs", "sw"}

FIRST_TEXTS = [   # real-world first texts, not keywords, with the language a family would expect back
    ("Hello, I need help with my son's school", "en"),
    ("hi can ICE come into my daughters school??", "en"),
    ("hola necesito ayuda", "es"),
    ("buenas tardes quiero informacion para mi hija", "es"),
    ("Boa tarde, preciso de ajuda com a escola do meu filho", "pt"),
    ("bonjou mwen bezwen èd pou pitit mwen", "ht"),
    ("Bonswa, kijan m ka enskri timoun mwen", "ht"),
    ("مرحبا أحتاج مساعدة", "ar"),
    ("السلام عليكم ابني خائف من المدرسة", "ar"),
    ("你好，我需要帮助", "zh"),
    ("我的孩子可以上学吗", "zh"),
    ("Dzień dobry, potrzebuję pomocy", "pl"),
    ("czy moje dziecko może chodzić do szkoły", "pl"),
    ("Zdravo, trebam pomoć za dijete", "bs"),
    ("dobar dan, da li moje dijete može ići u školu", "bs"),
    ("سلام، زه مرسته غواړم", "ps"),
    ("زما ماشوم ښوونځي ته ځي", "ps"),
    ("سلام، من به کمک نیاز دارم", "prs"),
    ("طفل من به مکتب می‌رود", "prs"),
    ("Habari, nahitaji msaada", "sw"),
    ("mtoto wangu anaweza kwenda shule", "sw"),
    ("Привіт, мені потрібна допомога", "uk"),
    ("Чи може моя дитина ходити до школи", "uk"),
]


def _in(code: str, msg_id: str) -> str:
    return clean(CATALOG.text(code, msg_id), CATALOG.language(code).fold_accents)


@pytest.mark.parametrize("body, code", FIRST_TEXTS, ids=[f"{c}-{i}" for i, (_, c) in enumerate(FIRST_TEXTS)])
def test_a_first_text_is_answered_in_its_language_with_how_to_switch(twilio, body, code):
    (reply,) = twilio.text(NUMBER, body).messages
    assert _in(code, "legal.label") in reply
    assert _in(code, "languages.footer") in reply


def test_a_chosen_language_sticks_and_a_language_keyword_switches_it(twilio):
    twilio.text(NUMBER, "ESPAÑOL")
    assert _in("es", "legal") in twilio.text(NUMBER, "I need a lawyer").messages[0]   # still Spanish
    assert _in("pt", "legal.label") in twilio.text(NUMBER, "PORTUGUES").messages[0]
    assert _in("pt", "school") in twilio.text(NUMBER, "1").messages[0]


def test_a_guessed_language_gives_way_to_a_text_clearly_in_another(twilio):
    twilio.text(NUMBER, "hola necesito ayuda")                                        # Spanish, guessed
    assert _in("en", "legal.label") in twilio.text(NUMBER, "I need help please, I don't read Spanish").messages[0]


@pytest.mark.parametrize("body, topic", [("uno", "school"), (" 1. ", "school"), ("4!!!", "legal"), ("  ABOGADO ", "legal"),
                                          ("necesito un abogado por favor", "legal"), ("Seis", "report"), ("٤", "legal")])
def test_menus_by_number_or_word_in_spanish(twilio, body, topic):
    twilio.text(NUMBER, "hola")
    assert _in("es", topic).split("\n")[0] in twilio.text(NUMBER, body).messages[0]


def _first(code: str, msg_id: str) -> str:
    return CATALOG.messages[code].get(msg_id, CATALOG.messages["en"][msg_id]).split(",")[0].strip()


OWN_STOP = sorted(code for code, table in CATALOG.messages.items()   # languages with a stop word of their own
                  if any(w.strip().upper() not in carrier.OPT_OUT for w in table.get("keyword.stop", "").split(",")))


@pytest.mark.parametrize("code", OWN_STOP)
def test_a_familys_own_stop_word_is_honoured_at_once_confirmed_and_its_start_resumes(twilio, redis_client, code):
    """A stop word of the family's language (PARAR, توقف): the hotline's own opt-out, confirmed once in that language
    with Twilio's STOP and START; Twilio's own words are Twilio's to answer (see the tests after this one)."""
    twilio.text(NUMBER, CATALOG.language(code).names[0])
    stop = next(w.strip() for w in CATALOG.messages[code]["keyword.stop"].split(",")
                if w.strip() and w.strip().upper() not in carrier.OPT_OUT)
    (confirmed,) = twilio.text(NUMBER, stop).messages
    assert confirmed == _in(code, "stopped") and "STOP" in confirmed and "START" in confirmed
    assert twilio.text(NUMBER, "1").messages == []
    assert twilio.text(NUMBER, "hola").messages == []
    for key in redis_client.scan_iter("hotline:sms:*"):       # the conversation expires...
        redis_client.delete(key)
    assert twilio.text(NUMBER, "help me").messages == []       # ...and the opt-out still holds
    (optout,) = list(redis_client.scan_iter("hotline:optout:*"))
    assert redis_client.ttl(optout) == -1 and redis_client.zscore("hotline:expiry", optout) > time.time() + 365 * 86400
    start = next(w.strip() for w in CATALOG.messages[code]["keyword.start"].split(",")
                 if w.strip() and w.strip().upper() not in carrier.OPT_IN)
    optin, menu, *_ = twilio.text(NUMBER, start).messages
    assert optin == _in(code, "optin") and "HELP" in optin and "STOP" in optin
    assert _in(code if code != "en" else "es", "legal.label") in menu


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "revoke", "OptOut",
                                  " stop "])
def test_twilios_own_opt_out_words_get_no_reply_and_only_its_opt_in_words_lift_them(twilio, redis_client, word):
    """Twilio answers its words itself and blocks every text to the number until START, YES or UNSTOP (PLATFORM.md):
    one reply per text, and the hotline's opt-out equals Twilio's block list."""
    twilio.text(NUMBER, "hola")
    assert twilio.text(NUMBER, word).messages == []
    assert twilio.text(NUMBER, "menu").messages == []
    for own in ("SI", "SÍ", "SIM", "WI", "TAK", "نعم", "EMPEZAR"):   # the hotline's own words: Twilio still blocks
        assert twilio.text(NUMBER, own).messages == [], own
    assert list(redis_client.scan_iter("hotline:optout:*"))
    assert twilio.text(NUMBER, "UNSTOP").messages == []            # Twilio answers it ...
    assert _in("es", "legal.label") in twilio.text(NUMBER, "0").messages[0]   # ... and the family is back


@pytest.mark.parametrize("word", ["START", "yes", "Unstop", "HELP", "info"])
def test_twilios_opt_in_and_help_words_get_no_second_reply_and_change_no_place(twilio, word):
    twilio.text(NUMBER, "hola")
    twilio.text(NUMBER, "3")                                        # rights at home: a topic with its own options
    assert twilio.text(NUMBER, word).messages == []
    assert _in("es", "plan.label") not in twilio.text(NUMBER, "2").messages[0]   # 2 is still the topic's own option


@pytest.mark.parametrize("opt_out_type, body", [("STOP", "PARAR"), ("STOP", "anything at all"), ("HELP", "AYUDA"),
                                                 ("START", "VOLVER")])
def test_opt_out_type_decides_whatever_the_body(twilio, redis_client, opt_out_type, body):
    """With Advanced Opt-Out the district sets its own keywords; Twilio then sends OptOutType and answers itself."""
    twilio.text(NUMBER, "hola")
    assert twilio.text(NUMBER, body, OptOutType=opt_out_type).messages == []
    assert bool(list(redis_client.scan_iter("hotline:optout:*"))) == (opt_out_type == "STOP")
    if opt_out_type == "STOP":
        assert twilio.text(NUMBER, "hola").messages == []
        assert twilio.text(NUMBER, "VOLVER", OptOutType="START").messages == []
        assert twilio.text(NUMBER, "hola").messages


@pytest.mark.parametrize("code", sorted(CATALOG.messages))
def test_help_names_the_program_the_welcome_center_and_twilios_stop(twilio, code):
    """What carriers expect of HELP (PLATFORM.md, us_app_to_person HelpMessage: 20 to 320 characters): the program's
    name, a contact and how to stop with a word Twilio knows. Twilio's HELP and INFO are Twilio's to answer; a
    family's own help word gets the hotline's."""
    text = _in(code, "help").replace("{emergency}", "911").replace("{welcome}", "(860) 695-8400")
    assert 20 <= len(text) <= 320 and "STOP" in text and "911" in text
    twilio.text(NUMBER, CATALOG.language(code).names[0])
    assert twilio.text(NUMBER, "HELP").messages == []
    own = [w.strip() for w in CATALOG.messages[code].get("keyword.help", "").split(",")
           if w.strip() and w.strip().upper() not in carrier.HELP]
    for word in own:
        (reply,) = twilio.text(NUMBER, word).messages
        assert "(860) 695-8400" in reply and "STOP" in reply and measure(reply).segments <= 3


def test_erase_after_twilios_stop_keeps_the_opt_out_twilio_keeps_and_says_nothing_untrue(twilio, redis_client):
    twilio.text(NUMBER, "hola")
    twilio.text(NUMBER, "STOP")
    assert twilio.text(NUMBER, "BORRAR").messages == []                 # Twilio would block any reply
    assert list(redis_client.scan_iter("hotline:optout:*")) and not list(redis_client.scan_iter("hotline:sms:*"))
    assert twilio.text(NUMBER, "hola").messages == []


def test_erase_after_a_familys_own_stop_deletes_it_too(twilio, redis_client):
    twilio.text(NUMBER, "hola")
    twilio.text(NUMBER, "PARAR")
    (done,) = twilio.text(NUMBER, "BORRAR").messages
    assert done == _in("es", "forgotten") and not list(redis_client.scan_iter("hotline:optout:*"))
    assert twilio.text(NUMBER, "hola").messages


@pytest.mark.parametrize("code", sorted(CATALOG.messages))
def test_erase_deletes_everything_and_confirms_in_that_language(app, twilio, redis_client, code):
    twilio.text(NUMBER, CATALOG.language(code).names[0])
    twilio.text(NUMBER, "4")
    assert list(redis_client.scan_iter("hotline:sms:*")) and list(redis_client.scan_iter("hotline:lang:*"))
    twilio.text(NUMBER, "1")
    word = CATALOG.messages[code].get("keyword.forget", "ERASE").split(",")[0].strip()
    (reply,) = twilio.text(NUMBER, word).messages
    assert reply == _in(code, "forgotten")
    left = [k.decode() for k in redis_client.scan_iter("hotline:*")]
    # the hotline-wide rate count and the day's usage counts, and for five minutes the hashed ids of the texts
    # answered (so that Twilio's retries change nothing): none with anything that names the number
    who = app.extensions["hotline"].store.caller(NUMBER)
    assert all(k.startswith(("hotline:rate:all:", "hotline:stats:", "hotline:once:", "hotline:erased:"))
               for k in left), left
    assert not any(who in k or (redis_client.get(k) or b"").find(who.encode()) >= 0 for k in left
                   if redis_client.type(k) == b"string")


@pytest.mark.parametrize("code", sorted(CATALOG.messages))
def test_one_off_replies_fit_and_gsm_languages_stay_gsm(code):
    for msg_id in ("help", "forgotten", "media", "unclear"):
        text = _in(code, msg_id)
        assert measure(text).segments <= 3, (code, msg_id)
        if code in GSM_CAPABLE:
            assert measure(text).encoding == "GSM-7", (code, msg_id, text)


def test_a_long_topic_is_cut_at_a_line_and_more_gives_the_rest(twilio):
    twilio.text(NUMBER, "مرحبا")
    first = twilio.text(NUMBER, "4").messages[0]
    more = _in("ar", "more")
    assert first.endswith(more) and measure(first).segments <= 3
    pages = [first]
    while pages[-1].endswith(more):
        pages.append(twilio.text(NUMBER, "المزيد").messages[0])
    assert len(pages) >= 2 and all(measure(p).segments <= 3 for p in pages)
    whole = "\n".join(p.removesuffix(more) for p in pages)
    assert "(203) 946-4811" in whole and "(860) 692-3085" in whole


def test_a_long_english_paragraph_is_cut_at_a_sentence(content_copy, settings, redis_client, make_app):
    sentences = " ".join(f"Sentence number {n} is here to make the text long." for n in range(1, 16))
    edit(content_copy / "prompts/en.yaml", 'welcome: "Questions about school?', f'welcome: "{sentences} Questions about school?')
    client = TwilioClient(make_app(Settings(**{**settings.__dict__, "content_dir": content_copy})).test_client(), TOKEN)
    client.text(NUMBER, "ENGLISH")
    first = client.text(NUMBER, "7").messages[0]
    assert first.startswith("(1/") and first.endswith("\nReply MORE for the rest.") and measure(first).segments <= 3
    assert first.removesuffix("\nReply MORE for the rest.").endswith("long.")     # a whole sentence
    second = client.text(NUMBER, "MORE").messages[0]
    assert second.startswith("(2/") and ") Sentence number" in second and "(860) 695-8400" in "\n".join([second] + client.text(NUMBER, "MORE").messages)


def test_curly_quotes_never_make_english_ucs2(content_copy, settings, redis_client, make_app):
    edit(content_copy / "prompts/en.yaml", "talk to your school's principal", "talk to your school\u2019s principal \u2014 today")
    client = TwilioClient(make_app(Settings(**{**settings.__dict__, "content_dir": content_copy})).test_client(), TOKEN)
    client.text(NUMBER, "hello")
    reply = client.text(NUMBER, "7").messages[0]
    assert "school's principal - today" in reply and measure(reply).encoding == "GSM-7"


@pytest.mark.parametrize("body, media, expect", [
    ("", "0", ["Responda con el numero de su idioma"]),   # no language to go by: the languages, in English and Spanish
    ("", "1", ["Solo podemos leer texto", "Reply with the number of your language"]),
    ("\U0001F64F\U0001F64F\U0001F622", "0", ["Reply with the number of your language"]),
    ("x" * 1600, "0", ["Reply with the number of your language"]),
    ("\x00\x07hola\x1b necesito ayuda\u200b", "0", ["Responda con un numero"]),
    ("hola مرحبا 你好 hello", "0", ["1 "]),
    ("<Response><Message>hi</Message></Response>", "0", ["1 "]),   # text, never TwiML
])
def test_odd_first_texts_get_a_short_useful_reply(twilio, body, media, expect):
    reply = twilio.text(NUMBER, body, NumMedia=media)
    assert reply.status == 200 and len(reply.messages) == len(expect)
    for message, words in zip(reply.messages, expect):
        assert words in message and measure(message).segments <= 3


def test_a_picture_mid_conversation_says_so_and_shows_the_menu(twilio):
    twilio.text(NUMBER, "hola")
    reply = twilio.text(NUMBER, "", NumMedia="2").messages[0]
    assert reply.startswith("Solo podemos leer texto") and "Responda con un numero" in reply

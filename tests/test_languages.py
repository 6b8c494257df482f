"""All twelve launch languages: complete, reachable by keyword, within three segments, extensible."""
from __future__ import annotations

import pytest

from hotline.content import load
from hotline.content.catalog import wanted
from hotline.engine import LANGUAGES, Screen, State, Turn
from hotline.rtl import MARKS
from hotline.segments import clean
from hotline.settings import PROJECT_ROOT, Settings
from hotline.sms import render
from tests.conftest import TOKEN
from tests.twilio_client import Call, TwilioClient

CATALOG, _ = load(PROJECT_ROOT)
LAUNCH = ["en", "es", "pt", "ht", "ar", "zh", "pl", "bs", "ps", "prs", "sw", "uk"]
GSM_CAPABLE = ["en", "es", "pt", "ht", "pl", "bs", "sw"]


def test_the_twelve_launch_languages_are_served():
    assert [lang.code for lang in CATALOG.languages] == LAUNCH


@pytest.mark.parametrize("code", LAUNCH[1:])
def test_every_message_id_is_translated(code):
    english = {mid for mid in CATALOG.messages["en"] if not mid.endswith(".words") and wanted(code, mid)}
    missing = english - set(CATALOG.messages[code])
    assert not missing, f"{code} lacks {sorted(missing)}"


@pytest.mark.parametrize("code", LAUNCH)
def test_a_keyword_in_each_language_gets_the_whole_menu_in_that_language(twilio, code):
    language = CATALOG.language(code)
    reply = twilio.text("+18605550150", language.names[0]).messages
    assert len(reply) == 1
    fold, shown = language.fold_accents, "".join(ch for ch in reply[0] if ch not in MARKS)   # marks draw nothing
    for node in ("school", "agents", "rights", "legal", "support", "report", "welcome"):
        assert clean(CATALOG.messages[code][f"{node}.label"], fold) in shown, (code, node)


@pytest.mark.parametrize("code", LAUNCH)
def test_every_topic_answers_with_its_numbers_in_each_language(twilio, code):
    number = "+18605550151"
    language = CATALOG.language(code)
    twilio.text(number, language.names[0])
    more_word = CATALOG.words(code, "keyword.more")[0]
    more_hint = clean(CATALOG.text(code, "more"), language.fold_accents)
    for digit, node in (("4", "legal"), ("6", "report"), ("5", "support")):
        text = twilio.read_all(number, digit, more_word, more_hint)
        for rid in CATALOG.nodes[node].resources:
            phone = CATALOG.resources[rid].phone
            assert f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}" in text, (code, node, rid)


@pytest.mark.parametrize("code", LAUNCH)
def test_every_reply_fits_in_three_segments_and_gsm_languages_stay_gsm(code):
    for node in list(CATALOG.nodes) + [LANGUAGES]:
        for page in range(6):
            (reply,) = render(CATALOG, Turn((Screen(node, page=page),), State(lang=code)))
            assert reply.segments <= 3, (code, node, page, reply.text)
            if code in GSM_CAPABLE and node != LANGUAGES:
                assert reply.encoding == "GSM-7", (code, node, reply.text)


@pytest.mark.parametrize("code", LAUNCH)
def test_the_main_menu_is_one_message_in_every_language(code):
    (reply,) = render(CATALOG, Turn((Screen("main"),), State(lang=code)))
    assert "\n" in reply.text and reply.segments <= 3
    assert not any(line.endswith(("MORE", "MAS")) for line in reply.text.splitlines()[-1:])
    expected_more = clean(CATALOG.text(code, "more"), CATALOG.language(code).fold_accents)
    assert expected_more not in reply.text


def test_a_thirteenth_language_is_one_file_and_one_line(content_copy, settings, redis_client, make_app):
    tmp_path = content_copy
    with (tmp_path / "prompts/languages.yaml").open("a", encoding="utf-8") as out:
        out.write("\n  - { code: fr, name: Français, keywords: [FRANCAIS, BONJOUR], detect: FRENCH,"
                  " voice: { say: fr-FR, name: Polly.Lea }, speech: fr-FR }\n")
    english = (PROJECT_ROOT / "prompts/en.yaml").read_text(encoding="utf-8")
    french = english.replace('legal.label: Free legal help', 'legal.label: Aide juridique gratuite') \
        .replace('language.offer.voice: "For English, press {digit}."', 'language.offer.voice: "Pour le français, appuyez sur {digit}."')
    (tmp_path / "translations/fr.yaml").write_text(
        "_meta: { translator: test, method: draft, reviewed: null, needs_review: true }\n" + french, encoding="utf-8")
    catalog, problems = load(tmp_path)
    assert catalog is not None, [str(p) for p in problems if p.severity == "error"]
    app = make_app(Settings(**{**settings.__dict__, "content_dir": tmp_path}))
    client = TwilioClient(app.test_client(), TOKEN)
    assert "Aide juridique gratuite" in client.text("+18605550160", "bonjour").messages[0]
    call = Call(client, "+18605550161")
    call.start()
    second_page = call.press("9")                       # twelve spoken languages: French is on page two
    offer = [s for s in second_page.said if s.text.startswith("Pour le français")]
    assert offer and offer[0].voice == "Polly.Lea" and offer[0].text.endswith("appuyez sur 4.")
    menu = call.press("4")
    assert menu.gather.get("language") == "fr-FR" and {s.voice for s in menu.said} == {"Polly.Lea"}
    assert "Aide juridique gratuite: press 4." in menu.speech


def test_text_only_languages_are_left_out_of_the_call_menu(twilio):
    call = Call(twilio, "+18605550162")
    offers = call.start().heard + call.press("9").heard
    assert any("Kiswahili" in line for line in offers) or any("/audio/sw/" in line for line in offers)
    assert not any("پښتو" in line for line in offers)           # Pashto: no voice and no audio yet
    assert not CATALOG.language("ps").spoken
    assert "ښوونځي ته د تګ حق" in twilio.text("+18605550163", "پښتو").messages[0]   # still served by text

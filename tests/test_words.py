"""One word, one meaning, and the senders who are not one person: words two languages share, an Arabic keyboard
typing Dari, keywords that name a topic, withheld callers, short codes, and first texts too short to tell."""
from __future__ import annotations

import pytest

from hotline.content import load
from tests.conftest import edit
from tests.twilio_client import Call

NUMBER = "+18605550600"


def test_polish_dwa_is_option_two_not_creole(twilio):
    twilio.text(NUMBER, "POLSKI")
    (reply,) = twilio.text(NUMBER, "dwa").messages
    assert "ICE" in reply and "nakaz" in reply                       # the agents topic, in Polish
    (records,) = twilio.text(NUMBER, "jeden").messages
    assert "FERPA" in records and "ucznia" in records


@pytest.mark.parametrize("keyword, written, expected", [
    ("KREYOL", "youn", "Plyler"),          # the everyday Kreyol "one", beside "en"
    ("العربية", "اثنين", "موقعة من قاضٍ"),          # the spoken "two" (agents at school: a judge's warrant), beside "اثنان"
    ("العربية", "ثلاث", "الصمت"),                  # "three": your rights at the door
])
def test_number_words_people_actually_type_choose_the_option(twilio, keyword, written, expected):
    twilio.text(NUMBER, keyword)
    (reply,) = twilio.text(NUMBER, written).messages
    assert expected in reply


def test_a_bosnian_first_text_for_help_is_answered_in_bosnian(twilio):
    (reply,) = twilio.text(NUMBER, "Pomoć, trebam advokata").messages
    assert "Odgovorite brojem" in reply or "Pravna pomoc" in reply
    assert "Odpisz" not in reply                                      # not the Polish menu


def test_dari_typed_on_an_arabic_keyboard_still_matches(twilio):
    (menu,) = twilio.text(NUMBER, "كمك").messages                    # کمک with the Arabic keyboard's kaf
    assert "مکاتب هارتفورد" in menu
    twilio.text(NUMBER, "4")
    (again,) = twilio.text(NUMBER, "مينو").messages                  # مینو with the Arabic yeh: the menu word
    assert "مکاتب هارتفورد" in again


def test_a_help_word_three_languages_share_answers_in_all_three_to_a_stranger(twilio, app):
    catalog = app.extensions["hotline"].catalog
    replies = twilio.text(NUMBER, "معلومات").messages
    helps = {code: catalog.messages[code]["help"][:20] for code in ("ar", "prs", "ps")}
    assert len(replies) == 3 and all(any(start[:12] in reply for reply in replies) for start in helps.values())
    twilio.text("+18605550601", "کمک")                                # a Dari conversation: only Dari
    (dari,) = twilio.text("+18605550601", "معلومات").messages
    assert dari.startswith(catalog.messages["prs"]["help"][:12])


@pytest.mark.parametrize("keyword, words", [("DERECHOS", "firmada por un juez"), ("DIREITOS", "assinado por um juiz"),
                                            ("PRAWA", "podpisany przez sędziego"), ("HAKI", "iliyosainiwa na jaji")])
def test_a_keyword_that_names_a_topic_opens_it_first_or_midway(twilio, keyword, words):
    folded = words.replace("ę", "e")
    first = twilio.text(NUMBER, keyword).messages[0]
    assert folded in first or words in first                          # the rights topic, with who is answering
    twilio.text("+18605550602", "hello")
    midway = twilio.text("+18605550602", keyword).messages[0]          # from an English conversation: switched
    assert folded in midway or words in midway


def test_msaada_wa_kisheria_is_legal_help_in_swahili(twilio):
    twilio.text(NUMBER, "KISWAHILI")
    (legal,) = twilio.text(NUMBER, "msaada wa kisheria").messages
    assert "(860) 692-3085" in legal and "Samahani" not in legal


@pytest.mark.parametrize("first", ["Msg", "ok", "test", "menu", "Menu", "MENU"])   # "yes": Twilio's, answered by it
def test_a_first_text_too_short_to_tell_gets_the_languages_in_english_and_spanish(twilio, first):
    """A few letters, or a word many languages share (MENU is the menu word of ten), say nothing of a language:
    the family gets every language by its own name, asked in English and Spanish, and a number chooses."""
    (languages,) = twilio.text(NUMBER, first).messages
    assert "Reply with the number of your language" in languages and "Responda con el numero de su idioma" in languages
    assert "Jibu" not in languages                                    # never a confident Swahili
    (spanish,) = twilio.text(NUMBER, "2").messages
    assert "Responda con un numero" in spanish and "4 Ayuda legal gratuita" in spanish
    assert "Ayuda legal de inmigracion" in twilio.text(NUMBER, "4").messages[0]


@pytest.mark.parametrize("sender", ["22395", "VERIFY", "GOOGLE", "898287"])
def test_short_codes_and_named_senders_get_no_reply_but_are_counted(twilio, redis_client, sender):
    reply = twilio.text(sender, "Your code is 123456")
    assert reply.status == 200 and reply.root.tag == "Response" and len(reply.root) == 0
    (day,) = list(redis_client.scan_iter("hotline:stats:*"))
    assert redis_client.hget(day, "outcome:ignored sender") == b"1"
    assert not list(redis_client.scan_iter("hotline:sms:*"))


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", "Restricted", "+7378742833"])
def test_every_withheld_caller_is_a_stranger(twilio, redis_client, withheld):
    first = Call(twilio, withheld)
    first.start()
    menu = first.press("2").speech                                     # Spanish
    assert "oprima 9" not in menu and "oprima 8" not in menu          # no call-back, nothing to erase
    assert "número está oculto" in menu and "(860) 695-8400" not in menu and "8 6 0, 6 9 5, 8 4 0 0" in menu
    assert "Perdón" in first.press("9").speech                        # 9 is not offered: not understood
    second = Call(twilio, withheld, verified=True).start()
    assert "For English, press 1." in second.speech                   # nothing was remembered
    assert not list(redis_client.scan_iter("hotline:lang:*"))
    for _ in range(25):                                                # no rate bucket shared with others
        assert Call(twilio, withheld).start().gather is not None


def test_check_reports_a_word_with_two_meanings(content_copy):
    edit(content_copy / "prompts/languages.yaml", "keywords: [BONJOU, ÈD]", "keywords: [BONJOU, DWA, ÈD]")
    catalog, problems = load(content_copy)
    (found,) = [p for p in problems if p.code == "two-meanings"]
    assert catalog is None and found.file == "prompts/languages.yaml" and found.line > 1
    assert "'DWA' of 'ht' is the number 2 in 'pl'" in found.message

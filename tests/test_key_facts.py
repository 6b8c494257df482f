"""The first text of every topic carries what protects the family, in all twelve languages: a parent who never
replies MORE still reads it. Checked twice: with the key facts the content declares (<topic>.key, menu.yaml key:),
read straight from the files, and as a reader would look for them (the word for a judge that the independent
translation reviews quote in each language, FERPA, the word for silence, a phone number of resources.yaml as
a phone draws it). And `hotline check` refuses an edit that pushes a key fact to a second text."""
from __future__ import annotations

import subprocess
import sys
import unicodedata

import phonenumbers
import pytest
from bidi import get_display
from ruamel.yaml import YAML

from hotline.content import load
from hotline.engine import Screen
from hotline.lint import key_facts
from hotline.sms import pages
from hotline.settings import PROJECT_ROOT
from tests.conftest import edit
from tests.twilio_client import Call

CATALOG = load(PROJECT_ROOT)[0]
CODES = [language.code for language in CATALOG.languages]
NUMBER = "+18605550125"
# The word for "judge" in each language's "warrant signed by a judge", as the independent reviews quote it
# (shared/reviews/translations-*.md, "Facts preserved"); English is the source.
JUDGE = {"en": "judge", "es": "juez", "pt": "juiz", "ht": "jij", "pl": "sędziego", "bs": "sudija", "sw": "jaji",
         "ar": "قاض", "prs": "قاضی", "ps": "قاضي", "uk": "суддею", "zh": "法官"}
# The word a reader looks for in "you have the right to remain silent" (Creole, Swahili and Bosnian as the
# reviews quote them).
SILENT = {"en": "silent", "es": "silencio", "pt": "calado", "ht": "pa di anyen", "pl": "milczenie", "bs": "šutite",
          "sw": "kimya", "ar": "الصمت", "prs": "سکوت", "ps": "چوپ", "uk": "мовчання", "zh": "沉默"}
MARKS = ("\u200e", "\u200f")


def _yaml(rel: str) -> dict:
    return YAML(typ="safe").load((PROJECT_ROOT / rel).read_text(encoding="utf-8"))


def _file_text(code: str, msg_id: str) -> str:
    """A message as staff wrote it in the language's file, not as the hotline's catalog holds it."""
    return _yaml("prompts/en.yaml" if code == "en" else f"translations/{code}.yaml")[msg_id]


def _plain(text: str) -> str:
    """Text as a reader compares it: no bidi marks, accents or vowel signs (texts may be sent without accents, and
    Polish ł and Bosnian đ are then written l and dj), one space for any run of spaces and line breaks."""
    text = text.replace("ł", "l").replace("đ", "dj")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch) and ch not in MARKS)
    return " ".join(text.split()).casefold()


def _shown(text: str) -> str:
    """A text as a phone draws it, line by line (UAX #9, python-bidi), without the invisible marks."""
    return "\n".join("".join(ch for ch in get_display(line) if ch not in MARKS) for line in text.split("\n"))


def _first_numbers() -> str:
    """The first organization's number of the legal help topic, as a family reads it, from the files themselves."""
    first = _yaml("prompts/menu.yaml")["legal"]["resources"][0]
    phone = _yaml("prompts/resources.yaml")[first]["phone"]
    return phonenumbers.format_number(phonenumbers.parse(phone, "US"), phonenumbers.PhoneNumberFormat.NATIONAL)


def _first_texts(twilio, code: str) -> dict[str, str]:
    """The first text message of each topic, as a family gets it through the webhook."""
    twilio.text(NUMBER, CATALOG.language(code).names[0])          # the language by its name: chosen, not guessed
    found = {}
    for digits, topic in ((("2",), "agents"), (("1",), "records"), (("0", "3"), "rights"), (("0", "4"), "legal")):
        for digit in digits:
            reply = twilio.text(NUMBER, digit)
        found[topic] = reply.messages[0]
    return found


def test_the_content_declares_a_key_fact_for_each_protective_topic():
    english = _yaml("prompts/en.yaml")
    assert {"agents.key", "records.key", "rights.key"} <= set(english)
    assert _yaml("prompts/menu.yaml")["legal"]["key"] == _yaml("prompts/menu.yaml")["legal"]["resources"][0]
    assert key_facts(CATALOG) == []


@pytest.mark.parametrize("code", CODES)
def test_the_first_text_of_each_topic_carries_its_key_fact(twilio, code):
    first = _first_texts(twilio, code)
    for topic in ("agents", "records", "rights"):   # the declared key sentence, word for word from the file
        assert _plain(_file_text(code, f"{topic}.key")) in _plain(first[topic]), (code, topic, first[topic])
    assert _plain(JUDGE[code]) in _plain(first["agents"]), first["agents"]             # a judge's warrant
    assert "FERPA" in first["records"]
    assert _plain(JUDGE[code]) in _plain(first["rights"]) and _plain(SILENT[code]) in _plain(first["rights"])
    shown = _shown(first["legal"])                                                     # a number, in its order
    assert _first_numbers() in shown, shown
    listed = _yaml("prompts/resources.yaml")
    assert any(phonenumbers.format_number(phonenumbers.parse(item["phone"], "US"),
                                          phonenumbers.PhoneNumberFormat.NATIONAL) in shown for item in listed.values())


@pytest.mark.parametrize("code, digit", [("en", "1"), ("es", "2"), ("ar", "5"), ("zh", "6"), ("pl", "7")])
def test_a_call_leads_with_the_same_fact(twilio, code, digit):
    call = Call(twilio, NUMBER)
    call.start()
    call.press(digit)                                          # the language, by its place in the language menu
    heard = call.press("2").said                               # immigration agents at a school
    assert _plain(heard[0].text) == _plain(_file_text(code, "agents.key"))


def _check(root) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline.cli", "check", "--content-dir", str(root)],
                          capture_output=True, text=True, timeout=120)


def _line(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def test_putting_the_context_first_again_fails_hotline_check(content_copy):
    """The Arabic order of before: the federal policy first. The warrant then reaches page two, and check says so."""
    arabic = content_copy / "translations/ar.yaml"
    context = "السياسة الفيدرالية لم تعد تحمي المدارس من إجراءات إنفاذ قوانين الهجرة، لكن قواعد هارتفورد ما زالت سارية."
    edit(arabic, f"\n  {context}\n", "\n")
    edit(arabic, "agents.key: |-\n  ", f"agents.key: |-\n  {context}\n  ")
    catalog = load(content_copy)[0]
    first, second, *_ = [reply.text for reply in pages(catalog, "ar", Screen("agents"))]
    assert "قاضٍ" not in first and "قاضٍ" in second                    # the judge's warrant is on page two
    result = _check(content_copy)
    assert result.returncode == 1
    line = _line(arabic, "agents.key:")
    assert f"translations/ar.yaml:{line}: agents.key: " in result.stdout and "[key-not-first]" in result.stdout
    assert "1 errors" in result.stdout.splitlines()[-1]


def test_a_longer_text_before_the_first_number_fails_hotline_check(content_copy):
    ukrainian = content_copy / "translations/uk.yaml"
    edit(ukrainian, 'legal: "Юридична допомога з імміграції.',
         'legal: "Юридична допомога з імміграції. Щоб отримати юридичну допомогу з імміграційних питань, '
         'зателефонуйте до однієї з цих організацій.')
    catalog = load(content_copy)[0]
    assert _first_numbers() not in pages(catalog, "uk", Screen("legal"))[0].text
    result = _check(content_copy)
    assert result.returncode == 1
    assert f"translations/uk.yaml:{_line(ukrainian, 'legal: ')}: legal: (860) 692-3085, the number of ciri" in result.stdout


def test_the_shipped_content_passes_hotline_check():
    result = _check(PROJECT_ROOT)
    assert result.returncode == 0 and "[key-not-first]" not in result.stdout

"""`hotline registration`: the A2P 10DLC campaign's fields from the content, checked against Twilio's own description
of the CreateUsAppToPerson request (twilio-oai, kept in tests/twilio_oai.json: the limits are read from its words),
and each language's words and texts for Advanced Opt-Out; run as staff run it, in its own process."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import phonenumbers
import pytest
from ruamel.yaml import YAML

from hotline.settings import PROJECT_ROOT
from tests.conftest import edit
from tests.twilio_oai import kept, limits

SCHEMA = kept()["CreateUsAppToPersonRequest"]
# Twilio's default keywords, as its support article 223134027 and ../shared/twilio/PLATFORM.md list them
TWILIO_WORDS = {"OptOutKeywords": ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"],
                "OptInKeywords": ["START", "YES", "UNSTOP"], "HelpKeywords": ["HELP", "INFO"]}


def _registration(*args: str, content=None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_CONTENT_DIR")}
    if content is not None:
        environ["HOTLINE_CONTENT_DIR"] = str(content)
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "registration", *args], capture_output=True,
                            text=True, env=environ, timeout=120)
    assert "Traceback" not in result.stderr
    return result


def _yaml(path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fields() -> dict:
    result = _registration("--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_json_is_accepted_by_twilio_oai_s_limits(fields):
    described = limits()
    assert set(SCHEMA["required"]) - {"BrandRegistrationSid"} <= set(fields) <= set(SCHEMA["properties"])
    checked = 0
    for name, value in fields.items():
        limit, kind = described[name], SCHEMA["properties"][name]["type"]
        assert isinstance(value, {"string": str, "boolean": bool, "array": list}[kind]), name
        if "min" in limit and isinstance(value, str):
            assert limit["min"] <= len(value) <= limit["max"], name
            checked += 1
        if "count_min" in limit:
            assert limit["count_min"] <= len(value) <= limit["count_max"]
            assert all(limit["item_min"] <= len(item) <= limit["item_max"] for item in value)
            checked += 1
        if limit.get("alphanumeric"):
            assert value and all(re.fullmatch(r"[A-Za-z0-9]+", word) for word in value), name
            assert len(",".join(value)) <= limit["max"] and all(len(word) <= limit["max"] for word in value)
            checked += 1
    assert checked == 9     # Description, MessageFlow, the three messages, the samples, the three keyword lists


def test_the_keywords_start_with_twilio_s_and_add_the_content_s(fields):
    for name, words in TWILIO_WORDS.items():
        assert fields[name][:len(words)] == words
    assert {"PARAR", "SAIR", "RETE", "ANULUJ", "ODJAVA", "SIMAMISHA"} <= set(fields["OptOutKeywords"])
    assert "ARRÊT" not in fields["OptOutKeywords"] and "COMEÇAR" not in fields["OptInKeywords"]   # not A-Z 0-9


def test_the_samples_carry_the_name_a_phone_number_and_stop(fields):
    en = _yaml(PROJECT_ROOT / "prompts" / "en.yaml")
    resources = _yaml(PROJECT_ROOT / "prompts" / "resources.yaml")
    welcome = phonenumbers.format_number(phonenumbers.parse(resources["welcome"]["phone"], "US"),
                                         phonenumbers.PhoneNumberFormat.NATIONAL)
    samples = fields["MessageSamples"]
    for sample in samples:
        assert en["textme.from"] in sample and re.search(r"\bSTOP\b", sample), sample
    with_numbers = [s for s in samples if any(True for _ in phonenumbers.PhoneNumberMatcher(s, "US"))]
    assert len(with_numbers) >= 3 and fields["HasEmbeddedPhone"] is True
    assert welcome in samples[0] and samples[0] == fields["HelpMessage"]        # the reply to HELP, as sent
    assert fields["HasEmbeddedLinks"] is False                                 # the content has no link
    assert fields["UsAppToPersonUsecase"] == "CUSTOMER_CARE"


def test_the_messages_are_the_content_s_as_sent(fields):
    en = _yaml(PROJECT_ROOT / "prompts" / "en.yaml")
    assert fields["OptOutMessage"] == en["stopped"] and fields["OptInMessage"] == en["optin"]
    assert "{" not in fields["HelpMessage"] and fields["HelpMessage"].startswith(en["help"].split("{")[0])


def test_the_human_output_has_every_language_s_words_and_texts():
    result = _registration()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Use case: CUSTOMER_CARE" in out and "Sample messages:" in out and "with the STOP line added" in out
    languages = _yaml(PROJECT_ROOT / "prompts" / "languages.yaml")["languages"]
    sections = re.split(r"\n\n(?=[a-z]{2,3} \S)", out.split("Advanced Opt-Out", 1)[1])[1:]
    assert [section.split()[0] for section in sections] == [language["code"] for language in languages]
    for section, language in zip(sections, languages):
        code = language["code"]
        table = _yaml(PROJECT_ROOT / ("prompts/en.yaml" if code == "en" else f"translations/{code}.yaml"))
        for msg_id, label in (("keyword.stop", "opt-out"), ("keyword.start", "opt-in"), ("keyword.help", "help")):
            line = next(line for line in section.splitlines() if line.strip().startswith(f"{label} keywords:"))
            for word in table[msg_id].split(","):
                assert re.search(rf"(?:: |, ){re.escape(word.strip())}(?:,|$)", line), (code, word)
        for label in ("opt-out confirmation", "opt-in confirmation", "help"):
            text = next(line for line in section.splitlines() if line.strip().startswith(f"{label}:"))
            assert "STOP" in text and "{" not in text, (code, label)


def test_a_message_over_320_characters_is_refused_in_words(content_copy):
    edit(content_copy / "prompts" / "en.yaml", 'stopped: "You will get no more messages from this line.',
         'stopped: "' + "You will get no more messages from this line. " * 6)
    result = _registration("--json", content=content_copy)
    assert result.returncode == 1 and result.stdout == ""
    assert re.search(r"problem: OptOutMessage is \d{3} characters; Twilio takes 20 to 320 \(message 'stopped' in "
                     r"prompts/en.yaml\)", result.stderr)
    assert "Twilio would refuse this campaign" in result.stderr


def test_a_translation_over_320_characters_is_named(content_copy):
    edit(content_copy / "translations" / "es.yaml", "optin: ", "optin: " + "Volvera a recibir respuestas. " * 12)
    result = _registration(content=content_copy)
    assert result.returncode == 1
    assert re.search(r"translations/es.yaml: message 'optin' is \d{3} characters as sent", result.stderr)

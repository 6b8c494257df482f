"""Staff tools: check's warnings, machine drafts, the spreadsheet round trip, and live reload."""
from __future__ import annotations

import csv
import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from hotline.content import load
from hotline.lint import sms_problems
from hotline.settings import Settings
from hotline.spreadsheet import ImportRefused, export, import_csv
from hotline.translate import TranslationUnavailable, draft
from tests.conftest import TOKEN, edit
from tests.twilio_client import Call, TwilioClient


@pytest.fixture
def content(content_copy) -> Path:
    return content_copy


def _problems(root: Path):
    catalog, problems = load(root, keep_errors=True)
    return problems + sms_problems(catalog)


def _check(root: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOTLINE_CONTENT_DIR": str(root)}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "hotline.cli", "check", *args], capture_output=True, text=True, env=env)


# --- hotline check: warnings ---------------------------------------------------------------

def test_old_review_date_is_a_warning(content):
    edit(content / "translations/pl.yaml", "  method: draft\n  reviewed: null\n  needs_review: true",
          "  method: human\n  reviewed: 2025-01-02\n  needs_review: false")
    found = [p for p in _problems(content) if p.code == "review-old"]
    assert found and found[0].file == "translations/pl.yaml" and found[0].line == 5
    assert not any(p.code == "unreviewed" and p.file == "translations/pl.yaml" for p in _problems(content))


def test_machine_translation_is_a_warning(content):
    edit(content / "translations/pl.yaml", "  method: draft", "  method: machine")
    assert any(p.code == "unreviewed" and "machine" in p.message for p in _problems(content))


def test_reply_over_three_segments_is_a_warning(content):
    edit(content / "prompts/en.yaml", 'welcome: "Questions about school?',
          'welcome: "' + "Please call us with any question about school. " * 12 + 'Questions about school?')
    found = [p for p in _problems(content) if p.code == "too-long" and p.file == "prompts/en.yaml"]
    assert found and "welcome" in found[0].message and found[0].line > 1


def test_a_longer_language_list_for_unclear_first_texts_is_a_warning(content):
    assert not [p for p in _problems(content) if p.code == "too-long" and "not clear" in p.message]
    edit(content / "prompts/en.yaml", 'languages: "Reply with the number of your language:"',
         'languages: "Please reply with the number of your language:"')
    (found,) = [p for p in _problems(content) if p.code == "too-long" and "not clear" in p.message]
    assert found.file == "prompts/en.yaml" and "4 segments" in found.message


def test_curly_quote_in_english_is_a_needless_ucs2_warning(content):
    edit(content / "prompts/en.yaml", "talk to your school's principal", "talk to your school\u2019s principal")
    found = [p for p in _problems(content) if p.code == "needless-ucs2"]
    assert found and found[0].file == "prompts/en.yaml" and "welcome" in found[0].message


def test_a_letter_outside_gsm7_in_a_gsm7_language_is_a_warning(content):
    edit(content / "prompts/en.yaml", "Free legal help", "Free l\u0113gal help")
    assert any(p.code == "forces-ucs2" and "legal.label" in p.message for p in _problems(content))


def test_two_options_with_the_same_word_is_an_error(content):
    edit(content / "translations/es.yaml", "legal.words: ABOGADO,", "legal.words: ESCUELA, ABOGADO,")
    catalog, problems = load(content)
    assert catalog is None
    assert any(p.code == "duplicate-word" and p.file == "translations/es.yaml" for p in problems)


def test_the_same_keyword_for_two_languages_is_an_error(content):
    edit(content / "prompts/languages.yaml", "keywords: [ZDRAVO, PRAVA]", "keywords: [ZDRAVO, PRAVA, CZEŚĆ]")
    _, problems = load(content)
    assert any(p.code == "duplicate-keyword" and "CZEŚĆ" in p.message for p in problems)


def test_check_summary_and_strict(content):
    edit(content / "prompts/en.yaml", "talk to your school's principal", "talk to your school\u2019s principal")
    result = _check(content)
    assert result.returncode == 0
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("12 languages, ") and "0 errors" in summary and "warnings" in summary
    assert "prompts/en.yaml:" in result.stdout and "[needless-ucs2]" in result.stdout
    assert _check(content, "--strict").returncode == 1


# --- hotline translate ---------------------------------------------------------------------

def stand_in(text: str) -> str:
    """A deterministic translator: marks the text and keeps [[n]] tokens where they are."""
    return "«fr» " + text.upper()


def test_translate_drafts_missing_messages_marked_for_review(content):
    es = content / "translations/es.yaml"
    edit(es, 'goodbye: "Para más ayuda, llame al Centro de Bienvenida de las Escuelas Públicas de Hartford al {welcome}."\n', "")
    edit(es, "plan.label: Haga un plan familiar\n", "")
    before = es.read_text(encoding="utf-8")
    catalog, _ = load(content)
    result = draft(catalog, content, "es", stand_in)
    assert sorted(result.drafted) == ["goodbye", "plan.label"]
    text = es.read_text(encoding="utf-8")
    line = next(l for l in text.splitlines() if l.startswith("goodbye:"))
    assert line.startswith("goodbye: «fr» FOR MORE HELP, CALL THE HARTFORD PUBLIC SCHOOLS WELCOME CENTER AT {welcome}.")
    assert line.endswith("# machine translation: needs review by a person")
    assert "legal.label: Ayuda legal gratuita\n" in text        # a person's translation is never overwritten
    assert text.startswith(before.split("\n", 1)[0])            # the header comment survives
    assert "needs_review: true" in text
    catalog, _ = load(content)
    assert catalog.text("es", "goodbye").endswith("AT {welcome}.")


def test_translate_a_new_language_creates_its_file(content):
    catalog, _ = load(content)
    result = draft(catalog, content, "fr", stand_in)
    expected = [m for m in catalog.messages["en"] if not m.endswith(".words") and not m.startswith("keyword.")
                and m != "whisper.voice"]   # what the Welcome Center's staff hear is in English and Spanish only
    assert result.drafted == expected
    text = (content / "translations/fr.yaml").read_text(encoding="utf-8")
    assert "method: machine" in text and "{emergency}" in text


def test_translate_skips_a_message_whose_placeholders_the_service_broke(content):
    edit(content / "translations/es.yaml", 'fallback: "Perdón, la línea no funciona en este momento. Llame al Centro de Bienvenida de las Escuelas Públicas de Hartford al {welcome}."\n', "")
    catalog, _ = load(content)
    result = draft(catalog, content, "es", lambda text: text.replace("[[0]]", "[[ 0 ]]"))
    assert result.skipped == ["fallback"] and result.drafted == []


def test_translate_fails_clearly_and_changes_nothing_when_the_service_is_down(content):
    edit(content / "translations/es.yaml", "plan.label: Haga un plan familiar\n", "")
    before = (content / "translations/es.yaml").read_bytes()
    catalog, _ = load(content)

    def unreachable(text):
        raise ConnectionError("no route to host")

    with pytest.raises(TranslationUnavailable, match="nothing was changed"):
        draft(catalog, content, "es", unreachable)
    assert (content / "translations/es.yaml").read_bytes() == before


def test_translate_command_names_a_bad_backend_without_touching_the_network(content):
    env = {**os.environ, "HOTLINE_CONTENT_DIR": str(content), "HOTLINE_TRANSLATOR": "carrier-pigeon"}
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "translate", "--lang", "es"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "carrier-pigeon" in result.stderr


# --- the spreadsheet round trip ------------------------------------------------------------

def _rows(sheet: Path) -> list[list[str]]:
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("code, row_id, new_text", [
    ("ar", "legal.label", "مساعدة قانونية مجانًا"),
    ("zh", "welcome.label", "家庭欢迎中心"),
])
def test_csv_round_trip_keeps_comments_order_and_script(content, tmp_path, code, row_id, new_text):
    catalog, _ = load(content)
    sheet = tmp_path / f"{code}.csv"
    export(catalog, code, sheet)
    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                      # Excel opens UTF-8 with a BOM correctly
    rows = _rows(sheet)
    assert rows[0] == ["id", "English", f"translation ({code})", "notes"]
    goodbye = next(r for r in rows if r[0] == "goodbye")
    assert "{welcome}" in goodbye[3]                            # the notes say what to keep
    for row in rows:
        if row[0] == row_id:
            row[2] = new_text
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    path = content / f"translations/{code}.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    report = import_csv(catalog, content, sheet)
    assert report.changed == [row_id] and report.added == [] and not report.complete
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [(f"{row_id}: {catalog.messages[code][row_id]}", f"{row_id}: {new_text}")]
    assert load(content)[0].text(code, row_id) == new_text


def test_import_refuses_unknown_ids_and_broken_placeholders(content, tmp_path):
    catalog, _ = load(content)
    sheet = tmp_path / "ar.csv"
    export(catalog, "ar", sheet)
    rows = _rows(sheet)
    for row in rows:
        if row[0] == "goodbye":
            row[2] = row[2].replace("{welcome}", "{الترحيب}")
        if row[0] == "unclear":
            row[0] = "unclear.typo"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    before = (content / "translations/ar.yaml").read_bytes()
    with pytest.raises(ImportRefused) as refused:
        import_csv(catalog, content, sheet)
    reasons = "\n".join(refused.value.reasons)
    assert "'unclear.typo' is not a message id" in reasons and "goodbye: the placeholders were changed" in reasons
    assert (content / "translations/ar.yaml").read_bytes() == before


def test_import_reviewed_marks_the_file_human(content, tmp_path):
    catalog, _ = load(content)
    sheet = tmp_path / "pl.csv"
    export(catalog, "pl", sheet)
    report = import_csv(catalog, content, sheet, translator="J. Kowalski", reviewed=True)
    assert report.complete
    text = (content / "translations/pl.yaml").read_text(encoding="utf-8")
    assert "method: human" in text and "translator: J. Kowalski" in text and "needs_review: false" in text
    assert "whisper.voice" not in [row[0] for row in _rows(sheet)]   # staff hear it in English and Spanish only
    spanish = tmp_path / "es.csv"
    export(catalog, "es", spanish)
    assert "whisper.voice" in [row[0] for row in _rows(spanish)]
    assert not any(p.code == "unreviewed" and p.file == "translations/pl.yaml" for p in _problems(content))


# --- live reload ------------------------------------------------------------------------------------
# (against a real multi-worker gunicorn: tests/test_durability.py)

def test_a_reload_frees_the_content_it_replaces(content_copy, settings, redis_client, make_app):
    """Caches live as long as the content they came from: a reload must not keep the old content alive."""
    app = make_app(Settings(**{**settings.__dict__, "content_dir": content_copy}), reload=False)
    client = TwilioClient(app.test_client(), TOKEN)
    keeper = app.extensions["hotline"].keeper
    replaced = []
    for n in range(3):
        for body in ("hola", "4", "مرحبا", "1", "MENU"):
            client.text("+18605550161", body)
        call = Call(client, "+18605550162")
        call.start()
        call.press("1")
        replaced.append(weakref.ref(keeper.catalog))
        edit(content_copy / "prompts/en.yaml", "Free legal help", f"Free legal help {n}")
        assert keeper.look()
    client.text("+18605550161", "hola")
    gc.collect()
    assert [ref() for ref in replaced] == [None, None, None]

"""When the Welcome Center opens, said in each language's own words, and the closed days staff write.

The expected words are each language's grammar, not our code's: Kreyòl weekday names (not French "lundi"), the
accusative Polish, Bosnian and Ukrainian need after "w", "u", "у" ("we wtorek", "u srijedu", "у середу"),
Portuguese "na"/"no" with the day, and Swahili time, which counts the hours from dawn (8:00 a.m. is "saa mbili
asubuhi"; "saa 08:00" would be heard as 2 p.m.)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline.content import load
from hotline.render import fill
from hotline.settings import PROJECT_ROOT, Settings
from hotline.when import opening_words, swahili_time
from tests.conftest import TOKEN, edit
from tests.test_staff import _check
from tests.twilio_client import Call, TwilioClient

HARTFORD = ZoneInfo("America/New_York")
CATALOG = load(PROJECT_ROOT)[0]
TUESDAY, WEDNESDAY, SATURDAY = (dt.datetime(2027, 1, d, h, m, tzinfo=HARTFORD) for d, h, m in
                                ((5, 8, 0), (6, 8, 0), (9, 9, 30)))

SAID = {   # language: what a caller hears for an opening on Tuesday 8:00, Wednesday 8:00, Saturday 9:30
    "en": ("Tuesday at 8:00\u202fAM", "Wednesday at 8:00\u202fAM", "Saturday at 9:30\u202fAM"),   # CLDR's narrow space
    "es": ("el martes a las 8:00", "el miércoles a las 8:00", "el sábado a las 9:30"),
    "pt": ("na terça-feira, às 08:00", "na quarta-feira, às 08:00", "no sábado, às 09:30"),
    "ht": ("madi a 08:00", "mèkredi a 08:00", "samdi a 09:30"),
    "ar": ("يوم الثلاثاء", "يوم الأربعاء", "يوم السبت"),
    "zh": ("星期二08:00", "星期三08:00", "星期六09:30"),
    "pl": ("we wtorek o 08:00", "w środę o 08:00", "w sobotę o 09:30"),
    "bs": ("u utorak u 08:00", "u srijedu u 08:00", "u subotu u 09:30"),
    "ps": ("سه‌شنبه په 8:00", "چهارشنبه په 8:00", "شنبه په 9:30"),
    "prs": ("روز سه‌شنبه ساعت 8:00", "روز چهارشنبه ساعت 8:00", "روز شنبه ساعت 9:30"),
    "sw": ("Jumanne saa mbili asubuhi", "Jumatano saa mbili asubuhi", "Jumamosi saa tatu na nusu asubuhi"),
    "uk": ("у вівторок о 08:00", "у середу о 08:00", "у суботу о 09:30"),
}


def test_every_language_is_covered():
    assert sorted(SAID) == sorted(language.code for language in CATALOG.languages)


@pytest.mark.parametrize("code", sorted(SAID))
def test_the_opening_is_said_in_the_language_s_own_words(code):
    for opens, expected in zip((TUESDAY, WEDNESDAY, SATURDAY), SAID[code]):
        said = fill(CATALOG, code, "voice", "closed", **opening_words(CATALOG, code, opens))
        assert expected in said, said


@pytest.mark.parametrize("code, wrong", [("ht", "lundi"), ("ht", "mardi"), ("pl", "w środa"), ("pl", "w wtorek"),
                                         ("bs", "u srijeda"), ("uk", "у середа"), ("sw", "saa 08:00")])
def test_the_old_wrong_forms_are_gone(code, wrong):
    said = " ".join(fill(CATALOG, code, "voice", "closed", **opening_words(CATALOG, code, opens))
                    for opens in (TUESDAY, WEDNESDAY, SATURDAY, TUESDAY - dt.timedelta(days=1)))
    assert wrong not in said


@pytest.mark.parametrize("hour, minute, words", [
    (7, 0, "saa moja asubuhi"), (8, 0, "saa mbili asubuhi"), (8, 30, "saa mbili na nusu asubuhi"),
    (12, 0, "saa sita mchana"), (13, 0, "saa saba mchana"), (16, 30, "saa kumi na nusu jioni"),
    (18, 0, "saa kumi na mbili jioni"), (19, 0, "saa moja usiku"), (7, 45, "saa mbili kasorobo asubuhi"),
])
def test_swahili_time_counts_from_dawn(hour, minute, words):
    assert swahili_time(dt.datetime(2027, 1, 5, hour, minute)) == words


@pytest.mark.parametrize("choose, expected", [(["7"], "Otwiera się w środę o 08:00"),
                                              (["9", "3"], "Він відчиняється у середу о 08:00")])
def test_a_caller_after_hours_on_tuesday_evening_hears_wednesday_rightly(twilio, now, choose, expected):
    now.value = dt.datetime(2027, 1, 5, 19, 0, tzinfo=HARTFORD)
    call = Call(twilio, "+18605550191")
    call.start()
    for digit in choose:
        reply = call.press(digit)
    assert expected in reply.speech


# --- staff: closed days --------------------------------------------------------------------------

def test_a_quoted_date_passes_check_and_closes_that_day(content_copy, settings, redis_client, now, make_app):
    edit(content_copy / "prompts/schedule.yaml", "closures: []",
         'closures:\n  - { date: "2027-02-03", name: Snow day }\n  - { date: "06-02", name: Staff day }')
    result = _check(content_copy)
    assert result.returncode == 0, result.stdout
    client = TwilioClient(make_app(Settings(**{**settings.__dict__, "content_dir": content_copy})).test_client(), TOKEN)
    for day in (dt.datetime(2027, 2, 3, 10, 0, tzinfo=HARTFORD), dt.datetime(2028, 6, 2, 10, 0, tzinfo=HARTFORD)):
        now.value = day                                   # a Wednesday, and a Friday the next year: no public holiday
        assert client.call("+18605550192").root.find("Dial") is None, day
    for day in (dt.datetime(2027, 2, 4, 10, 0, tzinfo=HARTFORD), dt.datetime(2027, 6, 3, 10, 0, tzinfo=HARTFORD)):
        now.value = day                                   # the days after: open
        assert client.call("+18605550192").root.find("Dial") is not None, day


@pytest.mark.parametrize("written", ['"2027-02-30"', "18.01.2027", '"Jan 18"', "13-01"])
def test_a_wrong_date_says_what_was_written_and_what_is_expected(content_copy, written):
    edit(content_copy / "prompts/schedule.yaml", "closures: []", f"closures:\n  - {{ date: {written}, name: Snow day }}")
    result = _check(content_copy)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if "is not a date" in line]
    lines = (content_copy / "prompts/schedule.yaml").read_text().splitlines()
    written_at = next(n for n, text in enumerate(lines, start=1) if "Snow day" in text)
    assert line.startswith(f"prompts/schedule.yaml:{written_at}: closures: ")
    assert f"'{written.strip(chr(34))}' is not a date" in line and "2027-01-18" in line and "12-25" in line


# --- long closures: told a week before, and a reopening far away said with its date ------------------------------

WINTER_BREAK = 'closures:\n  - { date: 2026-12-21, name: Winter break }\n  - { date: 2026-12-22, name: Winter break }\n' \
               '  - { date: 2026-12-23, name: Winter break }\n  - { date: 2026-12-24, name: Winter break }\n' \
               '  - { date: 2026-12-28, name: Winter break }\n  - { date: 2026-12-29, name: Winter break }\n' \
               '  - { date: 2026-12-30, name: Winter break }\n  - { date: 2026-12-31, name: Winter break }'


@pytest.fixture
def break_app(content_copy, settings, redis_client, make_app):
    edit(content_copy / "prompts/schedule.yaml", "closures: []", WINTER_BREAK)
    return TwilioClient(make_app(Settings(**{**settings.__dict__, "content_dir": content_copy})).test_client(), TOKEN)


@pytest.mark.parametrize("digit, expected", [
    ("1", "The Welcome Center will be closed from December 21 to January 1."),
    ("2", "El Centro de Bienvenida estará cerrado del 21 de diciembre al 1 de enero."),
    ("5", "سيكون مركز الترحيب مغلقًا من 21 ديسمبر إلى 1 يناير."),
    ("7", "Centrum Powitalne będzie zamknięte od 21 grudnia do 1 stycznia."),
])
def test_a_long_closure_is_announced_the_week_before(break_app, now, digit, expected):
    now.value = dt.datetime(2026, 12, 15, 19, 0, tzinfo=HARTFORD)     # a Tuesday evening, six days before
    call = Call(break_app, "+18605550193")
    call.start()
    heard = call.press(digit).speech
    assert expected in heard
    now.value = dt.datetime(2026, 12, 11, 19, 0, tzinfo=HARTFORD)     # ten days before: not yet
    call = Call(break_app, "+18605550194")
    call.start()
    assert "closed from" not in call.press("1").speech


@pytest.mark.parametrize("digit, expected", [
    ("1", "It opens Monday, January 4 at 8:00"),
    ("2", "Abre el lunes, 4 de enero a las 8:00"),
    ("7", "w poniedziałek 4 stycznia o 08:00"),
])
def test_during_a_long_closure_the_reopening_is_said_with_its_date(break_app, now, digit, expected):
    now.value = dt.datetime(2026, 12, 22, 19, 0, tzinfo=HARTFORD)     # in the break: opens in 13 days
    call = Call(break_app, "+18605550195")
    call.start()
    assert expected in call.press(digit).speech.replace("\u202f", " ")


def test_an_audio_language_is_told_no_date_and_never_in_english(break_app, now):
    now.value = dt.datetime(2026, 12, 15, 19, 0, tzinfo=HARTFORD)
    call = Call(break_app, "+18605550196")
    call.start()
    menu = call.press("4")                                             # Kreyòl: heard from audio files
    assert menu.said == [] and menu.plays and not any("closed from" in p for p in menu.plays)


def test_a_short_holiday_is_not_announced_as_a_closure():
    import datetime as dt2

    from hotline.content import load as load_content

    catalog, _ = load_content(PROJECT_ROOT)
    assert catalog.schedule.closure_ahead(dt2.date(2026, 11, 23)) is None      # Thanksgiving: one working day
    assert catalog.schedule.next_open(dt.datetime(2026, 11, 25, 19, 0, tzinfo=HARTFORD)).date() == dt2.date(2026, 11, 27)

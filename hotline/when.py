"""Say when the Welcome Center opens next, in the caller's language: its own weekday words where the translation
gives them (the case a language needs after its "on": Polish "we wtorek", Bosnian "u srijedu", Kreyòl "madi"),
else Babel's (CLDR); the time in CLDR's form, but in Swahili in Swahili time, which counts the hours from dawn
("saa mbili asubuhi" is 8 in the morning; "saa 08:00" could be heard as 2 in the afternoon)."""
from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

from hotline.content.catalog import Catalog

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")   # message ids weekday.<day> in a translation
SWAHILI_HOURS = ("sita", "saba", "nane", "tisa", "kumi", "kumi na moja", "kumi na mbili", "moja", "mbili", "tatu",
                 "nne", "tano")   # Swahili time: the hour of a day that starts at 6:00 ("saa moja" is 7:00)


def locale_of(catalog: Catalog, code: str) -> str:
    """The CLDR locale for a language: its `locale:` in languages.yaml, else its code, else English."""
    candidate = catalog.language(code).locale or code
    try:
        Locale.parse(candidate.replace("-", "_"))
        return candidate.replace("-", "_")
    except (UnknownLocaleError, ValueError):
        return "en_US"


def swahili_time(moment: dt.datetime) -> str:
    """A time as Swahili speakers say it: "saa mbili asubuhi" (8:00 a.m.), "saa nane na nusu mchana" (2:30 p.m.)."""
    hour, minute = moment.hour, moment.minute
    if minute > 30:
        hour, minute = (hour + 1) % 24, minute - 60
    part = "asubuhi" if 5 <= hour < 12 else "mchana" if 12 <= hour < 16 else "jioni" if 16 <= hour < 19 else "usiku"
    words = f"saa {SWAHILI_HOURS[hour % 12]}"
    if minute == 15:
        words += " na robo"
    elif minute == 30:
        words += " na nusu"
    elif minute == -15:
        words += " kasorobo"
    elif minute > 0:
        words += f" na dakika {minute}"
    elif minute < 0:
        words += f" kasoro dakika {-minute}"
    return f"{words} {part}"


def date_words(catalog: Catalog, code: str, date: dt.date) -> str:
    """A day of the year as the language writes it after "from" or "on": 24 December, 24 de diciembre, 12月24日."""
    return format_skeleton("MMMMd", date, locale=locale_of(catalog, code))


def opening_words(catalog: Catalog, code: str, opens: dt.datetime, far: bool = False) -> dict[str, str]:
    """{day} and {time} of an opening, e.g. Monday / 8:00 AM, in the caller's language; with far (more than a
    week away), the day with its date: Monday, 4 January."""
    locale = locale_of(catalog, code)
    own = catalog.messages.get(code, {}).get(f"weekday.{WEEKDAYS[opens.weekday()]}")   # never English's
    day = own or format_date(opens, "EEEE", locale=locale)
    if far:
        day = f"{day} {date_words(catalog, code, opens)}" if own else f"{day}, {date_words(catalog, code, opens)}"
    time = swahili_time(opens) if locale.split("_")[0] == "sw" else format_time(opens, "short", locale=locale)
    return {"day": day, "time": time}


def closure_words(catalog: Catalog, code: str, closure: tuple[dt.date, dt.date]) -> dict[str, str]:
    """{first} and {last} of a closure, in the caller's language."""
    return {"first": date_words(catalog, code, closure[0]), "last": date_words(catalog, code, closure[1])}

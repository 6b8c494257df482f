"""Say when the Welcome Center opens next, in the caller's language (Babel's CLDR data)."""
from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from hotline.content.catalog import Catalog


def locale_of(catalog: Catalog, code: str) -> str:
    """The CLDR locale for a language: its `locale:` in languages.yaml, else its code, else English."""
    candidate = catalog.language(code).locale or code
    try:
        Locale.parse(candidate.replace("-", "_"))
        return candidate.replace("-", "_")
    except (UnknownLocaleError, ValueError):
        return "en_US"


def opening_words(catalog: Catalog, code: str, opens: dt.datetime) -> dict[str, str]:
    """{day} and {time} of an opening, e.g. Monday / 8:00 AM, in the caller's language."""
    locale = locale_of(catalog, code)
    return {"day": format_date(opens, "EEEE", locale=locale), "time": format_time(opens, "short", locale=locale)}

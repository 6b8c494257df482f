"""Open hours, holidays and closures of the Welcome Center line."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

if TYPE_CHECKING:
    from hotline.content.catalog import Resource
    from hotline.content.loader import Source

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON = 60        # days ahead the next opening is looked for (a summer closure ends within it)
LONG_CLOSURE = 3    # working days closed in a row, at least, for a closure to be announced a week before
SCHEDULE_FIELDS = {"timezone", "forward_to", "forward_timeout", "hours", "calendars", "holidays", "closures"}
FORWARD_TIMEOUT = 25          # seconds the Welcome Center rings before the caller gets the hotline menu
DIAL_TIMEOUTS = (5, 600)      # what Twilio's <Dial timeout> accepts, in seconds (its <Dial> page)
_CALENDAR = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?$")   # US, US-CT: a country and a subdivision
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_YEARLY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class ClosedDay:
    """A day the Welcome Center is closed: every year (year None) or once."""

    month: int
    day: int
    year: int | None
    name: str

    def matches(self, date: dt.date) -> bool:
        """Whether this closed day falls on the date."""
        return (date.month, date.day) == (self.month, self.day) and self.year in (None, date.year)


@lru_cache(maxsize=64)
def calendar_days(calendar: str, year: int) -> dict[dt.date, str]:
    """The public holidays of a calendar (US, US-CT) in a year, from the holidays package."""
    country, subdivision = _CALENDAR.match(calendar).groups()
    return dict(holidays.country_holidays(country.upper(), subdiv=subdivision and subdivision.upper(), years=year))


def known_calendar(calendar: str) -> bool:
    """Whether the holidays package has this calendar: a country (US) or a country and subdivision (US-CT)."""
    match = _CALENDAR.match(calendar)
    if match is None:
        return False
    country, subdivision = match[1].upper(), (match[2] or "").upper()
    supported = holidays.list_supported_countries()
    return country in supported and (not subdivision or subdivision in supported[country])


@dataclass(frozen=True)
class Schedule:
    """When calls go to the Welcome Center rather than the hotline menu."""

    timezone: ZoneInfo
    forward_to: str | None
    hours: tuple[tuple[dt.time, dt.time] | None, ...]
    closed: tuple[ClosedDay, ...] = ()
    calendars: tuple[str, ...] = ()   # public holiday calendars (US, US-CT): closed on their days every year
    forward_timeout: int = FORWARD_TIMEOUT   # seconds the Welcome Center rings before the caller gets the menu

    @lru_cache(maxsize=1024)   # asked for the same few days by every call (a schedule is a frozen value)
    def closed_day(self, date: dt.date) -> ClosedDay | None:
        """The holiday or closure on this date, if any: the schedule's own days, then its calendars'."""
        own = next((c for c in self.closed if c.matches(date)), None)
        if own is not None:
            return own
        for calendar in self.calendars:
            name = calendar_days(calendar, date.year).get(date)
            if name:
                return ClosedDay(date.month, date.day, date.year, name)
        return None

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the Welcome Center is open at this moment."""
        local = now.astimezone(self.timezone)
        span = self.hours[local.weekday()]
        if span is None or self.closed_day(local.date()):
            return False
        return span[0] <= local.time().replace(tzinfo=None) < span[1]

    def next_open(self, now: dt.datetime) -> dt.datetime | None:
        """The next moment the Welcome Center opens (local time), within HORIZON days (a long closure included)."""
        local = now.astimezone(self.timezone)
        for ahead in range(HORIZON):
            date = local.date() + dt.timedelta(days=ahead)
            span = self.hours[date.weekday()]
            if span is None or self.closed_day(date):
                continue
            opens = dt.datetime.combine(date, span[0], self.timezone)
            if opens > local:
                return opens
        return None

    @lru_cache(maxsize=64)
    def closure_ahead(self, today: dt.date) -> tuple[dt.date, dt.date] | None:
        """The first and last day of a closure that begins within a week after today: days the Welcome Center
        would be open but for holidays or closures, at least LONG_CLOSURE of them, with nothing but days it is
        always closed (a weekend) between them."""
        for ahead in range(1, 8):
            start = today + dt.timedelta(days=ahead)
            if not (self.hours[start.weekday()] and self.closed_day(start)):
                continue
            day, last, closed = start, start, 0
            while day - start < dt.timedelta(days=HORIZON) and (self.closed_day(day) or not self.hours[day.weekday()]):
                if self.hours[day.weekday()]:
                    closed, last = closed + 1, day
                day += dt.timedelta(days=1)
            if closed >= LONG_CLOSURE:
                return start, last
        return None

    def opening(self, now: dt.datetime) -> "Opening | None":
        """What an after-hours caller is told of the next opening (None when none is in sight)."""
        opens = self.next_open(now)
        if opens is None:
            return None
        today = now.astimezone(self.timezone).date()
        return Opening(opens, (opens.date() - today).days > 6, self.closure_ahead(today))


@dataclass(frozen=True)
class Opening:
    """When the Welcome Center opens next, as an after-hours caller hears it."""

    at: dt.datetime
    far: bool = False                                  # more than a week away: said with its date, not a weekday alone
    closure: tuple[dt.date, dt.date] | None = None     # a long closure beginning within a week: announced


def _closed_days(src: "Source", data: dict, key: str) -> list[ClosedDay]:
    items = data.get(key) or []
    if not isinstance(items, list):
        src.error(data, "bad-value", f"{key}: should be a list of {{ date: ..., name: ... }}", key)
        return []
    found = []
    for i, item in enumerate(items):
        date = item.get("date") if isinstance(item, dict) else None
        name = str(item.get("name") or key) if isinstance(item, dict) else key
        closed = _closed_day(date, name)
        if closed is None:
            written = "nothing" if date is None else f"'{date}'"
            src.error(items, "bad-value", f"{key}: {written} is not a date: write 2027-01-18 for one day, or 12-25 "
                      f"for the same day every year (with or without quotes)", i)
        else:
            found.append(closed)
    return found


def _closed_day(date: Any, name: str) -> ClosedDay | None:
    """A closed day from what staff wrote: a YAML date, "2027-01-18" in quotes, or "12-25" for every year."""
    if isinstance(date, dt.date):
        return ClosedDay(date.month, date.day, date.year, name)
    text = str(date).strip() if isinstance(date, (str, int)) else ""
    try:
        if _YEARLY.match(text):
            month, day = map(int, _YEARLY.match(text).groups())
            dt.date(2024, month, day)   # a leap year: 02-29 is a day some years have
            return ClosedDay(month, day, None, name)
        once = dt.date.fromisoformat(text)
        return ClosedDay(once.month, once.day, once.year, name)
    except ValueError:
        return None


def _hours(src: "Source", data: dict) -> list[tuple[dt.time, dt.time] | None]:
    raw = data.get("hours") or {}
    spans: list[tuple[dt.time, dt.time] | None] = [None] * 7
    if not isinstance(raw, dict):
        src.error(data, "bad-value", "hours: should map days (mon, tue, ...) to times like \"08:00-16:30\"", "hours")
        return spans
    for day, value in raw.items():
        if day not in DAYS:
            src.error(raw, "unknown-field", f"hours: '{day}' is not a day; use {', '.join(DAYS)}", day)
            continue
        if value is None or str(value).strip().lower() == "closed":
            continue
        match = _SPAN.match(str(value).strip())
        try:
            h1, m1, h2, m2 = map(int, match.groups()) if match else (None,) * 4
            opens, closes = dt.time(h1, m1), dt.time(h2, m2)
        except (TypeError, ValueError):
            src.error(raw, "bad-value", f"hours: {day}: '{value}' should look like \"08:00-16:30\" or \"closed\"", day)
            continue
        if closes <= opens:
            src.error(raw, "bad-value", f"hours: {day}: closing time must be after opening time", day)
            continue
        spans[DAYS.index(day)] = (opens, closes)
    return spans


def _calendars(src: "Source", data: dict) -> tuple[str, ...]:
    raw = data.get("calendars") or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        src.error(data, "bad-value", "calendars: should be a list such as [US, US-CT] (US federal holidays, "
                  "Connecticut's)", "calendars")
        return ()
    found = []
    for i, calendar in enumerate(str(c).strip() for c in raw):
        if known_calendar(calendar):
            found.append(calendar.upper())
        else:
            src.error(raw, "bad-value", f"calendars: '{calendar}' is not a holiday calendar; write a country code "
                      "(US) or a country and state (US-CT)", i)
    return tuple(found)


def _forward_timeout(src: "Source", data: dict) -> int:
    """forward_timeout: how long the Welcome Center rings, in whole seconds Twilio's <Dial timeout> accepts."""
    value = data.get("forward_timeout")
    if value is None:
        return FORWARD_TIMEOUT
    low, high = DIAL_TIMEOUTS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        src.error(data, "bad-value", f"forward_timeout: '{value}' should be whole seconds from {low} to {high} (how long "
                  f"the Welcome Center rings before the caller gets the hotline menu; {FORWARD_TIMEOUT} if left out)",
                  "forward_timeout")
        return FORWARD_TIMEOUT
    return value


def check_dates(src: "Source", data: dict, schedule: Schedule, today: dt.date) -> None:
    """Warnings for what staff would not notice: a one-off closed day already past (a snow day typed with last
    year's date), and a schedule with no closed day in the coming year (holidays never typed in)."""
    for key in ("holidays", "closures"):
        items = data.get(key) if isinstance(data.get(key), list) else []
        for i, item in enumerate(items):
            closed = _closed_day(item.get("date"), str(item.get("name") or key)) if isinstance(item, dict) else None
            if closed is not None and closed.year is not None and dt.date(closed.year, closed.month, closed.day) < today:
                src.warn(items, "past-date", f"{key}: {closed.year}-{closed.month:02d}-{closed.day:02d} "
                         f"({closed.name}) is in the past: it closes nothing (a wrong year?); delete it or fix the date", i)
    ahead = (today + dt.timedelta(days=n) for n in range(366))
    if not any(schedule.hours[day.weekday()] and schedule.closed_day(day) for day in ahead):
        src.warn(data, "no-holidays", "no holiday or closure in the coming year: calls on holidays would ring a "
                 "closed Welcome Center; add `calendars: [US-CT]` (US and Connecticut holidays) or dates under "
                 "holidays:", "holidays" if "holidays" in data else None)


def parse_schedule(src: "Source", resources: dict[str, "Resource"]) -> Schedule | None:
    """Read schedule.yaml into a Schedule, recording problems in src."""
    from hotline.content.rules import phone_number

    data: dict[str, Any] = src.mapping("timezone, forward_to, forward_timeout, hours, holidays and closures")
    if not data:
        return None
    src.unknown_fields(data, SCHEDULE_FIELDS, "schedule")
    try:
        zone = ZoneInfo(str(data.get("timezone") or "America/New_York"))
    except (ZoneInfoNotFoundError, ValueError):
        src.error(data, "bad-value", f"timezone: '{data.get('timezone')}' is not a time zone like America/New_York", "timezone")
        zone = ZoneInfo("America/New_York")
    forward = data.get("forward_to")
    forward_to = None
    if forward:
        forward = str(forward).strip()
        forward_to = resources[forward].phone if forward in resources else phone_number(forward)
        if forward_to is None:
            src.error(data, "bad-phone", f"forward_to: '{forward}' is not a valid phone number or resource id", "forward_to")
    closed = _closed_days(src, data, "holidays") + _closed_days(src, data, "closures")
    schedule = Schedule(zone, forward_to, tuple(_hours(src, data)), tuple(closed), _calendars(src, data),
                        _forward_timeout(src, data))
    check_dates(src, data, schedule, dt.datetime.now(zone).date())
    return schedule

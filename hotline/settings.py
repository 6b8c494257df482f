"""One frozen settings object, read from the environment in one place."""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

from hotline.keys import MIN_SECRET, Keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SECRET_FIELDS = {"twilio_auth_token", "secret", "previous_secret", "admin_token"}
# Platforms whose disk is wiped at every restart or deploy, by a variable each sets in every process: a recording
# saved there would be gone at the next deploy (Heroku dynos, Render, Fly.io machines, Railway, Cloud Run, App Engine).
EPHEMERAL_PLATFORMS = {"DYNO": "Heroku", "RENDER": "Render", "FLY_APP_NAME": "Fly.io",
                       "RAILWAY_ENVIRONMENT": "Railway", "K_SERVICE": "Google Cloud Run", "GAE_ENV": "Google App Engine"}


def default_content_dir(cwd: Path | None = None) -> Path:
    """Where prompts/ and translations/ are when HOTLINE_CONTENT_DIR is not set: the project the package was
    installed from (a checkout, `pip install -e .`), else the working directory (a platform that ran
    `pip install .` runs the app from its checkout, where the package itself holds no content)."""
    if (PROJECT_ROOT / "prompts").is_dir():
        return PROJECT_ROOT
    return Path(cwd or Path.cwd())


def _e164(number: str) -> bool:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return number.startswith("+") and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number


class SettingsError(ValueError):
    """The environment cannot describe a working hotline."""


TWILIO_API_URL = "https://api.twilio.com"
MIN_ADMIN_TOKEN = 16   # characters of HOTLINE_ADMIN_TOKEN: it opens the pages where families' numbers are
_DURATION = re.compile(r"\s*(\d+)\s*(s|m|h|d|w)\s*")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(text: str, name: str = "duration") -> dt.timedelta:
    """A length of time as staff write it: 90s, 30m, 24h, 7d, 2w (a whole number and one unit)."""
    match = _DURATION.fullmatch(text or "")
    if match is None or int(match.group(1)) == 0:
        raise SettingsError(f"{name}: '{text}' is not a length of time; write a whole number and a unit, "
                            "like 24h, 7d or 30m (s, m, h, d, w)")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Settings:
    """Everything the hotline reads from its environment."""

    twilio_auth_token: str | None = None
    redis_url: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    secret_is_random: bool = True
    previous_secret: bytes | None = None   # HOTLINE_SECRET_PREVIOUS: numbers hashed with it are still recognised
    embedded: bool = False                 # HOTLINE_EMBEDDED=1: the web process may run without REDIS_URL
    content_dir: Path = field(default_factory=default_content_dir)
    ephemeral_disk: str | None = None      # the platform that wipes the disk at restart, if one is detected
    public_url: str | None = None
    admin_token: str | None = None
    port: int = 5000
    rate_per_number: int = 20      # texts or calls from one number in a minute before no reply
    rate_per_minute: int = 1200    # replies of the whole hotline in a minute, texts and calls each (a flood)
    texts_per_hour: int = 100      # texts the hotline starts itself (a caller's press of 8), whole hotline, an hour
    phone_numbers: tuple[str, ...] = ()   # the hotline's own numbers (E.164): caller ID, sender, what purge deletes
    twilio_account_sid: str | None = None      # the account whose REST API texts callers and purges records
    twilio_api_url: str = TWILIO_API_URL       # Twilio's REST API (a local stand-in in tests)
    twilio_retention: dt.timedelta | None = None   # how long Twilio keeps the hotline's records before purge

    @property
    def twilio_rest(self) -> bool:
        """Whether the hotline can use Twilio's REST API: an account and its auth token."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def texting(self) -> bool:
        """Whether the hotline can text a caller: the REST API and a number of its own to send from."""
        return self.twilio_rest and bool(self.phone_numbers)

    @property
    def keys(self) -> Keys:
        """The keys derived from HOTLINE_SECRET, one for each use."""
        return Keys.derive(self.secret)

    @property
    def previous_keys(self) -> Keys | None:
        """The keys derived from HOTLINE_SECRET_PREVIOUS, while a rotation is under way."""
        return Keys.derive(self.previous_secret) if self.previous_secret else None

    def require_store(self) -> None:
        """The web process (gunicorn) refuses the embedded store unless HOTLINE_EMBEDDED=1 says it is meant: each
        worker would keep its own memory, so a STOP would be honoured by one worker only."""
        if self.redis_url is None and not self.embedded:
            raise SettingsError(
                "REDIS_URL is not set: the web process will not start on the embedded store, where each gunicorn "
                "worker keeps its own memory (a STOP would be honoured by one worker only, and everything is "
                "forgotten at restart). Set REDIS_URL to the Redis the hotline keeps its state in, or set "
                "HOTLINE_EMBEDDED=1 to try the hotline out without one")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SECRET_FIELDS and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from environment variables (os.environ by default)."""
        env = os.environ if environ is None else environ
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://")):
            raise SettingsError("REDIS_URL must start with redis:// or rediss://")
        secret = env.get("HOTLINE_SECRET") or None
        if redis_url and not secret:
            raise SettingsError(
                "HOTLINE_SECRET is required when REDIS_URL is set: it is the key "
                "phone numbers are hashed with, and must stay the same across restarts"
            )
        if redis_url and len(secret) < MIN_SECRET:
            raise SettingsError(
                f"HOTLINE_SECRET is too short ({len(secret)} characters): with REDIS_URL set it must be at least "
                f"{MIN_SECRET} characters, for example the output of `python -c \"import secrets; "
                f"print(secrets.token_urlsafe(32))\"`; a short one lets anyone who sees a hash find the number"
            )
        previous = env.get("HOTLINE_SECRET_PREVIOUS") or None
        if previous and len(previous) < MIN_SECRET:
            raise SettingsError(f"HOTLINE_SECRET_PREVIOUS is too short ({len(previous)} characters): it must be the "
                                f"whole secret used before the rotation (at least {MIN_SECRET} characters)")
        if previous and previous == secret:
            raise SettingsError("HOTLINE_SECRET_PREVIOUS is the same as HOTLINE_SECRET: set HOTLINE_SECRET to the new "
                                "secret and HOTLINE_SECRET_PREVIOUS to the old one")
        admin = env.get("HOTLINE_ADMIN_TOKEN") or None
        if admin and len(admin) < MIN_ADMIN_TOKEN:
            raise SettingsError(f"HOTLINE_ADMIN_TOKEN is too short ({len(admin)} characters): it opens the staff pages, "
                                f"where families' numbers are; give at least {MIN_ADMIN_TOKEN} characters, for example "
                                f"the output of `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
        embedded = (env.get("HOTLINE_EMBEDDED") or "").strip()
        if embedded not in ("", "0", "1"):
            raise SettingsError(f"HOTLINE_EMBEDDED must be 1 (or unset), not {embedded!r}")
        public_url = (env.get("HOTLINE_PUBLIC_URL") or "").rstrip("/") or None
        if public_url and not public_url.startswith(("http://", "https://")):
            raise SettingsError("HOTLINE_PUBLIC_URL must start with http:// or https://")
        numbers = {}
        for name, default in (("PORT", "5000"), ("HOTLINE_RATE_PER_NUMBER", "20"), ("HOTLINE_RATE_PER_MINUTE", "1200"),
                              ("HOTLINE_TEXTS_PER_HOUR", "100")):
            value = env.get(name) or default
            if not value.isdigit():
                raise SettingsError(f"{name} must be a whole number, not {value!r}")
            if int(value) == 0 and name != "PORT":
                raise SettingsError(f"{name} is 0, which would silence the hotline: give a whole number of at least 1 "
                                    "(or leave it unset for the default)")
            numbers[name] = int(value)
        phones = tuple(n.strip() for n in (env.get("HOTLINE_PHONE_NUMBER") or "").split(",") if n.strip())
        for number in phones:
            if not _e164(number):
                raise SettingsError(f"HOTLINE_PHONE_NUMBER: '{number}' is not a phone number in E.164 form, "
                                    "like +18605550000 (several are separated by commas)")
        account = env.get("TWILIO_ACCOUNT_SID") or None
        if account and not re.fullmatch(r"AC[0-9a-fA-F]{32}", account):
            raise SettingsError(f"TWILIO_ACCOUNT_SID: '{account[:6]}...' is not an account SID (AC and 32 hexadecimal "
                                "characters, from the Twilio Console)")
        api_url = (env.get("HOTLINE_TWILIO_API_URL") or TWILIO_API_URL).rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            raise SettingsError("HOTLINE_TWILIO_API_URL must start with https:// (or http:// for a local stand-in)")
        retention = env.get("HOTLINE_TWILIO_RETENTION") or None
        kwargs = dict(
            phone_numbers=phones,
            twilio_account_sid=account,
            twilio_api_url=api_url,
            twilio_retention=duration(retention, "HOTLINE_TWILIO_RETENTION") if retention else None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            redis_url=redis_url,
            content_dir=Path(env["HOTLINE_CONTENT_DIR"]) if env.get("HOTLINE_CONTENT_DIR") else default_content_dir(),
            embedded=embedded == "1",
            ephemeral_disk=next((name for variable, name in EPHEMERAL_PLATFORMS.items() if env.get(variable)), None),
            public_url=public_url,
            admin_token=admin,
            port=numbers["PORT"],
            rate_per_number=numbers["HOTLINE_RATE_PER_NUMBER"],
            rate_per_minute=numbers["HOTLINE_RATE_PER_MINUTE"],
            texts_per_hour=numbers["HOTLINE_TEXTS_PER_HOUR"],
        )
        if secret:
            kwargs.update(secret=secret.encode(), secret_is_random=False)
        if previous:
            kwargs.update(previous_secret=previous.encode())
        return cls(**kwargs)

"""Twilio's REST API, through the twilio SDK: one Client built from the settings, with short timeouts, and
nothing about a request (a number, a body) ever in the logs.

The hotline uses it for texting a caller the numbers they just heard (hotline.texting), deleting the records Twilio
keeps of the hotline's texts and calls (hotline.purge), and pointing its numbers at the hotline (hotline.connect).
"""
from __future__ import annotations

import json
import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hotline.settings import TWILIO_API_URL, Settings

WRONG_CREDENTIALS = 20003
NOT_FOUND = 20404
TIMEOUT = 4.0    # seconds a webhook waits on Twilio at most (Twilio itself gives a webhook 15)
FAILURES = (TwilioException, requests.RequestException)   # what a request to Twilio can end in

# The SDK logs every request's parameters (To, From, Body) at INFO: never let that reach the hotline's logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def client(settings: Settings) -> Client | None:
    """The REST client for TWILIO_ACCOUNT_SID, or None when it (or TWILIO_AUTH_TOKEN) is not set."""
    if not settings.twilio_rest:
        return None
    made = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=TwilioHttpClient(timeout=TIMEOUT))
    made.edge = made.region = None          # no TWILIO_EDGE or TWILIO_REGION from the environment: the URL below
    made.api.base_url = settings.twilio_api_url
    if settings.twilio_api_url != TWILIO_API_URL:   # a local stand-in serves every domain the hotline uses
        made.messaging.base_url = made.voice.base_url = settings.twilio_api_url
    return made


def _failure(exc: Exception) -> tuple[int | None, int | None]:
    """(HTTP status, Twilio's error code) of a failed request; (None, None) for a network failure."""
    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        return exc.status, exc.code
    response = exc.args[1] if isinstance(exc, TwilioException) and len(exc.args) > 1 else None
    if isinstance(response, Response):   # a list page the SDK could not fetch: the body has Twilio's code
        try:
            code = json.loads(response.text).get("code")
        except (ValueError, AttributeError):
            code = None
        return response.status_code, code if isinstance(code, int) else None
    return None, None


def error_code(exc: Exception) -> int | None:
    """Twilio's error code for a failed request (21614, 20009, 20429...), None for a network failure."""
    return _failure(exc)[1]


def retryable(exc: Exception) -> bool:
    """A failure worth trying again after a pause: too many requests, Twilio's own trouble, or the network."""
    status, _ = _failure(exc)
    if status is not None:
        return status == 429 or status >= 500
    return isinstance(exc, requests.RequestException)


def described(exc: Exception) -> str:
    """A failure in words that carry no number or body (Twilio's messages can quote the number)."""
    status, code = _failure(exc)
    if status is None:
        return type(exc).__name__
    return f"Twilio error {code} (HTTP {status})" if code else f"HTTP {status}"


def in_words(exc: Exception) -> str:
    """A failure said for a person, with what to check (no number, no body, no token)."""
    status, code = _failure(exc)
    if code == WRONG_CREDENTIALS:
        return ("Twilio refused the account's credentials (error 20003): check TWILIO_ACCOUNT_SID and "
                "TWILIO_AUTH_TOKEN (the Console's Account Info)")
    if code == NOT_FOUND:
        return "Twilio found no such resource in this account (error 20404)"
    if status is None:
        return f"Twilio's API could not be reached ({type(exc).__name__}): check the network and HOTLINE_TWILIO_API_URL"
    return described(exc)


def notices(settings: Settings) -> list[str]:
    """What the hotline cannot do with Twilio's REST API as configured (start-up log and `hotline check`)."""
    found = []
    if not settings.twilio_rest:
        missing = "TWILIO_ACCOUNT_SID" if not settings.twilio_account_sid else "TWILIO_AUTH_TOKEN"
        found.append(f"{missing} is not set: callers cannot get the numbers they heard by text, and "
                     "`hotline purge` cannot delete Twilio's records of the hotline's texts and calls")
    elif not settings.phone_numbers:
        found.append("HOTLINE_PHONE_NUMBER is not set: callers cannot get the numbers they heard by text (there is "
                     "no number to send from), and `hotline purge` has no number's records to delete")
    if settings.twilio_retention is None:
        found.append("HOTLINE_TWILIO_RETENTION is not set: Twilio keeps every text's number and body and every "
                     "call's number until they are deleted; `hotline purge` needs --older-than")
    return found

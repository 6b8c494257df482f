"""Twilio's side of every webhook: the signature check, TwiML responses and the never-5xx fallback."""
from __future__ import annotations

import logging
import traceback
from pathlib import Path

from flask import Blueprint, Response, abort, g, request
from twilio.request_validator import RequestValidator, compare
from werkzeug.exceptions import HTTPException

from hotline.web import hotline, note

log = logging.getLogger(__name__)


def base_url() -> str:
    """The hotline's address as Twilio calls it: HOTLINE_PUBLIC_URL, else this request's proxy-aware scheme and
    host (worked out once a request: the signature and the status callback's URL both need it)."""
    known = g.get("base_url")
    if known is None:
        known = g.base_url = (hotline().settings.public_url or f"{request.scheme}://{request.host}") + request.script_root
    return known


def signed_url() -> str:
    """The URL Twilio signed: the base URL, the path, and the query string exactly as sent (re-encoding it would
    break the signature)."""
    query = request.query_string.decode("latin-1")
    return f"{base_url()}{request.path}" + (f"?{query}" if query else "")


def status_url() -> str:
    """Where Twilio posts the delivery status of the texts the hotline sends (POST /status)."""
    return f"{base_url()}/status"


def fields() -> dict[str, str]:
    """Twilio's form as a plain dict, for a view to read (werkzeug's MultiDict makes and catches an exception for
    every field a request lacks, and most of Twilio's optional fields are absent)."""
    return request.form.to_dict()


def require_signature() -> None:
    """Abort with 403 unless X-Twilio-Signature matches this request under TWILIO_AUTH_TOKEN."""
    token = hotline().settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        note(outcome="refused", reason="no token" if not token else "no signature")
        abort(403)
    validator, url, form = RequestValidator(token), signed_url(), request.form
    # The URL exactly as signed matches at once; validate() also tries it with and without a port.
    if not (compare(validator.compute_signature(url, form), signature) or validator.validate(url, form, signature)):
        note(outcome="refused", reason="bad signature")
        abort(403)


def twiml(document) -> Response:
    """A TwiML document as Twilio expects it."""
    return Response(str(document), status=200, mimetype="text/xml")


def protect(blueprint: Blueprint, fallback) -> None:
    """Check signatures on every request of a blueprint, and answer TwiML, never 5xx, when anything fails."""
    blueprint.before_request(require_signature)

    @blueprint.errorhandler(Exception)
    def failed(exc: Exception):
        if isinstance(exc, HTTPException) and exc.code < 500:
            return exc
        last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f"{Path(last.filename).name}:{last.lineno}" if last else "?"
        # The exception's text is left out: it could quote a caller's message or number.
        route = request.url_rule.rule if request.url_rule else "(unknown)"   # never the raw path a client wrote
        log.error("webhook failed", extra={"request_id": g.get("log_fields", {}).get("request_id"), "route": route,
                                           "error": type(exc).__name__, "where": where})
        note(outcome="failed, fallback sent")
        return twiml(fallback(hotline().catalog))

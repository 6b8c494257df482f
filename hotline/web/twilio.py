"""Twilio's side of every webhook: the signature check, TwiML responses and the never-5xx fallback."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import HTTPException

from hotline.web import hotline

log = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL Twilio signed: HOTLINE_PUBLIC_URL plus the path, else the request's own (proxy-aware) URL."""
    base = hotline().settings.public_url
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def require_signature() -> None:
    """Abort with 403 unless X-Twilio-Signature matches this request under TWILIO_AUTH_TOKEN."""
    token = hotline().settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        log.warning("webhook refused", extra={"route": request.path, "reason": "no token" if not token else "no signature"})
        abort(403)
    if not RequestValidator(token).validate(signed_url(), request.form.to_dict(flat=False), signature):
        log.warning("webhook refused", extra={"route": request.path, "reason": "bad signature"})
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
        log.error("webhook failed", extra={"route": request.path, "error": type(exc).__name__})
        return twiml(fallback(hotline().catalog))

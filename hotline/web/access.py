"""Who may open the staff pages: HOTLINE_ADMIN_TOKEN, or without it only this machine (127.0.0.1)."""
from __future__ import annotations

import hmac
import logging

from flask import abort, request

from hotline.web import hotline, note

log = logging.getLogger(__name__)
LOCAL = {"127.0.0.1", "::1"}
COOKIE = "hotline_admin"


def given_token() -> str | None:
    """A token from the Authorization header, the ?token= link, or the cookie set by that link."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):].strip()
    return request.args.get("token") or request.cookies.get(COOKIE)


def require_staff() -> None:
    """401 for a wrong or missing token (logged without it); 403 from elsewhere when no token is configured."""
    expected = hotline().settings.admin_token
    if expected is None:
        if request.remote_addr not in LOCAL:
            note(outcome="refused", reason="staff pages are open to 127.0.0.1 only without HOTLINE_ADMIN_TOKEN")
            abort(403)
        return
    token = given_token()
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        log.warning("staff page refused: wrong or missing token", extra={"route": request.path})
        note(outcome="refused", reason="wrong or missing admin token")
        abort(401)


def remember_token(response):
    """After a ?token= link, keep the token in a cookie for this browser (HttpOnly, same site)."""
    token = request.args.get("token")
    if token and hotline().settings.admin_token and hmac.compare_digest(token.encode(), hotline().settings.admin_token.encode()):
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure)
    return response

"""Who may open the staff pages: decided by the socket and the token, never by a header a client chose.

- With HOTLINE_ADMIN_TOKEN: `Authorization: Bearer <token>` (a script; no session, no anti-forgery token), or a
  staff session in the browser, opened by the sign-in form (POST /signin: the token never in a URL) or by a
  `?token=` link, which redirects to the same page without the token. The session is Flask's signed cookie (a
  key derived from HOTLINE_SECRET for this only), for 8 hours, HttpOnly, SameSite=Strict, Secure (with HSTS)
  when the public URL is https; it holds an anti-forgery token and a keyed mark of the admin token it was opened
  with, never the token itself: rotating HOTLINE_ADMIN_TOKEN ends every session at once. POST /signout ends one.
- Without it and with REDIS_URL (production): closed to everyone, and the start-up log says how to open them.
- Without it and with the embedded store (trying the hotline out): open only to a browser on this machine,
  when both the connection's address and the Host it asked for are this machine's (a page elsewhere that
  rebinds its own name to 127.0.0.1 still says its own name in Host). The original Host is read, never the
  X-Forwarded-Host a proxy hop may have put in its place.
- With HOTLINE_PUBLIC_URL: the staff pages answer only to its host.
- Every state-changing request a browser session makes carries the session's anti-forgery token (form field
  `csrf_token` or header `X-CSRF-Token`), and its `Origin`, when the browser sends one, is this site's.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import redis
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface

from hotline.sessions import PREFIX
from hotline.web import hotline, note

log = logging.getLogger(__name__)
SESSION_HOURS = 8
WRONG_TOKENS = 10   # wrong tokens in a minute, for the whole hotline, before every try is refused for that minute
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"


class StaffSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened only for a request that brings the cookie: Twilio's webhooks never
    do, and building the signer for each of them cost a tenth of a text's answer."""

    def open_session(self, app, request):
        if app.config["SESSION_COOKIE_NAME"] not in request.environ.get("HTTP_COOKIE", ""):   # no parsing needed
            return self.session_class()
        return super().open_session(app, request)


def configure(app) -> None:
    """The staff session's cookie: signed with the staff key, 8 hours, HttpOnly, SameSite=Strict."""
    settings = app.extensions["hotline"].settings
    app.secret_key = settings.keys.staff
    app.session_interface = StaffSessions()
    app.config.update(SESSION_COOKIE_NAME="hotline_staff", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict",
                      SESSION_COOKIE_SECURE=bool(settings.public_url and settings.public_url.startswith("https://")),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
                      SESSION_REFRESH_EACH_REQUEST=False)   # 8 hours from signing in, however busy


def _original_host() -> str:
    """The Host the client asked for, before any proxy header replaced it."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("HTTP_HOST")
    return original or request.environ.get("HTTP_HOST", "")


def _hostname(host: str) -> str:
    return (urlsplit(f"//{host}").hostname or "").lower()


def _local_socket() -> bool:
    try:
        return ipaddress.ip_address(request.environ.get("REMOTE_ADDR", "")) in (
            ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
    except ValueError:
        return False


def _refuse(status: int, reason: str):
    note(outcome="refused", reason=reason)
    if status == 401:
        if request.method == "GET" and request.accept_mimetypes.accept_html:   # a browser: the way in
            abort(_sign_in_page(401, wrong="token" in request.args))
    abort(status)


def _sign_in_page(status: int, wrong: bool = False, next_path: str | None = None):
    """The sign-in form, which posts the token (never in a URL), and comes back to the page asked for."""
    page = render_template("signin.html", wrong=wrong, next=_local(next_path or request.full_path.rstrip("?")),
                           csrf_token=lambda: "", csp_nonce=csp_nonce, signed_in=lambda: False)
    return protect_headers(current_app.response_class(page, status=status, mimetype="text/html"))


def _local(path: str | None) -> str:
    """A path on this site to go back to after signing in (never another site's address), without the token."""
    parts = urlsplit(path or "")
    if not parts.path.startswith("/") or parts.path.startswith("//") or parts.scheme or parts.netloc:
        return "/simulator"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "token"])
    return parts.path + (f"?{query}" if query else "")


def _token_mark(token: str) -> str:
    """A keyed mark of the admin token a session was opened with: it changes when the token is rotated."""
    return hmac.new(current_app.secret_key, token.encode(), "sha256").hexdigest()[:24]


def _origin() -> str:
    """This site's origin, as a browser names it in Origin."""
    public = hotline().settings.public_url
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return f"{request.scheme}://{request.host}".lower()


def require_staff():
    """Before every staff page: the host, then the token or the session (or this machine), then forgery."""
    settings = hotline().settings
    if not _allowed_host():
        _refuse(403, "staff pages answer only to HOTLINE_PUBLIC_URL's host")
    expected = settings.admin_token
    auth = request.headers.get("Authorization", "")
    if expected and auth.startswith("Bearer "):
        if not hmac.compare_digest(auth[len("Bearer "):].strip().encode(), expected.encode()):
            _wrong_token()
            _refuse(401, "wrong or missing admin token")
        g.staff_by = "bearer"     # a script: no browser session, so no forgery to guard against
        return None
    if expected and "token" in request.args:
        if not hmac.compare_digest(request.args["token"].encode(), expected.encode()):
            _wrong_token()
            _refuse(401, "wrong or missing admin token")
        _sign_in(expected)
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), code=303)
    if expected:
        if not signed_in(expected):
            _refuse(401, "wrong or missing admin token, or a session of a token since rotated")
    elif settings.redis_url is not None:
        _refuse(403, "staff pages are closed: HOTLINE_ADMIN_TOKEN is not set")
    elif not (_local_socket() and _hostname(_original_host()) in LOCAL_NAMES):
        _refuse(403, "staff pages are open to this machine only without HOTLINE_ADMIN_TOKEN")
    elif not signed_in(""):
        _sign_in("")
    g.staff_by = "session"
    if request.method not in SAFE_METHODS:
        _check_forgery()
    return None


def _session_key(sid: str) -> str:
    """Where a staff session is known to be open: a hash of its id (the id itself is only in the cookie)."""
    return f"{PREFIX}:staff:{hashlib.sha256(sid.encode()).hexdigest()[:32]}"


def signed_in(token: str) -> bool:
    """Whether this browser has a staff session opened with this admin token (not one since rotated) and not
    signed out: the cookie alone is not enough, so a copy of it taken before Sign out opens nothing."""
    mark, sid = session.get("token"), session.get("sid")
    if not (session.get("staff") and isinstance(mark, str) and isinstance(sid, str)
            and hmac.compare_digest(mark, _token_mark(token))):
        return False
    try:
        return bool(hotline().store.client.exists(_session_key(sid)))
    except redis.RedisError:   # cannot tell: closed, as with a wrong token
        return False


def _sign_in(token: str) -> None:
    session.clear()   # a new session, and a new anti-forgery token, at every sign-in
    session["staff"] = True
    session["token"] = _token_mark(token)
    session["sid"] = secrets.token_urlsafe(24)
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True
    try:
        hotline().store.client.set(_session_key(session["sid"]), "1", ex=SESSION_HOURS * 3600)
    except redis.RedisError:
        abort(503, "staff sessions cannot be opened while Redis is away; try again in a minute")


def _wrong_token() -> None:
    """Count a wrong token (sign-in form, link or script) in the hotline's minute: past a few, every try is refused
    for the rest of the minute, so a token cannot be guessed by trying many."""
    key = f"{PREFIX}:staff:wrong:{int(time.time() // 60)}"
    try:
        with hotline().store.client.pipeline() as pipe:
            tries = pipe.incr(key).expire(key, 120).execute()[0]
    except redis.RedisError:
        tries = 0
    log.warning("staff page refused: wrong token", extra={"tries_this_minute": tries})
    if tries > WRONG_TOKENS:
        abort(429, "too many wrong tokens: wait a minute")


def _allowed_host() -> bool:
    public = hotline().settings.public_url
    return not public or _hostname(_original_host()) == _hostname(urlsplit(public).netloc)


signin_bp = Blueprint("signin", __name__)


@signin_bp.post("/signin")
def sign_in():
    """The sign-in form: the admin token in the body, never in a URL; then the page asked for."""
    expected = hotline().settings.admin_token
    if not _allowed_host():
        _refuse(403, "staff pages answer only to HOTLINE_PUBLIC_URL's host")
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != _origin():
        _refuse(403, "cross-site request")
    if not expected:
        _refuse(403, "staff pages have no token to sign in with: HOTLINE_ADMIN_TOKEN is not set")
    given = request.form.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        note(outcome="refused", reason="wrong admin token")
        _wrong_token()
        return _sign_in_page(401, wrong=True, next_path=request.form.get("next"))
    _sign_in(expected)
    note(outcome="signed in")
    return redirect(_local(request.form.get("next")), code=303)


def sign_out():
    """End this browser's staff session (the page's sign-out button), for every copy of its cookie."""
    sid = session.get("sid")
    if isinstance(sid, str):
        try:
            hotline().store.client.delete(_session_key(sid))
        except redis.RedisError:
            pass
    session.clear()
    note(outcome="signed out")
    return _sign_in_page(200)


def _check_forgery() -> None:
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != _origin():
        _refuse(403, "cross-site request")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent.encode(), str(session.get("csrf", "")).encode()):
        _refuse(403, "missing or wrong anti-forgery token")


def csrf_token() -> str:
    """The anti-forgery token for this session's forms and scripts."""
    return str(session.get("csrf", ""))


def csp_nonce() -> str:
    """A nonce for this response's own <style> and <script> blocks."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def protect_headers(response):
    """Staff pages are never framed, sniffed or sent with a Referer, run only their own scripts and styles, and
    over an https public URL are only ever asked for over https (HSTS)."""
    nonce = csp_nonce()
    public = hotline().settings.public_url
    if public and public.startswith("https://"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def staff_blueprint(name: str, import_name: str, *first) -> Blueprint:
    """A blueprint of staff pages: staff access on every request (after `first`, such as a body limit that must
    be set before anything reads the body), the protective headers on every answer, and the anti-forgery token
    and CSP nonce in its templates."""
    bp = Blueprint(name, import_name)
    for step in (*first, require_staff):
        bp.before_request(step)
    bp.after_request(protect_headers)
    bp.context_processor(lambda: {"csrf_token": csrf_token, "csp_nonce": csp_nonce,
                                  "signed_in": lambda: g.get("staff_by") == "session"})
    return bp

"""The Flask application factory."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from hotline import detect, logs, texting, twilio_rest
from hotline.budgets import TextBudget
from hotline.callbacks import Callbacks
from hotline.content import Catalog
from hotline.content.keeper import Keeper, start_catalog
from hotline.content.problems import errors
from hotline.sessions import Store, refuse_evicting
from hotline.sweeper import Sweeper
from hotline.settings import Settings
from hotline.web import Hotline, access, audio, health, home, log_request, record, sms, staff, start_request, voice  # noqa: F401

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024   # bytes: Twilio's webhooks are a few kilobytes


class ContentError(RuntimeError):
    """The content folder has errors and no good version was ever seen; the hotline will not serve it."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("content has errors; run `hotline check`:\n" + "\n".join(map(str, problems)))


def create_app(settings: Settings, *, catalog: Catalog | None = None, store: Store | None = None,
               reload: bool = True, clock=None) -> Flask:
    """A hotline app for these settings. It serves the content files, or while they have errors the last
    good version (refusing only when there never was one), and follows changes to them (unless catalog is
    given or reload is False)."""
    logs.configure()
    follow = reload and catalog is None
    if store is None:
        store = Store.from_settings(settings)
    problems = []
    if catalog is None:
        catalog, problems = start_catalog(settings.content_dir, store.content_backup)
        if catalog is None:
            raise ContentError(errors(problems))
    keeper = Keeper(settings.content_dir, catalog, on_change=detect.warm, refused=errors(problems),
                    backup=store.content_backup)
    _warn_about(settings, store)
    if settings.redis_url is not None:
        refuse_evicting(store)
    detect.warm(catalog)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY   # a larger body gets 413 before it is read
    if settings.public_url is None:   # behind one proxy hop: its scheme and host, never who the client is
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=1)
    app.config["HOTLINE_CLOCK"] = clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    rest = twilio_rest.client(settings) if settings.texting else None   # one REST client, built once
    app.extensions["hotline"] = Hotline(settings, keeper, store, Callbacks.from_settings(store, settings), clock=clock,
                                        texter=texting.sender(rest, settings.phone_numbers[0]) if rest else None,
                                        budget=TextBudget(store, settings.texts_per_hour))
    app.before_request(start_request)
    app.after_request(log_request)
    for blueprint in (home.bp, sms.bp, voice.bp, health.bp, audio.bp, access.signin_bp, staff.bp, record.bp):
        app.register_blueprint(blueprint)
    access.configure(app)
    if follow:
        keeper.start()
        app.extensions["hotline"].sweeper = Sweeper(store).start()
    return app


def _warn_about(settings: Settings, store: Store) -> None:
    if not settings.twilio_auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: every webhook will answer 403 until it is")
    for notice in twilio_rest.notices(settings):
        log.warning(notice)
    if settings.redis_url is None:
        log.warning("REDIS_URL is not set: using the embedded in-process store, which is for trying "
                    "the hotline out, not for production (it forgets everything on restart)")
    elif (problem := store.diagnose()) is not None:
        log.error(f"REDIS_URL cannot be used: {problem}. The hotline answers without remembering anything (no "
                  "STOP, no call-back is stored) until it can", extra={"redis": problem})
    if settings.previous_secret:
        log.warning("HOTLINE_SECRET_PREVIOUS is set: what was kept under the previous secret is moved to the new one "
                    "as each number is seen; keep it set as long as opt-outs are kept (2 years), see the README")
    if settings.secret_is_random:
        log.warning("HOTLINE_SECRET is not set: using a random key for this process only")
    if settings.admin_token is None and settings.redis_url is not None:
        log.warning("HOTLINE_ADMIN_TOKEN is not set: the staff pages (/simulator, /stats, /callbacks) are closed "
                    "to everyone; set it, then open /simulator?token=... once in the browser")
    if settings.redis_url is not None and store.health() == "ok":
        for risk in store.risks():
            log.warning(risk)


"""GET /healthz: whether the hotline can answer, for load balancers, monitors and the district's IT."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from hotline import purge
from hotline.web import hotline

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 for load balancers, whatever happens (the hotline answers even while Redis is down), with status
    'degraded' and the problems in words while Redis is down, a content change is refused or the last purge of
    Twilio's records failed. With ?strict=1, for a monitor: 503 while degraded."""
    app = hotline()
    redis_state = app.store.health()
    problems = []
    if redis_state == "down":
        problems.append("Redis cannot be reached: nothing is remembered, no STOP or call-back is stored")
    refused = app.store.writable() if redis_state == "ok" else None
    if refused:
        problems.append(f"{refused}: opt-outs already kept are honoured, new ones cannot be stored")
    if app.keeper.refused:
        problems.append(f"the content files have {len(app.keeper.refused)} errors and are refused (run `hotline "
                        "check`); the last good version is served")
    last_purge = purge.last(app.store.client) if redis_state == "ok" else None
    if last_purge is not None and not last_purge["ok"]:
        problems.append(f"the last `hotline purge` ({last_purge.get('at')}) failed: Twilio keeps records past the "
                        "retention until it succeeds")
    persists = app.store.persistence() if redis_state != "down" else "unknown"
    body = jsonify(status="degraded" if problems else "ok", redis=redis_state, persistence=persists,
                   memory_policy=app.store.memory_policy() if redis_state != "down" else "unknown",
                   risks=app.store.risks() if redis_state == "ok" else [],
                   content=app.catalog.version, problems=problems,
                   purge=None if last_purge is None else ("ok" if last_purge["ok"] else "failed"))
    strict = request.args.get("strict", "").lower() in ("1", "true", "yes")
    return body, 503 if strict and problems else 200

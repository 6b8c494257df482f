"""GET /healthz: whether the hotline can answer, for load balancers and the district's IT."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.web import hotline

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 always; status 'degraded' while Redis is down (the hotline still answers); whether Redis keeps
    what it holds (opt-outs above all) across a restart: aof, rdb, none or unknown."""
    app = hotline()
    redis_state = app.store.health()
    status = "degraded" if redis_state == "down" else "ok"
    persists = app.store.persistence() if redis_state != "down" else "unknown"
    return jsonify(status=status, redis=redis_state, persistence=persists, content=app.catalog.version)

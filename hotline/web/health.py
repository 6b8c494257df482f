"""GET /healthz: whether the hotline can answer, for load balancers and the district's IT."""
from __future__ import annotations

from flask import Blueprint, jsonify

from hotline.web import hotline

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 always; status 'degraded' while Redis is down (the hotline still answers)."""
    app = hotline()
    redis_state = app.store.health()
    status = "degraded" if redis_state == "down" else "ok"
    return jsonify(status=status, redis=redis_state, content=app.catalog.version)

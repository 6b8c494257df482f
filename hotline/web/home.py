"""GET /: a short page saying what this service is, for whoever opens its address in a browser (the district's IT
person after a deploy, a staff member): nothing about callers, only links to the staff pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from hotline.web import hotline
from hotline.web.access import csp_nonce, protect_headers

bp = Blueprint("home", __name__)
bp.after_request(protect_headers)


@bp.get("/")
def home():
    """What this service is, what it answers, and the staff pages (which ask for the admin token)."""
    app = hotline()
    return render_template("home.html", csrf_token=lambda: "", csp_nonce=csp_nonce, signed_in=lambda: False,
                           languages=app.catalog.languages, numbers=app.settings.phone_numbers)

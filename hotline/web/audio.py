"""GET /audio/<code>/<file>: recorded or rendered prompt audio that voice TwiML plays."""
from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from hotline.content.rules import AUDIO_SUFFIXES, audio_dir
from hotline.web import hotline

bp = Blueprint("audio", __name__)
MAX_AGE = 24 * 3600   # Twilio caches prompts; a changed prompt gets a new file name when rendered


@bp.get("/audio/<code>/<path:name>")
def audio(code: str, name: str):
    """One audio file of a served language, with caching headers."""
    app = hotline()
    if not app.catalog.has_language(code) or name not in app.catalog.audio.get(code, ()) \
            or not name.endswith(tuple(AUDIO_SUFFIXES)):
        abort(404)
    response = send_from_directory(audio_dir(app.settings.content_dir, code), name, max_age=MAX_AGE, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"   # audio, never read as a page or a script
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

"""/record: a staff page where a native speaker records the call prompts in the browser, and where the recordings
are stored (PUT /record/<code>/<name>.wav) or, on a deployment whose content folder cannot be written, packed as a
zip to commit (POST /record/<code>/download). Same access as the other staff pages."""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hotline import audio, recordings
from hotline.content.catalog import Catalog
from hotline.web import hotline, note
from hotline.web.access import staff_blueprint

ZIP_MAX = 64 * 1024 * 1024   # a whole language's recordings kept in a browser, sent to be packed


def _allow_recordings():
    """A recording may be up to 2 MB (the 64 KB limit is for Twilio's webhooks); set before the body is read."""
    request.max_content_length = ZIP_MAX if request.path.endswith("/download") else recordings.MAX_BYTES


bp = staff_blueprint("record", __name__, _allow_recordings)


@bp.errorhandler(HTTPException)
def _reason(exc: HTTPException):
    """A refusal the page can show: its status and a reason in words."""
    reason = exc.description if isinstance(exc.description, str) else exc.name
    if exc.code == 413:
        reason = f"a recording may be at most {recordings.MAX_BYTES // 1024} KB"
    return jsonify(error=reason), exc.code


@dataclass(frozen=True)
class Prompt:
    """One prompt as the page shows it: what to read, and what callers hear today."""

    name: str        # the file name a recording of it is saved under (without .wav or .mp3)
    text: str
    plays: str       # "recording", "rendered", "voice" or "nothing"
    url: str | None  # the audio that plays today, if any


def prompts(catalog: Catalog, code: str) -> list[Prompt]:
    """Every prompt a caller of the language can hear, in call order, those with nothing to play first."""
    language = catalog.language(code)
    found: dict[str, Prompt] = {}
    for part in audio.script(catalog, code):
        name = audio.recording_name(part)
        mine = audio.clip(catalog, part, recordings_only=True)
        clip = mine or audio.clip(catalog, part)
        plays = "recording" if mine else "rendered" if clip else "voice" if language.voice else "nothing"
        url = f"/audio/{code}/{clip}?v={catalog.audio[code][clip]}" if clip else None
        found.setdefault(name, Prompt(name, part.text, plays, url))
    return sorted(found.values(), key=lambda p: p.plays != "nothing")


def _language(code: str):
    catalog = hotline().catalog
    if not catalog.has_language(code):
        abort(404, f"the hotline has no language '{code}'")
    return catalog, catalog.language(code)


@bp.get("/record")
def page():
    """Choose a language; read, record, listen to and save each prompt."""
    hotline().keeper.look()   # what is on disk now, not up to a second ago: a take saved by another worker too
    catalog = hotline().catalog
    unheard = [lang for lang in catalog.languages if lang.voice is None and not lang.spoken]
    code = request.args.get("lang") or (unheard[0].code if unheard else catalog.languages[0].code)
    catalog, language = _language(code)
    shown = prompts(catalog, code)
    done = sum(1 for p in shown if p.plays == "recording")
    return render_template("record.html", languages=catalog.languages, language=language, prompts=shown,
                           done=done, writable=_keeps(code) is None, ephemeral=hotline().settings.ephemeral_disk)


def _keeps(code: str) -> str | None:
    """Why this server cannot keep a recording (None when it can): a disk its platform wipes at every restart, or
    a read-only content folder."""
    settings = hotline().settings
    if settings.ephemeral_disk:
        return (f"this server runs on {settings.ephemeral_disk}, which wipes its disk at every restart and deploy: a "
                "recording saved here would be lost; keep them on the page, use Download recordings and commit them")
    if not recordings.writable(settings.content_dir, code):
        return ("this server cannot save recordings (its content folder is read-only): keep them on the page and use "
                "Download recordings")
    return None


@bp.put("/record/<code>/<name>.<ext>")
def upload(code: str, name: str, ext: str):
    """Store one recording of a prompt: 201 when new, 204 when it replaces one; 4xx with the reason."""
    catalog, _ = _language(code)
    if ext not in ("wav", "mp3"):
        abort(404, "a recording is saved as .wav or .mp3")
    if not recordings.NAME.fullmatch(name) or name not in audio.recording_names(catalog, code):
        abort(404, f"'{name}' is not the name of a prompt callers of '{code}' hear (the text may have changed: "
                   "reload the page)")
    refusal = _keeps(code)
    if refusal is not None:
        abort(409, refusal)
    try:
        created = recordings.store(hotline().settings.content_dir, code, name, request.get_data())
    except recordings.NotAudio as exc:
        abort(415, str(exc))
    except OSError as exc:   # a full disk, a folder that became read-only: said, and nothing half-written stays
        abort(409, f"the recording could not be saved ({os.strerror(exc.errno) if exc.errno else type(exc).__name__}); "
                   "keep it on the page and try again, or use Download recordings")
    note(outcome="recording saved", lang=code)
    return Response(status=201 if created else 204)


@bp.post("/record/<code>/download")
def download(code: str):
    """A zip of the language's recordings, laid out as prompts/audio/<code>/...: those saved here, and those the
    page could not save (sent with this request), to commit to the project."""
    catalog, _ = _language(code)
    names = set(audio.recording_names(catalog, code))
    kept = {}
    for name, upload in request.files.items():
        data = upload.read()
        if name not in names:
            abort(404, f"'{name}' is not the name of a prompt callers of '{code}' hear")
        try:
            recordings.inspect(data)
        except recordings.NotAudio as exc:
            abort(415, f"{name}: {exc}")
        kept[name] = data
    packed = recordings.archive(hotline().settings.content_dir, code, kept)
    return Response(packed, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=recordings-{code}.zip"})

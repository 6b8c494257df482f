"""Staff pages: the simulator, usage counts and call-back requests, behind HOTLINE_ADMIN_TOKEN."""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import zlib
from urllib.parse import parse_qs, urlparse

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from hotline.stats import Stats, Table
from hotline.web import hotline, sms, voice
from hotline.web.access import sign_out, staff_blueprint

bp = staff_blueprint("staff", __name__)

TIMES = {   # what the simulator's "time of day" means, in the Welcome Center's time zone (a holiday: its date)
    "after hours": dt.time(21, 0),
    "open hours": dt.time(10, 0),
    "holiday": dt.time(10, 0),
}


def _days() -> Table:
    app = hotline()
    days = int(request.args.get("days", "30")) if request.args.get("days", "30").isdigit() else 30
    return Table.of(Stats(app.store).days(app.today(), max(1, min(days, 400))))


@bp.get("/stats")
def stats():
    """Counts of the last 30 days by language and topic, with no identities."""
    table = _days()
    languages: dict[str, int] = {}
    for channel in ("sms", "whatsapp", "voice"):
        for code, n in table.totals(f"{channel}:lang:").items():
            languages[code] = languages.get(code, 0) + n
    return render_template("stats.html", table=table, languages=dict(sorted(languages.items(), key=lambda i: -i[1])),
                           topics=table.totals("topic:"), outcomes=table.totals("outcome:"),
                           delivery=table.totals("delivery:"), errors=table.totals("error:"),
                           names={l.code: l.name for l in hotline().catalog.languages})


@bp.get("/stats.csv")
def stats_csv():
    """The same counts as a spreadsheet."""
    table = _days()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day"] + table.columns)
    for day, values in table.rows:
        writer.writerow([day.isoformat()] + values)
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=hotline-stats.csv"})


@bp.get("/simulator")
def simulator():
    """A phone on the screen: text the hotline, or call it, exactly as a family would."""
    catalog = hotline().catalog
    return render_template("simulator.html", languages=catalog.languages,
                           session=secrets.token_hex(4), times=list(TIMES))


def _when(choice: str) -> dt.datetime:
    """A moment of the chosen kind: the next weekday at 10:00 or 21:00, or a holiday at 10:00."""
    app = hotline()
    schedule = app.catalog.schedule
    zone = schedule.timezone if schedule else dt.timezone.utc
    now = current_app.config["HOTLINE_CLOCK"]().astimezone(zone)
    if choice == "holiday" and schedule:   # the next weekday the Welcome Center would open but for a holiday
        ahead = (now.date() + dt.timedelta(days=n) for n in range(400))
        day = next((d for d in ahead if schedule.hours[d.weekday()] and schedule.closed_day(d)), None)
        if day is not None:
            return dt.datetime.combine(day, TIMES["holiday"], zone)
    if choice in ("open hours", "after hours"):
        day = now.date()
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, TIMES[choice], zone)
    return now


def _number(session: str) -> str:
    """A made-up number for this simulator tab: 555-2000 to 555-2999 (the 555 exchange is never a family's line,
    and this part of it is neither the fictional 555-01xx, which the hotline never texts, nor a hotline number)."""
    return f"+18605552{zlib.crc32(session.encode()) % 1000:03d}"


def _asked(*fields: str, channels: tuple[str, ...] = ()) -> dict[str, str]:
    """The simulator's JSON request: an object whose fields are text, a channel it knows and a language the hotline
    serves; anything else is a 400 that says what was wrong."""
    data = request.get_json(silent=True)
    data = {} if data is None else data
    if not isinstance(data, dict):
        abort(400, description="the simulator sends a JSON object")
    wrong = [name for name in fields if not isinstance(data.get(name) or "", str)]
    if wrong:
        abort(400, description=f"{', '.join(wrong)}: text expected")
    asked = {name: (data.get(name) or "").strip() if name != "body" else data.get(name) or "" for name in fields}
    if channels and asked.get("channel", "").lower() not in ("", *channels):
        abort(400, description=f"channel: one of {', '.join(channels)}")
    if asked.get("lang") and not hotline().catalog.has_language(asked["lang"]):
        abort(400, description=f"lang: not a language the hotline serves ({asked['lang'][:20]})")
    return asked


@bp.post("/simulator/sms")
def simulator_sms():
    """One text through the same code as /sms, by SMS or (channel "whatsapp") as a WhatsApp message; the replies
    with their segments and encoding (none on WhatsApp)."""
    data = _asked("session", "body", "lang", "channel", channels=("sms", "whatsapp"))
    channel = data["channel"].lower() or "sms"
    response, done = sms.answer(_number(data["session"]), data["body"][:1600], lang=data["lang"] or None,
                                channel=channel)
    return jsonify(twiml=str(response), lang=done.lang, rtl=hotline().catalog.language(done.lang).rtl,
                   channel=channel,
                   replies=[{"text": r.text, "segments": r.segments, "encoding": r.encoding} for r in done.replies])


@bp.post("/simulator/voice")
def simulator_voice():
    """A call, or a key or words at a prompt, through the same code as /voice; the TwiML as Twilio gets it, and
    the texts the call would send (the numbers a caller asked for), shown in the simulator's text thread."""
    data = _asked("session", "when", "action", "digits", "speech")
    number, when, action = _number(data["session"]), _when(data["when"]), data["action"]
    texts: list[str] = []
    if not action:   # the simulator's number is its own, as a carrier would attest; its texts are shown, not sent
        document = voice.call(number, now=when, attested=True, texting_on=True)
    elif urlparse(action).path == "/voice/forwarded":      # the simulated Welcome Center does not answer
        document = voice.not_answered(number)
    else:
        query = {k: v[0] for k, v in parse_qs(urlparse(action).query).items()}
        document = voice.prompt(number, query, data["digits"] or None, data["speech"] or None, now=when,
                                send=lambda _to, body: texts.append(body))
    return jsonify(twiml=str(document), texts=texts)


@bp.get("/callbacks")
def callbacks():
    """Call-back requests for staff to return: time, language, number (decrypted only here and in the CLI)."""
    app = hotline()
    requests = app.callbacks.pending()
    zone = getattr(app.catalog.schedule, "timezone", dt.timezone.utc)
    names = {l.code: l.name for l in app.catalog.languages}
    page = render_template("callbacks.html", requests=requests, zone=zone, names=names,
                           cleared=request.args.get("cleared"), new=sum(r.new for r in requests))
    app.callbacks.shown(requests)
    return page


@bp.post("/callbacks/clear")
def clear_callbacks():
    """Delete the requests listed (staff have called them back)."""
    app = hotline()
    kept = app.callbacks
    wanted = set(request.form.getlist("called"))
    cleared = kept.clear([r for r in kept.pending() if r.id in wanted])
    return redirect(url_for("staff.callbacks", cleared=cleared), code=303)


@bp.post("/signout")
def signout():
    """End this browser's staff session (the sign-out button on every staff page)."""
    return sign_out()

"""The `hotline` command: serve, check and chat."""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from hotline.content import load
from hotline.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """Hartford Public Schools family hotline."""


def _content_root(content_dir: Path | None) -> Path:
    return content_dir or _settings().content_dir


def _catalog(root: Path):
    """The content as it stands, even with errors elsewhere (staff may be mid-edit)."""
    catalog, problems = load(root, keep_errors=True)
    if catalog is None or "en" not in catalog.messages or not catalog.messages["en"]:
        raise click.ClickException("prompts/en.yaml could not be read; run `hotline check`")
    return catalog


CONTENT_DIR = click.option("--content-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                           help="Folder holding prompts/ and translations/ (default: $HOTLINE_CONTENT_DIR or the project).")


@main.command()
@click.option("--port", type=int, default=None, help="Port to listen on (default: $PORT or 5000).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(port: int | None, host: str) -> None:
    """Run the development server (embedded session store unless REDIS_URL is set)."""
    from hotline.app import ContentError, create_app

    settings = _settings()
    try:
        app = create_app(settings)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    app.run(host=host, port=port or settings.port)


@main.command()
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@CONTENT_DIR
def check(strict: bool, content_dir: Path | None) -> None:
    """Validate all content; one line per problem as file:line: message."""
    from hotline import twilio_rest

    settings = _settings()
    root = content_dir or settings.content_dir
    if not (root / "prompts").is_dir():
        raise click.ClickException(f"there is no prompts/ folder in {root.resolve()}: run `hotline check` in the "
                                   "project's folder, or set HOTLINE_CONTENT_DIR to the folder holding prompts/ and "
                                   "translations/")
    catalog, problems = load(root, keep_errors=True)
    if catalog is not None and not any(p.severity == "error" for p in problems):   # rendering broken content misleads
        from hotline.lint import audio_problems, sms_problems, whatsapp_problems

        problems = sorted(problems + sms_problems(catalog) + whatsapp_problems(catalog) + audio_problems(catalog))
    for problem in problems:
        click.echo(str(problem))
    if catalog is None:
        click.echo("the file above could not be read, so nothing else was checked: fix it and run `hotline check` again")
    for notice in twilio_rest.notices(settings):   # the environment, not the content: never an error
        click.echo(f"note: {notice}")
    kinds = Counter(p.severity for p in problems)
    languages = len(catalog.languages) if catalog else 0
    messages = len(catalog.messages.get("en", {})) if catalog else 0
    click.echo(f"{languages} languages, {messages} messages: {kinds['error']} errors, {kinds['warning']} warnings")
    if kinds["error"] or (strict and kinds["warning"]):
        sys.exit(1)


@main.command()
@click.option("--lang", "code", required=True, help="The language to draft, e.g. pt.")
@CONTENT_DIR
def translate(code: str, content_dir: Path | None) -> None:
    """Draft missing messages of a language with a machine translator, marked for review."""
    from hotline.translate import TranslationUnavailable, draft, service

    root = _content_root(content_dir)
    catalog = _catalog(root)
    if code == "en":
        raise click.BadParameter("English is the source language", param_hint="--lang")
    try:
        translator = service(code)
    except TranslationUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:   # deep-translator refuses a language or a setting with errors of its own
        raise click.ClickException(f"the translation service cannot be used for '{code}': {type(exc).__name__}: "
                                   f"{str(exc)[:200]}") from None
    try:
        result = draft(catalog, root, code, translator)
    except TranslationUnavailable as exc:
        raise click.ClickException(f"could not reach the translation service: {exc}") from None
    click.echo(f"translations/{code}.yaml: drafted {len(result.drafted)} messages, marked as machine "
               "translations for a person to review")
    for mid in result.skipped:
        click.echo(f"  skipped {mid}: the translation lost its {{placeholders}}; translate it by hand")


@main.command(name="export")
@click.option("--lang", "code", required=True, help="The language to export, e.g. ar.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The CSV file to write.")
@CONTENT_DIR
def export_command(code: str, output: Path, content_dir: Path | None) -> None:
    """Write a spreadsheet (CSV) for a translator: id, English, translation, notes."""
    from hotline.spreadsheet import export

    catalog = _catalog(_content_root(content_dir))
    if not catalog.has_language(code) or code == "en":
        codes = ", ".join(lang.code for lang in catalog.languages if lang.code != "en")
        raise click.BadParameter(f"'{code}' is not a translated language; choose one of {codes}", param_hint="--lang")
    rows = export(catalog, code, output)
    click.echo(f"{output}: {rows} messages for '{code}' (opens in Excel or LibreOffice; keep the first row and the id column)")


@main.command(name="import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--translator", default="spreadsheet import", help="Who translated it (recorded in _meta).")
@click.option("--reviewed", is_flag=True, help="A person has reviewed every row: mark the whole file human and reviewed today.")
@CONTENT_DIR
def import_command(csv_file: Path, translator: str, reviewed: bool, content_dir: Path | None) -> None:
    """Bring a translator's spreadsheet back into translations/<code>.yaml."""
    from hotline.spreadsheet import ImportRefused, import_csv

    root = _content_root(content_dir)
    try:
        report = import_csv(_catalog(root), root, csv_file, translator, reviewed)
    except ImportRefused as exc:
        for reason in exc.reasons:
            click.echo(reason, err=True)
        raise click.ClickException("nothing was imported; fix the rows above and import again") from None
    click.echo(f"translations/{report.code}.yaml: {len(report.changed)} changed, {len(report.added)} added, "
               f"{report.unchanged} unchanged")
    for mid in report.changed + report.added:
        click.echo(f"  {mid}")
    if report.complete:
        click.echo("the whole file is now marked as a person's translation, reviewed today")
    else:
        click.echo("the file's _meta is unchanged; when a person has reviewed every row, import with --reviewed")
    click.echo("run `hotline check` to see the result")


@main.command()
@click.option("--lang", "codes", multiple=True, help="Only this language (repeatable); default: every language.")
@click.option("--report", "report_only", is_flag=True, help="Only report what lacks audio; render nothing.")
@click.option("--script", "script_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a CSV for a person recording the prompts of --lang that nobody has recorded yet: "
                   "file name, text.")
@CONTENT_DIR
def audio(codes: tuple[str, ...], report_only: bool, script_file: Path | None, content_dir: Path | None) -> None:
    """Render audio for languages Twilio cannot speak (espeak-ng), and report prompts with no voice or audio."""
    import csv

    from hotline import audio as audio_module

    root = _content_root(content_dir)
    catalog = _catalog(root)
    unknown = [code for code in codes if not catalog.has_language(code)]
    if unknown:
        raise click.BadParameter(f"the hotline has no language '{unknown[0]}' (it has "
                                 f"{', '.join(lang.code for lang in catalog.languages)})", param_hint="--lang")
    if script_file is not None:
        if len(codes) != 1:
            raise click.BadParameter("name one language to write a recording script for", param_hint="--lang")
        rows = audio_module.recording_script(catalog, codes[0])
        with script_file.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["save the recording as", "read exactly this"])
            writer.writerows(rows)
        click.echo(f"{script_file}: {len(rows)} prompts to record for '{codes[0]}' (MP3 or WAV, saved under the name given)")
        return
    chosen = [lang for lang in catalog.languages if not codes or lang.code in codes]
    to_render = [lang for lang in chosen if lang.voice is None and lang.espeak and not report_only]
    if to_render:
        espeak, sox = audio_module.tools()
        if not espeak or not sox:
            raise click.ClickException("rendering needs espeak-ng and sox: on Debian or Ubuntu, "
                                       "`sudo apt-get install espeak-ng sox`")
        for lang in to_render:
            result = audio_module.render_language(catalog, root, lang.code, espeak, sox)
            click.echo(f"{lang.code}: rendered {len(result.rendered)} prompts with espeak-ng voice "
                       f"'{lang.espeak}', {result.kept} already had audio, removed {result.removed} no longer used")
        catalog = _catalog(root)
    for lang in chosen:
        if lang.voice is not None:
            click.echo(f"{lang.code}: spoken by Twilio ({lang.voice.name or lang.voice.say})")
            continue
        lacking = audio_module.missing(catalog, lang.code)
        total = len(audio_module.script(catalog, lang.code))
        how = f"espeak-ng '{lang.espeak}'" if lang.espeak else "no synthetic voice: needs recordings"
        recorded, _ = audio_module.progress(catalog, lang.code)
        click.echo(f"{lang.code}: {total - len(lacking)} of {total} prompts have audio ({how}); "
                   f"{recorded} recorded by a person (record them on the /record page)")
        for part in lacking[:5]:
            click.echo(f"  no audio: {part.msg_id or '-'}: {part.text[:60]}")
        if len(lacking) > 5:
            click.echo(f"  ... and {len(lacking) - 5} more")


@main.command()
@click.option("--clear", is_flag=True, help="Delete the requests listed before (after calling them back); "
              "requests that came in since are shown, not cleared.")
def callbacks(clear: bool) -> None:
    """List call-back requests for staff (number, language, time); --clear deletes them."""
    from hotline.callbacks import Callbacks
    from hotline.sessions import Store

    settings = _settings()
    if settings.redis_url is None:
        raise click.ClickException("REDIS_URL is not set: call-back requests are kept in the Redis the hotline "
                                   "uses; run this where REDIS_URL and HOTLINE_SECRET are set as for the server")
    kept = Callbacks.from_settings(Store.from_settings(settings), settings)
    requests = kept.pending()
    if not requests:
        click.echo("no call-back requests")
        return
    click.echo(f"{'requested (UTC)':<20} {'language':<9} number")
    for req in requests:
        click.echo(f"{req.requested_at:%Y-%m-%d %H:%M}     {req.lang:<9} {req.number}" + ("   (new)" if req.new else ""))
    seen = [req for req in requests if not req.new]
    fresh = len(requests) - len(seen)
    if clear:
        click.echo(f"cleared {kept.clear(seen)} requests listed before")
        if fresh:
            click.echo(f"{fresh} new requests (marked new) came in since the list was last shown: not cleared. "
                       "Call them back, then run `hotline callbacks --clear` again.")
    else:
        click.echo(f"{len(requests)} requests ({fresh} new); kept 14 days. After calling back, run "
                   "`hotline callbacks --clear`: it clears the requests listed here, never one that comes in later.")
    kept.shown(requests)


@main.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400), help="How many days back.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row a day) instead of a table.")
def stats(days: int, as_csv: bool) -> None:
    """Usage counts by day, channel, language, topic and outcome: no phone numbers, hashes or text."""
    import csv as csv_module
    import datetime as dt

    from hotline.sessions import Store
    from hotline.stats import Stats, Table

    settings = _settings()
    if settings.redis_url is None:
        raise click.ClickException("REDIS_URL is not set: counts are kept in the Redis the hotline uses")
    catalog, _ = load(settings.content_dir, keep_errors=True)
    zone = getattr(catalog.schedule, "timezone", None) if catalog else None
    today = dt.datetime.now(zone).date() if zone else dt.date.today()   # days as the Welcome Center counts them
    table = Table.of(Stats(Store.from_settings(settings)).days(today, days))
    if as_csv:
        writer = csv_module.writer(sys.stdout)
        writer.writerow(["day"] + table.columns)
        for day, values in table.rows:
            writer.writerow([day.isoformat()] + values)
        return
    click.echo(f"last {days} days: texts {table.totals('sms').get('', 0)}, WhatsApp messages "
               f"{table.totals('whatsapp').get('', 0)}, calls {table.totals('voice').get('', 0)}")
    for title, prefix in (("languages (texts)", "sms:lang:"), ("languages (WhatsApp)", "whatsapp:lang:"),
                          ("languages (calls)", "voice:lang:"),
                          ("topics", "topic:"), ("outcomes", "outcome:"), ("delivery (Twilio's reports)", "delivery:"),
                          ("texts not delivered, by Twilio's error code", "error:")):
        totals = table.totals(prefix)
        if totals:
            click.echo(f"{title}: " + ", ".join(f"{name} {n}" for name, n in totals.items()))


@main.command()
@click.option("--from", "number", required=True,
              help="The phone number the texts come from; whatsapp:+1... to write as WhatsApp messages.")
@click.option("--lang", default=None, help="Start the conversation in this language (a code such as es).")
@click.option("--json", "as_json", is_flag=True, help="Print each reply as one line of JSON.")
def chat(number: str, lang: str | None, as_json: bool) -> None:
    """Text the hotline from the terminal (or WhatsApp it, --from whatsapp:+1...): each line of input is one text."""
    from hotline import callers, carrier, conversation
    from hotline.app import ContentError, create_app

    settings = _settings()
    try:
        app = create_app(settings)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    hotline = app.extensions["hotline"]
    if lang and not hotline.catalog.has_language(lang):
        codes = ", ".join(language.code for language in hotline.catalog.languages)
        raise click.BadParameter(f"'{lang}' is not served; choose one of {codes}", param_hint="--lang")
    channel, sender = carrier.sender(number)
    if not callers.person(sender):
        raise click.BadParameter(f"'{number}' is not a phone number: write it as +18605550123 (E.164), or "
                                 "whatsapp:+18605550123 for WhatsApp", param_hint="--from")
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        done = conversation.text(hotline.catalog, hotline.store, sender, line.rstrip("\r\n"), lang, channel=channel,
                                 own=settings.phone_numbers)
        lang_of = done.turn.state.lang if done.turn else done.lang if len(done.replies) <= 1 else None
        for reply in done.replies:
            if as_json:   # WhatsApp: no segments, no SMS encoding
                click.echo(json.dumps({"text": reply.text, "segments": reply.segments, "encoding": reply.encoding
                                       or None, "lang": lang_of, "outcome": done.outcome, "channel": channel},
                                      ensure_ascii=False))
            else:
                click.echo(reply.text)
            click.echo("")
        if as_json and not done.replies:   # no reply is due (Twilio answers STOP itself): said, so lines stay in step
            click.echo(json.dumps({"text": "", "segments": 0, "encoding": "GSM-7" if channel == "sms" else None,
                                   "lang": done.lang, "outcome": done.outcome, "channel": channel},
                                  ensure_ascii=False))
            click.echo("")


@main.command()
@click.option("--url", default=None, metavar="https://PUBLIC-HOST",
              help="The hotline's public address (default: $HOTLINE_PUBLIC_URL); /sms and /voice go under it.")
def connect(url: str | None) -> None:
    """Point HOTLINE_PHONE_NUMBER's webhooks at the hotline through Twilio's REST API, read them back, and say what
    still stands between the number and families (registration, Advanced Opt-Out, geo permissions)."""
    from hotline import twilio_rest
    from hotline.connect import Connect, Refused, webhook_base

    settings = _settings()
    if not settings.twilio_rest or not settings.phone_numbers:
        raise click.ClickException(twilio_rest.notices(settings)[0])
    if not (url or settings.public_url):
        raise click.ClickException("give the hotline's public address: --url https://YOUR-HOST (or set "
                                   "HOTLINE_PUBLIC_URL)")
    try:
        base = webhook_base(url or settings.public_url, settings.public_url)
    except Refused as exc:
        raise click.ClickException(str(exc)) from None
    if not settings.public_url:
        click.echo(f"note: HOTLINE_PUBLIC_URL is not set; if a proxy or load balancer stands in front of the hotline, "
                   f"set it to {base} so that Twilio's signatures match")
    report = Connect(twilio_rest.client(settings), settings.phone_numbers, base).run()
    for line in report.lines():
        click.echo(line)
    if report.ok:
        click.echo("the webhooks are set: do what is marked 'to do' and 'check' above before families use the number")
    else:
        click.echo("the webhooks are not all set: see the problems above")
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the parameter names of Twilio's us_app_to_person resource.")
@CONTENT_DIR
def registration(as_json: bool, content_dir: Path | None) -> None:
    """The A2P 10DLC campaign's fields from the content, and each language's words and texts for Advanced Opt-Out."""
    from hotline import registration as campaigns

    catalog = _catalog(_content_root(content_dir))
    found, languages = campaigns.campaign(catalog), campaigns.opt_out_languages(catalog)
    wrong = campaigns.problems(catalog, found, languages)
    if wrong:
        for problem in wrong:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException("Twilio would refuse this campaign: fix the content above, run `hotline check`, "
                                   "then `hotline registration` again")
    if as_json:
        click.echo(json.dumps(found.fields(), ensure_ascii=False, indent=2))
        return
    for line in campaigns.lines(found, languages):
        click.echo(line)


@main.command()
@click.option("--older-than", "older_than", default=None, metavar="DURATION",
              help="Delete records older than this, e.g. 24h or 7d (default: $HOTLINE_TWILIO_RETENTION).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--every", default=None, metavar="DURATION",
              help="Keep running, once every DURATION (e.g. 1h): for a Procfile clock process.")
@click.option("--retry-wait", type=click.FloatRange(0, 600), default=20.0, show_default=True,
              help="Seconds before records Twilio cannot delete yet (error 20009) are tried again.")
def purge(older_than: str | None, dry_run: bool, every: str | None, retry_wait: float) -> None:
    """Delete Twilio's records of the hotline's texts and calls older than the retention (counts only)."""
    import datetime as dt
    import signal
    import time

    import redis

    from hotline import twilio_rest
    from hotline.purge import Purge, remember
    from hotline.sessions import Store
    from hotline.settings import duration

    settings = _settings()
    if not settings.twilio_rest or not settings.phone_numbers:
        raise click.ClickException(twilio_rest.notices(settings)[0])
    try:
        age = duration(older_than, "--older-than") if older_than else settings.twilio_retention
        interval = duration(every, "--every") if every else None
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if age is None:
        raise click.ClickException("say how old a record must be to go: --older-than 24h, or set "
                                   "HOTLINE_TWILIO_RETENTION (Twilio keeps records until they are deleted)")
    purger = Purge(twilio_rest.client(settings), settings.phone_numbers, retry_wait=retry_wait)
    store = Store.from_settings(settings) if settings.redis_url else None   # where monitors learn how it went
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))   # a clock process stopped between runs: a clean exit
    while True:
        now = dt.datetime.now(dt.timezone.utc)
        report = purger.run(now - age, dry_run=dry_run)
        for line in report.lines():
            click.echo(line)
        if store is not None:
            try:
                remember(store.client, report, now)
            except redis.RedisError as exc:
                click.echo(f"note: how this run went could not be kept for /healthz ({type(exc).__name__})")
        if interval is None:
            sys.exit(0 if report.ok else 1)
        time.sleep(interval.total_seconds())


if __name__ == "__main__":
    main()

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
@click.option("--content-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding prompts/ and translations/ (default: $HOTLINE_CONTENT_DIR or the project).")
def check(strict: bool, content_dir: Path | None) -> None:
    """Validate all content; one line per problem as file:line: message."""
    root = content_dir or _settings().content_dir
    catalog, problems = load(root, keep_errors=True)
    for problem in problems:
        click.echo(str(problem))
    kinds = Counter(p.severity for p in problems)
    languages = len(catalog.languages) if catalog else 0
    messages = len(catalog.messages.get("en", {})) if catalog else 0
    click.echo(f"{languages} languages, {messages} messages: {kinds['error']} errors, {kinds['warning']} warnings")
    if kinds["error"] or (strict and kinds["warning"]):
        sys.exit(1)


@main.command()
@click.option("--from", "number", required=True, help="The phone number the texts come from.")
@click.option("--lang", default=None, help="Start the conversation in this language (a code such as es).")
@click.option("--json", "as_json", is_flag=True, help="Print each reply as one line of JSON.")
def chat(number: str, lang: str | None, as_json: bool) -> None:
    """Text the hotline from the terminal: each line of input is one text."""
    from hotline import conversation
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
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        done = conversation.text(hotline.catalog, hotline.store, number, line.rstrip("\r\n"), lang)
        for reply in done.replies:
            if as_json:
                click.echo(json.dumps({"text": reply.text, "segments": reply.segments, "encoding": reply.encoding,
                                       "lang": done.turn.state.lang}, ensure_ascii=False))
            else:
                click.echo(reply.text)
            click.echo("")


if __name__ == "__main__":
    main()

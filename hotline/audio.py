"""Audio for languages Twilio cannot speak: recordings by message id, else audio rendered with espeak-ng.

prompts/audio/<code>/<message id>.mp3|wav    a person's recording of a whole message: always wins
prompts/audio/<code>/recorded/<hash>.mp3|wav  a person's recording of one exact prompt (menu lines too),
                                              named as `hotline audio --script` lists them
prompts/audio/<code>/rendered/<hash>.wav      rendered by `hotline audio` from the exact text spoken
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from hotline.content.catalog import Catalog
from hotline.content.rules import audio_dir
from hotline.engine import (CALLBACK, CALLBACK_DONE, CONNECT, ERASE, FORGOTTEN, GOODBYE, LANGUAGES, MAIN, TEXT_OUTCOMES,
                            UNDONE, UNSURE, Screen, language_pages)
from hotline.render import Part, fill, parts
from hotline.when import opening_words

RENDERED = "rendered"
RECORDED = "recorded"


def digest(text: str, voice: str) -> str:
    """A stable name for the audio of a text in a voice: unchanged text is never rendered twice."""
    return hashlib.sha1(f"{voice}\n{text}".encode()).hexdigest()[:16]


def clip(catalog: Catalog, part: Part, recordings_only: bool = False) -> str | None:
    """The audio file (relative to the language's audio folder) to play for a part, if there is one: a person's
    recording of the whole message, else of the exact prompt, else audio rendered from its exact text."""
    files = catalog.audio.get(part.lang, {})
    if part.msg_id and part.kind in ("body", "notice", "footer"):
        for suffix in (".mp3", ".wav"):
            if f"{part.msg_id}{suffix}" in files:
                return f"{part.msg_id}{suffix}"
    for suffix in (".mp3", ".wav"):
        found = f"{RECORDED}/{digest(part.text, '')}{suffix}"
        if found in files:
            return found
    if recordings_only:
        return None
    language = catalog.language(part.lang)
    rendered = f"{RENDERED}/{digest(part.text, language.espeak or '')}.wav"
    return rendered if rendered in files else None


def recording_name(part: Part) -> str:
    """The name a recording of this exact prompt is saved under (without its .mp3 or .wav)."""
    return digest(part.text, "")


def recording_names(catalog: Catalog, code: str) -> list[str]:
    """The names a language's recordings are saved under, one for each prompt its callers can hear, in call order."""
    return list(dict.fromkeys(recording_name(part) for part in script(catalog, code)))


def recording_script(catalog: Catalog, code: str) -> list[tuple[str, str]]:
    """For a person recording prompts: (file to save as, exact text to read) for each prompt no person has recorded
    yet, in call order, those with no audio at all first (as the /record page lists them)."""
    unrecorded = [part for part in script(catalog, code) if clip(catalog, part, recordings_only=True) is None]
    return [(f"prompts/audio/{code}/{RECORDED}/{recording_name(part)}.mp3", part.text)
            for part in sorted(unrecorded, key=lambda part: clip(catalog, part) is not None)]


def progress(catalog: Catalog, code: str) -> tuple[int, int]:
    """(prompts with a person's recording, prompts) of a language."""
    prompts = script(catalog, code)
    return sum(1 for part in prompts if clip(catalog, part, recordings_only=True)), len(prompts)


def stale(catalog: Catalog, code: str) -> list[str]:
    """A language's recordings of prompts no longer said (their text changed): files under recorded/."""
    current = set(recording_names(catalog, code))
    return sorted(name for name in catalog.audio.get(code, {})
                  if name.startswith(f"{RECORDED}/") and PurePosixPath(name).stem not in current)


def script(catalog: Catalog, code: str) -> list[Part]:
    """Every part a caller in this language can hear, each once, in the order a call meets them: the greeting and
    the language's own offer on the language menu (where it would be once callable), when the Welcome Center
    opens, the main menu, each topic, then what is said now and then."""
    def said(screen: Screen, **flags) -> list[Part]:
        return parts(catalog, code, "voice", screen, **flags)

    def notice(msg_id: str, **params: str) -> Part:
        return Part(fill(catalog, code, "voice", msg_id, **params), code, "notice", msg_id)

    found = [notice("greeting")]
    offering = catalog if catalog.language(code).spoken else catalog.with_spoken(code)   # its place once callable
    for page in range(language_pages(offering, "voice")):
        found += [p for p in parts(offering, code, "voice", Screen(LANGUAGES, page=page)) if p.lang == code]
    schedule = catalog.schedule
    if schedule is not None:
        start = dt.datetime(2026, 1, 5, 0, 0, tzinfo=schedule.timezone)   # a Monday: one opening per weekday
        for day in range(7):
            opens = schedule.next_open(start + dt.timedelta(days=day))
            if opens is not None:
                found.append(notice("closed", **opening_words(catalog, code, opens)))
    found += said(Screen(MAIN), after_hours=True) + said(Screen(MAIN), after_hours=True, withheld=True)
    found += said(Screen(MAIN), after_hours=True, verified=False)
    for node in catalog.nodes:
        for verified in (True, False):
            found += said(Screen(node), after_hours=True, texting=True, verified=verified) if node != MAIN else []
    for node in catalog.nodes.values():
        found += [part for rid in (node.resources if node.connect else ()) for part in said(Screen(CONNECT, target=rid))]
    found += [notice(f"textme.{outcome}") for outcome in TEXT_OUTCOMES] + [notice("unclear"), notice(UNSURE), notice(UNDONE)]
    for screen in (CALLBACK, CALLBACK_DONE, ERASE, FORGOTTEN, GOODBYE):
        found += said(Screen(screen))
    unique = {(p.text, p.msg_id): p for p in found}
    return list(unique.values())


@dataclass
class AudioReport:
    """What `hotline audio` did for one language."""

    code: str
    rendered: list[str] = field(default_factory=list)
    kept: int = 0
    removed: int = 0


def render_language(catalog: Catalog, root: Path, code: str, espeak: str = "espeak-ng", sox: str = "sox") -> AudioReport:
    """Render every part of a language that has neither a recording nor current rendered audio."""
    language = catalog.language(code)
    report = AudioReport(code)
    folder = audio_dir(root, code) / RENDERED
    wanted = {f"{digest(part.text, language.espeak or '')}.wav" for part in script(catalog, code)}
    # Only rendered audio is ever removed; a person's recordings (recorded/, <message id>.mp3) never are.
    for stale in (folder.glob("*.wav") if folder.is_dir() else []):
        if stale.name not in wanted:   # text that is no longer said
            stale.unlink()
            report.removed += 1
    for part in script(catalog, code):
        if clip(catalog, part):
            report.kept += 1
            continue
        name = f"{digest(part.text, language.espeak or '')}.wav"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            subprocess.run([espeak, "-v", language.espeak, "-s", "140", "-w", str(raw), part.text],
                           check=True, capture_output=True)
            subprocess.run([sox, str(raw), "-r", "8000", "-c", "1", "-e", "u-law", str(folder / name)],
                           check=True, capture_output=True)
        report.rendered.append(part.msg_id or part.text[:40])
    return report


def missing(catalog: Catalog, code: str) -> list[Part]:
    """The parts of a language that callers would hear neither by a Twilio voice nor by audio."""
    if catalog.language(code).voice is not None:
        return []
    return [part for part in script(catalog, code) if clip(catalog, part) is None]


def tools() -> tuple[str | None, str | None]:
    """Where espeak-ng and sox are, if installed."""
    return shutil.which("espeak-ng"), shutil.which("sox")

"""A person's recordings of the call prompts, as staff upload them from the /record page: checked to be real audio
Twilio can play (WAV or MP3, read with mutagen) of a sane length, stored atomically under
prompts/audio/<code>/recorded/<name>.<wav or mp3> in the content folder (the name `hotline audio --script` gives
each prompt), and packed as a zip for a deployment whose content folder cannot be written."""
from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from hotline.audio import RECORDED
from hotline.content.rules import AUDIO_SUFFIXES, audio_dir

MAX_BYTES = 2 * 1024 * 1024      # one recording, as uploaded (8 kHz 16-bit mono: two minutes)
MAX_SECONDS = 120.0              # the longest prompt, read slowly, takes well under a minute
MIN_SECONDS = 0.3
NAME = re.compile(r"[0-9a-f]{16}")   # audio.recording_name: a hash of the exact text read


class NotAudio(ValueError):
    """An upload that is not a recording the hotline can play; the message says why."""


@dataclass(frozen=True)
class Sound:
    """What an upload is: its format (the file's extension) and its length."""

    suffix: str      # ".wav" or ".mp3"
    seconds: float


def inspect(data: bytes) -> Sound:
    """The format and length of an uploaded recording, or NotAudio with the reason."""
    if len(data) > MAX_BYTES:
        raise NotAudio(f"the recording is {len(data) // 1024} KB; at most {MAX_BYTES // 1024} KB")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        suffix = ".wav"
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        suffix = ".mp3"
    else:
        raise NotAudio("not a WAV or MP3 recording")
    try:
        found = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError as exc:
        raise NotAudio(f"the {suffix[1:].upper()} recording cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(found, (WAVE, MP3)) or not found.info.length:
        raise NotAudio(f"the {suffix[1:].upper()} recording has no sound in it")
    seconds = float(found.info.length)
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise NotAudio(f"the recording is {seconds:.1f} seconds long; a prompt takes between {MIN_SECONDS} and "
                       f"{MAX_SECONDS:.0f} seconds")
    return Sound(suffix, seconds)


def path(root: Path, code: str, name: str, suffix: str) -> Path:
    """Where a recording of a prompt is kept."""
    return audio_dir(root, code) / RECORDED / f"{name}{suffix}"


def writable(root: Path, code: str) -> bool:
    """Whether recordings can be saved in this content folder (a deployment from git may not allow it)."""
    folder = audio_dir(root, code) / RECORDED
    existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
    return existing is not None and os.access(existing, os.W_OK | os.X_OK)


def store(root: Path, code: str, name: str, data: bytes) -> bool:
    """Save a checked recording atomically (the running hotline never sees half a file), replacing one of the
    prompt in another format; whether it is new."""
    sound = inspect(data)
    target = path(root, code, name, sound.suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    existed = any(path(root, code, name, suffix).exists() for suffix in AUDIO_SUFFIXES)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=sound.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for other in AUDIO_SUFFIXES - {sound.suffix}:
        path(root, code, name, other).unlink(missing_ok=True)
    return not existed


def archive(root: Path, code: str, extra: dict[str, bytes]) -> bytes:
    """A zip of a language's recordings laid out as prompts/audio/<code>/..., to commit: those in the content
    folder, and extra ones (name -> checked audio) that could not be saved there."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
        folder = audio_dir(root, code) / RECORDED
        kept = {p.stem: p for p in sorted(folder.glob("*")) if p.suffix in AUDIO_SUFFIXES} if folder.is_dir() else {}
        for name, data in extra.items():
            packed.writestr(f"prompts/audio/{code}/{RECORDED}/{name}{inspect(data).suffix}", data)
        for name, file in kept.items():
            if name not in extra:
                packed.write(file, f"prompts/audio/{code}/{RECORDED}/{file.name}")
    return out.getvalue()

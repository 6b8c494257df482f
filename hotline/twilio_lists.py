"""Twilio's own lists, kept as data: the <Say> voices, the <Say> languages and the <Gather> speech languages.
A voice or a language code Twilio does not list fails on a real call (the prompt is silent, or the Gather fails
with error 13331), so `hotline check` holds languages.yaml to these lists.

They come from the type unions SayVoice, SayLanguage and GatherLanguage of Twilio's Node SDK
(src/twiml/VoiceResponse.ts; the npm package `twilio` ships them as lib/twiml/VoiceResponse.d.ts). To refresh:

    python -m hotline.twilio_lists                      # downloads the newest npm package `twilio` (npm pack)
    python -m hotline.twilio_lists path/to/VoiceResponse.d.ts

then run `hotline check` and the tests, and commit hotline/data/twilio-voice-lists.json.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tempfile
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "twilio-voice-lists.json"
UNIONS = {"gather_language": "GatherLanguage", "say_language": "SayLanguage", "say_voice": "SayVoice"}
HINTS_MAX_ENTRIES = 500    # Twilio's <Gather hints>: at most 500 words or phrases (warning 13330)
HINT_MAX_CHARS = 100       # each at most 100 characters


@lru_cache(maxsize=1)
def lists() -> dict[str, frozenset[str]]:
    """The three lists, as shipped with the hotline."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {name: frozenset(data[name]) for name in UNIONS}


def source() -> str:
    """Where the shipped lists come from."""
    return json.loads(DATA.read_text(encoding="utf-8"))["source"]


def parse(declarations: str) -> dict[str, list[str]]:
    """The members of the unions in a VoiceResponse.d.ts (or .ts), in order."""
    found = {}
    for name, union in UNIONS.items():
        match = re.search(rf"\btype {union}\s*=\s*([^;]+);", declarations)
        if match is None:
            raise ValueError(f"no 'type {union} = ...;' in the file")
        found[name] = re.findall(r'"([^"]+)"', match.group(1))
    return found


def refresh(declarations: Path | None = None) -> str:
    """Rewrite the data file from a VoiceResponse.d.ts, or from the newest npm package `twilio`."""
    with tempfile.TemporaryDirectory() as tmp:
        if declarations is None:
            packed = subprocess.run(["npm", "pack", "twilio", "--silent"], cwd=tmp, capture_output=True, text=True,
                                    check=True).stdout.split()[-1]
            with tarfile.open(Path(tmp) / packed) as archive:
                member = archive.extractfile("package/lib/twiml/VoiceResponse.d.ts")
                text = member.read().decode("utf-8")
            origin = f"npm package {packed.removesuffix('.tgz').replace('twilio-', 'twilio@')}, lib/twiml/VoiceResponse.d.ts"
        else:
            text, origin = Path(declarations).read_text(encoding="utf-8"), str(declarations)
    found = parse(text)
    data = {"source": f"Type unions GatherLanguage, SayLanguage and SayVoice in {origin}.", **found}
    DATA.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data["source"]


if __name__ == "__main__":
    print(refresh(Path(sys.argv[1]) if len(sys.argv) > 1 else None))

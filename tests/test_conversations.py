"""Golden conversations: what a family texts or presses, and exactly what it gets back.

Each file in tests/conversations/ is a script a reviewer can read. After a
deliberate content change, run `pytest --update-golden` and read the diff of
what callers will now hear before committing it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from hotline import audio
from hotline.content import load
from hotline.settings import PROJECT_ROOT
from tests.twilio_client import Call

FOLDER = Path(__file__).parent / "conversations"
FILES = sorted(FOLDER.glob("*.yaml"))
# A turn's action, and what it carries: say with Twilio's confidence (0.9 unless given); on the Welcome Center's leg of
# a forwarded call, answered (its phone picks up), staff_press (a key there), dial_ends (with bridged, Twilio's
# DialBridged).
ACTIONS = ("send", "call", "press", "say", "confidence", "wait", "after_dial", "answered", "staff_press", "dial_ends",
           "bridged")


def _yaml() -> YAML:
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _literal(text: str):
    return LiteralScalarString(text) if "\n" in text else text


def _sms_turn(twilio, number: str, turn: dict) -> dict:
    reply = twilio.text(number, turn["send"])
    assert reply.status == 200
    return {"reply": [_literal(m) for m in reply.messages]}


def _voice_turn(call: Call, turn: dict) -> dict:
    if "call" in turn:
        reply = call.start()
    elif "press" in turn:
        reply = call.press(str(turn["press"]))
    elif "say" in turn:
        reply = call.say(turn["say"], str(turn.get("confidence", "0.9")))
    elif "after_dial" in turn:
        reply = call.follow()
    elif "answered" in turn:
        reply = call.answered()
    elif "staff_press" in turn:
        reply = call.staff_press(str(turn["staff_press"]))
    elif "dial_ends" in turn:
        reply = call.dial_ends(turn["dial_ends"], bool(turn.get("bridged")))
    else:
        reply = call.wait()
    assert reply.status == 200
    assert reply.root.find(".//Record") is None   # a caller's voice is never recorded
    heard = [_readable(line) for line in reply.heard]
    gather = reply.gather
    listens = "" if gather is None else " ".join(filter(None, [gather.get("input"), gather.get("language")]))
    if gather is not None:   # a Gather, and what follows when no key comes (on the whisper: hang up that leg)
        then = f"gather {listens}".strip() + (", no key: hangup" if reply.hangup else "")
    elif reply.hangup:
        then = "hangup"
    else:
        dial = reply.root.find("Dial")
        then = "dial " + "".join(dial.itertext()).strip() if dial is not None else "end"
    return {"hear": _literal("\n".join(heard)), "then": then}


def _clip_texts() -> dict[str, str]:
    """What each audio file says, so a reviewer reads the words rather than a file name."""
    catalog, _ = load(PROJECT_ROOT)
    texts = {}
    for language in catalog.languages:
        for part in audio.script(catalog, language.code):
            found = audio.clip(catalog, part)
            if found:
                texts[f"/audio/{language.code}/{found}"] = part.text
    return texts


CLIPS = _clip_texts()


def _readable(line: str) -> str:
    if not line.startswith("[play] "):
        return line
    url = line[len("[play] "):].split("?")[0]   # without the file's stamp
    return f"[play {url.split('/')[2]} audio] {CLIPS.get(url, '(no such audio file: ' + url + ')')}"


def run(twilio, script: dict) -> list[dict]:
    """Play a script against the app and return the turns with what actually came back."""
    number = script["from"]
    call = Call(twilio, number, verified=bool(script.get("attested")))   # StirVerstat TN-Validation-Passed-A
    played = []
    for turn in script["turns"]:
        action = {k: turn[k] for k in ACTIONS if k in turn}
        result = _sms_turn(twilio, number, turn) if script["channel"] == "sms" else _voice_turn(call, turn)
        played.append({**action, **result})
    return played


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(path, twilio, request, now):
    yaml = _yaml()
    script = yaml.load(path.read_text(encoding="utf-8"))
    if script.get("at"):   # a time of the Welcome Center's week (default: a Saturday night, after hours)
        now.value = dt.datetime.fromisoformat(str(script["at"])).replace(tzinfo=now.value.tzinfo)
    played = run(twilio, script)
    if request.config.getoption("--update-golden"):
        for turn, result in zip(script["turns"], played):
            for key, value in result.items():
                turn[key] = value
        with path.open("w", encoding="utf-8") as out:
            yaml.dump(script, out)
        return
    for number, (expected, actual) in enumerate(zip(script["turns"], played), start=1):
        for key, value in actual.items():
            want = expected.get(key)
            want = [str(w) for w in want] if isinstance(want, list) else (str(want) if want is not None else None)
            got = [str(v) for v in value] if isinstance(value, list) else str(value)
            assert got == want, f"{path.name} turn {number} ({key}) differs; if intended, run pytest --update-golden"


def test_every_golden_file_has_turns():
    assert len(FILES) >= 4
    for path in FILES:
        script = _yaml().load(path.read_text(encoding="utf-8"))
        assert script["channel"] in ("sms", "voice") and script["turns"], path.name

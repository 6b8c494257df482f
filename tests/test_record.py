"""/record: recordings of the call prompts uploaded by staff, checked, stored where the hotline plays them, and
Pashto made callable once every prompt has one. (The page itself, with a microphone: tests/test_browser.py.)"""
from __future__ import annotations

import csv
import io
import math
import os
import struct
import subprocess
import sys
import wave
import zipfile

import pytest

from hotline import audio
from hotline.content import load
from hotline.recordings import inspect
from hotline.settings import Settings
from tests.conftest import TOKEN
from tests.test_staff_pages import ADMIN, Staff
from tests.twilio_client import Call, TwilioClient

CALLER = "+18605550456"


def tone(seconds: float, rate: int = 8000, width: int = 2, level: float = 0.3) -> bytes:
    """A WAV of a 440 Hz tone, as a person's recording would be to the checks (mono PCM)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(width)
        file.setframerate(rate)
        peak = 2 ** (8 * width - 1) - 1
        samples = (int(level * peak * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        file.writeframes(b"".join(struct.pack("<h", s) if width == 2 else bytes([s + 128]) for s in samples))
    return out.getvalue()


def mp3(seconds: float) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes and 26 ms each), as an MP3 file has them."""
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)
    return frame * round(seconds / 0.026122)


@pytest.fixture
def app(content_copy, settings, redis_client, make_app):
    return make_app(Settings(**{**settings.__dict__, "content_dir": content_copy, "admin_token": ADMIN}))


@pytest.fixture
def staff(app) -> Staff:
    return Staff(app.test_client())


def _names(app, code: str) -> list[str]:
    return audio.recording_names(app.extensions["hotline"].catalog, code)


def test_a_good_wav_is_stored_where_the_hotline_plays_it(app, staff, content_copy):
    name = _names(app, "ps")[0]
    first = staff.put(f"/record/ps/{name}.wav", data=tone(2.0))
    assert first.status_code == 201
    stored = content_copy / f"prompts/audio/ps/recorded/{name}.wav"
    assert stored.read_bytes() == tone(2.0)
    assert not list(stored.parent.glob(".upload-*"))                       # written whole, nothing left behind
    again = staff.put(f"/record/ps/{name}.wav", data=tone(1.5))
    assert again.status_code == 204 and stored.read_bytes() == tone(1.5)


def test_an_mp3_is_kept_as_mp3_and_replaces_the_wav(app, staff, content_copy):
    name = _names(app, "ht")[3]
    assert staff.put(f"/record/ht/{name}.wav", data=tone(1.0)).status_code == 201
    assert staff.put(f"/record/ht/{name}.mp3", data=mp3(3.0)).status_code == 204
    folder = content_copy / "prompts/audio/ht/recorded"
    assert [p.name for p in folder.iterdir()] == [f"{name}.mp3"]
    assert staff.put(f"/record/ht/{name}.mp3", data=tone(1.0)).status_code == 204   # the body decides: a WAV
    assert [p.name for p in folder.iterdir()] == [f"{name}.wav"]


@pytest.mark.parametrize("body, status, reason", [
    (b"not audio at all, just words" * 10, 415, "not a WAV or MP3 recording"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt garbage", 415, "cannot be read"),
    (tone(125.0, width=1), 415, "125.0 seconds long"),
    (tone(0.1), 415, "0.1 seconds long"),
    (b"RIFF" + bytes(3 * 1024 * 1024), 413, "at most 2048 KB"),
])
def test_what_is_not_a_sane_recording_is_refused_with_the_reason(app, staff, content_copy, body, status, reason):
    name = _names(app, "ps")[0]
    answer = staff.put(f"/record/ps/{name}.wav", data=body)
    assert answer.status_code == status and reason in answer.get_json()["error"]
    assert not (content_copy / "prompts/audio/ps/recorded").exists()


@pytest.mark.parametrize("path", [
    "/record/ps/0123456789abcdef.wav",                    # the right shape, but no prompt's name
    "/record/xx/{name}.wav",                               # no such language
    "/record/ps/{name}.exe",
    "/record/ps/..%2F..%2F..%2Fpyproject.wav",
    "/record/ps/../../README.wav",
    "/record/ps/{NAME}.wav",
    "/record/ps/recorded%2F{name}.wav",
])
def test_a_name_that_is_not_a_prompt_is_refused(app, staff, content_copy, path):
    name = _names(app, "ps")[0]
    answer = staff.put(path.format(name=name, NAME=name.upper()), data=tone(1.0))
    assert answer.status_code == 404
    assert not (content_copy / "prompts/audio/ps/recorded").exists()
    assert sorted(p.name for p in content_copy.iterdir()) == ["prompts", "translations"]


def test_uploads_need_a_staff_session_and_its_anti_forgery_token(app, staff):
    name = _names(app, "ps")[0]
    client = app.test_client()
    assert client.put(f"/record/ps/{name}.wav", data=tone(1.0), environ_base={"REMOTE_ADDR": "203.0.113.9"}
                      ).status_code == 401
    assert staff.client.put(f"/record/ps/{name}.wav", data=tone(1.0),
                            environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403   # no token sent
    bearer = client.put(f"/record/ps/{name}.wav", data=tone(1.0), headers={"Authorization": f"Bearer {ADMIN}"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert bearer.status_code == 201


def test_the_page_lists_what_is_missing_first_with_progress(app, staff):
    names = _names(app, "ps")
    staff.put(f"/record/ps/{names[0]}.wav", data=tone(1.0))                 # the first prompt of a call
    app.extensions["hotline"].keeper.look()
    pashto = staff.get("/record").get_data(as_text=True)                  # the language no caller can hear yet
    assert 'data-code="ps"' in pashto and 'dir="rtl"' in pashto
    assert f"<span id=\"done\">1</span> of {len(names)} recorded" in pashto
    assert pashto.count("nothing yet") == len(names) - 1
    assert pashto.rindex("nothing yet") < pashto.index("a person's recording")   # what is missing comes first
    assert "is offered by text only until every prompt below is recorded" in pashto
    creole = staff.get("/record?lang=ht").get_data(as_text=True)
    assert creole.count("a synthetic voice (espeak-ng)") == len(_names(app, "ht"))


def test_recording_every_pashto_prompt_makes_pashto_callable(app, staff, content_copy):
    catalog = app.extensions["hotline"].catalog
    assert "ps" not in [lang.code for lang in catalog.offered("voice")]
    names = _names(app, "ps")
    for name in names[:-1]:                                                 # all but one: still text only
        assert staff.put(f"/record/ps/{name}.wav", data=tone(1.0)).status_code == 201
    app.extensions["hotline"].keeper.look()
    assert "ps" not in [lang.code for lang in app.extensions["hotline"].catalog.offered("voice")]
    _, problems = load(content_copy)
    assert any(p.code == "text-only" and f"({len(names) - 1} of {len(names)}" in p.message for p in problems)
    assert staff.put(f"/record/ps/{names[-1]}.wav", data=tone(1.0)).status_code == 201
    app.extensions["hotline"].keeper.look()            # picked up like any content change (here or by its thread)
    catalog = app.extensions["hotline"].catalog
    offered = [lang.code for lang in catalog.offered("voice")]
    assert "ps" in offered
    _, problems = load(content_copy)
    assert not [p for p in problems if p.code == "text-only"]
    page = staff.get("/record?lang=ps").get_data(as_text=True)
    assert f'<span id="done">{len(names)}</span> of {len(names)} recorded' in page and "is offered on calls" in page

    call = Call(TwilioClient(app.test_client(), TOKEN), CALLER)
    call.start()
    menu = call.press("9")                                                  # the second page of languages
    pashto = "/audio/ps/recorded/"
    assert any(url.startswith(pashto) for url in menu.plays)               # its name, said by its own recording
    main = call.press(str(offered[8:].index("ps") + 1))
    assert main.plays and all(url.startswith(pashto) for url in main.plays) and not main.said
    legal = call.press("4")
    assert legal.plays and all(url.startswith(pashto) for url in legal.plays) and not legal.said


def test_a_recording_of_a_prompt_whose_text_changed_is_reported_stale(app, staff, content_copy):
    catalog = app.extensions["hotline"].catalog
    part = next(p for p in audio.script(catalog, "ht") if p.msg_id == "unclear")
    staff.put(f"/record/ht/{audio.recording_name(part)}.wav", data=tone(1.0))
    edit = content_copy / "translations/ht.yaml"
    text = edit.read_text(encoding="utf-8")
    edit.write_text(text.replace(f'unclear: "{part.text}"', 'unclear: "Eskize nou, nou pa konprann."'), encoding="utf-8")
    _, problems = load(content_copy)
    (stale,) = [p for p in problems if p.code == "stale-recording"]
    assert stale.file == f"prompts/audio/ht/recorded/{audio.recording_name(part)}.wav"
    assert stale.severity == "warning" and "record the prompt again" in stale.message


def test_a_creole_recording_replaces_the_robotic_voice_on_the_next_call(app, staff):
    twilio = TwilioClient(app.test_client(), TOKEN)
    robotic = Call(twilio, CALLER)
    robotic.start()
    first = robotic.press("4").plays[0]                                    # Kreyòl: espeak-ng's rendering
    assert first.startswith("/audio/ht/rendered/")
    catalog = app.extensions["hotline"].catalog
    part = next(p for p in audio.script(catalog, "ht") if audio.clip(catalog, p) == first.split("?")[0][len("/audio/ht/"):])
    assert staff.put(f"/record/ht/{audio.recording_name(part)}.wav", data=tone(1.0)).status_code == 201
    app.extensions["hotline"].keeper.look()
    human = Call(twilio, CALLER)
    human.start()
    played = human.press("4").plays[0]
    assert played.startswith(f"/audio/ht/recorded/{audio.recording_name(part)}.wav?v=")
    served = app.test_client().get(played)
    assert served.data == tone(1.0)
    served.close()
    staff.put(f"/record/ht/{audio.recording_name(part)}.wav", data=tone(2.0))   # recorded again: a new URL
    app.extensions["hotline"].keeper.look()
    again = Call(twilio, CALLER)
    again.start()
    assert again.press("4").plays[0] != played


@pytest.fixture
def read_only(content_copy):
    """The content folder on a read-only file system, as a deployment from git may have it."""
    folder = content_copy / "prompts"
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
        yield folder
        subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot make a read-only folder here: {mounted.stderr}"
    subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_deployment_says_so_and_the_recordings_can_be_downloaded(app, staff, read_only):
    names = _names(app, "ps")
    page = staff.get("/record?lang=ps").get_data(as_text=True)
    assert "This server cannot keep recordings" in page and 'data-writable="no"' in page
    refused = staff.put(f"/record/ps/{names[0]}.wav", data=tone(1.0))
    assert refused.status_code == 409 and "Download recordings" in refused.get_json()["error"]
    answer = staff.post("/record/ps/download", data={names[0]: (io.BytesIO(tone(1.0)), f"{names[0]}.wav"),
                                                     names[1]: (io.BytesIO(mp3(2.0)), f"{names[1]}.mp3")})
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    packed = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(packed.namelist()) == sorted([f"prompts/audio/ps/recorded/{names[0]}.wav",
                                                f"prompts/audio/ps/recorded/{names[1]}.mp3"])
    assert inspect(packed.read(f"prompts/audio/ps/recorded/{names[0]}.wav")).seconds == 1.0


def test_the_download_holds_what_was_saved_too_and_refuses_what_is_not_audio(app, staff, content_copy):
    names = _names(app, "sw")
    staff.put(f"/record/sw/{names[0]}.wav", data=tone(1.0))
    packed = zipfile.ZipFile(io.BytesIO(staff.post("/record/sw/download").data))
    assert packed.namelist() == [f"prompts/audio/sw/recorded/{names[0]}.wav"]
    bad = staff.post("/record/sw/download", data={names[1]: (io.BytesIO(b"words"), "x.wav")})
    assert bad.status_code == 415


def test_the_recording_script_lists_what_the_page_still_asks_for(app, staff, content_copy, tmp_path):
    """`hotline audio --script` (the contract's names) and the page agree: every Creole prompt until a person
    records one, under the name the page saves it as; a language the hotline lacks is refused."""
    def script() -> list[list[str]]:
        out = tmp_path / "ht.csv"
        done = subprocess.run([sys.executable, "-m", "hotline.cli", "audio", "--lang", "ht", "--script", str(out),
                               "--content-dir", str(content_copy)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))[1:]

    names = _names(app, "ht")
    before = script()
    assert [row[0] for row in before] == [f"prompts/audio/ht/recorded/{name}.mp3" for name in names]
    assert staff.put(f"/record/ht/{names[0]}.wav", data=tone(1.0)).status_code == 201
    assert [row[0] for row in script()] == [row[0] for row in before[1:]]
    refused = subprocess.run([sys.executable, "-m", "hotline.cli", "audio", "--lang", "xx", "--script",
                              str(tmp_path / "xx.csv"), "--content-dir", str(content_copy)], capture_output=True, text=True)
    assert refused.returncode == 2 and "no language 'xx'" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "xx.csv").exists()

"""The simulator and stats pages in a real browser: Debian's Chromium, driven by Playwright, headless."""
from __future__ import annotations

import io
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import wave
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import expect   # polls in Playwright's own world, where the pages' CSP does not reach

from hotline import audio
from hotline.content import load
from tests.conftest import SECRET, TOKEN
from tests.servers import Gunicorn
from tests.twilio_client import call_params, sid

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEEDED = bool(os.environ.get("HOTLINE_REQUIRE_BROWSER"))
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not NEEDED,
                                reason="needs Debian's chromium (apt-get install chromium); CI installs and requires it")
SHOTS = Path(__file__).resolve().parent.parent / "test-results"
ADMIN = "browser-admin-token"
CALLER = "+18605550789"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(redis_url, redis_client, tmp_path):
    port = _port()
    env = {**os.environ, "REDIS_URL": redis_url, "HOTLINE_SECRET": "browser-test-0123456789abcdef0123456789",
           "TWILIO_AUTH_TOKEN": "x", "HOTLINE_ADMIN_TOKEN": ADMIN}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def page(request):
    assert Path(CHROMIUM).exists(), "chromium is required here (HOTLINE_REQUIRE_BROWSER is set)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})   # a phone-sized screen
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        yield page
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def sign_in(page, server: str, path: str = "/simulator") -> None:
    """Open a staff page by the ?token= link once, as staff would, and land on it without the token."""
    page.goto(f"{server}{path}{'&' if '?' in path else '?'}token={ADMIN}")
    assert page.url == f"{server}{path}"


def test_text_call_and_stats_in_a_real_browser(server, page):
    sign_in(page, server)
    page.fill("#body", "hola")
    page.keyboard.press("Enter")                                      # keyboard only
    page.wait_for_selector("#thread li.hotline")
    reply = page.locator("#thread li.hotline").first
    assert "Responda con un numero" in reply.inner_text() and "GSM-7" in reply.inner_text()

    page.fill("#body", "مرحبا")
    page.keyboard.press("Enter")
    expect(page.locator("#thread li.hotline")).to_have_count(2)
    arabic = page.locator("#thread li.hotline").nth(1)
    assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert "UCS-2" in arabic.inner_text()

    page.select_option("#when", "after hours")
    page.click("#call")                                               # the same phone: a returning caller
    expect(page.locator("#heard")).to_contain_text("اضغط")   # heard in Arabic
    page.click("button[data-key='*']")                                # another language
    expect(page.locator("#heard")).to_contain_text("For English, press 1.")
    page.click("button[data-key='1']")                                # English
    expect(page.locator("#heard")).to_contain_text("press 4")
    page.click("button[data-key='4']")                                # free legal help
    expect(page.locator("#heard")).to_contain_text("For immigration legal help")
    assert "8 6 0, 5 4 1, 5 0 3 0" in page.inner_text("#heard")
    page.click("button[data-key='8']")                                # the numbers by text: shown, not sent
    expect(page.locator("#heard")).to_contain_text("We sent these numbers to your phone in a text message.")
    texted = page.locator("#thread li.hotline").last
    expect(texted).to_contain_text("Free legal help")
    assert "(860) 541-5030" in texted.inner_text() and "simulated" in texted.inner_text()

    page.goto(f"{server}/stats")
    assert page.inner_text("#texts") == "2" and page.inner_text("#calls") == "1"
    assert "legal" in page.inner_text("#by-topic") and "العربية" in page.inner_text("#by-language")
    page.goto(f"{server}/callbacks")
    assert page.console_errors == []          # no Content-Security-Policy violation, no script error, on any page


def test_the_simulator_texts_as_whatsapp_and_draws_the_reply_as_whatsapp_does(server, page):
    sign_in(page, server)
    page.select_option("#channel", "whatsapp")
    expect(page.locator("#text-title")).to_contain_text("WhatsApp")
    page.fill("#body", "hola, necesito ayuda")
    page.keyboard.press("Enter")
    menu = page.locator("#thread li.hotline").first
    expect(menu).to_contain_text("Responda con un número")             # accents kept: no SMS folding
    assert "WhatsApp" in menu.inner_text() and "segment" not in menu.inner_text()
    page.fill("#body", "4")
    page.keyboard.press("Enter")
    expect(page.locator("#thread li.hotline")).to_have_count(2)
    legal = page.locator("#thread li.hotline").nth(1)
    assert legal.locator("strong").first.inner_text() == "Ayuda legal gratuita"   # *bold* drawn bold, no stars
    assert "*" not in legal.inner_text() and "(800) 798-0671" in legal.inner_text()
    assert page.console_errors == []


def test_a_call_in_haitian_creole_plays_audio(server, page):
    sign_in(page, server)
    page.click("#call")
    page.wait_for_selector("#heard li.prompt")
    page.click("button[data-key='4']")                                # Kreyòl, by audio
    expect(page.locator("#heard")).to_contain_text("/audio/ht/")
    first_audio = page.locator("#heard li.prompt", has_text="♪").first.locator(".meta").inner_text()
    status = page.evaluate(f"fetch('{first_audio}').then(r => r.status)")
    assert status == 200 and page.console_errors == []


def _spoken(seconds_before: float, seconds_on: float, seconds_after: float, rate: int = 48000) -> bytes:
    """What the fake microphone hears: quiet, a 440 Hz tone (someone reading), quiet; 16-bit mono at 48 kHz."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        tone = (int(0.3 * 32767 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds_on * rate)))
        file.writeframes(bytes(int(seconds_before * rate) * 2) + b"".join(struct.pack("<h", s) for s in tone)
                         + bytes(int(seconds_after * rate) * 2))
    return out.getvalue()


def _first_play(server: Gunicorn, caller: str = CALLER) -> str:
    """A call in Haitian Creole (4 on the language menu): the URL of the first prompt it plays."""
    call = sid("CA")
    status, body = server.post("/voice", call_params(caller, call))
    assert status == 200
    action = ET.fromstring(body).find(".//Gather").get("action")
    status, body = server.post(action, call_params(caller, call, CallStatus="in-progress", Digits="4"))
    assert status == 200
    return ET.fromstring(body).find(".//Play").text


def test_a_prompt_recorded_with_a_microphone_is_what_the_next_call_plays(redis_url, redis_client, content_copy,
                                                                          tmp_path):
    """The /record page in Chromium with a fake microphone: record one Creole prompt by keyboard, stop, listen,
    save; the file is 8 kHz mono 16-bit WAV with the silence trimmed, and the next call plays it."""
    assert Path(CHROMIUM).exists(), "chromium is required here (HOTLINE_REQUIRE_BROWSER is set)"
    from playwright.sync_api import sync_playwright

    schedule = content_copy / "prompts/schedule.yaml"   # the hotline answers at any hour: no forwarding
    schedule.write_text("\n".join(line for line in schedule.read_text().splitlines()
                                  if not line.startswith("forward_to:")) + "\n")
    microphone = tmp_path / "microphone.wav"
    microphone.write_bytes(_spoken(0.6, 1.2, 30.0))
    server = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                       "HOTLINE_ADMIN_TOKEN": ADMIN, "HOTLINE_CONTENT_DIR": str(content_copy)},
                      tmp_path / "gunicorn.log").start()
    try:
        robotic = _first_play(server)
        assert robotic.startswith("/audio/ht/rendered/")              # espeak-ng's voice before any recording
        catalog, _ = load(content_copy)
        part = next(p for p in audio.script(catalog, "ht") if audio.clip(catalog, p) == robotic.split("?")[0].removeprefix("/audio/ht/"))
        name = audio.recording_name(part)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS + [
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-audio-capture={microphone}%noloop"])
            page = browser.new_page(viewport={"width": 390, "height": 844})   # a phone-sized screen
            errors = []
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            sign_in(page, server.base, "/record?lang=ht")
            before = int(page.inner_text("#done"))
            item = page.locator(f"li[data-name='{name}']")
            assert part.text in item.locator(".text").inner_text()
            expect(item.locator(".now")).to_contain_text("synthetic voice")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390   # nothing wider than the phone

            item.locator("button.record").focus()
            page.keyboard.press("Enter")                                   # keyboard only: Record
            expect(item.locator("button.record")).to_have_text("Stop")
            page.wait_for_timeout(2500)                                    # quiet, the tone, quiet again
            page.keyboard.press("Enter")                                   # Stop
            expect(item.locator(".message")).to_contain_text("Listen to it, then save it or record again.")
            expect(item.locator("audio.take")).to_be_visible()             # listen back before saving
            item.locator("button.save").focus()
            page.keyboard.press("Enter")                                   # Save
            expect(item.locator(".message")).to_contain_text("Saved.")
            expect(item.locator(".now")).to_contain_text("a person's recording")
            assert int(page.inner_text("#done")) == before + 1
            assert errors == []                                            # no CSP violation, no script error
            browser.close()

        with wave.open(str(content_copy / f"prompts/audio/ht/recorded/{name}.wav")) as saved:
            assert (saved.getframerate(), saved.getnchannels(), saved.getsampwidth()) == (8000, 1, 2)
            samples = struct.unpack(f"<{saved.getnframes()}h", saved.readframes(saved.getnframes()))
        seconds = len(samples) / 8000
        assert 1.2 <= seconds <= 1.2 + 2 * 0.15 + 0.05                   # the tone and a little quiet: trimmed
        middle = samples[len(samples) // 4: 3 * len(samples) // 4]
        crossings = sum(1 for a, b in zip(middle, middle[1:]) if (a < 0) != (b < 0))
        assert abs(crossings / 2 / (len(middle) / 8000) - 440) < 15     # still a 440 Hz tone at 8 kHz
        assert 0.2 * 32767 < max(map(abs, middle)) < 0.4 * 32767        # at its level, not clipped

        recorded = f"/audio/ht/recorded/{name}.wav?v="
        callers = (f"+1860557{n:04d}" for n in range(10000))   # each call its own caller: no number's rate limit
        # Each worker reloads the content by itself, within seconds: until then a call may reach one that has not.
        assert Gunicorn.until(lambda: all(_first_play(server, next(callers)).startswith(recorded) for _ in range(10)),
                              30, every=0.5)   # at most 600 calls: under the hotline's ceiling of calls a minute
        played = _first_play(server, next(callers))
        assert played.startswith(recorded)
        with urllib.request.urlopen(server.base + played) as response:
            assert response.read() == (content_copy / f"prompts/audio/ht/recorded/{name}.wav").read_bytes()
    finally:
        server.stop()

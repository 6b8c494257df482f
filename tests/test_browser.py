"""The simulator and stats pages in a real browser: Debian's Chromium, driven by Playwright, headless."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect   # polls in Playwright's own world, where the pages' CSP does not reach

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEEDED = bool(os.environ.get("HOTLINE_REQUIRE_BROWSER"))
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not NEEDED,
                                reason="needs Debian's chromium (apt-get install chromium); CI installs and requires it")
SHOTS = Path(__file__).resolve().parent.parent / "test-results"
ADMIN = "browser-admin-token"
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
    page.goto(f"{server}{path}?token={ADMIN}")
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


def test_a_call_in_haitian_creole_plays_audio(server, page):
    sign_in(page, server)
    page.click("#call")
    page.wait_for_selector("#heard li.prompt")
    page.click("button[data-key='4']")                                # Kreyòl, by audio
    expect(page.locator("#heard")).to_contain_text("/audio/ht/")
    first_audio = page.locator("#heard li.prompt", has_text="♪").first.locator(".meta").inner_text()
    status = page.evaluate(f"fetch('{first_audio}').then(r => r.status)")
    assert status == 200 and page.console_errors == []

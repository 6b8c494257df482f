"""The `hotline` command as staff and developers run it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import edit

HOTLINE = [sys.executable, "-m", "hotline.cli"]


def _run(args, stdin="", **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_CONTENT_DIR")}
    environment.update(env)
    return subprocess.run(HOTLINE + args, input=stdin, capture_output=True, text=True, env=environment, timeout=120)


def test_check_passes_on_shipped_content():
    result = _run(["check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout.splitlines()[-1]


def test_check_fails_on_a_broken_file_and_names_it(content_copy):
    edit(content_copy / "prompts/menu.yaml", "goto: legal }", "goto: lawyers }")
    result = _run(["check"], HOTLINE_CONTENT_DIR=str(content_copy))
    assert result.returncode == 1
    assert "prompts/menu.yaml:" in result.stdout and "lawyers" in result.stdout
    assert "1 errors" in result.stdout


def test_check_strict_fails_on_warnings():
    assert _run(["check", "--strict"]).returncode == 1   # the Spanish draft still needs review


def test_chat_json_through_a_pipe():
    result = _run(["chat", "--from", "+18605550199", "--json"], stdin="hola\n4\n")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    replies = [json.loads(block) for block in blocks if block.strip()]
    assert len(replies) == 2
    assert "Ayuda legal gratuita" in replies[0]["text"]
    assert "(860) 541-5030" in replies[1]["text"]
    assert replies[1]["encoding"] == "GSM-7" and 1 <= replies[1]["segments"] <= 3
    assert "+18605550199" not in result.stderr


def test_chat_plain_text_and_language_choice():
    result = _run(["chat", "--from", "+18605550198", "--lang", "es"], stdin="hello\n")
    assert result.returncode == 0
    assert result.stdout.startswith("Linea para familias") and result.stdout.endswith("\n\n")


def test_chat_rejects_an_unknown_language():
    result = _run(["chat", "--from", "+18605550198", "--lang", "xx"], stdin="hola\n")
    assert result.returncode == 2 and "not served" in result.stderr


def test_serve_refuses_redis_without_secret():
    result = _run(["serve"], REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 1 and "HOTLINE_SECRET is required" in result.stderr

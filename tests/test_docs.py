"""The README documents what the hotline offers (as datasette's test_docs does)."""
from __future__ import annotations

import re

from hotline.cli import main
from hotline.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    for name in main.commands:
        assert f"`hotline {name}" in README, name


def test_readme_has_the_contract_commands():
    assert "pip install -e . && hotline serve" in README
    assert "pip install -e '.[test]' && pytest" in README


def test_procfile_serves_with_gunicorn_and_checks_on_release():
    procfile = (PROJECT_ROOT / "Procfile").read_text()
    assert procfile.startswith("web: gunicorn ") and "$PORT" in procfile
    assert "release: hotline check" in procfile
    assert "clock: hotline purge --every" in procfile and "clock: hotline purge --every" in README


def test_every_environment_variable_the_hotline_reads_is_in_the_readme():
    source = (PROJECT_ROOT / "hotline" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env\.get\("([A-Z_]+)"', source)) | set(re.findall(r'\("([A-Z_]+)", "\d+"\)', source))
    assert {"TWILIO_ACCOUNT_SID", "HOTLINE_TWILIO_RETENTION", "HOTLINE_RATE_PER_NUMBER"} <= names
    for name in names:
        assert f"`{name}`" in README, name

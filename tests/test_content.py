"""Content files: the shipped content is clean, and broken content is reported as file:line."""
from __future__ import annotations

import re

import pytest

from hotline.content import load
from hotline.settings import PROJECT_ROOT
from tests.conftest import edit

PHONE = re.compile(r"\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b")
SEED_NUMBERS = {  # every number the district's letters and web page give families, as the hotline must too
    "welcome": "+18606958400", "ciri": "+18606923085", "iris": "+12035622095", "tap": "+18606956337",
    "ccaoh": "+18605271124", "ghla": "+18605415030", "clp": "+18602473227", "cls": "+18007980671",
    "ocr": "+18004213481", "doj": "+18772923804",
}


def test_shipped_content_has_no_errors():
    catalog, problems = load(PROJECT_ROOT)
    assert catalog is not None
    assert [p for p in problems if p.severity == "error"] == []


def test_seed_numbers_are_resources_reachable_from_the_menu():
    catalog, _ = load(PROJECT_ROOT)
    listed = {rid for node in catalog.nodes.values() for rid in node.resources}
    for rid, number in SEED_NUMBERS.items():
        assert catalog.resources[rid].phone == number
        assert rid in listed, f"{rid} is not listed by any topic"


def test_phone_numbers_are_written_only_in_resources_yaml():
    for path in list((PROJECT_ROOT / "prompts").glob("*.yaml")) + list((PROJECT_ROOT / "translations").glob("*.yaml")):
        if path.name in ("resources.yaml", "schedule.yaml"):
            continue
        assert not PHONE.search(path.read_text(encoding="utf-8")), f"a phone number is written in {path.name}"


def test_every_translation_has_meta_saying_it_needs_review():
    for path in (PROJECT_ROOT / "translations").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "_meta:" in text and "needs_review: true" in text, path.name


@pytest.mark.parametrize("rel, old, new, code, line", [
    ("prompts/menu.yaml", "goto: legal }", "goto: lawyers }", "unknown-goto", None),
    ("prompts/menu.yaml", "{ digit: 2, goto: agents", "{ digit: 1, goto: agents", "duplicate-digit", "goto: agents"),
    ("prompts/menu.yaml", "resources: [ciri, ghla, cls]", "resources: [ciri, ghla, cls, aclu]", "unknown-resource", None),
    ("prompts/menu.yaml", "  resources: [welcome]", "  resource: [welcome]", "unknown-field", None),
    ("prompts/menu.yaml", "key: ciri ", "key: ccaoh ", "unknown-resource", "key: ccaoh"),
    ("prompts/resources.yaml", 'phone: "860-541-5030"', 'phone: "860-541-503"', "bad-phone", None),
    ("prompts/resources.yaml", "ghla:\n  name:", "ghla:\n  nmae:", "unknown-field", None),
    ("prompts/en.yaml", "legal.label: Free legal help\n", "", "missing-message", None),
    ("prompts/en.yaml", "keyword.menu: MENU", "keyword.menu: [MENU", "yaml-syntax", None),
    ("prompts/languages.yaml", "    voice: { say: es-US, name: Polly.Lupe-Neural }\n", "", "no-voice", None),
    ("prompts/schedule.yaml", 'mon: "08:00-16:30"', 'mon: "8 to 4"', "bad-value", None),
    ("translations/es.yaml", "  method: draft", "  methd: draft", "unknown-field", None),
])
def test_each_error_names_file_line_and_code(content_copy, rel, old, new, code, line):
    edit(content_copy / rel, old, new)
    catalog, problems = load(content_copy)
    assert catalog is None
    found = [p for p in problems if p.code == code and p.severity == "error"]
    assert found, problems
    assert found[0].file == rel and found[0].line >= 1
    if line:   # the line where the edited text stands
        lines = (content_copy / rel).read_text(encoding="utf-8").splitlines()
        assert found[0].line == next(n for n, text in enumerate(lines, start=1) if line in text)
    assert str(found[0]).startswith(f"{rel}:{found[0].line}: ")


def test_missing_translation_is_a_warning_and_falls_back_to_english(content_copy):
    edit(content_copy / "translations/es.yaml", "legal.label: Ayuda legal gratuita\n", "")
    catalog, problems = load(content_copy)
    assert catalog is not None
    assert any(p.code == "missing-translation" and "legal.label" in p.message for p in problems)
    assert catalog.text("es", "legal.label") == "Free legal help"


def test_placeholder_mismatch_is_a_warning(content_copy):
    edit(content_copy / "translations/es.yaml", "Emergencias: llame al {emergency}.", "Emergencias: llame al {emergencia}.")
    _, problems = load(content_copy)
    assert any(p.code == "placeholder-mismatch" and p.file == "translations/es.yaml" for p in problems)

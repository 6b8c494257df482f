"""Right-to-left texts as phones draw them: every reply in Arabic, Dari and Pashto run through a real
implementation of the Unicode bidi algorithm (python-bidi, UAX #9), line by line as phones lay them out, every
phone number and Latin word found on screen in its written order, every line in its language's direction."""
from __future__ import annotations

import re

import pytest
from bidi import get_base_level, get_display

from hotline import sms
from hotline.content import load
from hotline.engine import LANGUAGES, Screen
from hotline.render import phone_text
from hotline.rtl import LRM, MARKS
from hotline.segments import MAX_SEGMENTS, measure
from hotline.settings import PROJECT_ROOT

CATALOG = load(PROJECT_ROOT)[0]
RTL = [language.code for language in CATALOG.languages if language.rtl]
NUMBERS = sorted({phone_text(n, "sms") for r in CATALOG.resources.values() for n in r.phones}, key=len, reverse=True)
LATIN = re.compile(r"[A-Za-z][A-Za-z .]*[A-Za-z]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def _unmarked(text: str) -> str:
    return "".join(ch for ch in text if ch not in MARKS)


def _every_reply(code: str) -> list[str]:
    screens = [Screen(node) for node in CATALOG.nodes] + [Screen(LANGUAGES)]
    texts = [reply.text for screen in screens for reply in sms.pages(CATALOG, code, screen)]
    return texts + [sms.notice(CATALOG, code, mid).text
                    for mid in ("help", "goodbye", "fallback", "forgotten", "not_done", "unclear", "media")]


def test_the_right_to_left_languages_are_arabic_dari_and_pashto():
    assert RTL == ["ar", "ps", "prs"]


@pytest.mark.parametrize("code", RTL)
def test_every_number_and_latin_word_displays_in_written_order(code):
    shown_numbers = 0
    for text in _every_reply(code):
        for line in text.split("\n"):
            visible, plain = _unmarked(get_display(line)), _unmarked(line)
            for number in NUMBERS:
                if number in plain:
                    shown_numbers += 1
                    assert number in visible, f"{number} is drawn as {visible!r}"
                    plain = plain.replace(number, "")
            for word in LATIN.findall(plain):
                assert word in visible, f"{word!r} is drawn reversed in {visible!r}"
            if ARABIC_SCRIPT.search(line):
                assert get_base_level(line) == 1, f"{line!r} is laid out left to right"
    assert shown_numbers >= len(CATALOG.nodes["report"].resources)   # the discrimination lines, at least


@pytest.mark.parametrize("code", RTL)
def test_the_main_menu_still_fits_its_budget(code):
    (menu,) = sms.pages(CATALOG, code, Screen("main"))
    assert measure(menu.text).segments <= MAX_SEGMENTS


def test_without_isolation_the_welcome_center_number_would_read_backwards():
    """The failure phones showed, reproduced with the same algorithm: the test above can fail."""
    line = "اتصل بمركز الترحيب: (860) 695-8400"
    assert "(860) 695-8400" not in get_display(line)
    assert "(860) 695-8400" in get_display(line.replace("(860) 695-8400", f"{LRM}(860) 695-8400"))

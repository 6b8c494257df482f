"""A reply too long for one text is cut where a person would, and each text says which of how many it is.

The outside references: ICU's sentence break iterator (UAX #29, through icu4py) for where sentences end in each
language, python-bidi's implementation of the Unicode bidi algorithm with its mirroring of brackets (rule L4, as
phones draw them) for the page number in right-to-left texts, and the GSM 03.38 and UTF-16 segment sizes Twilio
documents (hotline.segments.fits) for what fits."""
from __future__ import annotations

import re

import pytest
from bidi import get_base_level
from bidi import get_display as unmirrored
from bidi.algorithm import get_display as drawn
from icu4py.breakers import SentenceBreaker

from hotline import sms
from hotline.content import load
from hotline.engine import LANGUAGES, Screen
from hotline.render import parts
from hotline.segments import MAX_SEGMENTS, fits, measure, paginate
from hotline.settings import PROJECT_ROOT

CATALOG = load(PROJECT_ROOT)[0]
CODES = [language.code for language in CATALOG.languages]
RTL = [language.code for language in CATALOG.languages if language.rtl]
ICU_LOCALE = {"prs": "fa_AF"}
PAGE_NUMBER = re.compile(r"^\((\d+)/(\d+)\) ")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
PHONE = re.compile(r"\d{3}\)? ?\d{3}-\d{4}")


def _more(code: str) -> str:
    return sms.written(CATALOG, code, CATALOG.text(code, "more"))


def _replies(code: str) -> list[tuple[str, list[str], str]]:
    """(what, its pages, the whole text before cutting) for every screen of a language that takes several texts."""
    found = []
    for node in list(CATALOG.nodes) + [LANGUAGES]:
        texts = [reply.text for reply in sms.pages(CATALOG, code, Screen(node))]
        whole = "\n".join(sms.written(CATALOG, code, part.text) for part in parts(CATALOG, code, "sms", Screen(node)))
        if len(texts) > 1:
            found.append((f"{code} {node}", texts, whole))
    return found


def _body(text: str, more: str) -> str:
    return PAGE_NUMBER.sub("", text).removesuffix(f"\n{more}")


def _sentence_ends(line: str, code: str) -> set[int]:
    """Where ICU says the sentences of a line end (before the spaces that follow them)."""
    return {len(line[:end].rstrip()) for _, end in SentenceBreaker(line, ICU_LOCALE.get(code, code)).segments()}


def _cuts(texts: list[str], whole: str, more: str):
    """Each place a reply was cut: (the page before, what stood between in the whole text, where in the whole)."""
    position = 0
    for n, text in enumerate(texts):
        body = _body(text, more)
        assert whole.startswith(body, position), f"page {n + 1} is not the text that follows: {body!r}"
        position += len(body)
        between = re.match(r"\s*", whole[position:]).group(0)
        if n < len(texts) - 1:
            yield text, between, position
        position += len(between)
    assert position == len(whole), "text was lost between the pages"


@pytest.mark.parametrize("code", CODES)
def test_each_text_says_which_of_how_many_it_is_and_all_but_the_last_how_to_get_more(code):
    more = _more(code)
    replies = _replies(code)
    for what, texts, _ in replies:
        for n, text in enumerate(texts, start=1):
            assert text.startswith(f"({n}/{len(texts)}) "), (what, text)
            assert text.endswith(f"\n{more}") == (n < len(texts)), (what, text)
            assert measure(text).segments <= MAX_SEGMENTS, (what, text)
    assert code == "en" or replies, "every language but English has a topic in several texts"


@pytest.mark.parametrize("code", RTL)
def test_the_page_number_reads_right_to_left(code):
    """Phones draw each line by the bidi algorithm, mirroring brackets in right-to-left text: the number is drawn
    "(1/3)" where the line starts (at the right of a line in Arabic script, which stays right to left)."""
    for what, texts, _ in _replies(code):
        for n, text in enumerate(texts, start=1):
            first_line, number = text.split("\n")[0], f"({n}/{len(texts)})"
            if ARABIC_SCRIPT.search(first_line):
                assert get_base_level(first_line) == 1 and drawn(first_line).endswith(number), (what, first_line)
            else:   # a name and its number alone: left to right
                assert drawn(first_line).startswith(number), (what, first_line)


def test_the_reference_draws_brackets_as_phones_do():
    """python-bidi's drawing with rule L4 mirrors the brackets; without it they would face the wrong way."""
    line = "(1/3) لا يسمح الموظفون"
    assert drawn(line).endswith("(1/3)") and unmirrored(line).endswith(")1/3(")


@pytest.mark.parametrize("code", CODES)
def test_texts_end_where_a_sentence_or_a_line_ends_and_lose_nothing(code):
    more = _more(code)
    for what, texts, whole in _replies(code):
        for text, between, position in _cuts(texts, whole, more):
            if "\n" in between:
                continue                                                   # the end of a line
            start = whole.rfind("\n", 0, position) + 1
            line = whole[start:whole.find("\n", position) if "\n" in whole[position:] else len(whole)]
            assert position - start in _sentence_ends(line, code), (what, text)


@pytest.mark.parametrize("code", CODES)
def test_a_text_takes_every_next_sentence_that_fits_it(code):
    """Never a first text with one sentence when two fit in its three segments (a name and its number, one line,
    count as one)."""
    more = _more(code)
    for what, texts, whole in _replies(code):
        for text, between, position in _cuts(texts, whole, more):
            after = whole[position + len(between):]
            line = after.split("\n")[0]
            ends = sorted(end for end in _sentence_ends(line, code) if end > 0)
            following = line if PHONE.search(line) else line[:ends[0]]
            joined = text.removesuffix(f"\n{more}") + ("\n" if "\n" in between else between) + following
            assert not fits(f"{joined}\n{more}"), (what, following, text)


def test_a_sentence_longer_than_a_text_is_cut_after_a_clause():
    line = ("Якщо школа несправедливо повелася з дитиною через расу, колір шкіри чи національне походження, "
            "або через громадянство чи імміграційний статус, або через мову, якою говорить родина, або через "
            "релігію, ви можете подати скаргу до Офісу громадянських прав, і там вам допоможуть вашою мовою.")
    texts = paginate([line], "Решта: надішліть ДАЛІ")
    assert len(texts) == 2 and all(measure(text).segments <= MAX_SEGMENTS for text in texts)
    assert texts[0].removesuffix("\nРешта: надішліть ДАЛІ").endswith(",")
    assert texts[1].startswith("(2/2) ") and line.endswith(texts[1].removeprefix("(2/2) "))


def test_chinese_sentences_are_cut_without_adding_spaces():
    line = "无论移民身份如何，每个孩子都可以上公立学校。" * 12
    texts = paginate([line], "回复\"更多\"查看其余内容。")
    assert len(texts) > 1
    assert "".join(_body(text, "回复\"更多\"查看其余内容。") for text in texts) == line


def test_ten_texts_or_more_still_fit_with_their_longer_numbers():
    lines = [f"Organization number {n}: (860) 555-{n:04d}" for n in range(1, 200)]
    texts = paginate(lines, "Reply MORE for the rest.")
    assert len(texts) >= 10 and texts[9].startswith(f"(10/{len(texts)}) ")
    assert all(measure(text).segments <= MAX_SEGMENTS for text in texts)

"""The pure menu engine: inputs in, screens and state out, no I/O."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hotline.content import load
from hotline.engine import GOODBYE, LANGUAGES, MAIN, SILENCE_LIMIT, TURN_LIMIT, Input, State, step
from hotline.settings import PROJECT_ROOT
from hotline.text import normalize


def choose(text: str) -> Input:
    """A choice as the engine gets it: normalized once at the door (texts and calls alike)."""
    return Input("choose", normalize(text))


@pytest.fixture(scope="module")
def catalog():
    catalog, problems = load(PROJECT_ROOT)
    assert catalog is not None, problems
    return catalog


def test_engine_imports_no_flask_redis_or_twilio():
    code = ("import sys, hotline.engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'redis', 'twilio', 'werkzeug')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_start_with_language_shows_main_menu(catalog):
    turn = step(catalog, State(), Input("start", "es"))
    assert turn.screens[0].node == MAIN
    assert turn.state.lang == "es"


def test_start_without_language_asks_for_one(catalog):
    turn = step(catalog, State(channel="voice"), Input("start", ""))
    assert turn.screens[0].node == LANGUAGES


def test_digit_and_word_choose_topics(catalog):
    state = State(lang="es")
    assert step(catalog, state, choose(" 4. ")).state.node == "legal"
    assert step(catalog, state, choose("Necesito un ABOGADO")).state.node == "legal"
    assert step(catalog, state, choose("I need a lawyer")).state.node == "legal"


def test_a_digit_from_a_topic_is_read_against_the_main_menu(catalog):
    turn = step(catalog, State(lang="en", node="school"), choose("6"))
    assert turn.state.node == "report"


def test_zero_returns_to_main_menu(catalog):
    assert step(catalog, State(lang="en", node="legal"), choose("0")).state.node == MAIN


def test_unrecognized_input_shows_menu_with_hint(catalog):
    turn = step(catalog, State(lang="en", node="legal"), choose("banana"))
    assert turn.screens[0].node == MAIN
    assert turn.screens[0].notices == ("unclear",)
    assert turn.events[0].name == "unclear"


def test_ambiguous_words_are_not_guessed(catalog):
    # "legal" chooses legal help, "school" the right to school: both at once is unclear.
    turn = step(catalog, State(lang="en"), choose("legal school"))
    assert turn.screens[0].notices == ("unclear",)


def test_language_list_by_number_and_name(catalog):
    state = State(lang="en", node=LANGUAGES)
    assert step(catalog, state, choose("2")).state.lang == "es"
    assert step(catalog, state, choose("español")).state.lang == "es"
    assert step(catalog, state, choose("99")).screens[0].node == LANGUAGES


def test_silence_repeats_once_then_says_goodbye(catalog):
    state = State(channel="voice", lang="en", node="legal")
    first = step(catalog, state, Input("silence"))
    assert first.screens[0].node == "legal" and not first.end
    second = step(catalog, first.state, Input("silence"))
    assert SILENCE_LIMIT == 2
    assert second.end and second.screens[0].node == GOODBYE


def test_a_call_cannot_loop_forever(catalog):
    state = State(channel="voice", lang="en")
    for _ in range(TURN_LIMIT):
        turn = step(catalog, state, choose("1"))
        assert not turn.end
        state = turn.state
    assert step(catalog, state, choose("1")).end


def test_state_round_trips_and_rejects_garbage():
    state = State(channel="voice", lang="es", node="legal", misses=1)
    assert State.from_json(state.to_json(), "voice") == state
    assert State.from_json(state.to_json(), "sms") is None
    for raw in (None, "", "{", "[]", '{"version": 99}', '{"version": 1, "node": 5, "channel": "sms"}', '{"x": 1}'):
        assert State.from_json(raw) is None


def test_a_conversation_stored_before_guessed_languages_still_loads():
    stored = '{"channel": "sms", "lang": "es", "node": "legal", "page": 0, "misses": 0, "turns": 3, ' \
             '"after_hours": false, "verified": false, "withheld": false, "texting": false, "texted": "", ' \
             '"brief": false, "version": 1}'                                   # as version 1 wrote it
    assert State.from_json(stored) == State(lang="es", node="legal", turns=3, guessed=False)
    guessed = State(lang="sw", guessed=True)
    assert State.from_json(guessed.to_json()) == guessed
    assert State.from_json(guessed.to_json().replace("true", '"yes"')) is None


def test_unknown_language_or_node_in_state_is_repaired(catalog):
    turn = step(catalog, State(lang="xx", node="gone"), choose("1"))
    assert turn.state.node == "school"
    assert turn.state.lang is None

"""Digits the engine keeps for itself, shared with the content checks (which must not import the engine)."""

CALLBACK_DIGIT = "9"           # on the main menu of an after-hours call: ask for a call back
MORE_LANGUAGES_DIGIT = "9"     # on the call's language menu: the next page of languages

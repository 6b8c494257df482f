"""Digits the engine keeps for itself, shared with the content checks (which must not import the engine)."""

CALLBACK_DIGIT = "9"           # on the main menu of an after-hours call: ask for a call back
ERASE_DIGIT = "8"              # on the main menu of a call: delete what is kept for the number
MORE_LANGUAGES_DIGIT = "9"     # on the call's language menu: the next page of languages
TEXT_ME_DIGIT = "8"            # in a topic that lists organizations, on a call: get those numbers by text

"""What Twilio and the US carriers decide, in one place: the words Twilio answers itself. The webhooks and the CLI
ask here, so a rule Twilio changes is changed once. Sources: ../shared/twilio/PLATFORM.md (Twilio support 223134027
"Twilio support for opt-out keywords", the Advanced Opt-Out tutorial).
"""
from __future__ import annotations

# Twilio's default keywords (REVOKE and OPTOUT since 2025-05-14): the whole body is the word, in any case.
OPT_OUT = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
OPT_IN = ("START", "YES", "UNSTOP")
HELP = ("HELP", "INFO")

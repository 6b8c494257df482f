"""Call screening: whether a person at the Welcome Center took a forwarded call.

In open hours a call rings the Welcome Center with a whisper on the answering leg (hotline.voice.whisper) that
asks for a key. A person presses it; a voicemail or an auto-attendant never does, yet Twilio reports both as
DialCallStatus=completed. So the whisper's key is recorded here, and after the Dial the hotline asks whether the
call was taken rather than trusting that status.

The record is one Redis key for one call: a keyed hash of the caller's call id (Twilio's ParentCallSid on the
Welcome Center's leg, the CallSid of the Dial's action), never a number. It lasts as long as a Dial can (Twilio's
default time limit is 4 hours); once the Dial's action has read it, it is kept only as long as Twilio may ask again
(RETRY_TTL), so a repeated request gets the same answer.
"""
from __future__ import annotations

import redis

from hotline.sessions import PREFIX, RETRY_TTL, Store

TAKEN_TTL = 4 * 3600 + 600   # Twilio's <Dial timeLimit> defaults to 4 hours: the record outlives the longest call


def _key(store: Store, call_sid: str) -> str:
    return f"{PREFIX}:taken:{store.retry_field('taken', call_sid)}"


def mark_taken(store: Store, call_sid: str) -> bool:
    """Record that staff took the call with this id (the caller's leg); False when Redis could not keep it."""
    if not call_sid or not store.available():
        return False
    try:
        store.client.set(_key(store, call_sid), "1", ex=TAKEN_TTL)
    except redis.RedisError:
        return False
    return True


def taken(store: Store, call_sid: str) -> bool | None:
    """Whether staff took the call with this id (the record then lasts only RETRY_TTL more: the call is over); None
    when Redis could not be asked."""
    if not call_sid:
        return False
    if not store.available():
        return None
    try:
        return store.client.getex(_key(store, call_sid), ex=RETRY_TTL) is not None
    except redis.RedisError:
        return None

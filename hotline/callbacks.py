"""Call-back requests: the one place a phone number is kept, encrypted with HOTLINE_SECRET, for 14 days."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hotline.sessions import INDEX, PREFIX, Store

log = logging.getLogger(__name__)

TTL = 14 * 24 * 3600   # what callers are told: kept 14 days
KEY_PATTERN = f"{PREFIX}:callback:*"
SEEN = f"{PREFIX}:callbacks:seen"   # the ids of the requests staff have been shown (no number, no hash)


@dataclass(frozen=True)
class CallbackRequest:
    """One request, decrypted for staff."""

    key: str = field(repr=False)   # its Redis key, which holds the number's hash: never shown
    id: str = ""                   # what a page names it by: says nothing about the number
    number: str = ""
    lang: str = ""
    requested_at: dt.datetime | None = None
    new: bool = True               # not yet shown to staff (on /callbacks or by `hotline callbacks`)


class Callbacks:
    """Encrypted call-back requests in Redis, keyed by the caller's keyed hash, expiring after 14 days."""

    def __init__(self, store: Store, key: bytes, previous: bytes | None = None):
        self.store = store
        # Keys.callbacks; while a secret is rotated, requests encrypted with the previous one are still read
        keys = [key] + ([previous] if previous else [])
        self.fernet = MultiFernet([Fernet(base64.urlsafe_b64encode(k)) for k in keys])
        self.names = hmac.new(key, b"call-back request ids", hashlib.sha256).digest()

    @classmethod
    def from_settings(cls, store: Store, settings) -> "Callbacks":
        """The call-back requests of the store, with the keys of HOTLINE_SECRET (and HOTLINE_SECRET_PREVIOUS)."""
        previous = settings.previous_keys
        return cls(store, settings.keys.callbacks, previous.callbacks if previous else None)

    def entry(self, number: str, lang: str, now: dt.datetime) -> tuple[str, bytes, int]:
        """What keeps a caller's request (number, language and time, encrypted) for 14 days: (key, value, ttl),
        written with the rest of the call's step."""
        payload = json.dumps({"number": number, "lang": lang, "at": now.isoformat()}).encode()
        return self.store.key("callback", self.store.caller(number)), self.fernet.encrypt(payload), TTL

    def pending(self) -> list[CallbackRequest]:
        """Every request still kept, oldest first (only with the HOTLINE_SECRET that encrypted them)."""
        found = []
        seen = {member.decode() for member in self.store.client.smembers(SEEN)}
        for key in self.store.client.scan_iter(match=KEY_PATTERN, count=1000):
            token, due = self.store.client.get(key), self.store.client.zscore(INDEX, key)
            if token is None or due is not None and due < time.time():   # kept 14 days: the sweep may be late
                continue
            try:
                data = json.loads(self.fernet.decrypt(token))
            except InvalidToken:
                log.warning("a call-back request could not be decrypted (another HOTLINE_SECRET?)")
                continue
            name = hmac.new(self.names, key, hashlib.sha256).hexdigest()[:16]
            found.append(CallbackRequest(key.decode(), name, data["number"], data["lang"],
                                         dt.datetime.fromisoformat(data["at"]), name not in seen))
        return sorted(found, key=lambda r: r.requested_at)

    def shown(self, requests: list[CallbackRequest]) -> None:
        """Remember that staff have seen these requests, so that only they are cleared without naming them."""
        ids = [r.id for r in requests if r.new]
        if ids:
            with self.store.client.pipeline() as pipe:
                pipe.sadd(SEEN, *ids).expire(SEEN, TTL).execute()

    def clear(self, requests: list[CallbackRequest]) -> int:
        """Delete these requests (after staff have called back)."""
        keys = [r.key for r in requests]
        if not keys:
            return 0
        with self.store.client.pipeline() as pipe:
            pipe.delete(*keys).srem(SEEN, *[r.id for r in requests]).zrem(INDEX, *keys)
            return pipe.execute()[0]

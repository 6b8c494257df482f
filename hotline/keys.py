"""Keys derived from HOTLINE_SECRET, one for each use (HKDF, distinct labels): a key that leaks from one use
(a session cookie signed, a hash seen) gives away nothing about the others."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET = 32   # characters of HOTLINE_SECRET when the hotline keeps anything (REDIS_URL is set)


def _derive(secret: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"hotline {label}".encode()).derive(secret)


@dataclass(frozen=True, repr=False)
class Keys:
    """The hotline's keys, never shown: repr says nothing of them."""

    numbers: bytes     # HMAC of phone numbers (Redis keys) and of Twilio's message and call ids
    callbacks: bytes   # encrypts call-back requests (Fernet)
    staff: bytes       # signs staff sessions (cookies) and anti-forgery tokens

    @classmethod
    def derive(cls, secret: bytes) -> "Keys":
        """Every key from HOTLINE_SECRET."""
        return cls(_derive(secret, "phone numbers"), _derive(secret, "call-back requests"),
                   _derive(secret, "staff sessions"))

    def __repr__(self) -> str:
        return "Keys(***)"

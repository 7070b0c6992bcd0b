"""Signed tokens for the links the tracker hands out: a subscriber's feeds and the digest's
unsubscribe link. Signed with itsdangerous; each carries only the subscriber's id (never
the name) and serves one purpose (its salt), so a feed token cannot unsubscribe anyone.
They do not expire: a calendar URL must stay stable, and RFC 8058 one-click links must
keep working in old mail. Changing the secret revokes them all."""

from __future__ import annotations

from enum import StrEnum

from itsdangerous import BadData, URLSafeSerializer


class Purpose(StrEnum):
    FEED = "tracker.feed.v1"
    UNSUBSCRIBE = "tracker.unsubscribe-digest.v1"


def make_token(subscriber_id: int, secret: bytes, purpose: Purpose) -> str:
    return str(URLSafeSerializer(secret, salt=purpose.value).dumps(subscriber_id))


def check_token(token: str, secret: bytes, purpose: Purpose) -> int | None:
    """The subscriber id a token names, or None when it is forged, altered, for another
    purpose or signed with another secret."""
    try:
        value = URLSafeSerializer(secret, salt=purpose.value).loads(token.strip())
    except (BadData, UnicodeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None

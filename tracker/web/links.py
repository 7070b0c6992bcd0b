"""The tracker's public URLs: pages and feeds under ``[serve] base_url``, and the private
feed URLs of a subscriber (a signed token in the path)."""

from __future__ import annotations

from tracker.config import ServeSection
from tracker.errors import UserError
from tracker.web.tokens import Purpose, make_token

FEED_FILES = ("calendar.ics", "changes.atom")


def feed_path(token: str, name: str) -> str:
    return f"/feeds/s/{token}/{name}"


def feed_urls(settings: ServeSection, subscriber_id: int) -> list[str]:
    """The subscriber's calendar and Atom URLs; they stay the same while the secret does."""
    secret = settings.secret()
    if secret is None:
        raise UserError(f"${settings.secret_env} is empty: set it to sign private feed URLs")
    if not settings.base_url:
        raise UserError("[serve] base_url is empty: set the public URL the feeds are reached at")
    token = make_token(subscriber_id, secret, Purpose.FEED)
    return [settings.base_url + feed_path(token, name) for name in FEED_FILES]

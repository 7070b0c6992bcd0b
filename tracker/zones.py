"""Time zones in one place: checking a name a user typed, reading a stored one, and the zone
at a place (for a location shared in Telegram).

The place lookup is offline with tzfpy (a compiled polygon index of the timezone-boundary-builder
data, no dependencies), so a shared location never leaves the machine and needs no network.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def check_zone(name: str) -> str:
    """``name`` if it is an IANA zone this machine knows, else a ValueError saying what to type."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)") from exc
    return name


def zone_of(name: str) -> ZoneInfo:
    """A stored zone name as a zone; UTC for one that vanished from tzdata, so a send never crashes."""
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone name at a point (``Etc/GMT±N`` at sea), or None where no zone can be told."""
    import tzfpy

    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    name = tzfpy.get_tz(longitude, latitude)
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone newer than our tzdata
        return None
    return name

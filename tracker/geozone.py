"""The time zone at a place, for a location shared in Telegram.

Looked up offline with tzfpy (a compiled polygon index of the timezone-boundary-builder data,
no dependencies), so a shared location never leaves the machine and needs no network.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzfpy


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone name at a point (``Etc/GMT±N`` at sea), or None where no zone can be told."""
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

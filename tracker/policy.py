"""Which changes deserve an alert, and when reminders fall due. Pure functions.

The global policy comes from ``[alerts]`` in the config; a subscriber may
override any key (stored with the subscriber, set with ``--set key=value``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from tracker.errors import UserError
from tracker.models import Change, ChangeKind, Precision, TimeSpec

DEFAULT_KINDS = frozenset(
    {
        ChangeKind.SLIP,
        ChangeKind.ADVANCE,
        ChangeKind.LOOSENED,
        ChangeKind.RETIMED,
        ChangeKind.FIRMED,
        ChangeKind.STATUS,
        ChangeKind.NEW,
    }
)
DEFAULT_STATUSES = frozenset(
    {"hold", "scrubbed", "in_flight", "success", "failure", "partial_failure", "cancelled"}
)
RESUMED_FROM = frozenset({"hold", "scrubbed"})  # "go" again after these is launch-night news

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|w)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "day": 86400, "w": 604800}


def parse_duration(text: str | float | int) -> timedelta:
    """``90m``, ``24h``, ``2d``, ``30s`` (a bare number is minutes)."""
    if isinstance(text, int | float):
        return timedelta(minutes=float(text))
    match = _DURATION.match(text)
    if not match:
        raise UserError(f"{text!r} is not a duration (use e.g. 30s, 15m, 24h, 2d)")
    amount, unit = float(match.group(1)), (match.group(2) or "m").lower()
    try:
        return timedelta(seconds=amount * _UNITS[unit])
    except OverflowError:
        raise UserError(f"{text!r} is longer than any duration the tracker can count") from None


@dataclass(frozen=True)
class AlertPolicy:
    kinds: frozenset[ChangeKind] = DEFAULT_KINDS
    statuses: frozenset[str] = DEFAULT_STATUSES
    firmed_precision: Precision = Precision.HOUR  # firmed alerts only at this precision or finer
    retime_min: timedelta = timedelta(minutes=15)  # a smaller retime is not worth a message ...
    retime_quiet: timedelta = timedelta(hours=24)  # ... while T-0 is further away than this
    coalesce: timedelta = timedelta(minutes=3)  # changes to one event this close become one alert
    imminent: timedelta = timedelta(hours=6)  # inside this of T-0 every alert goes at once
    reminders: tuple[timedelta, ...] = field(default=())
    digest: str = "off"  # "off" or the local time of the daily digest email, "HH:MM"

    def digest_time(self) -> time | None:
        if self.digest == "off":
            return None
        return time.fromisoformat(self.digest)

    def with_overrides(self, overrides: dict[str, Any]) -> AlertPolicy:
        """This policy with a subscriber's overrides; unknown keys or bad values are UserErrors."""
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            changes[key] = _convert(key, value)
        return replace(self, **changes)


def _convert(key: str, value: Any) -> Any:
    try:
        if key == "kinds":
            return frozenset(ChangeKind(v) for v in _as_list(value))
        if key == "statuses":
            return frozenset(str(v).lower() for v in _as_list(value))
        if key == "firmed_precision":
            return Precision[str(value).upper()]
        if key in ("retime_min", "retime_quiet", "coalesce", "imminent"):
            return parse_duration(value)
        if key == "reminders":
            return tuple(sorted((parse_duration(v) for v in _as_list(value)), reverse=True))
        if key == "digest":
            text = str(value).strip().lower()
            if text in ("off", "no", "false", "none", ""):
                return "off"
            return time.fromisoformat(text).strftime("%H:%M")
    except (ValueError, KeyError) as exc:
        raise UserError(f"alert setting {key}: bad value {value!r}") from exc
    known = ", ".join(f.name for f in AlertPolicy.__dataclass_fields__.values())
    raise UserError(f"unknown alert setting {key!r} (known: {known})")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    return list(value)


def parse_setting(text: str) -> tuple[str, Any]:
    """``key=value`` from the command line, checked against the policy's keys."""
    key, sep, value = text.partition("=")
    if not sep:
        raise UserError(f"{text!r}: use key=value, e.g. reminders=24h,1h")
    _convert(key.strip(), value.strip())
    return key.strip(), value.strip()


def worth_alert(change: Change, policy: AlertPolicy, observed_at: datetime) -> bool:
    """Whether ``change`` (seen at ``observed_at``) deserves an immediate alert."""
    if change.kind not in policy.kinds:
        return False
    if change.kind is ChangeKind.STATUS:
        if (
            change.new_status == "go"
            and "hold" in policy.statuses
            and (change.old_status in RESUMED_FROM or imminent(change.new_when, policy, observed_at))
        ):
            return True  # whoever hears of holds hears that the countdown resumed, or is on
        return change.new_status in policy.statuses
    if change.kind is ChangeKind.FIRMED:
        return change.new_when is not None and change.new_when.precision <= policy.firmed_precision
    if change.kind is ChangeKind.RETIMED:
        return _retime_matters(change.old_when, change.new_when, policy, observed_at)
    return True


def alert_due(change: Change, event_when: TimeSpec, policy: AlertPolicy, observed_at: datetime) -> datetime:
    """When the alert for ``change`` may go: at once for a status change (hold, scrub, go,
    liftoff, outcome) and for anything inside the imminent window before T-0 (a launch
    night cannot wait for coalescing); after the coalescing window for far-future churn,
    so that a burst of edits becomes one message."""
    if change.kind is ChangeKind.STATUS or any(
        imminent(when, policy, observed_at) for when in (change.old_when, change.new_when, event_when)
    ):
        return observed_at
    return observed_at + policy.coalesce


PAST_GRACE = timedelta(hours=24)  # an outcome is still news this long after the event's time


def long_past(when: TimeSpec, now: datetime) -> bool:
    """The event's time ended more than ``PAST_GRACE`` before ``now``: an alert about it is
    history, not news (a replay of old recordings into a live database)."""
    return when.latest is not None and when.latest + PAST_GRACE < now


def imminent(when: TimeSpec | None, policy: AlertPolicy, now: datetime) -> bool:
    """T-0 is known to the hour or better and lies within ``policy.imminent`` of ``now``
    (or has just passed: a launch night runs on after T-0)."""
    if when is None or when.t0 is None or when.precision > Precision.HOUR:
        return False
    return -policy.imminent <= when.t0 - now <= policy.imminent


def _retime_matters(old: TimeSpec | None, new: TimeSpec | None, policy: AlertPolicy, now: datetime) -> bool:
    if old is None or new is None or old.t0 is None or new.t0 is None:
        return True
    if abs(new.t0 - old.t0) >= policy.retime_min:
        return True
    return new.t0 - now <= policy.retime_quiet


def reminder_due(lead: timedelta, when: TimeSpec, now: datetime) -> bool:
    """A reminder ``lead`` before T-0 is due now: the value is precise to the hour or
    better, its time has come, and it is not stale (a quarter of the lead, at most 6 h)."""
    if when.t0 is None or when.precision > Precision.HOUR:
        return False
    fire_at = when.t0 - lead
    grace = min(lead / 4, timedelta(hours=6))
    return fire_at <= now < min(fire_at + grace, when.t0)

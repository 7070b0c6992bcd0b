"""Texts the bot answers with: Telegram HTML, every value from a source escaped.

Pure functions over domain objects, so that they are easy to test and the
handlers stay about conversation only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from tracker.changes import slip_summary, timeline
from tracker.display import age_text, counted, instant_text, when_text
from tracker.follows import describe
from tracker.models import ChangeRecord, EventRecord, RevisionRecord, SourceHealth, Subscriber
from tracker.notify.render import WORDS, change_text, esc_html, slip_text
from tracker.status import status_label

HELP = """<b>Launch tracker</b>: alerts when a launch or an event you follow moves, with its whole history.

/follow <i>filter</i> — follow events: <code>Falcon 9</code>, <code>vehicle:Electron</code>, \
<code>provider:SpaceX</code>, <code>site:Baikonur</code>, <code>kind:static fire</code>, <code>all</code>
/unfollow — stop following (buttons), or /unfollow <i>id</i>
/following — what you follow, your time zone and settings
/next [N] — the next events you follow
/upcoming [filter] — everything coming, optionally filtered
/history <i>event</i> — every date an event had, its slips and total delay, and its slip chart
/changes [hours] — what moved recently (default 24)
/timezone <i>Area/City</i> — e.g. <code>/timezone Europe/Paris</code> or share a location
/digest on|off|HH:MM — a daily summary at that local time
/mute <i>event</i>, /unmute — silence one event
/stop — forget this chat"""


def esc(text: object) -> str:
    return esc_html(str(text))


def event_line(event: EventRecord, zone: tzinfo) -> str:
    status = f" · {esc(status_label(event.status))}" if event.status else ""
    return f"• <b>{esc(event.title)}</b>\n  {esc(when_text(event.when, zone))}{status} · #{event.id}"


def event_list(events: Sequence[EventRecord], zone: tzinfo, title: str) -> str:
    return "\n".join([f"<b>{esc(title)}</b>", *(event_line(e, zone) for e in events)])


def following(sub: Subscriber, muted: Sequence[EventRecord]) -> str:
    out = [
        f"<b>Time zone:</b> {esc(sub.timezone)}",
        f"<b>Daily digest:</b> {esc(sub.policy.get('digest', 'off'))}",
    ]
    if sub.follows:
        out.append("<b>You follow:</b>")
        out += [f"#{f.id}: {esc(describe(f.criteria))}" for f in sub.follows]
    else:
        out.append("You follow nothing yet: try /follow Falcon 9")
    if muted:
        out.append("<b>Muted:</b>")
        out += [f"#{e.id}: {esc(e.title)}" for e in muted]
    return "\n".join(out)


def history(event: EventRecord, revisions: Sequence[RevisionRecord], changes: Sequence[ChangeRecord],
            zone: tzinfo, limit: int = 30) -> str:  # fmt: skip
    """The timeline: each distinct value with when it was seen, then the slip count and total move."""
    status = f" · {esc(status_label(event.status))}" if event.status else ""
    out = [f"<b>{esc(event.title)}</b> (#{event.id})", f"Now: {esc(when_text(event.when, zone))}{status}"]
    steps: list[str] = []
    last = None
    for step in timeline(revisions, changes):
        at = esc(instant_text(step.observed_at, zone))
        if step.when is None:
            steps.append(f"{at}: left the {esc(step.source)} list (not a cancellation)")
            last = None
            continue
        value = (when_text(step.when, zone), step.status, step.decided)
        if value == last:
            continue
        last = value
        said = value[0] + (f" · {status_label(step.status)}" if step.status else "")
        whose = esc(step.source) + ("" if step.decided else ", disagrees with the decided value")
        steps.append(f"{at}: {esc(said)} ({whose})")
    if len(steps) > limit:
        out.append(f"… {len(steps) - limit} earlier values")
        steps = steps[-limit:]
    out += steps
    if not revisions:
        out.append("No recorded values yet.")
        return "\n".join(out)
    if summary := slip_text(*slip_summary(changes)):
        out.append(f"<b>{esc(summary[:1].upper() + summary[1:])}</b>")
    return "\n".join(out)


def change_line(change: ChangeRecord, zone: tzinfo) -> str:
    detail = change_text(change, zone)
    return (f"• {esc(instant_text(change.observed_at, zone))} <b>{esc(change.title)}</b> (#{change.event_id})\n"
            f"  {esc(WORDS[change.kind])}: {esc(detail)}")  # fmt: skip


def sources(health: Sequence[SourceHealth], now: datetime) -> str:
    if not health:
        return "No source has run yet."
    out = ["<b>Sources</b>"]
    for h in health:
        state = "ok" if h.failures_in_row == 0 else f"{counted(h.failures_in_row, 'failure')} in a row"
        error = f"\n  last error: {esc(h.last_error)}" if h.failures_in_row and h.last_error else ""
        out.append(f"• <b>{esc(h.name)}</b> ({esc(h.kind)}): {esc(h.last_outcome or 'never run')}, {esc(state)}; "
                   f"data {esc(age_text(h.last_ok_at, now))}, {counted(h.events, 'event')}{error}")  # fmt: skip
    return "\n".join(out)


def stats(subs: Sequence[Subscriber], counts: dict[str, int], oldest: datetime | None, now: datetime) -> str:
    active = sum(1 for s in subs if s.active)
    chats = sum(1 for s in subs for c in s.channels if c.kind == "telegram" and c.active)
    box = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty"
    return "\n".join([
        "<b>Stats</b>",
        f"Subscribers: {len(subs)} ({active} active), Telegram chats: {chats}",
        f"Outbox: {esc(box)}",
        f"Oldest pending: {esc(age_text(oldest, now)) if oldest else 'none'}",
    ])  # fmt: skip


def chunks(text: str, limit: int = 4000) -> list[str]:
    """Split an answer between lines (each line closes its own tags)."""
    parts: list[str] = []
    for line in text.split("\n"):
        if parts and len(parts[-1]) + 1 + len(line) <= limit:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return parts

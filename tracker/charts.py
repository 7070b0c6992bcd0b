"""The slip chart: when an event was scheduled for (up), as it was known over time (across).

A flat line is a firm date; every step up is a slip; the shaded band is the precision of
the value (a whole month for "NET March", an hour's window on a launch night); the dashed
diagonal is "today", so the line meets it when the event happens. This is the picture
journalists draw by hand from old schedules; here it comes from the stored revisions.

matplotlib is the optional ``[charts]`` extra, imported only when a chart is drawn
(``tracker upcoming`` never loads it; without it, drawing raises ChartsUnavailable, which
names the extra), with its object-oriented API and the Agg canvas: no display, no global
pyplot state, safe from the bot's worker threads.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from tracker.changes import Value, classify_time, decided_values, slip_summary, timeline
from tracker.display import plain
from tracker.errors import UserError
from tracker.models import ChangeKind, ChangeRecord, EventRecord, Precision, RevisionRecord, TimeSpec

_SLIP, _LINE, _BAND, _TODAY = "#c62828", "#1a237e", "#9fa8da", "#9e9e9e"
CHARTS_EXTRA = "slip charts need the [charts] extra: pip install 'launch-tracker[charts]'"


class ChartsUnavailable(UserError):
    """matplotlib (the optional ``[charts]`` extra) is not installed."""


def steps(revisions: list[RevisionRecord], changes: Sequence[ChangeRecord] = ()) -> list[Value]:
    """The values the chart draws as its line: those that set the event, repeats skipped."""
    return decided_values(timeline(revisions, changes))


def _draw_values(ax: Any, points: list[Value], xs: list[datetime]) -> None:
    """Each value as its precision band, and as a line where it is a date (day or finer):
    a coarser value ("NET 2022") is only its band, since a line at its first instant would
    read as a date nobody gave."""
    for point, x1 in zip(points, xs[1:], strict=True):
        when = point.when
        assert when.earliest is not None and when.latest is not None
        ax.fill_between(
            [point.observed_at, x1], when.earliest, when.latest, color=_BAND, alpha=0.35, linewidth=0
        )
    fine = [p.when.precision <= Precision.DAY for p in points]
    ys = [_t0(p.when) for p in points]
    for i, point in enumerate(points):
        if fine[i]:
            ax.plot([point.observed_at, xs[i + 1]], [ys[i], ys[i]], color=_LINE, linewidth=2)
        if i and fine[i] and fine[i - 1]:
            ax.plot([point.observed_at] * 2, [ys[i - 1], ys[i]], color=_LINE, linewidth=2)


def _t0(when: TimeSpec) -> datetime:
    value = when.t0 or when.earliest
    assert value is not None
    return value


def slip_chart(
    title: str,
    revisions: list[RevisionRecord],
    zone: tzinfo,
    now: datetime,
    summary: str = "",
    changes: Sequence[ChangeRecord] = (),
) -> bytes | None:
    """A PNG of the event's timeline (``tracker.changes.timeline``), or None when it never had
    two known values. The line is the event's value; what less trusted sources said otherwise
    is marked apart. ``summary`` (e.g. "4th slip, +12 d in total so far") is printed top right."""
    try:  # first: without the extra, say so whatever the event
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartsUnavailable(CHARTS_EXTRA) from None
    story = timeline(revisions, changes)
    points = decided_values(story)
    if len(points) < 2:
        return None

    fig = Figure(figsize=(8, 4.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    # Any: matplotlib plots datetimes through its units, which its stubs do not type.
    ax: Any = fig.add_subplot()
    # Up to now, or, for an event whose time has come, up to that time (where it meets "today").
    last = points[-1]
    assert last.when.latest is not None
    end = max(last.observed_at + timedelta(hours=1), min(now, last.when.latest))
    xs = [p.observed_at for p in points] + [end]
    _draw_values(ax, points, xs)
    slipped = [(points[i].observed_at, _t0(points[i].when)) for i in range(1, len(points))
               if classify_time(points[i - 1].when, points[i].when) is ChangeKind.SLIP]  # fmt: skip
    if slipped:
        ax.scatter(*zip(*slipped, strict=True), color=_SLIP, zorder=3, s=28, label=f"slips ({len(slipped)})")
    others = [
        (s.observed_at, _t0(s.when)) for s in story if not s.decided and s.when is not None and s.when.known
    ]
    if others:
        ax.scatter(*zip(*others, strict=True), color=_TODAY, marker="x", zorder=3, s=24,
                   label=f"other sources ({len(others)})")  # fmt: skip
    if slipped or others:
        ax.legend(loc="best", frameon=False)
    ylim = ax.get_ylim()  # the diagonal must not stretch the axis: far from T-0 it would squash the steps
    ax.plot([xs[0], end], [xs[0], end], linestyle="--", color=_TODAY, linewidth=1)  # "today"
    ax.set_ylim(ylim)
    ax.set_xlim(xs[0], end)
    for axis in (ax.xaxis, ax.yaxis):
        locator = AutoDateLocator(tz=zone)  # type: ignore[no-untyped-call]
        axis.set_major_locator(locator)
        axis.set_major_formatter(ConciseDateFormatter(locator, tz=zone))  # type: ignore[no-untyped-call]
    ax.grid(True, color="#eeeeee")
    ax.set_xlabel("when it was known")
    ax.set_ylabel(f"scheduled for ({getattr(zone, 'key', None) or zone.tzname(now) or 'UTC'})")
    ax.set_title(_short(plain(title)), loc="left", fontsize=12, parse_math=False)
    if summary:
        ax.set_title(summary, loc="right", fontsize=9, color="#555555", parse_math=False)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph missing from the font draws as a box: no need to warn
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def event_chart(
    event: EventRecord,
    revisions: list[RevisionRecord],
    changes: list[ChangeRecord],
    zone: tzinfo,
    now: datetime,
) -> bytes | None:
    """The slip chart of an event from its stored timeline, with its slip count and total delay."""
    from tracker.notify.render import slip_text

    summary = slip_text(*slip_summary(changes))
    return slip_chart(event.title, revisions, zone, now, summary[:1].upper() + summary[1:], changes)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Bounded reads for the web view, on SQLite and PostgreSQL: filters mean what follows mean,
limits and offsets hold, newest changes first, and the inputs of the calendar and statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import apply, snap
from tracker.follows import parse_filter
from tracker.models import ChangeKind, EventKind, Precision
from tracker.timespec import span

T = datetime(2026, 3, 1, tzinfo=UTC)


def day(n: int) -> object:
    return span(T + timedelta(days=n), Precision.DAY)


def fill(store) -> None:
    items = [
        snap("a", day(5), title="Soyuz-5 rollout", vehicle="Soyuz-5", site="Байконур"),
        snap("b", day(3), title="Falcon 9 | Starlink 10-1", kind=EventKind.LAUNCH, type_="launch",
             vehicle="Falcon 9", site="SLC-40"),
        snap("c", day(4), title="Falcon 9 | Starlink 10-10", kind=EventKind.LAUNCH, type_="launch",
             vehicle="Falcon 9", site="SLC-40"),
        snap("d", span(T + timedelta(days=60), Precision.MONTH), title="Falcon Heavy | X", kind=EventKind.LAUNCH,
             type_="launch", vehicle="Falcon Heavy", site="LC-39A"),
    ]  # fmt: skip
    apply(store, items, T)
    items[0] = snap("a", day(7), title="Soyuz-5 rollout", vehicle="Soyuz-5", site="Байконур")
    items[1] = snap("b", span(T + timedelta(days=3, hours=10), Precision.MINUTE), title="Falcon 9 | Starlink 10-1",
                    kind=EventKind.LAUNCH, type_="launch", vehicle="Falcon 9", site="SLC-40")  # fmt: skip
    apply(store, items, T + timedelta(hours=1))
    items[0] = snap("a", day(9), title="Soyuz-5 rollout", vehicle="Soyuz-5", site="Байконур")
    apply(store, items, T + timedelta(hours=2))


def titles(events) -> list[str]:
    return [e.title for e in events]


def test_filters_mean_what_follows_mean(store):
    fill(store)
    browse = store.browse
    everything = browse.events([{"all": "yes"}], after=T, limit=10)
    assert titles(everything) == ["Falcon 9 | Starlink 10-1", "Falcon 9 | Starlink 10-10", "Soyuz-5 rollout",
                                  "Falcon Heavy | X"]  # fmt: skip
    assert (
        titles(browse.events([parse_filter(["vehicle:Falcon", "9"])], after=T, limit=10))
        == titles(everything)[:2]
    )
    assert titles(browse.events([parse_filter(["10-1"])], after=T, limit=10)) == ["Falcon 9 | Starlink 10-1"]
    assert titles(browse.events([parse_filter(["site:байконур"])], after=T, limit=10)) == ["Soyuz-5 rollout"]
    assert titles(browse.events([parse_filter(["kind:rollout"])], after=T, limit=10)) == ["Soyuz-5 rollout"]
    both = browse.events(
        [parse_filter(["kind:rollout"]), parse_filter(["vehicle:Falcon Heavy"])], after=T, limit=10
    )
    assert titles(both) == ["Soyuz-5 rollout", "Falcon Heavy | X"]
    assert titles(browse.events([{"all": "yes"}], after=T, limit=2, offset=1)) == titles(everything)[1:3]
    muted = frozenset({everything[0].id})
    assert titles(browse.events([{"all": "yes"}], after=T, limit=1, muted=muted)) == [
        "Falcon 9 | Starlink 10-10"
    ]
    assert (
        browse.events([{"all": "yes"}], after=T + timedelta(days=8), limit=10)[0].title == "Soyuz-5 rollout"
    )


def test_changes_newest_first_within_bounds(store):
    fill(store)
    browse = store.browse
    found = browse.changes([{"all": "yes"}], limit=10)
    assert [c.observed_at for c in found] == sorted((c.observed_at for c in found), reverse=True)
    assert {c.kind for c in found} == {ChangeKind.SLIP, ChangeKind.FIRMED}
    until = browse.changes([{"all": "yes"}], limit=10, until=T + timedelta(hours=1))
    assert all(c.observed_at <= T + timedelta(hours=1) for c in until) and len(until) == 2
    [latest] = browse.changes([parse_filter(["vehicle:Soyuz-5"])], limit=1)
    assert latest.observed_at == T + timedelta(hours=2) and latest.kind is ChangeKind.SLIP
    slips = browse.changes([{"all": "yes"}], limit=10, kinds={ChangeKind.SLIP})
    assert [c.title for c in slips] == ["Soyuz-5 rollout", "Soyuz-5 rollout"]
    newest, at = browse.last_change()
    assert newest == max(c.id for c in found) and at == T + timedelta(hours=2)


def test_calendar_and_statistics_inputs(store):
    fill(store)
    browse = store.browse
    ids = {e.title: e.id for e in browse.events([{"all": "yes"}], after=T, limit=10)}
    moves = browse.moves(list(ids.values()))
    assert moves == {ids["Soyuz-5 rollout"]: 2, ids["Falcon 9 | Starlink 10-1"]: 1}
    facts = {f.title: f for f in browse.stats_facts()}
    assert [c.kind for c in facts["Soyuz-5 rollout"].changes] == [ChangeKind.SLIP, ChangeKind.SLIP]
    assert facts["Soyuz-5 rollout"].first_day_precise.earliest == T + timedelta(days=5)
    assert facts["Falcon Heavy | X"].first_day_precise is None  # only ever a month
    assert set(facts) == set(ids)
    assert {f.title for f in browse.stats_facts(since=T + timedelta(days=8))} == {
        "Soyuz-5 rollout",
        "Falcon Heavy | X",
    }

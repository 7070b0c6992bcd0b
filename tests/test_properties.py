"""Properties, with hypothesis: the time parser and the change detector on inputs nobody
wrote by hand.

- The parser accepts any text or refuses it with ValueError (never another exception),
  and what it accepts is a sane interval: earliest <= t0 <= latest.
- A written calendar day ("March 5, 2027") is read as an interval that contains it.
- Replaying a snapshot twice yields no change; detection is symmetric in what it sees.
- The order of a document's items does not matter: two stores fed the same items in
  different orders record the same changes.
"""

from __future__ import annotations

import calendar
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import apply, snap
from tracker.changes import detect
from tracker.models import EventKind, Precision, TimeSpec
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.timetext import parse_text

REFERENCE = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
PRECISIONS = [p for p in Precision if p is not Precision.UNKNOWN]

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, second=0, microsecond=0)
)
specs = st.one_of(
    st.builds(lambda t, p, net: span(t, p, net=net), instants, st.sampled_from(PRECISIONS), st.booleans()),
    st.booleans().map(TimeSpec.unknown),
)
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


def snapshots(ref: str) -> st.SearchStrategy:
    return st.builds(
        lambda when, status, title, vehicle: snap(
            ref, when, status, title or ref, kind=EventKind.LAUNCH, type_="launch", vehicle=vehicle
        ),
        specs,
        st.sampled_from([None, "go", "tbd", "hold", "scrubbed", "success"]),
        words,
        st.one_of(st.none(), words),
    )


@given(st.text(max_size=80))
@settings(max_examples=200, deadline=None)
def test_the_parser_reads_any_text_or_refuses_it_plainly(text):
    try:
        spec = parse_text(text, REFERENCE)
    except ValueError:
        return
    if spec.known:
        assert spec.earliest is not None and spec.latest is not None and spec.t0 is not None
        assert spec.earliest <= spec.t0 <= spec.latest


@given(st.dates(min_value=datetime(2001, 1, 1).date(), max_value=datetime(2098, 12, 31).date()),
       st.sampled_from(["{month} {day}, {year}", "{day} {month} {year}", "{month} {day} {year}"]))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_a_written_day_is_read_as_an_interval_containing_it(day, form):
    text = form.format(month=calendar.month_name[day.month], day=day.day, year=day.year)
    spec = parse_text(text, REFERENCE)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert spec.known and spec.precision is Precision.DAY, text
    assert spec.earliest is not None and spec.latest is not None
    assert spec.earliest <= start and start + timedelta(days=1) <= spec.latest + timedelta(seconds=1), text


@given(snapshots("a"))
@settings(max_examples=150, deadline=None)
def test_the_same_snapshot_twice_is_no_change(s):
    assert detect(s, s) == []


@given(snapshots("a"), snapshots("a"))
@settings(max_examples=150, deadline=None)
def test_a_change_and_its_undoing_are_both_seen_or_neither(old, new):
    assert bool(detect(old, new)) == bool(detect(new, old))


_TEMPLATE: list[Path] = []


def _migrated(factory: pytest.TempPathFactory) -> Path:
    if not _TEMPLATE:
        path = factory.mktemp("template") / "db.sqlite"
        Store.open(f"sqlite:///{path}").close()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


@given(st.lists(st.tuples(specs, specs), min_size=2, max_size=6), st.randoms(use_true_random=False))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_order_of_items_does_not_matter(tmp_path_factory, pairs, rng):
    def items(index: int) -> list:
        return [snap(f"e{n}", pair[index], "go", f"Launch {n}", kind=EventKind.LAUNCH, type_="launch")
                for n, pair in enumerate(pairs)]  # fmt: skip

    template = _migrated(tmp_path_factory)
    results = []
    for shuffle in (False, True):
        path = tmp_path_factory.mktemp("order") / "db.sqlite"
        shutil.copy(template, path)  # a migrated empty database: no migrations per example
        store = Store.open(f"sqlite:///{path}")
        try:
            for step, index in enumerate((0, 1)):
                batch = items(index)
                if shuffle:
                    rng.shuffle(batch)
                apply(store, batch, REFERENCE + timedelta(hours=step))
            results.append(
                sorted((c.title, c.kind.value, str(c.old_when), str(c.new_when)) for c in store.changes())
            )
        finally:
            store.close()
    assert results[0] == results[1]

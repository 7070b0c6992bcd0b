"""Retention on SQLite and PostgreSQL: old fetch runs that recorded nothing and old
delivered alerts go; the history, what health needs and what threading needs stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select, update

from tests.helpers import T0, apply, snap
from tracker.cli import main as cli
from tracker.dispatch import Dispatcher
from tracker.follows import parse_filter
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify.console import ConsoleChannel
from tracker.store.repo import Store
from tracker.store.tables import ChangeRow, DeliveryRow, FetchRunRow, RevisionRow
from tracker.timespec import span

DAY = timedelta(days=1)


def _count(store: Store, table: type) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_old_empty_runs_go_and_history_health_and_recent_runs_stay(store):
    start = T0 - 200 * DAY
    apply(store, [snap()], start)  # baseline: a revision points at this run
    for n in range(1, 150):  # a poll a day that finds nothing new
        apply(store, [snap()], start + n * DAY)
    apply(store, [snap(when=span(T0 + 2 * DAY, Precision.DAY))], start + 150 * DAY)  # a slip
    for n in range(151, 195):
        apply(store, [snap()], start + n * DAY)
    history = (_count(store, RevisionRow), _count(store, ChangeRow))
    health = store.sources()[0]

    pruned = store.prune(start + 195 * DAY, runs_days=90, deliveries_days=90)

    # runs older than 90 days that recorded nothing: days 1..104, less the one that saw the slip
    assert pruned.fetch_runs == 104
    assert (_count(store, RevisionRow), _count(store, ChangeRow)) == history
    after = store.sources()[0]
    assert (after.last_ok_at, after.failures_in_row, after.last_outcome) == (
        health.last_ok_at, health.failures_in_row, health.last_outcome
    )  # fmt: skip
    assert after.runs == health.runs - 104
    again = store.prune(start + 195 * DAY, runs_days=90, deliveries_days=90)
    assert again.fetch_runs == 0


def test_a_source_failing_for_months_keeps_its_failures(store):
    from tracker.models import FetchOutcome

    start = T0 - 200 * DAY
    apply(store, [snap()], start)
    for n in range(1, 150):
        with store.source_run("fake", "fake", "", start + n * DAY) as run:
            run.finish(FetchOutcome.HTTP_ERROR, error="503")
    before = store.sources()[0].failures_in_row
    assert store.prune(start + 150 * DAY, runs_days=30, deliveries_days=30).fetch_runs == 0
    assert store.sources()[0].failures_in_row == before == 149


def test_zero_days_keeps_everything(store):
    for n in range(5):
        apply(store, [snap()], T0 - (400 - n) * DAY)
    assert store.prune(T0, runs_days=0, deliveries_days=0).fetch_runs == 0
    assert _count(store, FetchRunRow) == 5


def _launches(t0: datetime, shifts: list[int]) -> list:
    return [snap(f"l{n}", span(t0 + timedelta(hours=n, days=d), Precision.MINUTE), title=f"Launch {n}",
                 kind=EventKind.LAUNCH, type_="launch") for n, d in enumerate(shifts)]  # fmt: skip


def test_delivered_alerts_go_but_the_newest_per_event_and_unfinished_ones_stay(store, tmp_path: Path):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    t0 = now + 30 * DAY
    store.subscriptions.add("watcher", "UTC", [(ChannelKind.CONSOLE, str(tmp_path / "alerts.txt"))], {})
    store.subscriptions.follow("watcher", parse_filter(["all"]))
    apply(store, _launches(t0, [0, 0, 0]), now - timedelta(hours=3))
    apply(store, _launches(t0, [1, 1, 1]), now - timedelta(hours=2))  # three slips: three alerts
    apply(store, _launches(t0, [2, 1, 1]), now - timedelta(hours=1))  # launch 0 slips again
    dispatcher = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()})
    assert dispatcher.run_once(limit=100).sent == 4
    with store._session() as s:  # age the queue by hand
        s.execute(update(DeliveryRow).values(due_at=now - 200 * DAY))
        last = s.scalar(select(func.max(DeliveryRow.id)))
        s.execute(update(DeliveryRow).where(DeliveryRow.id == last).values(state="dead"))

    pruned = store.prune(now, runs_days=0, deliveries_days=90)

    # launch 0's newer alert is dead (kept for `outbox retry`), so its first is still the
    # newest sent one and stays; launches 1 and 2 keep their only alert
    with store._session() as s:
        states = sorted(s.scalars(select(DeliveryRow.state)))
    assert pruned.deliveries == 0 and states == ["dead", "sent", "sent", "sent"]
    with store._session() as s:
        s.execute(update(DeliveryRow).where(DeliveryRow.id == last).values(state="sent"))
    pruned = store.prune(now, runs_days=0, deliveries_days=90)
    assert pruned.deliveries == 1  # launch 0's first alert: its newer one is what threads now
    assert _count(store, DeliveryRow) == 3


def test_db_stats_and_prune_commands(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store.open(url)
    for n in range(4):
        apply(store, [snap()], T0 - (300 - n) * DAY)
    store.close()
    runner = CliRunner()
    stats = runner.invoke(cli, ["--database", url, "db", "stats"])
    assert stats.exit_code == 0, stats.output
    assert any(line.split()[:2] == ["fetch_runs", "4"] for line in stats.output.splitlines()), stats.output
    dry = runner.invoke(cli, ["--database", url, "db", "prune", "--dry-run"])
    assert dry.exit_code == 0 and "would have pruned 2 fetch runs" in dry.output, dry.output
    done = runner.invoke(cli, ["--database", url, "db", "prune"])
    assert done.exit_code == 0 and "pruned 2 fetch runs" in done.output, done.output
    stats = runner.invoke(cli, ["--database", url, "db", "stats"])
    assert any(line.split()[:2] == ["fetch_runs", "2"] for line in stats.output.splitlines()), stats.output

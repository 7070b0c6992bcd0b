"""One wording of a change: the alert channels, the digest, the bot and `tracker changes`
all say what a change did with `tracker.notify.render.change_text`, and its slip count and
total delay with `slip_text`."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tracker.bot.views import change_line, history
from tracker.cli import main
from tracker.cli.demo import write_sample
from tracker.models import (
    ChangeKind,
    ChangeRecord,
    EventKind,
    EventRecord,
    EventSnapshot,
    Precision,
    RevisionRecord,
)
from tracker.notify.digest import Digest, MovedEvent, moved_line, render_digest
from tracker.notify.render import Alert, change_text, render_html, render_text, slip_text
from tracker.timespec import span

SEEN = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")
DAY24, DAY26 = (
    span(datetime(2027, 3, 24, tzinfo=UTC), Precision.DAY),
    span(datetime(2027, 3, 26, tzinfo=UTC), Precision.DAY),
)
TITLE = "Soyuz-5 rollout <to> the pad & more"
EVENT = EventRecord(
    1, EventKind.EVENT, "rollout", TITLE, DAY26, "go", "RKK Progress", "Soyuz-5", None, "Baikonur", True, SEEN
)


def change(kind: ChangeKind, old=None, new=None, old_status=None, new_status=None) -> ChangeRecord:
    return ChangeRecord(1, 1, TITLE, kind, SEEN, "ll2-events", "9001", old, new, old_status, new_status)


CHANGES = {
    "slip": change(ChangeKind.SLIP, DAY24, DAY26),
    "firmed": change(
        ChangeKind.FIRMED, span(datetime(2027, 3, 1, tzinfo=UTC), Precision.MONTH, net=True), DAY26
    ),
    "status": change(ChangeKind.STATUS, DAY26, DAY26, "go", "hold"),
    "new": change(ChangeKind.NEW, None, DAY26),
    "dropped": change(ChangeKind.DROPPED, DAY26, None),
}


def test_each_kind_has_one_phrase():
    words = {name: change_text(c, MSK) for name, c in CHANGES.items()}
    assert words["slip"] == "2027-03-24 (time TBD) → 2027-03-26 (time TBD) (+2 d)"
    assert words["status"].count(" → ") == 1 and words["new"] == "2027-03-26 (time TBD)"
    assert words["dropped"].startswith("left the ll2-events list (not necessarily cancelled; was 2027-03-26")
    assert slip_text(3, timedelta(days=12)) == "3rd slip, +12 d in total so far"
    assert slip_text(0, timedelta(days=-2)) == "moved -2 d in total so far"
    assert slip_text(0, None) == ""


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_bot_and_the_digest_word_it_the_same(name):
    c = CHANGES[name]
    phrase = change_text(c, MSK)
    assert html.escape(phrase, quote=False) in change_line(c, MSK)
    assert moved_line(c, MSK).text == phrase


@pytest.mark.parametrize("name", ["status", "dropped"])
def test_alerts_carry_the_same_phrase_on_every_channel(name):
    c = CHANGES[name]
    phrase = change_text(c, MSK)
    alert = Alert((1,), "change", EVENT, (c,), MSK, slips=2, total_delay=timedelta(days=5))
    text, page = render_text(alert), html.unescape(render_html(alert))
    for body in (text, page):
        assert phrase[1:] in body  # the alert capitalises the phrase that opens a line
        assert "2nd slip, +5 d in total so far" in body


def test_a_time_change_alert_shows_the_same_values_and_amount():
    c = CHANGES["slip"]
    alert = Alert((1,), "change", EVENT, (c,), MSK)
    text = render_text(alert)
    assert text.startswith("Delayed +2 d:") and "2027-03-24 (time TBD) → 2027-03-26 (time TBD)" in text


def test_the_bot_history_and_the_digest_share_the_slip_phrase():
    snap = EventSnapshot("9001", EventKind.EVENT, TITLE, DAY26)
    revisions = [RevisionRecord(1, SEEN, "ll2-events", "9001", snap, False)]
    slips = [change(ChangeKind.SLIP, DAY24, DAY26), change(ChangeKind.SLIP, DAY24, DAY26)]
    assert "2nd slip, +4 d in total so far" in history(EVENT, revisions, slips, MSK)
    digest = Digest(
        "ana",
        "UTC",
        SEEN,
        SEEN,
        "Saturday",
        [MovedEvent(EVENT, "x", "", [moved_line(slips[-1], MSK)], slip_text(2, timedelta(days=4)), None)],
        [],
        0,
        [],
    )
    assert "2nd slip, +4 d in total so far" in render_digest(digest).text


def test_tracker_changes_prints_the_phrase(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")
    write_sample(tmp_path / "sample", datetime(2026, 11, 25, 12, tzinfo=UTC))
    runner = CliRunner()
    assert runner.invoke(main, ["replay", "ll2-events", str(tmp_path / "sample" / "events")]).exit_code == 0
    out = runner.invoke(main, ["changes"]).output

    (slip,) = json.loads(runner.invoke(main, ["changes", "--json", "--kind", "slip"]).output)
    assert "2027-03-24 (time TBD) → 2027-03-26 (time TBD) (+2 d)" in out and slip["change"] == "slip"

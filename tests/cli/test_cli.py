"""The CLI end to end on the demo sample and on bad input: clear errors, no tracebacks,
the documented JSON contract, honest precision in the reader's time zone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from tests.helpers import ROOT, apply, launch, page, snap
from tracker.cli import main
from tracker.cli.demo import write_sample
from tracker.models import Precision
from tracker.store.repo import Store
from tracker.timespec import span

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CONTRACT = {
    "id", "event_id", "title", "change", "old_start", "old_end", "old_precision", "old_net", "old_t0",
    "new_start", "new_end", "new_precision", "new_net", "new_t0", "old_status", "new_status",
    "delay_seconds", "source", "source_ref", "observed_at",
}  # fmt: skip


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.delenv("TRACKER_TIMEZONE", raising=False)
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")

    def invoke(*args: str):
        result = CliRunner().invoke(main, list(args))
        assert "Traceback" not in result.output
        return result

    return invoke


@pytest.fixture
def demo(tmp_path, cli):
    write_sample(tmp_path / "sample", NOW)
    assert cli("replay", "ll2-events", str(tmp_path / "sample" / "events")).exit_code == 0
    assert cli("replay", "ll2-launches", str(tmp_path / "sample" / "launches")).exit_code == 0
    return cli


def test_demo_sample_reports_the_soyuz5_rollout_slip(demo):
    text = demo("changes").output
    assert "SLIP" in text and "Soyuz-5 rollout to the launch pad" in text
    assert "2027-03-24 (time TBD) → 2027-03-26 (time TBD) (+2 d)" in text
    found = json.loads(demo("changes", "--json", "--kind", "slip").output)
    (slip,) = found
    assert set(slip) == CONTRACT
    assert slip["old_start"] == "2027-03-24T00:00:00Z" and slip["new_start"] == "2027-03-26T00:00:00Z"
    assert slip["old_precision"] == slip["new_precision"] == "day"
    assert slip["delay_seconds"] == 2 * 86400
    assert slip["source"] == "ll2-events" and slip["source_ref"] == "9001"
    assert slip["observed_at"] == "2026-11-24T12:00:00Z"


def test_upcoming_is_honest_about_precision_and_zone(demo):
    out = demo("--tz", "Europe/Paris", "upcoming").output.splitlines()
    assert "2027-03-10 17:05 CET" in out[0] and "Starlink Group 10-40" in out[0]
    assert "2027-03-26 (time TBD)" in out[1]  # a day is the source's day, not shifted by the zone
    events = json.loads(demo("upcoming", "--json", "--kind", "event").output)
    assert [e["title"] for e in events] == ["Soyuz-5 rollout to the launch pad"]
    assert events[0]["precision"] == "day" and events[0]["type"] == "rollout"


def test_history_by_words_and_json(demo):
    text = demo("history", "Soyuz-5", "rollout").output
    assert "slips: 1, total delay so far: +2 d" in text
    doc = json.loads(demo("history", "Maiden", "flight", "--json").output)
    assert doc["precision"] == "minute" and doc["slips"] == 0
    assert [r["precision"] for r in doc["revisions"]] == ["month", "minute"]
    assert [c["change"] for c in doc["changes"]] == ["firmed"]


def test_history_draws_the_slip_chart(demo, tmp_path):
    chart = tmp_path / "rollout.png"
    result = demo("history", "Soyuz-5", "rollout", "--chart", str(chart))
    assert result.exit_code == 0 and "slips: 1" in result.output
    png = chart.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") >= 600  # width in pixels
    store = Store.open(f"sqlite:///{tmp_path / 'cli.db'}")
    apply(
        store,
        [snap("lonely", span(datetime(2027, 5, 1, tzinfo=UTC), Precision.DAY), title="Lonely launch")],
        NOW,
    )
    store.close()
    never = demo("history", "Lonely", "--chart", str(tmp_path / "lonely.png"))
    assert never.exit_code == 2 and "fewer than two known dates" in never.output
    assert not (tmp_path / "lonely.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "No such command"),
        (["history", "no such launch"], "no event matches 'no such launch'"),
        (["history", "999"], "no event #999"),
        (["changes", "--since", "yesterday-ish"], "use 24h, 7d, 2w or an ISO date"),
        (["changes", "--kind", "exploded"], "unknown change kind"),
        (["--tz", "Mars/Olympus", "upcoming"], "unknown time zone 'Mars/Olympus'"),
        (["replay", "nowhere", "x.json"], "no source named 'nowhere'"),
        (["upcoming", "--days", "0"], "Invalid value for '--days'"),
    ],
)
def test_user_mistakes_get_a_clear_error(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_replay_accepts_relative_paths(cli, tmp_path, monkeypatch):
    write_sample(tmp_path / "sample", NOW)
    monkeypatch.chdir(tmp_path)
    result = cli("replay", "-v", "ll2-events", "sample/events")
    assert result.exit_code == 0, result.output
    assert "replayed 2 files" in result.output and "1 slip" in result.output


def test_replay_of_a_file_without_a_time_in_its_name(cli, tmp_path):
    path = tmp_path / "launches.json"
    path.write_bytes(page([launch(1, "2030-01-01T10:00:00Z")]))
    result = cli("replay", "ll2-launches", str(path))
    assert result.exit_code == 2 and "no UTC time in the file name" in result.output


def test_config_check_reports_every_problem(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[tracker]\ntimezone = "Nowhere/Land"\n[database]\nulr = "x"\n[[sources]]\nname = "a"\nkind = "carrier-pigeon"\n'
    )
    result = cli("config", "check", str(bad))
    assert result.exit_code == 2
    for problem in ("tracker.timezone", "database.ulr: unknown key", "sources[0].kind"):
        assert problem in result.output
    good = cli("config", "check", str(ROOT / "config" / "tracker.example.toml"))
    assert good.exit_code == 0 and "valid" in good.output


def test_hostile_title_is_kept_intact_and_harmless(cli, tmp_path):
    hostile = "Falcon 9 | <b>Bold</b> & </a> \x1b[31mRED\x1b[0m"
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "x-2030-01-01T0000Z.json").write_bytes(page([launch(1, "2030-02-01T10:00:00Z", name=hostile)]))
    (folder / "x-2030-01-02T0000Z.json").write_bytes(page([launch(1, "2030-02-03T10:00:00Z", name=hostile)]))
    assert cli("replay", "ll2-launches", str(folder)).exit_code == 0
    (change,) = json.loads(cli("changes", "--json").output)
    assert change["title"] == hostile
    text = cli("changes").output
    assert "\x1b" not in text and "\\x1b[31mRED" in text and "<b>Bold</b> & </a>" in text


def test_simple_commands_do_not_import_heavy_modules(tmp_path):
    code = (
        "import sys; from tracker.cli import main\n"
        "try:\n    main(['upcoming'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('requests', 'alembic', 'telegram', 'matplotlib', 'bs4') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    db = f"sqlite:///{tmp_path / 'lazy.db'}"
    env = {"TRACKER_DATABASE_URL": db, "TRACKER_CONFIG": str(tmp_path / "none.toml"), "PATH": "/usr/bin",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
    (tmp_path / "none.toml").write_text("")
    subprocess.run(
        [sys.executable, "-m", "tracker.cli", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out


def test_subscriber_follow_and_deliver_commands(demo, tmp_path):
    sink = tmp_path / "alerts.txt"
    out = demo(
        "subscribers", "add", "ana", "--tz", "Europe/Moscow", "--console", str(sink), "--set", "coalesce=1m"
    )
    assert out.exit_code == 0 and "added ana (Europe/Moscow)" in out.output
    assert demo("follow", "ana", "kind:rollout").exit_code == 0
    listing = demo("subscribers", "list").output
    assert "follow #1: kind:rollout" in listing and '"coalesce": "1m"' in listing
    doc = json.loads(demo("subscribers", "list", "--json").output)
    assert doc[0]["follows"] == [{"id": 1, "kind": "rollout"}]
    assert demo("unfollow", "ana", "kind:rollout").output.startswith("removed 1 follow")
    assert demo("unfollow", "ana", "#1").exit_code == 2
    assert "empty" in demo("outbox").output
    assert demo("subscribers", "remove", "ana").exit_code == 0
    assert "no subscribers" in demo("subscribers", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["subscribers", "add", "x"], "give at least one channel"),
        (["subscribers", "add", "x", "--console", "-", "--tz", "Mars/Base"], "unknown time zone"),
        (["subscribers", "add", "x", "--email", "not-an-address"], "is not an email address"),
        (["subscribers", "add", "x", "--telegram", "chat#1"], "is not a Telegram chat: give a chat id"),
        (["subscribers", "add", "x", "--console", "-", "--set", "coalesce=whenever"], "not a duration"),
        (["subscribers", "add", "x", "--console", "-", "--set", "volume=11"], "unknown alert setting"),
        (["follow", "nobody", "all"], "no subscriber named 'nobody'"),
        (["subscribers", "remove", "nobody"], "no subscriber named 'nobody'"),
    ],
)
def test_subscription_mistakes(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_deliver_once_prints_the_demo_alert(demo, tmp_path):
    sink = tmp_path / "a.txt"
    demo("subscribers", "add", "b", "--console", str(sink))
    demo("follow", "b", "Soyuz-5")
    # The sample was replayed before the subscriber existed: replay a fresh slip now.
    folder = tmp_path / "later"
    folder.mkdir()
    (folder / "x-2026-11-25T0000Z.json").write_bytes(
        page([launch(1, "2030-01-01T10:00:00Z", name="Soyuz-5 | Test")])
    )
    (folder / "x-2026-11-25T0100Z.json").write_bytes(
        page([launch(1, "2030-01-03T10:00:00Z", name="Soyuz-5 | Test")])
    )
    replayed = demo("replay", "-v", "ll2-launches", str(folder))
    assert replayed.output.count("1 alert queued") == 2  # new (it matches the follow), then the slip
    result = demo("deliver", "--once")
    assert result.exit_code == 0 and "delivered 2 alerts in 2 messages" in result.output
    first, second = [b for b in sink.read_text().split("\n\n") if b.strip()]
    assert first.startswith("Newly scheduled: Soyuz-5 | Test") and second.startswith(
        "Delayed +2 d: Soyuz-5 | Test"
    )
    assert "2 sent" in demo("outbox").output


def test_replay_fails_loudly_when_no_file_could_be_read(cli, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    for stamp in ("2030-01-01T0000Z", "2030-01-02T0000Z"):
        (folder / f"x-{stamp}.json").write_bytes(b"<html>rate limited</html>")
    result = cli("replay", "ll2-launches", str(folder))
    assert result.exit_code == 1
    assert "none of the 2 files could be read by source ll2-launches" in result.output
    (folder / "x-2030-01-03T0000Z.json").write_bytes(page([launch(1, "2030-02-01T10:00:00Z")]))
    assert cli("replay", "ll2-launches", str(folder)).exit_code == 0  # one readable file is a replay
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("replay", "ll2-launches", str(empty))
    assert result.exit_code == 2 and "no recorded file in" in result.output


def test_hour_precision_values_are_shown_as_recorded(cli, tmp_path):
    """LL2's ``HR`` precision: "13:00 → 13:30" is a move, and history then shows 13:30, not ~13:00."""
    folder = tmp_path / "hours"
    folder.mkdir()
    for day, net in ((1, "2030-02-01T13:00:00Z"), (2, "2030-02-01T13:30:00Z")):
        body = page([launch(1, net, precision="HR")])
        (folder / f"x-2030-01-0{day}T0000Z.json").write_bytes(body)
    assert cli("--tz", "UTC", "replay", "ll2-launches", str(folder)).exit_code == 0
    (change,) = json.loads(cli("changes", "--json").output)
    assert (change["change"], change["old_t0"], change["new_t0"]) == (
        "retimed", "2030-02-01T13:00:00Z", "2030-02-01T13:30:00Z",
    )  # fmt: skip
    history = cli("--tz", "UTC", "history", "Starlink Group 10-1").output
    assert "2030-02-01 ~13:30 UTC" in history and history.count("~13:00") == 1, history


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("history", "99999999999999999999"), "no event #99999999999999999999"),
        (("changes", "--since", "99999999999d"), "reaches back before the year 1"),
        (("upcoming", "--days", "99999999999"), None),  # a century or more is simply everything
    ],
)
def test_huge_numbers_are_user_errors_not_internal_ones(cli, args, expected):
    result = cli(*args)
    assert result.exit_code == (2 if expected else 0), result.output
    assert "internal error" not in result.output
    if expected:
        assert expected in result.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@db.example:abc/tracker",
        "postgresql://u@[::1/tracker",
        "postgresql://u@[::1]:99999999/x",
    ],
)
def test_a_malformed_database_url_is_one_line_and_exit_2(cli, monkeypatch, url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    result = cli("status")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: invalid database URL (expected sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"
    ]


def test_a_toml_nesting_bomb_is_a_configuration_error(cli, tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.toml"
    bomb.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(bomb))
    result = cli("status")
    assert result.exit_code == 2 and "nested too deeply" in result.output


def test_a_replay_file_named_with_an_impossible_date_is_a_user_error(cli, tmp_path):
    path = tmp_path / "ll2-2026-13-45T1200Z.json"
    path.write_text("{}")
    result = cli("replay", "ll2-launches", str(path))
    assert result.exit_code == 2 and "is not a real time" in result.output


def test_a_reader_that_stops_early_is_no_internal_error(tmp_path):
    """`tracker changes | head`: the closed pipe ends the command quietly."""
    from tests.helpers import seed_slips

    url = f"sqlite:///{tmp_path / 'piped.db'}"
    config = tmp_path / "tracker.toml"
    config.write_text("")
    from tracker.models import ChannelKind

    seed_slips(url, [(ChannelKind.CONSOLE, str(tmp_path / "alerts.txt"))], 3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "--database", url, "changes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "TRACKER_CONFIG": str(config)},
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the first line, as `| head -0` would be
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "internal error" not in err and "Traceback" not in err, err
    assert proc.returncode == 1

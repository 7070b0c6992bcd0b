"""Exclusions on a real series: "all launches except Starlink" and "Falcon 9 but not Starlink"
hear about everything they select and nothing about the Starlink slips of 2020-2021."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner

from tests.helpers import Clock, blocks, corpus_dir, isolate_cli
from tracker.cli import main
from tracker.dispatch import Dispatcher
from tracker.follows import parse_filter
from tracker.models import ChangeKind, ChannelKind
from tracker.notify.console import ConsoleChannel
from tracker.pipeline import replay
from tracker.sources import build_source
from tracker.store.repo import Store

SERIES = "ll2-launch-upcoming-2020-2021"


def test_all_launches_except_starlink_hear_no_starlink_alert(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    sinks = {name: tmp_path / f"{name}.txt" for name in ("but-starlink", "f9-not-starlink", "starlink")}
    for name, words in (("but-starlink", "all launches except Starlink"),
                        ("f9-not-starlink", "Falcon 9 but not Starlink"), ("starlink", "Starlink")):  # fmt: skip
        store.subscriptions.add(name, "UTC", [(ChannelKind.CONSOLE, str(sinks[name]))], {})
        store.subscriptions.follow(name, parse_filter(words.split()))
    source = build_source("ll2-launches", "ll2-launches")
    list(replay(store, source, [corpus_dir(SERIES)], alerts="recorded"))  # the series as it was lived
    Dispatcher(
        store, {ChannelKind.CONSOLE: ConsoleChannel()}, clock=Clock(datetime(2030, 1, 1, tzinfo=UTC))
    ).run_once()
    starlink_slips = [c for c in store.changes() if "Starlink" in c.title and c.kind is ChangeKind.SLIP]
    assert len(starlink_slips) >= 5  # the series really has Starlink slips to leave out

    heads = {name: [b.splitlines()[0] for b in blocks(path)] for name, path in sinks.items()}
    assert len(heads["starlink"]) >= len(starlink_slips) and all("Starlink" in h for h in heads["starlink"])
    assert len(heads["but-starlink"]) > 30 and not any("Starlink" in h for h in heads["but-starlink"])
    assert any("Electron" in h for h in heads["but-starlink"])  # other providers still heard
    assert heads["f9-not-starlink"] and all(
        "Falcon 9" in h and "Starlink" not in h for h in heads["f9-not-starlink"]
    )
    store.close()


def test_the_cli_follows_with_an_exclusion(tmp_path, monkeypatch):
    isolate_cli(tmp_path, monkeypatch)
    runner = CliRunner()
    assert runner.invoke(main, ["subscribers", "add", "ada", "--console", "-"]).exit_code == 0
    done = runner.invoke(main, ["follow", "ada", "all", "launches", "except", "Starlink"])
    assert done.exit_code == 0 and "everything kind:launch except words:Starlink" in done.output
    bad = runner.invoke(main, ["follow", "ada", "Falcon", "except"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output

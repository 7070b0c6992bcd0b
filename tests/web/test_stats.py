"""``tracker stats`` on the replayed Space Coast series, checked against figures computed
here straight from the raw JSON files (not from the store), and the same figures on the
web view and in the JSON API."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from click.testing import CliRunner

from tests.helpers import corpus_dir
from tests.web.conftest import SPACECOAST
from tracker.cli import main
from tracker.store.repo import Store

FINE = {"SEC", "MIN", "HR", "DAY"}


def raw_series() -> dict[str, list[dict]]:
    """Every launch's objects in snapshot order, keyed by LL2 id."""
    seen: dict[str, list[dict]] = {}
    for path in sorted(corpus_dir(SPACECOAST).glob("*.json")):
        for item in json.loads(path.read_bytes())["launches"]:
            seen.setdefault(item["id"], []).append(item)
    return seen


def vehicle(item: dict) -> str:
    return item.get("vehicle") or item["rocket"]["configuration"]["full_name"]


def abbrev(value: object) -> str | None:
    return value.get("abbrev") if isinstance(value, dict) else value  # type: ignore[return-value]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stats(db: Path, tmp_path: Path, *args: str) -> list[dict]:
    config = tmp_path / "tracker.toml"
    config.write_text("sources = []\n")
    result = CliRunner().invoke(
        main, ["--config", str(config), "--database", f"sqlite:///{db}", "stats", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_events_per_vehicle_match_the_raw_files(spacecoast_db, tmp_path):
    raw = raw_series()
    expected = Counter(vehicle(items[-1]) for items in raw.values())  # an event is grouped by its last value
    got = {g["group"]: g["events"] for g in stats(spacecoast_db, tmp_path, "--by", "vehicle", "--json")}
    assert got == dict(expected)
    [everything] = stats(spacecoast_db, tmp_path, "--json")
    assert everything["events"] == len(raw) == sum(expected.values())


def test_artemis_ii_slips_delay_and_streak_match_the_raw_files(spacecoast_db, tmp_path):
    """The SLS group holds Artemis II alone; its NETs are all minute or second precise, so a
    move to a later UTC day is a slip, one to an earlier day an advance, and one within the
    day a retime; the total delay is what the moves add up to."""
    [items] = [v for v in raw_series().values() if vehicle(v[-1]) == "Space Launch System Block 1"]
    nets = [instant(i["net"]) for i in items]
    assert {abbrev(i.get("net_precision")) for i in items} <= {None, "MIN", "SEC"}
    values = [n for k, n in enumerate(nets) if k == 0 or n != nets[k - 1]]
    slips = streak = longest = 0
    total = timedelta(0)
    for old, new in itertools.pairwise(values):
        total += new - old
        if new.date() > old.date():
            slips += 1
            streak += 1
            longest = max(longest, streak)
        elif new.date() < old.date():
            streak = 0
    first_day = next(instant(i["net"]) for i in items if abbrev(i.get("net_precision")) in FINE | {None})
    flew = [i for i in items if (i["status"]["name"] if isinstance(i["status"], dict) else i["status"])
            in ("Launch in Flight", "Launch Successful")]  # fmt: skip
    within = abs((instant(flew[-1]["net"]).date() - first_day.date()).days) <= 1

    [sls] = [g for g in stats(spacecoast_db, tmp_path, "--by", "vehicle", "--json")
             if g["group"] == "Space Launch System Block 1"]  # fmt: skip
    assert (slips, longest, total) == (
        5,
        3,
        timedelta(days=54, hours=21, minutes=26, seconds=12),
    )  # README §4
    assert sls["events"] == 1 and sls["slipped"] == 1
    assert sls["slips"] == slips
    assert sls["total_delay_seconds"] == sls["median_delay_seconds"] == int(total.total_seconds())
    assert sls["longest_slip_streak"] == longest
    assert (sls["flown"], sls["flew_within_a_day"]) == (1, int(within))


def test_since_keeps_the_events_dated_after_it(spacecoast_db, tmp_path):
    since = datetime(2026, 4, 8, tzinfo=UTC)
    final = [instant(v[-1]["net"]) for v in raw_series().values()]
    assert not [n for n in final if abs(n - since) < timedelta(days=1)]  # no event on the edge
    [after] = stats(spacecoast_db, tmp_path, "--since", "2026-04-08", "--json")
    assert after["events"] == sum(1 for n in final if n > since)


def test_the_same_figures_on_the_web_view_and_the_api(spacecoast_db, tmp_path, serve):
    store = Store.open(f"sqlite:///{spacecoast_db}")
    live = serve(store)
    cli = stats(spacecoast_db, tmp_path, "--by", "provider", "--json")
    api = requests.get(f"{live.url}/api/stats", params={"by": "provider"}, timeout=30).json()
    assert api == cli
    page = requests.get(f"{live.url}/stats", params={"by": "provider"}, timeout=30)
    assert page.status_code == 200
    for group in cli:
        assert f"<td>{group['group']}</td><td>{group['events']}</td>" in page.text
    text = CliRunner().invoke(main, ["--config", str(tmp_path / "tracker.toml"), "--database",
                                     f"sqlite:///{spacecoast_db}", "stats", "--by", "vehicle"])  # fmt: skip
    assert "Space Launch System Block 1: 1 event, 1 slipped (5 slips); median delay +54 d 21 h" in text.output
    store.close()

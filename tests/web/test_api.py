"""The JSON API mirrors the CLI's --json documents, and /openapi.json describes every route."""

from __future__ import annotations

import json

import requests
from click.testing import CliRunner

from tests.web.conftest import MID_SERIES
from tracker.cli import main


def cli_json(db_url: str, tmp_path, *args: str, exit_code: int = 0):
    config = tmp_path / "tracker.toml"
    config.write_text("sources = []\n")
    result = CliRunner().invoke(main, ["--config", str(config), "--database", db_url, *args])
    assert result.exit_code == exit_code, result.output
    return json.loads(result.output)


def test_history_and_changes_are_the_cli_documents(spacecoast, serve, tmp_path):
    live = serve(spacecoast)
    url = str(spacecoast.engine.url)
    [artemis] = [e for e in spacecoast.find_events("Artemis II") if e.title == "SLS Block 1 | Artemis II"]
    api = requests.get(f"{live.url}/api/events/{artemis.id}", timeout=10).json()
    assert api == cli_json(url, tmp_path, "history", str(artemis.id), "--json")
    assert api["slips"] == 5
    changes = requests.get(f"{live.url}/api/changes", params={"limit": 1000}, timeout=10).json()
    until_clock = [
        c for c in cli_json(url, tmp_path, "changes", "--json") if c["observed_at"] <= "2026-03-01T00:00:00Z"
    ]
    assert changes == until_clock[-1000:]  # oldest first, as the CLI prints them
    slips = requests.get(
        f"{live.url}/api/changes", params={"change": "slip", "vehicle": "SLS"}, timeout=10
    ).json()
    assert [c["change"] for c in slips] == ["slip"] * 5 and {c["event_id"] for c in slips} == {artemis.id}


def test_upcoming_and_sources(spacecoast, serve, tmp_path):
    live = serve(spacecoast)
    upcoming = requests.get(f"{live.url}/api/upcoming", params={"limit": 5}, timeout=10).json()
    assert [e["event_id"] for e in upcoming] == [e.id for e in spacecoast.upcoming(MID_SERIES, limit=5)]
    assert set(upcoming[0]) >= {"event_id", "title", "start", "end", "precision", "status", "vehicle"}
    page2 = requests.get(f"{live.url}/api/upcoming", params={"limit": 5, "page": 2}, timeout=10).json()
    assert [e["event_id"] for e in page2] == [e.id for e in spacecoast.upcoming(MID_SERIES, limit=10)][5:]
    [source] = requests.get(f"{live.url}/api/sources", timeout=10).json()
    # No daemon runs here: `tracker status` says so with exit 3, and still lists the sources.
    status = cli_json(str(spacecoast.engine.url), tmp_path, "status", "--json", exit_code=3)
    assert [source] == status["sources"]
    assert source["name"] == "spacecoast" and source["runs"] == 439


def test_the_openapi_description_covers_every_api_route(spacecoast, serve):
    live = serve(spacecoast)
    doc = requests.get(f"{live.url}/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/api/upcoming",
        "/api/events/{event_id}",
        "/api/changes",
        "/api/sources",
        "/api/stats",
    }
    for path, item in doc["paths"].items():
        assert "200" in item["get"]["responses"], path
        sample = path.replace("{event_id}", "1")
        assert requests.get(live.url + sample, timeout=10).status_code in (200, 404)
    assert doc["servers"] == [{"url": live.url}]

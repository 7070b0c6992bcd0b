"""What a command imports at start-up: a read-only one needs the store and a few of the
tracker's own modules, not the configuration's models (once that configuration has been
validated and recorded), the dispatcher, the sources or any channel's library; and the
record of a validation never stands in for a configuration it was not made from."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import ROOT, apply, snap
from tracker.config.checked import RECORD, Settings, read_settings
from tracker.config.load import load_config
from tracker.errors import ConfigError
from tracker.store.repo import Store

# Modules a read-only command must not import: the configuration's models, the stages that
# poll and send, and the libraries behind them (each costs tens of milliseconds or more).
HEAVY = (
    "pydantic", "tracker.config.sections", "tracker.dispatch", "tracker.pipeline", "tracker.notify.base",
    "tracker.notify.telegram", "tracker.notify.email", "tracker.notify.apprise", "tracker.notify.digest",
    "tracker.sources", "tracker.extract", "tracker.service", "tracker.web", "tracker.bot", "telegram",
    "apprise", "pymorphy3", "trafilatura", "requests", "bs4", "lxml", "feedparser", "jinja2",
    "apscheduler", "matplotlib", "alembic", "starlette", "uvicorn",
)  # fmt: skip

# Runs the CLI as the `tracker` script does, then writes what was imported and whether the
# garbage collector is on (it is deferred over start-up only).
PROBE = """
import atexit, gc, json, sys
out = sys.argv.pop(1)
def report():
    with open(out, "w") as f:
        json.dump({"modules": sorted(sys.modules), "gc": gc.isenabled()}, f)
atexit.register(report)
sys.argv[0] = "tracker"
from tracker.cli import main
main()
"""


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A store with one event, a configuration naming it, and a cache folder of its own."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.open(url)
    try:
        apply(store, [snap()], datetime(2026, 3, 1, tzinfo=UTC))
    finally:
        store.close()
    config = tmp_path / "tracker.toml"
    config.write_text(f'[tracker]\ntimezone = "Europe/Paris"\n[database]\nurl = "{url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_CONFIG=str(config), XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return env


def run(env: dict[str, str], tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = tmp / "report.json"
    report.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", PROBE, str(report), *args], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    return done, json.loads(report.read_text())


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_read_only_commands_import_neither_the_models_nor_what_polls_or_sends(home, tmp_path):
    done, first = run(home, tmp_path, "upcoming", "--all")
    assert done.returncode == 0, done.stderr
    assert "Soyuz-5 rollout" in done.stdout
    assert "pydantic" in first["modules"]  # the first command validates the configuration...
    assert (tmp_path / "cache" / "tracker" / RECORD).is_file()  # ...and records its settings
    for args in (["upcoming", "--all"], ["history", "Soyuz-5"], ["changes"], ["subscribers", "list"]):
        done, seen = run(home, tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert heavy(seen["modules"]) == [], args
        assert seen["gc"], args  # deferred over start-up only
    done, seen = run(home, tmp_path, "history", "Soyuz-5")
    assert "2026-03-24" in done.stdout and "Soyuz-5 rollout" in done.stdout


def test_the_zone_and_database_come_from_the_configuration_as_validated(home, tmp_path):
    run(home, tmp_path, "upcoming", "--all")
    done, _ = run(home, tmp_path, "upcoming", "--all", "--json")
    assert json.loads(done.stdout)[0]["title"] == "Soyuz-5 rollout"
    # An override in the environment is an input like the file: it is validated, then recorded.
    done, seen = run({**home, "TRACKER_TIMEZONE": "Asia/Tokyo"}, tmp_path, "history", "Soyuz-5")
    assert done.returncode == 0 and "pydantic" in seen["modules"]
    assert "09:00" in done.stdout or "JST" in done.stdout or "+09" in done.stdout, done.stdout


def test_a_configuration_broken_after_it_was_recorded_gets_the_same_error(home, tmp_path):
    config = Path(home["TRACKER_CONFIG"])
    good = config.read_text()
    broken = good.replace("Europe/Paris", "Mars/Olympus_Mons") + "[http]\nretries = -1\n"
    config.write_text(broken)
    never_recorded, _ = run(home, tmp_path, "upcoming")
    assert never_recorded.returncode == 2
    assert "Mars/Olympus_Mons" in never_recorded.stderr and "http.retries" in never_recorded.stderr
    config.write_text(good)
    assert run(home, tmp_path, "upcoming")[0].returncode == 0  # recorded
    config.write_text(broken)
    done, _ = run(home, tmp_path, "upcoming")
    assert (done.returncode, done.stderr) == (2, never_recorded.stderr)
    done, _ = run({**home, "TRACKER_TIMEZONE": "Nowhere/Atall"}, tmp_path, "history", "Soyuz-5")
    assert done.returncode == 2 and "(from environment variable TRACKER_TIMEZONE)" in done.stderr


def test_commands_that_send_validate_in_full_and_collect_garbage(home, tmp_path):
    done, seen = run(home, tmp_path, "deliver", "--once")
    assert done.returncode == 0, done.stderr
    assert "pydantic" in seen["modules"] and seen["gc"]


# ---- the record itself, in-process -------------------------------------------------


@pytest.fixture
def no_default_file(tmp_path, monkeypatch):
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")


def test_settings_are_what_the_validated_configuration_gives(tmp_path, no_default_file):
    config = tmp_path / "t.toml"
    config.write_text('[tracker]\ntimezone = "America/New_York"\ndata_dir = "state"\n')
    env = {"TRACKER_CONFIG": str(config)}
    settings, cfg = read_settings(None, env, tmp_path / "cache")
    assert cfg is not None and settings == Settings.of(load_config(None, env))
    assert settings.database_url == f"sqlite:///{(tmp_path / 'state' / 'tracker.db').as_posix()}"
    again, validated = read_settings(None, env, tmp_path / "cache")
    assert (again, validated) == (settings, None)
    assert stat.S_IMODE((tmp_path / "cache" / RECORD).stat().st_mode) == 0o600
    config.write_text('[tracker]\ntimezone = "Asia/Tokyo"\n')  # new bytes: validated again
    changed, validated = read_settings(None, env, tmp_path / "cache")
    assert validated is not None and changed.timezone == "Asia/Tokyo"
    overridden, validated = read_settings(
        None, {**env, "TRACKER_DATABASE_URL": "sqlite:///x.db"}, tmp_path / "cache"
    )
    assert validated is not None and overridden.database_url == "sqlite:///x.db"


def test_no_defaults_and_no_file_are_recorded_too_and_errors_never(tmp_path, no_default_file):
    settings, cfg = read_settings(None, {}, tmp_path / "cache")
    assert cfg is not None and settings.timezone == "UTC" and settings.secret_env
    assert read_settings(None, {}, tmp_path / "cache")[1] is None
    with pytest.raises(ConfigError, match="config file does not exist"):
        read_settings(tmp_path / "missing.toml", {}, tmp_path / "cache")
    bad = tmp_path / "bad.toml"
    bad.write_text("[database]\nulr = 'x'\n")
    for _ in range(2):
        with pytest.raises(ConfigError) as raised:
            read_settings(bad, {}, tmp_path / "cache")
        assert raised.value.problems == ["database.ulr: unknown key (did you mean 'url'?)"]


def test_a_database_password_is_never_written_down(tmp_path, no_default_file):
    url = "postgresql://tracker:s3cret-pass@127.0.0.1:5432/test"
    for _ in range(2):
        settings, cfg = read_settings(None, {"TRACKER_DATABASE_URL": url}, tmp_path / "cache")
        assert cfg is not None and settings.database_url == url  # validated every time
    written = (
        [p.read_bytes() for p in (tmp_path / "cache").glob("*")] if (tmp_path / "cache").exists() else []
    )
    assert not any(b"s3cret-pass" in data for data in written)

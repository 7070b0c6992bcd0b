"""Tests for tracker.config: TOML loading, validation, defaults and overrides."""

from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import platformdirs
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from tests.helpers import ROOT
from tracker.config import (
    AlertsSection,
    DatabaseSection,
    DeliverySection,
    HttpSection,
    LogSection,
    SchedulerSection,
    ServeSection,
    SourceConfig,
    TrackerConfig,
    TrackerSection,
    database_url,
    default_config_path,
)
from tracker.config import load as config_load
from tracker.config import sections as config
from tracker.config.load import load_config
from tracker.errors import ConfigError
from tracker.notify import channel_sections
from tracker.sources import SOURCE_KINDS
from tracker.sources.base import Source

EXAMPLE = ROOT / "config" / "tracker.example.toml"


# A source kind for the tests, so that they do not depend on the LL2 module's options.
class FakeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = 100
    tags: list[str] = []


class FakeSource(Source):
    Options: ClassVar[type[BaseModel]] = FakeOptions
    default_url: ClassVar[str] = "https://example.org/fake"


@pytest.fixture(autouse=True)
def fake_kind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = types.ModuleType("tracker_test_fake_kinds")
    module.FakeSource = FakeSource  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(SOURCE_KINDS, "fake", f"{module.__name__}:FakeSource")
    # Never read the real user's config file.
    monkeypatch.setattr(config_load, "default_config_path", lambda: tmp_path / "no-such-dir" / "tracker.toml")


def write(tmp_path: Path, text: str, name: str = "tracker.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {})
    assert info.value.path == str(path)
    return info.value.problems


FAKE_SOURCE = '[[sources]]\nname = "one"\nkind = "fake"\n'


# --------------------------------------------------------------------------- defaults


def test_section_defaults() -> None:
    assert TrackerSection().timezone == "UTC"
    assert TrackerSection().data_dir == ""
    assert DatabaseSection().url == ""
    http = HttpSection()
    assert (http.timeout_seconds, http.max_bytes, http.retries) == (30, 20_000_000, 2)
    assert http.user_agent.startswith("launch-schedule-tracker/0.1 ")
    assert LogSection().level == "INFO"
    source = SourceConfig(name="one", kind="fake")
    assert (source.url, source.enabled, source.interval_minutes, source.trust) == ("", True, 60, 50)
    assert (source.min_items_ratio, source.min_items_baseline) == (0.5, 8)
    assert source.options == FakeOptions()


def test_defaults_with_no_file() -> None:
    # Needs tracker.sources.ll2 (the default sources are LL2's).
    cfg = load_config(env={})
    assert cfg.tracker == TrackerSection()
    assert cfg.database == DatabaseSection()
    assert cfg.http == HttpSection()
    assert cfg.log == LogSection()
    assert cfg.alerts == AlertsSection() and cfg.delivery == DeliverySection()
    assert [(s.name, s.kind) for s in cfg.sources] == [
        ("ll2-launches", "ll2-launches"),
        ("ll2-events", "ll2-events"),
    ]
    assert all(s.url == "" and s.enabled for s in cfg.sources)
    assert cfg.zone == ZoneInfo("UTC")
    assert cfg.data_path == Path(platformdirs.user_data_dir("tracker"))
    assert database_url(cfg) == f"sqlite:///{(cfg.data_path / 'tracker.db').as_posix()}"


def test_empty_file_is_all_defaults_except_no_sources_needed(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FAKE_SOURCE), env={})
    assert cfg.tracker == TrackerSection()
    assert cfg.http == HttpSection()
    assert [s.name for s in cfg.sources] == ["one"]


def test_explicit_empty_sources_list_means_no_sources(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "sources = []\n"), env={}).sources == []


def test_default_config_path_is_in_user_config_dir() -> None:
    # The autouse fixture replaced the module attribute; check the original function.
    assert default_config_path() == Path(platformdirs.user_config_dir("tracker")) / "tracker.toml"


def test_default_config_path_used_when_it_exists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path, FAKE_SOURCE + '[log]\nlevel = "DEBUG"\n', "default.toml")
    monkeypatch.setattr(config_load, "default_config_path", lambda: path)
    assert load_config(env={}).log.level == "DEBUG"


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    ("toml", "section", "expected"),
    [
        ('[tracker]\ntimezone = "Europe/Paris"\ndata_dir = "/srv/tracker"\n', "tracker",
         TrackerSection(timezone="Europe/Paris", data_dir="/srv/tracker")),
        ('[database]\nurl = "postgresql://tracker@db/tracker"\n', "database",
         DatabaseSection(url="postgresql://tracker@db/tracker")),
        ('[http]\nuser_agent = "me/1.0"\ntimeout_seconds = 2.5\nmax_bytes = 1000\nretries = 0\n', "http",
         HttpSection(user_agent="me/1.0", timeout_seconds=2.5, max_bytes=1000, retries=0)),
        ('[log]\nlevel = "WARNING"\n', "log", LogSection(level="WARNING")),
        ('[log]\nlevel = "error"\n', "log", LogSection(level="ERROR")),
    ],
)  # fmt: skip
def test_section_round_trip(tmp_path: Path, toml: str, section: str, expected: BaseModel) -> None:
    cfg = load_config(write(tmp_path, toml + FAKE_SOURCE), env={})
    assert getattr(cfg, section) == expected


def test_source_round_trip(tmp_path: Path) -> None:
    text = """
[[sources]]
name = "fake-1"
kind = "fake"
url = "https://example.org/feed"
enabled = false
interval_minutes = 15
trust = 90
min_items_ratio = 0.25
min_items_baseline = 3
[sources.options]
limit = 7
tags = ["a", "b"]

[[sources]]
name = "fake_2"
kind = "fake"
"""
    cfg = load_config(write(tmp_path, text), env={})
    first, second = cfg.sources
    assert first == SourceConfig(
        name="fake-1",
        kind="fake",
        url="https://example.org/feed",
        enabled=False,
        interval_minutes=15,
        trust=90,
        min_items_ratio=0.25,
        min_items_baseline=3,
        options=FakeOptions(limit=7, tags=["a", "b"]),
    )
    assert isinstance(first.options, FakeOptions)
    assert first.options.limit == 7
    assert second.options == FakeOptions()
    assert cfg.source("fake_2") is second
    with pytest.raises(KeyError):
        cfg.source("nope")
    # The options instance plugs straight into the source class.
    assert FakeSource(first.name, first.url or None, first.options).options is first.options


def test_dump_includes_kind_options(tmp_path: Path) -> None:
    text = FAKE_SOURCE + "[sources.options]\nlimit = 3\n"
    dumped = load_config(write(tmp_path, text), env={}).model_dump()
    assert dumped["sources"][0]["options"] == {"limit": 3, "tags": []}


def test_source_config_validates_options_when_built_directly() -> None:
    built = SourceConfig.model_validate({"name": "x", "kind": "fake", "options": {"limit": 2}})
    assert built.options == FakeOptions(limit=2)
    with pytest.raises(ValidationError, match="bogus: unknown key"):
        SourceConfig.model_validate({"name": "x", "kind": "fake", "options": {"bogus": 1}})


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FAKE_SOURCE), env={})
    with pytest.raises(ValidationError):
        cfg.http.retries = 5


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("colour = 1\n" + FAKE_SOURCE, "colour: unknown key"),
        ("[databse]\nurl = 'x://y'\n" + FAKE_SOURCE, "databse: unknown key (did you mean 'database'?)"),
        ("[database]\nulr = 'sqlite://'\n" + FAKE_SOURCE, "database.ulr: unknown key (did you mean 'url'?)"),
        ("[http]\nproxy = 'x'\n" + FAKE_SOURCE, "http.proxy: unknown key"),
        (FAKE_SOURCE + "intervall_minutes = 5\n",
         "sources[0].intervall_minutes: unknown key (did you mean 'interval_minutes'?)"),
        (FAKE_SOURCE + "[sources.options]\nbogus_option_xyz = 1\n", "sources[0].options.bogus_option_xyz: unknown key"),
        (FAKE_SOURCE + "[sources.options]\nlimt = 1\n", "sources[0].options.limt: unknown key (did you mean 'limit'?)"),
    ],
)  # fmt: skip
def test_unknown_keys_rejected_with_location(tmp_path: Path, toml: str, expected: str) -> None:
    assert problems_of(tmp_path, toml) == [expected]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[tracker]\ntimezone = 'Mars/Olympus_Mons'\n", "tracker.timezone: unknown IANA time zone 'Mars/Olympus_Mons'"),
        ("[tracker]\ntimezone = '../../etc/passwd'\n", "tracker.timezone: unknown IANA time zone"),
        ("[tracker]\ntimezone = ''\n", "tracker.timezone: unknown IANA time zone"),
        ("[tracker]\ntimezone = 1\n", "tracker.timezone: Input should be a valid string"),
        ("[database]\nurl = 'tracker.db'\n", "database.url: should be a database URL"),
        ("[http]\ntimeout_seconds = 0\n", "http.timeout_seconds: Input should be greater than 0"),
        ("[http]\nmax_bytes = -1\n", "http.max_bytes: Input should be greater than 0"),
        ("[http]\nretries = -1\n", "http.retries: Input should be greater than or equal to 0"),
        ("[http]\nretries = '2'\n", "http.retries: Input should be a valid integer (got '2')"),
        ("[http]\nuser_agent = ''\n", "http.user_agent: String should have at least 1 character"),
        ("[scheduler]\nheartbeat_seconds = 60\ndown_after_seconds = 60\n", "scheduler.down_after_seconds: should be longer than heartbeat_seconds (60)"),
        ("[scheduler]\ndown_after_seconds = 10\n", "scheduler.down_after_seconds: should be longer than heartbeat_seconds (30)"),
        ("[log]\nlevel = 'TRACE'\n", "log.level: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ("tracker = 5\n", "tracker: should be a table"),
        ("[sources]\nname = 'x'\n", "sources: should be an array of tables ([[sources]])"),
        ("sources = [1]\n", "sources[0]: should be a table ([[sources]] entry)"),
        (FAKE_SOURCE + "interval_minutes = 0\n", "sources[0].interval_minutes: Input should be greater than 0"),
        (FAKE_SOURCE + "interval_minutes = 'often'\n", "sources[0].interval_minutes: Input should be a valid number"),
        (FAKE_SOURCE + "trust = 101\n", "sources[0].trust: Input should be less than or equal to 100"),
        (FAKE_SOURCE + "trust = -1\n", "sources[0].trust: Input should be greater than or equal to 0"),
        (FAKE_SOURCE + "min_items_ratio = 1.5\n", "sources[0].min_items_ratio: Input should be less than or equal to 1"),
        (FAKE_SOURCE + "min_items_baseline = -3\n", "sources[0].min_items_baseline: Input should be greater than"),
        (FAKE_SOURCE + "enabled = 'yes'\n", "sources[0].enabled: Input should be a valid boolean"),
        (FAKE_SOURCE + "url = 'ftp://example.org'\n", "sources[0].url: should be an http(s) URL"),
        (FAKE_SOURCE + "options = 3\n", "sources[0].options: should be a table"),
        (FAKE_SOURCE + "[sources.options]\nlimit = 'many'\n", "sources[0].options.limit: Input should be a valid integer"),
        ("[[sources]]\nname = 'Bad Name'\nkind = 'fake'\n", "sources[0].name: source name 'Bad Name' should match"),
        ("[[sources]]\nname = '-x'\nkind = 'fake'\n", "sources[0].name: source name '-x' should match"),
        ("[[sources]]\nkind = 'fake'\n", "sources[0].name: required key is missing"),
        ("[[sources]]\nname = 'x'\n", "sources[0].kind: required key is missing"),
    ],
)  # fmt: skip
def test_invalid_values(tmp_path: Path, toml: str, expected: str) -> None:
    if "[[sources]]" not in toml and "sources" not in toml.split("\n")[0]:
        toml += FAKE_SOURCE
    problems = problems_of(tmp_path, toml)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_every_problem_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = """
oops = true
[tracker]
timezone = "Nowhere/Special"
[database]
ulr = "sqlite://"
[http]
timeout_seconds = -1
[[sources]]
name = "a"
kind = "fake"
interval_minutes = 0
[sources.options]
bogus_option_xyz = 1
[[sources]]
name = "b"
kind = "fake"
trust = 500
"""
    problems = problems_of(tmp_path, text)
    assert [p.split(":")[0] for p in problems] == [
        "tracker.timezone",
        "database.ulr",
        "http.timeout_seconds",
        "sources[0].interval_minutes",
        "sources[0].options.bogus_option_xyz",
        "sources[1].trust",
        "oops",
    ]
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "tracker.toml", env={})
    message = str(info.value)
    assert message.startswith(str(tmp_path / "tracker.toml") + ": ")
    assert all(p in message for p in problems)


def test_bad_toml_syntax_reports_line(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[tracker]\ntimezone = "UTC"\ndata_dir = = "x"\n')
    assert len(problems) == 1
    assert problems[0].startswith("TOML syntax error")
    assert "line 3" in problems[0]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_bytes(b'[tracker]\ntimezone = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path, env={})


def test_duplicate_source_names(tmp_path: Path) -> None:
    text = FAKE_SOURCE + FAKE_SOURCE + '[[sources]]\nname = "two"\nkind = "fake"\n' + FAKE_SOURCE
    assert problems_of(tmp_path, text) == [
        "sources[1].name: duplicate source name 'one' (also sources[0])",
        "sources[3].name: duplicate source name 'one' (also sources[0])",
    ]


def test_duplicate_names_rejected_when_built_directly() -> None:
    with pytest.raises(ValidationError, match="duplicate source name 'x'"):
        TrackerConfig(sources=[SourceConfig(name="x", kind="fake"), SourceConfig(name="x", kind="fake")])


def test_unknown_kind_lists_known_kinds(tmp_path: Path) -> None:
    text = '[[sources]]\nname = "x"\nkind = "carrier-pigeon"\n[sources.options]\nwhatever = 1\n'
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems  # no extra noise about the options
    assert problems[0].startswith("sources[0].kind: unknown source kind 'carrier-pigeon' (known: ")
    for kind in SOURCE_KINDS:
        assert kind in problems[0]


def test_kind_whose_module_is_missing_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(SOURCE_KINDS, "ghost", "tracker_no_such_module_xyz:Ghost")
    problems = problems_of(tmp_path, '[[sources]]\nname = "g"\nkind = "ghost"\n')
    assert len(problems) == 1, problems
    assert problems[0].startswith("sources[0].kind: source kind 'ghost' cannot be loaded")


# --------------------------------------------------------------------------- paths and environment


def test_explicit_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing, env={})
    assert info.value.path == str(missing)
    assert info.value.problems == ["config file does not exist"]


def test_path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path, env={})


def test_tracker_config_env_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, FAKE_SOURCE + '[log]\nlevel = "ERROR"\n', "from-env.toml")
    assert load_config(env={"TRACKER_CONFIG": str(path)}).log.level == "ERROR"
    # An explicit path wins over TRACKER_CONFIG.
    other = write(tmp_path, FAKE_SOURCE, "explicit.toml")
    assert load_config(other, env={"TRACKER_CONFIG": str(path)}).log.level == "INFO"


def test_tracker_config_env_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env={"TRACKER_CONFIG": str(tmp_path / "gone.toml")})
    assert info.value.problems == ["config file does not exist (named by TRACKER_CONFIG)"]


@pytest.mark.parametrize(
    ("file_text", "env", "timezone", "url"),
    [
        ("", {"TRACKER_TIMEZONE": "Asia/Tokyo"}, "Asia/Tokyo", ""),
        ('[tracker]\ntimezone = "Europe/Paris"\n', {"TRACKER_TIMEZONE": "Asia/Tokyo"}, "Asia/Tokyo", ""),
        ('[database]\nurl = "sqlite:////a.db"\n', {"TRACKER_DATABASE_URL": "postgresql://h/db"}, "UTC",
         "postgresql://h/db"),
        ('[tracker]\ntimezone = "Europe/Paris"\n', {"TRACKER_TIMEZONE": ""}, "Europe/Paris", ""),
        ("", {"TZ": "Asia/Tokyo", "DATABASE_URL": "postgresql://h/db"}, "UTC", ""),
    ],
)  # fmt: skip
def test_env_overrides(tmp_path: Path, file_text: str, env: dict[str, str], timezone: str, url: str) -> None:
    cfg = load_config(write(tmp_path, file_text + FAKE_SOURCE), env=env)
    assert cfg.tracker.timezone == timezone
    assert cfg.zone == ZoneInfo(timezone)
    assert cfg.database.url == url
    if url:
        assert database_url(cfg) == url


def test_bad_env_override_names_the_variable(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, FAKE_SOURCE, env={"TRACKER_TIMEZONE": "Not/AZone"})
    zone_error = "unknown IANA time zone 'Not/AZone' (e.g. 'UTC', 'Europe/Paris', 'America/New_York')"
    assert problems == [f"tracker.timezone: {zone_error} (from environment variable TRACKER_TIMEZONE)"]


def test_env_does_not_touch_os_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_TIMEZONE", "Asia/Tokyo")
    path = write(tmp_path, FAKE_SOURCE)
    assert load_config(path, env={}).tracker.timezone == "UTC"
    assert load_config(path).tracker.timezone == "Asia/Tokyo"  # env=None reads os.environ


def test_database_url_defaults_to_sqlite_in_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = load_config(write(tmp_path, f'[tracker]\ndata_dir = "{data.as_posix()}"\n' + FAKE_SOURCE), env={})
    assert cfg.data_path == data
    assert database_url(cfg) == f"sqlite:///{(data / 'tracker.db').as_posix()}"
    assert not data.exists()  # nothing is created


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    path = write(tmp_path, '[tracker]\ndata_dir = "state"\n' + FAKE_SOURCE, "etc/tracker.toml")
    assert load_config(path, env={}).data_path == tmp_path / "etc" / "state"


# --------------------------------------------------------------------------- the example file


def _example() -> dict[str, Any]:
    with EXAMPLE.open("rb") as fh:
        return tomllib.load(fh)


def test_example_file_documents_every_key() -> None:
    raw = _example()
    sections: dict[str, type[BaseModel]] = {
        "tracker": TrackerSection,
        "database": DatabaseSection,
        "http": HttpSection,
        "log": LogSection,
        "alerts": AlertsSection,
        "delivery": DeliverySection,
        "scheduler": SchedulerSection,
        "serve": ServeSection,
        **channel_sections(),  # each channel's own section: email, telegram, apprise, ...
    }
    assert {"email", "telegram", "apprise"} <= set(sections)
    assert set(raw) == {*sections, "sources"}
    for name, model in sections.items():
        assert set(raw[name]) == set(model.model_fields), name
        assert model.model_validate(raw[name]) == model(), f"[{name}] example values should be the defaults"
    assert [set(s) for s in raw["sources"]] == [set(SourceConfig.model_fields)] * 2
    text = EXAMPLE.read_text(encoding="utf-8")
    for var in ("TRACKER_CONFIG", "TRACKER_DATABASE_URL", "TRACKER_TIMEZONE", "_env"):
        assert var in text


def test_example_file_is_valid() -> None:
    # Needs tracker.sources.ll2: the example configures the two LL2 sources.
    cfg = load_config(EXAMPLE, env={})
    assert cfg.tracker == TrackerSection()
    assert cfg.database == DatabaseSection()
    assert cfg.http == HttpSection()
    assert cfg.log == LogSection()
    assert [(s.name, s.kind, s.url) for s in cfg.sources] == [
        ("ll2-launches", "ll2-launches", "https://ll.thespacedevs.com/2.3.0/launches/upcoming/"),
        ("ll2-events", "ll2-events", "https://ll.thespacedevs.com/2.3.0/events/upcoming/"),
    ]
    defaults = {s.name: s for s in config.default_sources()}
    for source in cfg.sources:
        assert source.model_copy(update={"url": ""}) == defaults[source.name]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[alerts]\ncoalesce = 'soon'\n", "alerts.coalesce: 'soon' is not a duration"),
        ("[alerts]\nreminders = ['24h', 'tomorrow']\n", "alerts.reminders: 'tomorrow' is not a duration"),
        ("[alerts]\nkinds = ['slip', 'explosion']\n", "alerts.kinds[1]: Input should be 'slip'"),
        ("[delivery]\nuncertain = 'maybe'\n", "delivery.uncertain"),
    ],
)
def test_alert_and_delivery_settings_are_checked(tmp_path: Path, toml: str, expected: str) -> None:
    problems = problems_of(tmp_path, toml)
    assert any(expected in p for p in problems), problems


def test_alerts_section_becomes_a_policy(tmp_path: Path) -> None:
    from datetime import timedelta

    path = tmp_path / "t.toml"
    path.write_text("[alerts]\nreminders = ['1h', '24h']\ncoalesce = '90s'\nkinds = ['slip']\n")
    policy = load_config(path, env={}).alerts.policy()
    assert policy.reminders == (timedelta(hours=24), timedelta(hours=1))
    assert policy.coalesce == timedelta(seconds=90)
    assert {k.value for k in policy.kinds} == {"slip"}


def test_alert_defaults_and_change_kinds_have_one_source():
    from typing import get_args

    from tracker.config.sections import _CHANGE_KINDS
    from tracker.models import ChangeKind
    from tracker.policy import AlertPolicy

    assert set(get_args(_CHANGE_KINDS)) == {k.value for k in ChangeKind}
    assert config.AlertsSection().policy() == AlertPolicy()


def test_serve_section_is_checked_and_reads_its_secret(tmp_path: Path) -> None:
    path = write(tmp_path, '[serve]\nbase_url = "ftp://x"\nsecret_env = "$S"\nport = 0\npage_size = 5000\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    problems = "\n".join(caught.value.problems)
    for key in ("serve.base_url", "serve.secret_env", "serve.port", "serve.page_size"):
        assert key in problems, problems
    good = load_config(write(tmp_path, '[serve]\nbase_url = "https://launches.example.org/"\n'), env={})
    assert good.serve.base_url == "https://launches.example.org"
    assert good.serve.secret({"TRACKER_TOKEN_SECRET": "s3"}) == b"s3"
    assert good.serve.secret({}) is None

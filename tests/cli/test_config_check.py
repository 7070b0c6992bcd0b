"""``tracker config check``: it names the file it read (or the defaults), checks what the
configuration needs from the environment, and ``--connect`` reaches the SMTP server and
the Bot API without sending anything. Also: the optional extras say how to get them."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from tests.fakes.fake_telegram import SEND_METHODS, FakeTelegram
from tests.fakes.smtp_server import SmtpServer, free_port
from tests.helpers import launch, page
from tracker.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    for var in ("TRACKER_CONFIG", "TRACKER_DATABASE_URL", "TRACKER_TIMEZONE", "TRACKER_TELEGRAM_TOKEN",
                "TRACKER_SMTP_PASSWORD", "TRACKER_TOKEN_SECRET"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")

    def invoke(*args: str):
        result = CliRunner().invoke(main, list(args))
        assert "Traceback" not in result.output
        return result

    return invoke


def hide(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``package`` unimportable, as when its extra is not installed."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def test_it_names_the_file_it_read_or_the_defaults(cli, tmp_path, monkeypatch):
    result = cli("config", "check")
    assert result.exit_code == 0
    assert (
        f"no config file: built-in defaults ($TRACKER_CONFIG is unset and {tmp_path / 'absent.toml'}"
        in result.output
    )
    path = tmp_path / "mine.toml"
    path.write_text("sources = []\n")
    assert f"config: {path} (named on the command line)" in cli("config", "check", str(path)).output
    assert (
        f"config: {path} (named on the command line)" in cli("--config", str(path), "config", "check").output
    )
    monkeypatch.setenv("TRACKER_CONFIG", str(path))
    assert f"config: {path} (named by $TRACKER_CONFIG)" in cli("config", "check").output


def test_it_checks_the_environment_the_configuration_needs(cli, tmp_path, monkeypatch):
    path = tmp_path / "mail.toml"
    path.write_text('sources = []\n[email]\nfrom_address = "t@example.org"\nusername = "mailer"\n')
    result = cli("config", "check", str(path))
    assert (
        result.exit_code == 2 and "email.username is set but $TRACKER_SMTP_PASSWORD is empty" in result.output
    )
    assert (
        "note: $TRACKER_TELEGRAM_TOKEN is empty: the Telegram bot and Telegram alerts are off"
        in result.output
    )
    monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "pw")
    assert cli("config", "check", str(path)).exit_code == 0
    path.write_text('sources = []\n[scheduler]\nhealth_notify = ["telegram:42"]\n')
    result = cli("config", "check", str(path))
    assert result.exit_code == 2 and "'telegram:42' but Telegram is off" in result.output


def test_connect_reaches_smtp_and_the_bot_api_and_sends_nothing(cli, tmp_path, monkeypatch):
    smtp = SmtpServer(users={"mailer": "right"})
    smtp.start()
    try:
        with FakeTelegram() as telegram:
            path = tmp_path / "both.toml"
            path.write_text(
                f'sources = []\n[email]\nhost = "127.0.0.1"\nport = {smtp.port}\nfrom_address = "t@example.org"\n'
                f'username = "mailer"\n[telegram]\napi_base_url = "{telegram.base_url}"\n'
            )
            monkeypatch.setenv("TRACKER_TELEGRAM_TOKEN", "123456:abc")
            monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "right")
            result = cli("config", "check", "--connect", str(path))
            assert result.exit_code == 0, result.output
            assert f"email: reachable: 127.0.0.1:{smtp.port} (EHLO, login as mailer)" in result.output
            assert "telegram: reachable: getMe answered @" in result.output
            monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "wrong")
            result = cli("config", "check", "--connect", str(path))
            assert result.exit_code == 1 and "email: NOT reachable: " in result.output
            assert "refused the login as 'mailer' (535)" in result.output
            assert smtp.sink.messages == []
            assert [c for c in telegram.calls if c.method in SEND_METHODS] == []
            assert telegram.calls_of("getMe")
    finally:
        smtp.stop()
    path.write_text(f'sources = []\n[telegram]\napi_base_url = "http://127.0.0.1:{free_port()}/bot"\n')
    result = cli("config", "check", "--connect", str(path))
    assert result.exit_code == 1 and "telegram: NOT reachable: getMe failed: " in result.output
    assert "123456:abc" not in result.output


def test_a_postgresql_url_without_psycopg_names_the_extra(cli, tmp_path, monkeypatch):
    hide(monkeypatch, "psycopg")
    path = tmp_path / "pg.toml"
    path.write_text('sources = []\n[database]\nurl = "postgresql://tracker@127.0.0.1/tracker"\n')
    result = cli("config", "check", str(path))
    assert result.exit_code == 2 and "pip install 'launch-tracker[postgres]'" in result.output
    result = cli("--config", str(path), "upcoming")
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "error: PostgreSQL needs the [postgres] extra: pip install 'launch-tracker[postgres]'"
    )


def test_history_chart_without_matplotlib_names_the_extra(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    folder = tmp_path / "moves"
    folder.mkdir()
    (folder / "x-2030-01-01T0000Z.json").write_bytes(page([launch(1, "2030-02-01T10:00:00Z", name="Moving")]))
    (folder / "x-2030-01-02T0000Z.json").write_bytes(page([launch(1, "2030-02-03T10:00:00Z", name="Moving")]))
    assert cli("replay", "ll2-launches", str(folder)).exit_code == 0
    hide(monkeypatch, "matplotlib")
    result = cli("history", "Moving", "--chart", str(tmp_path / "chart.png"))
    assert result.exit_code == 2
    assert "slip charts need the [charts] extra: pip install 'launch-tracker[charts]'" in result.output
    assert not (tmp_path / "chart.png").exists()

"""The bot end to end: the real python-telegram-bot polls the fake Bot API server, commands
change the subscriptions, and alerts go out through the outbox and the Telegram channel."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.fake_telegram import FakeTelegram, Limits
from tests.helpers import apply, corpus_dir, snap
from tracker.bot import build_application
from tracker.bot.common import Deps
from tracker.bot.runner import BotRunner
from tracker.dispatch import Dispatcher
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify.telegram import Limits as ChannelLimits
from tracker.notify.telegram import TelegramChannel
from tracker.pipeline import replay
from tracker.sources import build_source
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.zones import zone_at

TOKEN = "987654:BOT-test-token"
ADMIN = 777
USER = 1001
NASTY = "Falcon 9 <b>Block 5</b> & friends | </a> test"
SERIES = "ll2-launch-upcoming-2020-2021"


@dataclass
class Bot:
    fake: FakeTelegram
    store: Store
    deps: Deps

    def ask(self, chat: int, text: str, *, user_id: int | None = None, answers: int = 1) -> list[str]:
        """Send ``text`` from ``chat``; the texts the bot answered with."""
        before = len(self.fake.messages(chat))
        self.fake.user_says(chat, text, user_id=user_id)
        self.fake.wait_for(lambda: len(self.fake.messages(chat)) >= before + answers)
        time.sleep(0.05)  # let a second answer arrive before it is missed
        return [m.text or "" for m in self.fake.messages(chat)[before:]]

    def press(self, chat: int, data: str) -> list[str]:
        before = len(self.fake.messages(chat))
        query = self.fake.press(chat, 1, data)
        self.fake.wait_for(lambda: any(c.params.get("callback_query_id") == query
                                       for c in self.fake.calls_of("answerCallbackQuery")))  # fmt: skip
        time.sleep(0.05)
        return [m.text or "" for m in self.fake.messages(chat)[before:]]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    # Answers are paced like alerts; here one chat may get several quickly, so tests run fast.
    deps = Deps(store, frozenset({ADMIN}))
    with FakeTelegram(Limits(chat_count=100)) as fake:
        quick = ChannelLimits(chat_count=100)
        runner = BotRunner(build_application(TOKEN, fake.base_url, deps, quick), poll_timeout=1)
        runner.start()
        try:
            yield Bot(fake, store, deps)
        finally:
            runner.stop()
            store.close()


def deliver(bot: Bot) -> None:
    channel = TelegramChannel(TOKEN, base_url=bot.fake.base_url)
    try:
        Dispatcher(bot.store, {ChannelKind.TELEGRAM: channel}).run_once()
    finally:
        channel.close()


def test_follow_falcon_9_and_get_one_alert_in_my_time_zone(bot: Bot) -> None:
    assert "Subscribed" in bot.ask(USER, "/start")[0]
    assert 'Following #1: words:"Falcon 9"' in bot.ask(USER, "/follow Falcon 9")[0]
    assert "America/New_York" in bot.ask(USER, "/timezone America/New_York")[0]
    files = sorted(corpus_dir(SERIES).glob("*.json"))
    # The first file is the silent baseline; in the second SpX USCV-1 (Crew-1) moved by a day.
    before, after = files[2], files[3]
    assert before.name.startswith("ll2-launch-upcoming-2020-11-13") and after.name.startswith(
        "ll2-launch-upcoming-2020-11-14"
    )
    list(replay(bot.store, build_source("ll2-launches", "ll2-launches"), [before, after], alerts="recorded"))
    deliver(bot)
    alerts = [m for m in bot.fake.messages(USER) if m.params.get("reply_markup")]
    assert len(alerts) == 1
    text = alerts[0].text or ""
    assert text.startswith("Delayed +23 h 37 min: Falcon 9 Block 5 | SpX USCV-1 (NASA Crew Flight 1)\n")
    # 2020-11-15 00:49:50 UTC → 2020-11-16 00:27 UTC, shown in New York (EST, UTC-5)
    assert text.splitlines()[1] == "2020-11-14 19:49:50 EST → 2020-11-15 19:27 EST"
    assert alerts[0].params["parse_mode"] == "HTML"
    assert bot.store.outbox.counts() == {"sent": 1}


def test_answers_in_a_busy_group_keep_to_the_group_limit(tmp_path: Path) -> None:
    """Eight commands at once in a group whose limit is 3 messages per 1.5 s: every one is
    answered, and the fake server (which checks sliding windows) sees no limit broken."""
    store = Store.open(f"sqlite:///{tmp_path / 'busy.db'}")
    limits = Limits(chat_count=100, group_count=3, group_window=1.5)
    with FakeTelegram(limits) as fake:
        strict = ChannelLimits(chat_count=100, group_count=3, group_window=1.5)
        runner = BotRunner(build_application(TOKEN, fake.base_url, Deps(store, frozenset()), strict),
                           poll_timeout=1)  # fmt: skip
        runner.start()
        try:
            group = -4300
            for n in range(8):
                fake.user_says(group, f"/timezone@launch_tracker_bot {'Mars/Olympus' if n % 2 else ''}")
            fake.wait_for(lambda: len(fake.messages(group)) >= 8, timeout=15)
        finally:
            runner.stop()
            store.close()
    assert fake.violations == [] and fake.max_rates()["group"] <= 3


def test_a_shared_location_sets_the_time_zone(bot: Bot) -> None:
    bot.ask(USER, "/start")
    before = len(bot.fake.messages(USER))
    bot.fake.user_shares_location(USER, 45.92, 63.34)  # Baikonur Cosmodrome
    bot.fake.wait_for(lambda: len(bot.fake.messages(USER)) > before)
    assert "Times are now shown in Asia/Qyzylorda" in (bot.fake.messages(USER)[-1].text or "")
    assert bot.store.subscriptions.get(f"tg:{USER}").timezone == "Asia/Qyzylorda"
    bot.fake.user_shares_location(USER, 28.56, -80.58)  # Cape Canaveral
    bot.fake.wait_for(lambda: "America/New_York" in (bot.fake.messages(USER)[-1].text or ""))
    assert bot.store.subscriptions.get(f"tg:{USER}").timezone == "America/New_York"


def test_zone_at_places_and_bad_points() -> None:
    assert zone_at(48.85, 2.35) == "Europe/Paris"
    assert zone_at(5.24, -52.77) == "America/Cayenne"  # Kourou
    assert zone_at(-40.0, -150.0) == "Etc/GMT+10"  # at sea: the nautical zone
    assert zone_at(95.0, 0.0) is None and zone_at(0.0, 200.0) is None


def test_group_commands_with_the_bot_name(bot: Bot) -> None:
    group = -4200
    bot.fake.set_admins(group, {4200})
    assert "Subscribed" in bot.ask(group, "/start@launch_tracker_bot")[0]
    assert bot.store.subscriptions.by_channel(ChannelKind.TELEGRAM, str(group)) is not None
    assert "Following" in bot.ask(group, "/follow@launch_tracker_bot vehicle:Electron")[0]
    bot.fake.user_says(group, "/help@some_other_bot")  # not for us: no answer
    bot.fake.user_says(group, "/weather")  # another bot's command, unaddressed: no answer
    assert "I don't know /nonsense" in bot.ask(group, "/nonsense@launch_tracker_bot")[0]
    assert all("/weather" not in m.text and "some_other_bot" not in m.text for m in bot.fake.messages(group))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/next abc", "N should be a number from 1 to 20"),
        ("/timezone Mars/Olympus_Mons", "unknown time zone"),
        ("/digest 25:00", "use on, off or a time"),
        ("/follow", "say what to follow"),
        ("/follow colour:red", "unknown filter"),
        ("/history", "name the event"),
        ("/history Nonexistent Rocket", "no event matches"),
        ("/changes forever", "is not a duration"),
        ("/unfollow 99", "no such follow"),
        ("/unfollow 99999999999999999999", "no such follow"),
        ("/history 99999999999999999999", "no event #99999999999999999999"),
        ("/history #99999999999999999999", "no event #99999999999999999999"),
        ("/changes 99999999999d", "longer than any duration"),
        ("/changes 99999999999999999999999", "longer than any duration"),
        ("/frobnicate", "I don't know /frobnicate"),
        ("/stats", "operators only"),
    ],
)
def test_bad_arguments_get_a_helpful_answer(bot: Bot, command: str, expected: str) -> None:
    bot.ask(USER, "/start")
    [answer] = bot.ask(USER, command)
    assert expected in answer


def test_commands_before_start_say_so(bot: Bot) -> None:
    assert "send /start first" in bot.ask(USER, "/follow Falcon 9")[0]
    assert "Launch tracker" in bot.ask(USER, "/help")[0]


def test_ambiguous_follow_offers_buttons_that_work(bot: Bot) -> None:
    t0 = datetime.now(UTC) + timedelta(days=10)
    launches = [snap(f"s{n}", span(t0 + timedelta(days=n), Precision.MINUTE), title=f"Falcon 9 | Starlink Group 6-{n}",
                     kind=EventKind.LAUNCH, type_="launch", vehicle="Falcon 9", site="SLC-40") for n in (1, 2, 3)]  # fmt: skip
    apply(bot.store, launches, datetime.now(UTC) - timedelta(hours=1))
    bot.ask(USER, "/start")
    bot.ask(USER, "/timezone Europe/Paris")
    [question] = bot.ask(USER, "/follow Starlink")
    assert "3 events match Starlink: which one?" in question
    markup = bot.fake.messages(USER)[-1].params["reply_markup"]["inline_keyboard"]
    data = [row[0]["callback_data"] for row in markup]
    assert data[-1] == "folw" and all(d.startswith("fol:") for d in data[:-1])
    event_id = int(data[0].split(":")[1])
    assert "Following #1" in bot.press(USER, data[0])[0]
    assert bot.store.subscriptions.get(f"tg:{USER}").follows[0].criteria == {"event": str(event_id)}
    assert "Following #2: Starlink" in bot.press(USER, "folw")[0]
    history = bot.press(USER, f"hist:{event_id}")[0]
    assert f"(#{event_id})" in history and "Now:" in history
    assert "Muted" in bot.press(USER, f"mute:{event_id}")[0]
    assert event_id in bot.store.subscriptions.get(f"tg:{USER}").muted
    # a broad follow ("Falcon 9" is a vehicle) is taken at once, without asking
    assert "Following #3" in bot.ask(USER, "/follow Falcon 9")[0]


def test_history_mute_digest_admin_and_stop(bot: Bot) -> None:
    now = datetime.now(UTC)
    t0 = now + timedelta(days=30)
    for day, hours_ago in ((0, 3), (2, 2), (5, 1)):
        apply(bot.store, [snap("nasty", span(t0 + timedelta(days=day), Precision.MINUTE), title=NASTY,
                               kind=EventKind.LAUNCH, type_="launch", vehicle="Falcon 9")],
              now - timedelta(hours=hours_ago))  # fmt: skip
    bot.ask(USER, "/start")
    history, chart = bot.ask(USER, "/history friends test", answers=2)[:2]
    assert NASTY in history and "2nd slip, +5 d in total" in history
    photo = bot.fake.calls_of("sendPhoto")[-1]
    assert chart == f"Slip chart: {NASTY}" and photo.params["photo"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "parse_mode" not in photo.params  # the caption is plain text: nothing to escape
    assert NASTY in bot.ask(USER, "/upcoming vehicle:Falcon 9")[0]
    assert "Muted " + NASTY in bot.ask(USER, "/mute friends")[0]
    assert "Unmuted" in bot.ask(USER, "/unmute friends")[0]
    assert "Daily digest at 07:30 (UTC)" in bot.ask(USER, "/digest 07:30")[0]
    assert bot.store.subscriptions.get(f"tg:{USER}").policy["digest"] == "07:30"
    assert "Daily digest off" in bot.ask(USER, "/digest off")[0]
    bot.ask(USER, "/follow all")
    assert NASTY in bot.ask(USER, "/next 3")[0]
    assert "What moved in the last 48 h" in bot.ask(USER, "/changes 48")[0]
    assert "Subscribers: 1 (1 active)" in bot.ask(USER, "/stats", user_id=ADMIN)[0]
    assert "<b>" not in bot.ask(USER, "/sources", user_id=ADMIN)[0]
    assert "Forgotten" in bot.ask(USER, "/stop")[0]
    assert bot.store.subscriptions.by_channel(ChannelKind.TELEGRAM, str(USER)) is None


def test_history_without_the_charts_extra_says_which_to_install(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    for day, hours_ago in ((0, 2), (3, 1)):
        apply(bot.store, [snap("moving", span(now + timedelta(days=30 + day), Precision.MINUTE), title="Moving One",
                               kind=EventKind.LAUNCH, type_="launch")], now - timedelta(hours=hours_ago))  # fmt: skip
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    bot.ask(USER, "/start")
    history, note = bot.ask(USER, "/history Moving One", answers=2)[:2]
    assert "Moving One" in history and "1st slip" in history
    assert note == "No chart: slip charts need the [charts] extra: pip install 'launch-tracker[charts]'."
    assert bot.fake.calls_of("sendPhoto") == []


def test_blocked_chat_comes_back_with_its_follows(bot: Bot) -> None:
    bot.ask(USER, "/start")
    bot.ask(USER, "/follow vehicle:Electron")
    sub = bot.store.subscriptions.get(f"tg:{USER}")
    bot.store.subscriptions.deactivate_channel(sub.channels[0].id, "blocked")
    assert "Welcome back" in bot.ask(USER, "/start")[0]
    again = bot.store.subscriptions.get(f"tg:{USER}")
    assert again.active and again.channels[0].active and again.follows[0].criteria == {"vehicle": "Electron"}


def test_tracker_bot_command_answers_and_delivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.cli.app import App
    from tracker.cli.bot import bot_command

    with FakeTelegram() as fake:
        config = tmp_path / "tracker.toml"
        config.write_text(f'[telegram]\napi_base_url = "{fake.base_url}"\ntoken_env = "TEST_BOT_TOKEN"\n')
        monkeypatch.setenv("TEST_BOT_TOKEN", TOKEN)
        fake.user_says(USER, "/start")
        app = App(str(config), f"sqlite:///{tmp_path / 'cli.db'}", None)
        result = CliRunner().invoke(bot_command, ["--duration", "1.5", "--interval", "0.2", "--poll-timeout", "0.2"],
                                    obj=app)  # fmt: skip
        app.close()
    assert result.exit_code == 0, result.output
    assert "Subscribed" in (fake.messages(USER)[0].text or "")
    assert TOKEN not in result.output


def test_tracker_bot_without_a_token_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli.app import App
    from tracker.cli.bot import bot_command

    monkeypatch.delenv("TRACKER_TELEGRAM_TOKEN", raising=False)
    config = tmp_path / "tracker.toml"
    config.write_text("[telegram]\nadmin_ids = [1]\n")
    result = CliRunner().invoke(bot_command, [], obj=App(str(config), f"sqlite:///{tmp_path / 'x.db'}", None))
    assert result.exit_code == 2 and "TRACKER_TELEGRAM_TOKEN" in result.output


# ---- groups, channels and topics ----


def test_in_a_group_only_administrators_change_follows_or_stop(bot: Bot) -> None:
    group, admin, member = -4400, 51, 52
    bot.fake.set_admins(group, {admin})
    assert "Only this group's administrators" in bot.ask(group, "/start", user_id=member)[0]
    assert bot.store.subscriptions.by_channel(ChannelKind.TELEGRAM, str(group)) is None
    assert "Subscribed" in bot.ask(group, "/start", user_id=admin)[0]
    assert "Following" in bot.ask(group, "/follow vehicle:Electron", user_id=admin)[0]
    for command in ("/stop", "/follow all", "/timezone Europe/Paris", "/digest on", "/unfollow 1"):
        assert "Only this group's administrators" in bot.ask(group, command, user_id=member)[0], command
    sub = bot.store.subscriptions.by_channel(ChannelKind.TELEGRAM, str(group))
    assert sub is not None and sub.active and [f.criteria for f in sub.follows] == [{"vehicle": "Electron"}]
    assert sub.timezone == "UTC"
    assert "Electron" in bot.ask(group, "/following", user_id=member)[0]  # reading is for everyone
    # getChatMember is asked once per member and then cached
    asked = [c.params for c in bot.fake.calls_of("getChatMember")]
    assert sorted(int(p["user_id"]) for p in asked) == [admin, member]
    assert "Forgotten" in bot.ask(group, "/stop", user_id=admin)[0]


def test_group_admin_check_can_be_turned_off(bot: Bot) -> None:
    bot.deps.group_admins_only = False
    assert "Subscribed" in bot.ask(-4500, "/start", user_id=61)[0]
    assert bot.fake.calls_of("getChatMember") == []


def test_a_channel_by_username_and_a_forum_topic_receive_alerts(bot: Bot) -> None:
    channel_id, forum = -1001234567890, -1009876543210
    bot.fake.add_chat(channel_id, "channel", "Launch news", "launchnews")
    bot.fake.add_chat(forum, "supergroup", "Launch forum", forum=True)
    subs = bot.store.subscriptions
    subs.add("channel", "UTC", [(ChannelKind.TELEGRAM, "@launchnews")], {})
    subs.add("topic", "UTC", [(ChannelKind.TELEGRAM, f"{forum}:42")], {})
    for name in ("channel", "topic"):
        subs.follow(name, {"vehicle": "Soyuz-5"})
    when = span(datetime.now(UTC) + timedelta(days=30), Precision.DAY)
    apply(bot.store, [snap(when=when)], datetime.now(UTC) - timedelta(hours=1))
    apply(bot.store, [snap(when=span(when.latest, Precision.DAY))], datetime.now(UTC) - timedelta(minutes=10))
    for _ in range(2):  # the first pass looks @launchnews up and moves the channel to its id
        deliver(bot)
    (to_channel,) = bot.fake.messages(channel_id)
    assert (to_channel.text or "").startswith("Delayed")
    assert [c.address for c in subs.get("channel").channels] == [str(channel_id)]
    (to_topic,) = bot.fake.messages(forum)
    assert int(to_topic.params["message_thread_id"]) == 42
    assert bot.store.outbox.counts() == {"sent": 2}


def test_start_in_a_forum_topic_subscribes_the_topic(bot: Bot) -> None:
    forum = -1005555
    bot.fake.add_chat(forum, "supergroup", "Forum", forum=True)
    bot.fake.set_admins(forum, {71})
    before = len(bot.fake.messages(forum))
    bot.fake.user_says(forum, "/start", user_id=71, thread=7)
    bot.fake.wait_for(lambda: len(bot.fake.messages(forum)) > before)
    answer = bot.fake.messages(forum)[-1]
    assert "Subscribed" in (answer.text or "") and int(answer.params["message_thread_id"]) == 7
    assert bot.store.subscriptions.by_channel(ChannelKind.TELEGRAM, f"{forum}:7") is not None


def test_telegram_chats_lists_the_chats_seen(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import main

    bot.fake.add_chat(-4600, "group", "Rocket <club>")
    bot.fake.set_admins(-4600, {4600})
    bot.ask(USER, "/start")
    bot.ask(-4600, "/help")
    url = str(bot.store.engine.url)
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")
    result = CliRunner().invoke(main, ["--database", url, "telegram", "chats"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(str(USER) in line and "private" in line for line in lines)
    assert any("-4600" in line and "group" in line and "Rocket <club>" in line for line in lines)


def test_test_alert_reports_each_channel(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.cli import main

    sink = tmp_path / "console.txt"
    bot.store.subscriptions.add("ada", "UTC", [(ChannelKind.CONSOLE, str(sink)), (ChannelKind.TELEGRAM, str(USER)),
                                               (ChannelKind.TELEGRAM, "@nobodyhere")], {})  # fmt: skip
    config = tmp_path / "tracker.toml"
    config.write_text(f'[telegram]\napi_base_url = "{bot.fake.base_url}"\ntoken_env = "TEST_BOT_TOKEN"\n')
    monkeypatch.setenv("TEST_BOT_TOKEN", TOKEN)
    result = CliRunner().invoke(main, ["--config", str(config), "--database", str(bot.store.engine.url),
                                       "test-alert", "ada"])  # fmt: skip
    assert result.exit_code == 1, result.output  # one channel failed
    assert f"console {sink}: sent" in result.output and f"telegram {USER}: sent" in result.output
    assert "telegram @nobodyhere: failed: no chat @nobodyhere" in result.output
    assert "Test: alerts reach this channel" in sink.read_text()
    assert "Test: alerts reach this channel" in (bot.fake.messages(USER)[-1].text or "")
    assert bot.store.outbox.counts() == {}


def test_follow_offers_to_leave_out_a_recurring_family(bot: Bot) -> None:
    soon = datetime.now(UTC) + timedelta(days=10)
    items = [snap(f"sl{n}", span(soon + timedelta(days=n), Precision.DAY), title=f"Falcon 9 | Starlink Group 9-{n}",
                  kind=EventKind.LAUNCH, type_="launch", vehicle="Falcon 9") for n in range(3)]  # fmt: skip
    items.append(snap("crew", span(soon, Precision.DAY), title="Falcon 9 | Crew-13", kind=EventKind.LAUNCH,
                      type_="launch", vehicle="Falcon 9"))  # fmt: skip
    apply(bot.store, items, datetime.now(UTC))
    bot.ask(USER, "/start")
    bot.ask(USER, "/follow vehicle:Falcon 9")
    offer = bot.fake.messages(USER)[-1]
    buttons = [b for row in offer.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Except Starlink"]
    bot.press(USER, buttons[0]["callback_data"])
    (follow,) = bot.store.subscriptions.get(f"tg:{USER}").follows
    assert follow.criteria == {"vehicle": "Falcon 9", "not_words": "Starlink"}

"""A fake Telegram Bot API server on 127.0.0.1, speaking real HTTP to python-telegram-bot.

It answers the methods the bot uses, parses HTML like Telegram does (a stray ``<``
or ``&`` is "can't parse entities"), rejects texts over 4096 characters, and can be
told to fail for given chats (429 with ``retry_after``, 403, 400 chat not found,
migration to a supergroup). It records every call with its time and COUNTS the
messages globally, per chat and per group in sliding windows, so that a test can
assert the limits were never exceeded (an excess is also answered with 429, as
Telegram does).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import email.parser
import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Launch Tracker", "username": "launch_tracker_bot"}
SEND_METHODS = {"sendMessage", "sendPhoto"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                "span", "blockquote"}  # fmt: skip
_TOKEN = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>|&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot);|[<>&]"
)
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}


class EntityError(ValueError):
    pass


def parse_html(text: str) -> str:
    """The text a Telegram user sees, or EntityError where Telegram would refuse the HTML."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        closing, tag, entity = m.group(1), m.group(2), m.group(4)
        if tag:
            tag = tag.lower()
            if tag not in ALLOWED_TAGS:
                raise EntityError(f'Unsupported start tag "{tag}" at byte offset {m.start()}')
            if closing:
                if not stack or stack[-1] != tag:
                    raise EntityError(f"Unexpected end tag at byte offset {m.start()}")
                stack.pop()
            else:
                stack.append(tag)
        elif entity:
            if entity.startswith("#x"):
                out.append(chr(int(entity[2:], 16)))
            elif entity.startswith("#"):
                out.append(chr(int(entity[1:])))
            else:
                out.append(_ENTITIES[entity])
        else:
            raise EntityError(f"Unsupported start tag or bare {m.group()!r} at byte offset {m.start()}")
    out.append(text[pos:])
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    chat_id: int | None
    status: int = 200
    text: str | None = None  # for messages: the text as the user sees it (entities decoded)
    message_id: int | None = None


@dataclass
class Limits:
    """What the fake enforces: at most ``*_count`` messages in any ``*_window`` seconds."""

    global_count: int = 30
    global_window: float = 1.0
    chat_count: int = 1
    chat_window: float = 1.0
    group_count: int = 20
    group_window: float = 60.0


@dataclass
class Failure:
    code: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    times: int = 1  # how many sends fail this way (-1: always)


def _error(code: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


def _slide(times: collections.deque[float], now: float, window: float) -> int:
    """Append ``now`` to a window of arrival times, drop those ``window`` or more before it,
    and return how many are left (``now`` included)."""
    times.append(now)
    while now - times[0] >= window:
        times.popleft()
    return len(times)


def _recent(times: collections.deque[float], now: float, window: float) -> int:
    """How many of ``times`` (oldest first) are less than ``window`` before ``now``."""
    n = 0
    for t in reversed(times):
        if now - t >= window:
            break
        n += 1
    return n


def _densest(times: list[float], window: float) -> int:
    """The most of ``times`` (in order) that fall within any ``window`` seconds."""
    best, first = 0, 0
    for i, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        best = max(best, i - first + 1)
    return best


class FakeTelegram:
    """Start with ``with FakeTelegram() as tg:``; point PTB at ``tg.base_url``."""

    def __init__(self, limits: Limits | None = None, poll_cap: float = 0.3) -> None:
        self.limits = limits or Limits()
        self.poll_cap = poll_cap
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.failures: dict[int, list[Failure]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = collections.defaultdict(
            lambda: itertools.count(1)
        )
        self._sent: list[tuple[float, int]] = []  # (arrival, chat) of every counted message, in time order
        self._global: collections.deque[float] = collections.deque()  # arrivals within the global window
        self._chats: dict[int, collections.deque[float]] = {}  # per chat: arrivals within its windows
        self.chats: dict[int, dict[str, Any]] = {}  # chats getChat knows (by id; @username looked up)
        self.admins: dict[int, set[int]] = {}  # chat -> user ids that are its administrators
        self._lock = threading.Condition()
        self.meet = 0  # > 1: hold messages until this many have been answered at once (or 10 s)
        self.most_at_once = 0  # the most messages seen being answered at the same time
        self._at_once = 0
        self._gate = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---- lifecycle -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what tests do -----------------------------------------------------------

    def fail(self, chat_id: int, failure: Failure) -> None:
        with self._lock:
            self.failures.setdefault(chat_id, []).append(failure)

    def fail_429(self, chat_id: int, retry_after: int, times: int = 1) -> None:
        self.fail(chat_id, Failure(429, f"Too Many Requests: retry after {retry_after}",
                                   {"retry_after": retry_after}, times))  # fmt: skip

    def fail_blocked(self, chat_id: int) -> None:
        self.fail(chat_id, Failure(403, "Forbidden: bot was blocked by the user", times=-1))

    def fail_not_found(self, chat_id: int) -> None:
        self.fail(chat_id, Failure(400, "Bad Request: chat not found", times=-1))

    def fail_migrated(self, chat_id: int, new_chat_id: int) -> None:
        self.fail(chat_id, Failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                   {"migrate_to_chat_id": new_chat_id}, times=-1))  # fmt: skip

    def add_chat(self, chat_id: int, type_: str, title: str, username: str | None = None, *,
                 forum: bool = False) -> None:  # fmt: skip
        """A chat getChat answers for (by id, or by ``@username`` for public channels and groups)."""
        chat: dict[str, Any] = {"id": chat_id, "type": type_, "title": title}
        if username:
            chat["username"] = username
        if forum:
            chat["is_forum"] = True
        with self._lock:
            self.chats[chat_id] = chat

    def set_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Who getChatMember calls an administrator of ``chat_id`` (everyone else is a member)."""
        with self._lock:
            self.admins[chat_id] = set(user_ids)

    def push(self, update: dict[str, Any]) -> None:
        with self._lock:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._lock.notify_all()

    def user_says(
        self, chat_id: int, text: str, *, user_id: int | None = None, thread: int | None = None
    ) -> None:
        """A user sends ``text`` (a leading /command gets its bot_command entity, as from Telegram);
        ``thread``: in that forum topic of a supergroup."""
        message = self._message(chat_id, user_id, text=text)
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
            message["chat"].update(type="supergroup", is_forum=True)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self.push({"message": message})

    def user_shares_location(self, chat_id: int, latitude: float, longitude: float) -> None:
        """A user shares a location (the paperclip → Location in Telegram)."""
        self.push(
            {"message": self._message(chat_id, None, location={"latitude": latitude, "longitude": longitude})}
        )

    def _message(self, chat_id: int, user_id: int | None, **content: Any) -> dict[str, Any]:
        user = {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Ada"}
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        chat.update({"first_name": "Ada"} if chat_id > 0 else {"title": "Launch fans"})
        chat.update(self.chats.get(chat_id, {}))
        return {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()), "chat": chat,
                "from": user, **content}  # fmt: skip

    def press(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> str:
        """A user presses an inline button with callback ``data`` under message ``message_id``."""
        user = {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Ada"}
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "Ada"}
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": "..."}
        query_id = f"q{next(self._update_ids)}"
        self.push({"callback_query": {"id": query_id, "from": user, "chat_instance": "ci", "message": message,
                                      "data": data}})  # fmt: skip
        return query_id

    def messages(self, chat_id: int | None = None) -> list[Call]:
        """Messages accepted (status 200), in order; optionally for one chat."""
        with self._lock:
            return [c for c in self.calls if c.method in SEND_METHODS and c.status == 200
                    and (chat_id is None or c.chat_id == chat_id)]  # fmt: skip

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError("the fake Telegram server did not see what the test waited for")

    def max_rates(self) -> dict[str, int]:
        """The most messages seen in any window: overall, to one chat, to one group."""
        with self._lock:
            sent = list(self._sent)
        lim = self.limits
        per_chat: dict[int, list[float]] = collections.defaultdict(list)
        for t, chat in sent:
            per_chat[chat].append(t)
        best = {"global": _densest([t for t, _ in sent], lim.global_window), "chat": 0, "group": 0}
        for chat, times in per_chat.items():
            best["chat"] = max(best["chat"], _densest(times, lim.chat_window))
            if chat < 0:
                best["group"] = max(best["group"], _densest(times, lim.group_window))
        return best

    def summary(self, rates: bool = True) -> dict[str, Any]:
        """What a benchmark reads at the end: messages accepted, distinct chats reached, 429s
        answered (a limit broken, or told to), and the densest windows seen."""
        with self._lock:
            accepted = [c.chat_id for c in self.calls if c.method in SEND_METHODS and c.status == 200]
            refused = sum(1 for c in self.calls if c.status == 429)
            violations = len(self.violations)
        return {"messages": len(accepted), "chats": len(set(accepted)), "429": refused,
                "violations": violations, "max_rates": self.max_rates() if rates else {}}  # fmt: skip

    # ---- the server side -----------------------------------------------------------

    def _count(self, chat: int, now: float) -> str | None:
        """Record one message; the limit it breaks, if any, counting the windows ending now.
        The windows are deques trimmed as they slide, so a message costs the same however
        many came before it."""
        lim = self.limits
        self._sent.append((now, chat))
        overall = _slide(self._global, now, lim.global_window)
        own = self._chats.setdefault(chat, collections.deque())
        _slide(own, now, max(lim.chat_window, lim.group_window) if chat < 0 else lim.chat_window)
        in_chat = _recent(own, now, lim.chat_window)
        if overall > lim.global_count:
            return f"global: {overall} messages within {lim.global_window} s"
        if in_chat > lim.chat_count:
            return f"chat {chat}: {in_chat} messages within {lim.chat_window} s"
        if chat < 0 and (group := _recent(own, now, lim.group_window)) > lim.group_count:
            return f"group {chat}: {group} messages within {lim.group_window} s"
        return None

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method not in SEND_METHODS:
            return self._answer_now(method, params)
        with self._gate:  # how many messages overlap (a client that sends one at a time: never two)
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
            self._gate.notify_all()
            if self.meet > 1:
                self._gate.wait_for(lambda: self.most_at_once >= self.meet, timeout=10)
        try:
            return self._answer_now(method, params)
        finally:
            with self._gate:
                self._at_once -= 1

    def _answer_now(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(params["chat_id"]) if str(params.get("chat_id", "")).lstrip("-").isdigit() else None
        with self._lock:  # the arrival is taken under the lock, so the windows see it in order
            now = time.monotonic()
            call = Call(method, params, now, chat_id)
            self.calls.append(call)
            status, body = self._dispatch(call, now)
            call.status = status
            return status, body

    def _dispatch(self, call: Call, now: float) -> tuple[int, dict[str, Any]]:
        method, params = call.method, call.params
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method in ("deleteWebhook", "setMyCommands", "answerCallbackQuery", "close", "logOut"):
            return 200, {"ok": True, "result": True}
        if method == "getMyCommands":
            return 200, {"ok": True, "result": []}
        if method == "getChat":
            return self._get_chat(str(params.get("chat_id", "")))
        if method == "getChatMember":
            chat, user = int(params.get("chat_id", 0)), int(params.get("user_id", 0))
            status = "administrator" if user in self.admins.get(chat, set()) else "member"
            member: dict[str, Any] = {
                "status": status,
                "user": {"id": user, "is_bot": False, "first_name": "U"},
            }
            if status == "administrator":
                member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                              can_delete_messages=True, can_manage_video_chats=True, can_restrict_members=True,
                              can_promote_members=False, can_change_info=True, can_invite_users=True,
                              can_post_stories=False, can_edit_stories=False, can_delete_stories=False)  # fmt: skip
            return 200, {"ok": True, "result": member}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "editMessageText":
            try:
                text = (
                    parse_html(params.get("text", ""))
                    if params.get("parse_mode") == "HTML"
                    else params.get("text")
                )
            except EntityError as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
            chat = call.chat_id or 0
            result = {"message_id": int(params.get("message_id", 0)), "date": int(time.time()),
                      "chat": {"id": chat, "type": "private" if chat > 0 else "group"}, "text": text}  # fmt: skip
            return 200, {"ok": True, "result": result}
        if method in SEND_METHODS:
            return self._send(call, now)
        return _error(404, "Not Found: method not found")

    def _get_chat(self, ref: str) -> tuple[int, dict[str, Any]]:
        found = next(
            (c for c in self.chats.values() if ref in (str(c["id"]), "@" + str(c.get("username")))), None
        )
        if found is None:
            return _error(400, "Bad Request: chat not found")
        return 200, {"ok": True, "result": {**found, "accent_color_id": 0, "max_reaction_count": 11}}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout", 0) or 0), self.poll_cap)
        if not self._updates and wait > 0:
            self._lock.wait(wait)
        return list(self._updates)

    def _send(self, call: Call, now: float) -> tuple[int, dict[str, Any]]:
        chat = call.chat_id
        if chat is None:
            return _error(400, "Bad Request: chat_id is empty")
        pending = self.failures.get(chat, [])
        if pending:
            failure = pending[0]
            if failure.times > 0:
                failure.times -= 1
                if failure.times == 0:
                    pending.pop(0)
            return _error(failure.code, failure.description, **failure.parameters)
        problem = self._count(chat, now)
        if problem:
            self.violations.append(problem)
            return _error(429, "Too Many Requests: retry after 1", retry_after=1)
        raw = call.params.get("text" if call.method == "sendMessage" else "caption", "") or ""
        try:
            text = parse_html(raw) if call.params.get("parse_mode") == "HTML" else raw
        except EntityError as exc:
            return _error(400, f"Bad Request: can't parse entities: {exc}")
        if len(text.encode("utf-16-le")) // 2 > (4096 if call.method == "sendMessage" else 1024):
            return _error(400, "Bad Request: message is too long")
        call.text = text
        call.message_id = next(self._message_ids[chat])
        result: dict[str, Any] = {"message_id": call.message_id, "date": int(time.time()),
                                  "chat": {"id": chat, "type": "private" if chat > 0 else "group"}, "from": BOT_USER}  # fmt: skip
        if call.params.get("message_thread_id"):  # a forum topic: the message lands in it
            result.update(message_thread_id=int(call.params["message_thread_id"]), is_topic_message=True)
        if call.method == "sendMessage":
            result["text"] = text
        else:
            result["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}]
            result["caption"] = text
        return 200, {"ok": True, "result": result}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait for a delayed ACK (40 ms)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                method = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, answer = fake._answer(method, _params(self.headers.get("Content-Type", ""), body))
                data = json.dumps(answer).encode()
                head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n")  # fmt: skip
                try:  # one send per answer: headers and body in one segment (with TCP_NODELAY)
                    self.wfile.write(head.encode() + data)
                except (BrokenPipeError, ConnectionResetError):  # a client that stopped polling
                    self.close_connection = True

        return Handler


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    """Form, multipart or JSON bodies; nested objects arrive JSON-encoded and are decoded."""
    raw: dict[str, Any]
    if content_type.startswith("application/json"):
        raw = json.loads(body or b"{}")
    elif content_type.startswith("multipart/form-data"):
        head = b"Content-Type: " + content_type.encode() + b"\r\n\r\n"
        raw = {}
        for part in email.parser.BytesParser().parsebytes(head + body).get_payload():  # type: ignore[union-attr]
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            raw[str(name)] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    else:
        raw = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in ("reply_markup", "reply_parameters", "allowed_updates", "commands", "link_preview_options"):
        if isinstance(raw.get(key), str):
            raw[key] = json.loads(raw[key])
    return raw


class FakeTelegramProcess:
    """The fake in a process of its own, for throughput: in the client's process it would share
    its interpreter lock and its ceiling would be the client's. ``summary()`` asks it what it saw."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeTelegramProcess:
        root = Path(__file__).resolve().parents[2]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.fake_telegram", json.dumps(dataclasses.asdict(self.limits))],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url:
            self.__exit__()
            raise RuntimeError("the fake Telegram process did not start")
        return self

    def summary(self, rates: bool = True) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin and self._process.stdout
        self._process.stdin.write("summary\n" if rates else "counts\n")
        self._process.stdin.flush()
        result: dict[str, Any] = json.loads(self._process.stdout.readline())
        return result

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError):  # the process is gone already
            self._process.communicate("stop\n", timeout=10)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(5)


def _serve(limits: Limits) -> None:
    """``FakeTelegramProcess``'s side: the base URL on stdout, then a JSON summary for each
    "summary" (or "counts", without the windows) read on stdin, until "stop" or end of input."""
    with FakeTelegram(limits) as tg:
        print(tg.base_url, flush=True)
        for line in sys.stdin:
            if line.strip() == "stop":
                break
            print(json.dumps(tg.summary(rates=line.strip() == "summary")), flush=True)


if __name__ == "__main__":
    _serve(Limits(**json.loads(sys.argv[1])) if len(sys.argv) > 1 else Limits())

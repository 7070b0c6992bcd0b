"""``tracker config check --connect``: can each configured channel be reached? Sends
nothing: an SMTP handshake (EHLO, STARTTLS or TLS, login, QUIT) and a Bot API ``getMe``."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.config import TrackerConfig


@dataclass(frozen=True)
class Reach:
    channel: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.channel}: {'reachable' if self.ok else 'NOT reachable'}: {self.detail}"


def reach_smtp(cfg: TrackerConfig, env: Mapping[str, str] | None = None) -> Reach:
    from tracker.notify.email import smtp_session

    s = cfg.email
    where = f"{s.host}:{s.port}"
    password = (os.environ if env is None else env).get(s.password_env, "")
    steps = {"none": ["EHLO"], "starttls": ["EHLO", "STARTTLS"], "tls": ["TLS", "EHLO"]}[s.security]
    if s.username:
        steps.append(f"login as {s.username}")
    try:
        smtp = smtp_session(s, password)
        try:
            smtp.ehlo_or_helo_if_needed()  # without TLS or login, nothing has said EHLO yet
        finally:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                smtp.close()
    except smtplib.SMTPAuthenticationError as exc:
        return Reach("email", False, f"{where} refused the login as {s.username!r} ({exc.smtp_code})")
    except smtplib.SMTPNotSupportedError as exc:
        return Reach("email", False, f"{where} does not support what [email] asks: {exc}")
    except ssl.SSLError as exc:
        return Reach("email", False, f"TLS with {where} failed: {exc}")
    except (smtplib.SMTPException, OSError) as exc:
        return Reach("email", False, f"{where}: {type(exc).__name__}: {exc}")
    return Reach("email", True, f"{where} ({', '.join(steps)})")


def reach_telegram(cfg: TrackerConfig, env: Mapping[str, str] | None = None) -> Reach:
    from tracker.notify.telegram import TelegramChannel, limits_of

    section = cfg.telegram
    token = section.token(dict(env) if env is not None else None)
    if token is None:
        return Reach("telegram", False, f"${section.token_env} is empty")
    channel = TelegramChannel(token, base_url=section.api_base_url, limits=limits_of(section), timeout=10.0)
    try:
        name = channel.username()
    except Exception as exc:  # PTB's InvalidToken, NetworkError, TimedOut...
        detail = f"{type(exc).__name__}: {exc}".replace(token, "<token>")
        return Reach("telegram", False, f"getMe failed: {detail}")
    finally:
        channel.close()
    return Reach("telegram", True, f"getMe answered @{name}")

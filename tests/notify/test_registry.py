"""Every channel class in tracker/notify is registered, and every registered kind loads whole."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import tracker.notify as pkg
from tracker.config import TrackerConfig
from tracker.notify import CHANNEL_KINDS, channel_class, digest_kinds
from tracker.notify.base import Channel


def _defined_channels() -> dict[str, type[Channel]]:
    found: dict[str, type[Channel]] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Channel) and cls is not Channel and cls.__module__ == module.__name__:
                found[f"{module.__name__}:{cls.__name__}"] = cls
    return found


def test_every_channel_class_is_registered():
    defined = _defined_channels()
    assert defined, "no channel classes found"
    assert set(defined) == set(CHANNEL_KINDS.values())


def test_every_registered_kind_loads_with_its_own_section():
    fields = TrackerConfig.model_fields
    for kind in CHANNEL_KINDS:
        cls = channel_class(kind)
        assert issubclass(cls, Channel) and cls.kind == kind
        assert not inspect.isabstract(cls), f"{kind} leaves part of the channel contract out"
        if cls.Settings is not None:
            assert cls.Settings.model_config.get("extra") == "forbid"
            assert fields[kind].annotation is cls.Settings  # the [kind] section is the channel's own
    assert digest_kinds() == {k for k in CHANNEL_KINDS if channel_class(k).digests}
    assert "console" not in digest_kinds() and {"email", "telegram"} <= digest_kinds()


def test_a_channel_without_digests_refuses_them_plainly():
    console = channel_class("console")()
    result = console.send_digest(None)  # type: ignore[arg-type]
    assert not result.sent and result.retry_after is None and "does not send digests" in (result.error or "")

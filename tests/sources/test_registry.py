"""Every source module is a registered kind, and every kind loads with a strict options model."""

from __future__ import annotations


def test_every_source_kind_is_registered_and_loads():
    import pkgutil

    import tracker.sources as pkg
    from tracker.sources import SOURCE_KINDS, source_class
    from tracker.sources.base import Source

    # base (the contract), http (the fetch layer) and _private helper modules are not kinds
    modules = {m.name for m in pkgutil.iter_modules(pkg.__path__)} - {"base", "http", "bounded"}
    modules = {m for m in modules if not m.startswith("_")}
    registered = {target.split(":")[0].rsplit(".", 1)[1] for target in SOURCE_KINDS.values()}
    assert modules == registered
    for kind in SOURCE_KINDS:
        cls = source_class(kind)
        assert issubclass(cls, Source) and cls.Options.model_config.get("extra") == "forbid"

"""Loading the configuration: find the file, read it with :mod:`tomllib`, apply the
environment overrides, resolve paths against the file's folder, and validate it all at
once, so that every mistake is reported together, in file order.

Finding and reading the file import no pydantic (``tracker.config.checked`` shares them);
the models are imported when a configuration is validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.config.paths import ENV_CONFIG, ENV_DATABASE_URL, ENV_TIMEZONE, default_config_path
from tracker.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tracker.config.problems import Loc
    from tracker.config.sections import TrackerConfig

__all__ = ["load_config"]


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> TrackerConfig:
    """Read, override from ``env`` (default ``os.environ``) and validate the configuration.

    ``path`` None: ``$TRACKER_CONFIG``, else :func:`default_config_path` if it exists,
    else the built-in defaults. A path given explicitly (argument or TRACKER_CONFIG)
    must exist. Raises :class:`ConfigError` listing every problem found.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    file, named_by = choose_file(path, environ)
    return config_from(read_file(file, named_by) if file is not None else None, file, named_by, environ)


def config_from(
    data: bytes | None, file: Path | None, named_by: str | None, env: Mapping[str, str]
) -> TrackerConfig:
    """The configuration in ``data``, the bytes of ``file`` (None: no file, the built-in
    defaults), validated against ``env``'s overrides; :class:`ConfigError` lists every problem."""
    where = str(file) if file is not None else None
    raw = _parse_toml(data, where) if data is not None else {}
    return _validate(raw, env, where, file.parent if file is not None else None)


def describe_source(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Which file :func:`load_config` reads for these arguments, and why (for ``config check``)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    file, named_by = choose_file(path, environ)
    if file is None:
        return (
            f"no config file: built-in defaults (${ENV_CONFIG} is unset and "
            f"{default_config_path()} does not exist)"
        )
    if named_by:
        return f"{file} (named by ${named_by})"
    if path is not None and str(path) != "":
        return f"{file} (named on the command line)"
    return f"{file} (the default path; ${ENV_CONFIG} is unset)"


def choose_file(path: str | Path | None, env: Mapping[str, str]) -> tuple[Path | None, str | None]:
    """The file to read (None: built-in defaults), and the variable that named it, if one did."""
    if path is not None and str(path) != "":
        return Path(path).expanduser(), None
    named = env.get(ENV_CONFIG, "")
    if named:
        return Path(named).expanduser(), ENV_CONFIG
    default = default_config_path()
    return (default, None) if default.is_file() else (None, None)


def read_file(file: Path, named_by: str | None) -> bytes:
    """The bytes of the chosen file; :class:`ConfigError` when it cannot be read."""
    where = str(file)
    how = f" (named by {named_by})" if named_by else ""
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"config file does not exist{how}"], where) from None
    except IsADirectoryError:
        raise ConfigError([f"config path is a directory, not a file{how}"], where) from None
    except OSError as exc:
        raise ConfigError([f"cannot read config file: {exc.strerror or exc}"], where) from None


def _parse_toml(data: bytes, where: str | None) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(data.decode())
    except UnicodeDecodeError as exc:
        raise ConfigError([f"config file is not valid UTF-8 (byte {exc.start})"], where) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"TOML syntax error: {exc}"], where) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise ConfigError(["TOML nested too deeply to read"], where) from None


def _validate(
    raw: dict[str, Any], env: Mapping[str, str], where: str | None, base: Path | None
) -> TrackerConfig:
    from pydantic import ValidationError

    from tracker.config.problems import format_problem
    from tracker.config.sections import DEFAULT_SOURCE_TABLES, TrackerConfig

    raw = dict(raw)
    from_env: dict[Loc, str] = {}
    for section, key, var in (("tracker", "timezone", ENV_TIMEZONE), ("database", "url", ENV_DATABASE_URL)):
        value = env.get(var, "")
        if value and isinstance(raw.get(section, {}), dict):
            raw[section] = {**raw.get(section, {}), key: value}
            from_env[(section, key)] = var

    if base is not None:  # paths are relative to the config file, not to wherever the tracker was started
        for section, key in (("tracker", "data_dir"), ("email", "ca_file")):
            table = raw.get(section)
            if isinstance(table, dict) and isinstance(table.get(key), str) and table[key]:
                raw[section] = {**table, key: str(base / Path(table[key]).expanduser())}

    problems: list[tuple[Loc, str]] = []
    unchecked: set[int] = set()  # sources whose options were checked (and failed) here
    if "sources" not in raw:
        raw["sources"] = [dict(source) for source in DEFAULT_SOURCE_TABLES]
    if isinstance(raw.get("sources"), list):
        raw["sources"] = _check_sources(raw["sources"], problems, unchecked)

    try:
        cfg = TrackerConfig.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            if err["type"] in ("duplicate_source_name", "options_unchecked"):
                continue  # reported by _check_sources, or noise after an invalid kind
            if len(loc) >= 3 and loc[0] == "sources" and loc[2] == "options" and loc[1] in unchecked:
                continue
            message = format_problem(err, loc, _model_at(loc[:-1]))
            if loc in from_env:
                message += f" (from environment variable {from_env[loc]})"
            problems.append((loc, message))
    else:
        if not problems:
            return cfg

    problems.sort(key=lambda p: _order(p[0]))
    raise ConfigError([message for _, message in problems], where)


def _check_sources(sources: list[Any], problems: list[tuple[Loc, str]], unchecked: set[int]) -> list[Any]:
    """Check what pydantic cannot locate precisely: duplicate names and kind options."""
    from pydantic import ValidationError
    from pydantic_core import PydanticCustomError

    from tracker.config.problems import format_loc, format_problem
    from tracker.config.sections import load_options_model
    from tracker.sources import SOURCE_KINDS

    first: dict[str, int] = {}
    checked: list[Any] = []
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            checked.append(source)
            continue
        source = dict(source)
        name = source.get("name")
        if isinstance(name, str):
            if name in first:
                loc: Loc = ("sources", i, "name")
                problems.append(
                    (loc, f"{format_loc(loc)}: duplicate source name '{name}' (also sources[{first[name]}])")
                )
            else:
                first[name] = i
        kind = source.get("kind")
        if isinstance(kind, str) and kind in SOURCE_KINDS:
            options = source.get("options", {})
            loc = ("sources", i, "options")
            if not isinstance(options, dict):
                problems.append((loc, f"{format_loc(loc)}: should be a table ([sources.options])"))
                unchecked.add(i)
            else:
                try:
                    model = load_options_model(kind)
                    source["options"] = model.model_validate(options)
                except PydanticCustomError as exc:  # the kind's module cannot be loaded
                    kloc: Loc = ("sources", i, "kind")
                    problems.append((kloc, f"{format_loc(kloc)}: {exc.message()}"))
                    unchecked.add(i)
                except ValidationError as exc:
                    for err in exc.errors():
                        eloc = loc + tuple(err["loc"])
                        owner = model if len(err["loc"]) == 1 else None
                        problems.append((eloc, format_problem(err, eloc, owner)))
                    unchecked.add(i)
        checked.append(source)
    return checked


@cache
def _sections() -> dict[str, type[BaseModel]]:
    """Each section's model, in file order, from the top-level model itself."""
    from pydantic import BaseModel

    from tracker.config.sections import TrackerConfig

    return {
        name: field.annotation
        for name, field in TrackerConfig.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model that owns the keys at ``loc`` (for 'did you mean')."""
    from tracker.config.sections import SourceConfig, TrackerConfig

    if not loc:
        return TrackerConfig
    if len(loc) == 1 and isinstance(loc[0], str):
        return _sections().get(loc[0])
    if len(loc) == 2 and loc[0] == "sources" and isinstance(loc[1], int):
        return SourceConfig
    return None


def _order(loc: Loc) -> tuple[int, int, int]:
    """Sort problems in file order: sections first, then sources by position and key."""
    from tracker.config.sections import SourceConfig

    top_order = [*_sections(), "sources"]
    top = top_order.index(loc[0]) if loc and loc[0] in top_order else len(top_order)
    index = key = -1
    if len(loc) > 1 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        if len(loc) > 2:
            fields = list(SourceConfig.model_fields)
            key = fields.index(loc[2]) if loc[2] in fields else len(fields)
    return top, index, key

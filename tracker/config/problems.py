"""How a configuration mistake is worded: pydantic's errors turned into ``location: message``
lines that name the TOML key ("sources[1].interval_minutes: Input should be greater than 0",
"database.ulr: unknown key (did you mean 'url'?)")."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

Loc = tuple[int | str, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else f'"{part}"'
            text += f".{key}" if text else key
    return text or "(top level)"


def format_problem(err: Any, loc: Loc, owner: type[BaseModel] | None) -> str:
    """``location: message`` for one pydantic error, worded for a TOML file."""
    kind: str = err["type"]
    message: str = err["msg"]
    if kind == "extra_forbidden":
        message = "unknown key"
        key = loc[-1] if loc else None
        if owner is not None and isinstance(key, str):
            import difflib

            close = difflib.get_close_matches(key, list(owner.model_fields), n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
    elif kind == "missing":
        message = "required key is missing"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = "should be a table ([[sources]] entry)" if loc[:1] == ("sources",) else "should be a table"
    elif kind == "list_type":
        message = (
            "should be an array of tables ([[sources]])" if loc == ("sources",) else "should be an array"
        )
    elif kind.endswith(("_type", "_parsing")):
        message = f"{message} (got {err.get('input')!r})"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    if not loc:
        return message
    return f"{format_loc(loc)}: {message}"

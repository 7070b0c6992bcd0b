"""Rules shared by every section model, the core ones here and the channels' own."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict
from pydantic_core import PydanticCustomError

STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
HTTP_URL = re.compile(r"https?://\S+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def env_name(value: str) -> str:
    """A ``*_env`` option holds the NAME of an environment variable, never the secret."""
    if not ENV_NAME.fullmatch(value):
        raise PydanticCustomError(
            "env_name", "should be the NAME of an environment variable, e.g. 'TRACKER_SMTP_PASSWORD'"
        )
    return value


EnvName = Annotated[str, AfterValidator(env_name)]

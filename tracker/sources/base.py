"""What every source provides: a network ``fetch`` and a pure ``parse``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin

from pydantic import BaseModel, ConfigDict

from tracker.models import FetchOutcome, Parsed, RawDocument

if TYPE_CHECKING:
    from tracker.sources.http import Http


def compiled_regex(value: str | None) -> str | None:
    """An options validator: the value must be a valid regular expression (or None)."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


OptionsT = TypeVar("OptionsT", bound=BaseModel)


class Source(Generic[OptionsT]):
    """A configured source. Subclasses name their options model as the type parameter,
    ``class Feed(Source[FeedOptions])``: that is ``Options`` (the config's ``options`` table) and
    types ``self.options``. They implement both halves, ``fetch`` and a pure ``parse``.

    ``complete`` says whether one fetch returns the source's whole list, so that an
    item missing from it has really left the list (dropped) rather than moved to a
    page we did not read.
    """

    Options: ClassVar[type[BaseModel]] = NoOptions
    default_url: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """``Options`` is the model named as the type parameter (``Source[FeedOptions]``)."""
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            args = get_args(base)
            if get_origin(base) is Source and args and isinstance(args[0], type):
                cls.Options = args[0]

    def __init__(
        self,
        name: str,
        url: str | None = None,
        options: dict[str, Any] | BaseModel | None = None,
        kind: str = "",
        trust: int = 50,
    ) -> None:
        self.name = name
        self.kind = kind or type(self).__name__
        self.trust = trust  # when sources disagree about one event, the most trusted decides
        self.url = url or self.default_url
        validated = options if isinstance(options, BaseModel) else self.Options.model_validate(options or {})
        self.options = cast(OptionsT, validated)

    accept: ClassVar[str] = "*/*"

    def fetch(self, http: Http, *, etag: str | None = None, last_modified: str | None = None) -> RawDocument:
        """Fetch the source's document through the shared HTTP layer (one URL, conditional)."""
        if not self.url:
            from tracker.errors import SourceError

            raise SourceError(
                f"source {self.name} has no URL to fetch", FetchOutcome.HTTP_ERROR, permanent=True
            )
        return http.get(self.url, etag=etag, last_modified=last_modified, accept=self.accept)

    def parse(self, doc: RawDocument) -> Parsed:
        """Pure: turn a document into snapshots, or raise ParseError."""
        raise NotImplementedError

    def budget_per_hour(self, configured: int, http: Http) -> int:
        """The requests an hour this source may make; a source whose server states the
        client's own limit (LL2 with an API key) follows it. Default: as configured."""
        return configured

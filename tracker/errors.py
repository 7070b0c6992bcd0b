"""One exception tree. Each error says whether retrying later could help."""

from __future__ import annotations

from tracker.models import FetchOutcome


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    permanent = True


class ConfigError(TrackerError):
    """The configuration is invalid; ``problems`` lists every one found."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(where + "; ".join(problems))


class UserError(TrackerError):
    """A mistake in what the user asked for (unknown event, bad argument)."""


class SourceError(TrackerError):
    """A source could not be read; ``outcome`` classifies the failure."""

    def __init__(
        self,
        message: str,
        outcome: FetchOutcome,
        *,
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after


class ParseError(SourceError):
    """A document came back but is not what the source promises (truncated, HTML...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, FetchOutcome.PARSE_ERROR)


class StoreError(TrackerError):
    """The database could not be reached or is not at the expected schema."""

    permanent = False


class DatabaseURLError(StoreError, UserError):
    """A database URL the tracker cannot use: a store error, and the user's to fix (exit 2)."""

    permanent = True


class Interrupted(TrackerError):
    """The process is shutting down: abandon this piece of work (its transaction rolls back)."""

    permanent = False

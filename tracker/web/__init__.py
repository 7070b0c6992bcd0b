"""``tracker serve``: the read-only web view, calendar and Atom feeds, JSON API and the
digest's unsubscribe endpoint (Starlette under uvicorn, from the ``[web]`` extra).

Importing this package loads nothing heavy: ``tokens`` needs only itsdangerous (the email
channel signs its links with it); ``require`` says what to install when the extra is missing.
"""

from __future__ import annotations

from tracker.errors import UserError

_NEEDED = ("starlette", "uvicorn")


def require() -> None:
    """Raise a clear error when the web server's packages are not installed."""
    import importlib.util

    missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(
            f"tracker serve needs {' and '.join(missing)}: install the web extra, "
            "e.g. pip install 'launch-tracker[web]'"
        )

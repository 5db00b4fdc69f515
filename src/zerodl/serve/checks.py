"""What a request may ask for: the checks every field of a JSON body goes through.

They are the server's counterpart of the CLI's argument checks (zerodl.cli.common): a value that
does not fit ends the request with an HTTP status and one line that names the field, the value
and what was expected, and no work is started.
"""

from __future__ import annotations

import math

from zerodl.errors import ZerodlError


class RequestError(ZerodlError):
    """A request that cannot be answered as asked: sent back with `status` and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def bad(message: str) -> RequestError:
    """HTTP 400: the request itself is wrong."""
    return RequestError(400, message)


def shown(value, limit: int = 40) -> str:
    """A value from a request, fit for a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def choice(body: dict, key: str, options, default):
    """body[key] if it is one of `options` (default when absent)."""
    value = body.get(key, default)
    if value not in options:
        raise bad(f"{key}: {shown(value)} is not one of {', '.join(map(str, options))}")
    return value


def number(body: dict, key: str, low: float, high: float, default, *, whole: bool = False):
    """body[key] as a finite number in [low, high] (a whole number with `whole`), or `default`
    when absent. JSON's true and false are not numbers here, though Python counts them as such."""
    value = body.get(key, default)
    if whole:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        raise bad(f"{key}: expected {'a whole number' if whole else 'a number'}, got {shown(value)}")
    if not low <= value <= high:
        raise bad(f"{key}: must be from {low:g} to {high:g}, got {value:g}")
    return value

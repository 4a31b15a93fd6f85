"""Small readers shared by the code-host sources: a hostile JSON value becomes a plain value or nothing."""

import json
from datetime import UTC, datetime


def as_string(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_int(value) -> int | None:
    """A non-negative count, or None: booleans, floats, strings and negatives are not counts."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31 else None


def as_datetime(value) -> datetime | None:
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def error_message(content: bytes, key: str) -> str:
    """ ": <the API's own words>" from a JSON error body's ``key``, or "" when it has none; 200 characters at most."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return ""
    message = as_string(body.get(key)) if isinstance(body, dict) else ""
    return f": {message[:200]}" if message else ""

"""The journal's copy of a request's parameters: everything but the sign and secrets, bounded."""

import re
from collections.abc import Mapping
from typing import Any

MAX_VALUE_CHARS = 200


def journal_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the parameters without sign, as JSON-safe values cut to a bounded length."""
    kept: dict[str, Any] = {}
    for name, value in list(params.items())[:64]:
        if name == "sign":
            continue
        key = str(name)[:MAX_VALUE_CHARS]
        # A client that sends its secret as a parameter must not get it stored.
        kept[key] = "********" if "secret" in key.lower() else _json_safe(value)
    return kept


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) < 2**63:
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "..."


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def printable(value: str | None) -> str | None:
    """Escape control characters, so that a value cannot start a forged log line."""
    if value is None:
        return None
    return _CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


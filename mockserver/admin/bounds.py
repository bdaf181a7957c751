"""Bounds for what the admin API and scenarios accept, and short echoes of rejected values.

Every amount, id and count that the admin API or a scenario takes is bounded
here. Nothing reaches the database that it cannot store exactly (SQLite turns
an overflowing INTEGER into REAL), and no error message grows with its input.
The checks raise ConfigError, which the admin API answers with code 4000 and
`partystar-sandbox serve --scenario` prints.
"""

import reprlib
from collections.abc import Mapping
from typing import Any

# MAX_BALANCE is also the largest amount added at once, so a balance plus an amount fits in 64 bits.
from mockserver.config import INT64_MAX, MAX_BALANCE, ConfigError

MAX_TIMES = 10**9
MAX_RETRY_AFTER = 86_400
# A rejected value is echoed in at most this many characters, a message in at most MAX_MESSAGE.
MAX_ECHO = 80
MAX_MESSAGE = 500
# A scenario may hold at most this many values and characters once YAML aliases are expanded.
MAX_NODES = 100_000
MAX_CHARACTERS = 2_000_000

_repr = reprlib.Repr()
_repr.maxlevel = 3
_repr.maxstring = MAX_ECHO
_repr.maxother = MAX_ECHO
_repr.maxlong = MAX_ECHO


def shown(value: Any) -> str:
    """Return a short repr of a value for an error message; bounded in time for any nesting."""
    text = _repr.repr(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 3] + "..."


def cut_message(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def integer(value: Any, where: str, minimum: int, maximum: int) -> int:
    """Return value if it is an integer (not a bool) within minimum..maximum."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where} must be an integer from {minimum} to {maximum}, got {shown(value)}.")
    if not minimum <= value <= maximum:
        raise ConfigError(f"{where} must lie between {minimum} and {maximum}, got {shown(value)}.")
    return value


def balance(value: Any, where: str) -> int:
    return integer(value, where, 0, MAX_BALANCE)


def balance_field(raw: Any, where: str) -> None:
    """Check the optional `balance` of a merchant or user entry before the config parser reads it."""
    if isinstance(raw, Mapping) and "balance" in raw:
        balance(raw["balance"], f"{where}.balance")


def plain_tree(value: Any, where: str, max_nodes: int = MAX_NODES) -> None:
    """Reject lone surrogates anywhere in a parsed body, and bodies that aliases make huge.

    A lone surrogate (JSON "\\ud800", or the same escape in YAML) cannot be
    encoded as UTF-8, so it would break every later response that shows it.
    The walk expands YAML aliases, counting every visit, and stops at the
    budget, so a cycle or an alias bomb costs at most MAX_NODES steps.
    """
    pending = [value]
    nodes = characters = 0
    while pending:
        item = pending.pop()
        nodes += 1
        if nodes > max_nodes:
            raise ConfigError(f"{where} contains more than {max_nodes} values (counting what YAML aliases repeat).")
        if isinstance(item, str):
            characters += len(item)
            if characters > MAX_CHARACTERS:
                raise ConfigError(
                    f"{where} contains more than {MAX_CHARACTERS} characters (counting what YAML aliases repeat)."
                )
            if has_lone_surrogate(item):
                raise ConfigError(f"{where} contains a lone UTF-16 surrogate (such as \\ud800), which is not text.")
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend(item)


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_opening_balance(user: Any) -> None:
    """Reject, before the database stores it, a user whose opening balance leaves 0..MAX_BALANCE."""
    balance(user.balance, f"user {shown(user.user_id)}: balance")

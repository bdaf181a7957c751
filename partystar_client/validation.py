"""Checks on request values before anything is sent, following the contract's schemas.

Each check raises InvalidInputError with a message that names the value and the rule.
"""

import re

from partystar_client.errors import InvalidInputError

MAX_COIN = 10_000_000
MAX_ID_LENGTH = 64
MAX_REMARK_LENGTH = 128
ORDER_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
USER_ID_PATTERN = re.compile(r"[^&=\x00-\x1f\x7f]+")
REMARK_PATTERN = re.compile(r"[^\x00-\x1f\x7f]*")


def check_user_id(user_id: object) -> str:
    """Return the user id if it is 1 to 64 characters without '&', '=' or control characters."""
    if not isinstance(user_id, str):
        raise InvalidInputError(f"Invalid user_id {user_id!r}: expected a string (leading zeros matter).")
    if not 1 <= len(user_id) <= MAX_ID_LENGTH:
        raise InvalidInputError(f"Invalid user_id {user_id!r}: expected 1 to {MAX_ID_LENGTH} characters.")
    if not USER_ID_PATTERN.fullmatch(user_id):
        raise InvalidInputError(f"Invalid user_id {user_id!r}: '&', '=' and control characters are not allowed.")
    return user_id


def check_coin(coin: object) -> int:
    """Return the coin amount if it is an integer from 1 to 10,000,000."""
    if isinstance(coin, bool) or not isinstance(coin, int):
        raise InvalidInputError(f"Invalid coin {coin!r}: expected an integer from 1 to {MAX_COIN:,}.")
    if not 1 <= coin <= MAX_COIN:
        raise InvalidInputError(f"Invalid coin {coin}: expected an integer from 1 to {MAX_COIN:,}.")
    return coin


def parse_coin(text: str) -> int:
    """Read a coin amount written in base 10, as in a CSV cell or a command-line argument."""
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit():
        raise InvalidInputError(f"Invalid coin {text!r}: expected an integer from 1 to {MAX_COIN:,}.")
    return check_coin(int(stripped))


def check_order_no(out_order_no: object) -> str:
    """Return the order number if it is 1 to 64 characters from A-Z, a-z, 0-9, '_', '.', ':' and '-'."""
    if not isinstance(out_order_no, str):
        raise InvalidInputError(f"Invalid out_order_no {out_order_no!r}: expected a string.")
    if not 1 <= len(out_order_no) <= MAX_ID_LENGTH or not ORDER_PATTERN.fullmatch(out_order_no):
        raise InvalidInputError(
            f"Invalid out_order_no {out_order_no!r}: expected 1 to {MAX_ID_LENGTH} characters "
            "from A-Z, a-z, 0-9, '_', '.', ':' and '-'."
        )
    return out_order_no


def check_remark(remark: object) -> str | None:
    """Return the remark if it is None or at most 128 characters without control characters."""
    if remark is None:
        return None
    if not isinstance(remark, str):
        raise InvalidInputError(f"Invalid remark {remark!r}: expected a string or None.")
    if len(remark) > MAX_REMARK_LENGTH or not REMARK_PATTERN.fullmatch(remark):
        raise InvalidInputError(
            f"Invalid remark {remark!r}: expected at most {MAX_REMARK_LENGTH} characters without control characters."
        )
    return remark

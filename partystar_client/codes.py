"""The documented result codes, as the client needs them.

A test checks this table against the contract's ResultCode list, so the two
cannot drift apart unnoticed.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One documented result code: its number, name and whether a fresh retry can help."""

    code: int
    name: str
    retryable: bool


RESULT_CODES: dict[int, CodeInfo] = {
    info.code: info
    for info in (
        CodeInfo(0, "OK", False),
        CodeInfo(1001, "INVALID_PARAMETER", False),
        CodeInfo(1002, "MALFORMED_BODY", False),
        CodeInfo(1003, "UNSUPPORTED_CONTENT_TYPE", False),
        CodeInfo(1004, "BODY_TOO_LARGE", False),
        CodeInfo(2001, "INVALID_SIGNATURE", False),
        CodeInfo(2002, "SIGN_TYPE_NOT_ALLOWED", False),
        CodeInfo(2003, "TIMESTAMP_OUT_OF_WINDOW", True),
        CodeInfo(2004, "IP_NOT_ALLOWED", False),
        CodeInfo(2005, "UNKNOWN_MERCHANT", False),
        CodeInfo(2006, "MERCHANT_NO_SECRET", False),
        CodeInfo(2007, "OPERATION_NOT_ENABLED", False),
        CodeInfo(3001, "USER_NOT_FOUND", False),
        CodeInfo(3002, "INSUFFICIENT_MERCHANT_BALANCE", False),
        CodeInfo(3003, "ORDER_CONFLICT", False),
        CodeInfo(3004, "TRANSACTION_NOT_FOUND", False),
        # The sandbox's admin API only; the client never calls it.
        CodeInfo(4000, "ADMIN_INVALID_REQUEST", False),
        CodeInfo(4001, "ADMIN_UNAUTHORIZED", False),
        CodeInfo(4004, "ROUTE_NOT_FOUND", False),
        CodeInfo(4005, "METHOD_NOT_ALLOWED", False),
        CodeInfo(4040, "ADMIN_NOT_FOUND", False),
        CodeInfo(4029, "RATE_LIMITED", True),
        CodeInfo(5000, "INTERNAL_ERROR", True),
        CodeInfo(5002, "BAD_GATEWAY", True),
        CodeInfo(5003, "SERVICE_UNAVAILABLE", True),
        CodeInfo(5004, "GATEWAY_TIMEOUT", True),
    )
}

OK = 0
TRANSACTION_NOT_FOUND = 3004
ORDER_CONFLICT = 3003


def describe(code: int) -> CodeInfo:
    """Look up a code; a code the contract does not list is treated as not retryable."""
    return RESULT_CODES.get(code) or CodeInfo(code, "UNDOCUMENTED", False)

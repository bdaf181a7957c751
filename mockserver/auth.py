"""The checks every signed request passes, in order.

merchant known, client address allowlisted, time_stamp within the window,
sign_type allowed, an active secret configured, sign well formed and matching
(constant time), operation enabled, rate limit. Each failure raises ApiError
with the documented code; sandbox diagnostics go in ApiError.details.
"""

import math
from collections.abc import Mapping
from typing import Any

from mockserver import diagnostics, network, signing
from mockserver.codes import ResultCode
from mockserver.config import Merchant
from mockserver.errors import ApiError
from mockserver.storage import Storage

INVALID_SIGNATURE = "Invalid signature."
# time_stamp values above this are taken as milliseconds in diagnostics (year 2286 in seconds).
MILLISECONDS_THRESHOLD = 10_000_000_000


async def find_merchant(storage: Storage, params: Mapping[str, Any]) -> Merchant:
    merchant_id = params["merchant_id"]
    merchant = await storage.get_merchant(merchant_id)
    if merchant is None:
        raise ApiError(ResultCode.UNKNOWN_MERCHANT, f"Merchant {merchant_id} does not exist.")
    return merchant


def check_address(merchant: Merchant, address: str) -> None:
    if not network.is_allowed(address, merchant.ip_allowlist):
        raise ApiError(
            ResultCode.IP_NOT_ALLOWED,
            f"Client address {address} is not on the allowlist of merchant {merchant.merchant_id}.",
            details={"client_address": address},
            strict_message="The client address is not allowed.",
        )


def check_timestamp(params: Mapping[str, Any], now: float, skew: int) -> None:
    sent = params["time_stamp"]
    server_time = int(now)
    if abs(sent - now) <= skew:
        return
    hint = ""
    if sent > MILLISECONDS_THRESHOLD:
        hint = " time_stamp looks like milliseconds; send unix time in seconds."
    raise ApiError(
        ResultCode.TIMESTAMP_OUT_OF_WINDOW,
        f"time_stamp {sent} is {_distance(sent, server_time)} server time {server_time}; "
        f"the allowed skew is {skew} s.{hint}",
        details={"server_time": server_time, "request_time": sent, "allowed_skew": skew},
        strict_message="time_stamp is outside the allowed window.",
    )


def _distance(sent: int, server_time: int) -> str:
    difference = sent - server_time
    direction = "ahead of" if difference > 0 else "behind"
    return f"{abs(difference)} s {direction}"


def check_signature(merchant: Merchant, params: Mapping[str, Any], now: float) -> None:
    sign_type = params.get("sign_type") or signing.MD5
    if sign_type not in merchant.sign_types:
        allowed = ", ".join(sorted(merchant.sign_types))
        raise ApiError(
            ResultCode.SIGN_TYPE_NOT_ALLOWED,
            f"Merchant {merchant.merchant_id} may not use sign_type {sign_type}; allowed: {allowed}.",
        )
    secrets = merchant.active_secrets(now)
    if not secrets:
        raise ApiError(
            ResultCode.MERCHANT_NO_SECRET,
            f"Merchant {merchant.merchant_id} has no active secret; no request can be verified.",
        )
    received = params.get("sign") or ""
    if not received:
        raise ApiError(ResultCode.INVALID_SIGNATURE, "Invalid signature: sign is missing or empty.")
    if not signing.is_well_formed(received, sign_type):
        length = signing.SIGN_LENGTHS[sign_type]
        raise ApiError(
            ResultCode.INVALID_SIGNATURE,
            f"Invalid signature: a {sign_type} sign is {length} hex digits, got {len(received)} characters"
            f"{'' if all(c in '0123456789abcdefABCDEF' for c in received) else ' that are not all hex digits'}.",
            strict_message=INVALID_SIGNATURE,
        )
    matched = False
    for secret in secrets:
        expected = signing.sign(params, secret.value)
        # Check every secret, so the time taken does not tell which one matched.
        matched = signing.signs_equal(expected, received) | matched
    if not matched:
        raise _signature_mismatch(params, received, sign_type, [s.value for s in secrets])


def _signature_mismatch(params: Mapping[str, Any], received: str, sign_type: str, secrets: list[str]) -> ApiError:
    mistake = None
    for candidate in secrets:
        mistake = diagnostics.find_mistake(params, candidate, received, sign_type)
        if mistake:
            break
    details: dict[str, Any] = {
        "canonical_string": signing.masked_canonical_string(params),
        "sign_type": sign_type,
    }
    message = "Invalid signature: sign does not match the canonical string."
    if mistake:
        details["mistake"] = mistake
        message = f"Invalid signature: {mistake}."
    return ApiError(ResultCode.INVALID_SIGNATURE, message, details=details, strict_message=INVALID_SIGNATURE)


def check_operation(merchant: Merchant, operation_id: str) -> None:
    if operation_id not in merchant.operations:
        raise ApiError(
            ResultCode.OPERATION_NOT_ENABLED,
            f"Merchant {merchant.merchant_id} is not enabled for {operation_id}.",
        )


async def check_rate_limit(storage: Storage, merchant: Merchant, now: float) -> None:
    limit = merchant.rate_limit
    wait = await storage.take_token(merchant.merchant_id, limit.rate, limit.burst, now)
    if wait > 0:
        raise rate_limited(merchant.merchant_id, wait)


def rate_limited(merchant_id: int, wait: float) -> ApiError:
    """Return the 429 rejection for a merchant whose bucket refills a token in wait seconds."""
    retry_after = max(1, math.ceil(wait))
    return ApiError(
        ResultCode.RATE_LIMITED,
        f"Rate limit exceeded for merchant {merchant_id}; retry after {retry_after} s.",
        public_details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )

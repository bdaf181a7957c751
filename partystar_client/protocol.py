"""Building signed requests and reading responses, with no I/O.

These functions turn parameters into an ``httpx.Request`` and an
``httpx.Response`` (or a transport exception) into either the envelope's
``data`` or an AttemptFailure for the retry policy.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from partystar_client.codes import OK, RESULT_CODES
from partystar_client.config import ClientConfig
from partystar_client.errors import MalformedResponseError
from partystar_client.response_data import json_type
from partystar_client.retry import AttemptFailure
from partystar_client.signing import MD5, sign

# Codes whose request may have been applied although the response is an error.
MAYBE_APPLIED_CODES = frozenset({5000, 5002, 5004})
# Envelope codes for server faults that arrive without a readable envelope.
STATUS_CODES = {500: 5000, 502: 5002, 503: 5003, 504: 5004, 429: 4029}
# Errors raised before any byte of the request reached the server.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract: its operationId, method, path and whether it is signed."""

    operation_id: str
    method: str
    path: str
    signed: bool = True
    body: bool = False


HEALTH = Operation("health", "GET", "/api/v1/health", signed=False)
VERIFY_USER = Operation("verifyUser", "GET", "/api/v1/user/verify")
CREDIT = Operation("creditCoins", "POST", "/api/v1/coins/credit", body=True)
BALANCE = Operation("merchantBalance", "GET", "/api/v1/merchant/balance")
TRANSACTION = Operation("getTransaction", "GET", "/api/v1/transactions/{out_order_no}")


def build_request(config: ClientConfig, operation: Operation, params: Mapping[str, Any], now: int) -> httpx.Request:
    """Sign the parameters with a fresh time_stamp and place them where the contract puts them."""
    url = config.base_url.rstrip("/") + operation.path.format(**{k: quote(str(v), safe="") for k, v in params.items()})
    extensions = {"timeout": httpx.Timeout(config.timeout).as_dict()}
    if not operation.signed:
        return httpx.Request(operation.method, url, extensions=extensions)
    signed: dict[str, Any] = {"merchant_id": config.merchant_id, **params, "time_stamp": now}
    if config.sign_type != MD5:
        signed["sign_type"] = config.sign_type
    signed["sign"] = sign(signed, config.secret)
    if operation.body:
        return httpx.Request(operation.method, url, json=signed, extensions=extensions)
    path_names = {name for name in params if "{" + name + "}" in operation.path}
    query = {name: value for name, value in signed.items() if name not in path_names}
    return httpx.Request(operation.method, url, params=query, extensions=extensions)


def read_response(response: httpx.Response) -> Any | AttemptFailure:
    """Return the envelope's ``data`` on code 0, else the failure that the response describes."""
    retry_after = response.headers.get("retry-after")
    try:
        code, message, data = _envelope(response)
    except MalformedResponseError as exc:
        status_code = STATUS_CODES.get(response.status_code)
        return AttemptFailure(
            message=f"Party Star returned HTTP {response.status_code} without a valid JSON envelope: {exc.message}.",
            code=status_code,
            # An unreadable 200 may follow a committed operation, like a 5xx.
            may_be_applied=status_code is None or status_code in MAYBE_APPLIED_CODES,
            retry_after=retry_after,
            malformed=True,
        )
    if code == OK:
        return data
    # An error's data contains only diagnostics, so data of the wrong shape is dropped rather than hiding the code.
    details = data if isinstance(data, Mapping) else None
    if code not in RESULT_CODES:
        return AttemptFailure(
            message=f"Party Star returned code {code}, which the contract does not document: {message}",
            code=code,
            # The client cannot tell what an undocumented code means, so a credit has to be looked up.
            may_be_applied=True,
            retry_after=retry_after,
            details=details,
        )
    return AttemptFailure(
        message=message,
        code=code,
        may_be_applied=code in MAYBE_APPLIED_CODES,
        retry_after=retry_after,
        details=details,
    )


def _envelope(response: httpx.Response) -> tuple[int, str, Any]:
    """Read code, msg and data, or raise MalformedResponseError naming what is wrong with the body."""
    try:
        body = response.json()
    except (ValueError, RecursionError) as exc:
        # NOTE: the body itself is kept out because a proxy's error page may echo the URL, and with it the sign.
        content_type = response.headers.get("content-type", "missing")
        raise MalformedResponseError(
            f"the body is not JSON (content type {content_type}, {len(response.content)} bytes)"
        ) from exc
    if not isinstance(body, dict):
        raise MalformedResponseError(f"the body is {json_type(body)}, expected an object")
    for name in ("code", "msg", "data"):
        if name not in body:
            raise MalformedResponseError(f"{name} is missing")
    code, message = body["code"], body["msg"]
    if not isinstance(code, int) or isinstance(code, bool):
        raise MalformedResponseError(f"code is {json_type(code)}, expected an integer")
    if not isinstance(message, str):
        raise MalformedResponseError(f"msg is {json_type(message)}, expected a string")
    return code, message, body["data"]


def transport_failure(error: httpx.TransportError) -> AttemptFailure:
    """Describe a transport error; only errors before sending are certain not to have been applied."""
    sent = not isinstance(error, NOT_SENT_ERRORS)
    # NOTE: the httpx message is kept out because some carry the URL, and with it the query's sign.
    detail = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    where = "after the request was sent" if sent else "before the request was sent"
    return AttemptFailure(
        message=f"The connection {detail} {where} ({type(error).__name__}).",
        may_be_applied=sent,
    )

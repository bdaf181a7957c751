"""Checks registered with schemathesis that know the envelope, signing, timestamps and idempotency.

Each check runs on every response of a schema that ``signed_cases.register``
set up and does nothing for other schemas. A failure raises AssertionError
naming the request that showed it, with the sign masked.
"""

from typing import Any

import schemathesis

from contracts.case_copies import call_operation, copy_case, describe, send_as_built, send_signed
from contracts.signed_cases import SigningSession, case_params, session_for

WINDOW_SECONDS = 600  # the allowed time_stamp skew the spec documents, in both directions
WINDOW_MARGIN = 120  # seconds beyond the window, so clock drift between harness and server cannot matter
# Codes a well-formed, correctly signed request from an allowlisted client must never get.
REJECTED_VALID_REQUEST = frozenset({1001, 1002, 1003, 2001, 2003})


def _envelope(response: schemathesis.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"the body is not JSON: {response.text[:200]!r}") from exc
    if not isinstance(body, dict):
        raise AssertionError(f"the body is not a JSON object: {response.text[:200]!r}")
    return body


def _session(case: schemathesis.Case) -> SigningSession | None:
    return session_for(case)


def _operation_id(case: schemathesis.Case) -> str:
    return str(case.operation.definition.raw["operationId"])


def _is_negative(case: schemathesis.Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def _code(response: schemathesis.Response) -> int | None:
    body = _envelope(response)
    code = body.get("code")
    return code if isinstance(code, int) else None


@schemathesis.check
def envelope_conforms(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Check that every response is {code, msg, data} with a documented code and that code's HTTP status."""
    session = _session(case)
    if session is None:
        return
    body = _envelope(response)
    if set(body) != {"code", "msg", "data"}:
        raise AssertionError(f"{describe(case)}: the envelope has keys {sorted(body)}, expected code, msg and data")
    entry = session.spec.result_codes.get(body["code"])
    if entry is None:
        raise AssertionError(f"{describe(case)}: code {body['code']!r} is not in the documented table")
    if response.status_code != entry.http_status:
        raise AssertionError(
            f"{describe(case)}: code {entry.code} ({entry.title}) came with HTTP {response.status_code}, "
            f"documented: {entry.http_status}"
        )


@schemathesis.check
def outcome_matches_data(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Valid requests get past validation and authentication; invalid ones get a non-zero code."""
    session = _session(case)
    if session is None or not session.spec.operations[_operation_id(case)].signed:
        return
    code = _code(response)
    if response.status_code >= 500:
        raise AssertionError(f"{describe(case)}: HTTP {response.status_code} (code {code})")
    if _is_negative(case):
        if code == 0:
            raise AssertionError(f"{describe(case)}: an invalid request was accepted with code 0")
        return
    if code in REJECTED_VALID_REQUEST:
        title = session.spec.result_codes[code].title
        message = _envelope(response).get("msg")
        raise AssertionError(f"{describe(case)}: a valid, signed request was rejected with {code} {title}: {message}")


@schemathesis.check
def replay_is_idempotent(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Sending a credited order again returns the same transaction and changes no balance."""
    session = _session(case)
    if session is None or _operation_id(case) != "creditCoins" or _is_negative(case):
        return
    body = _envelope(response)
    if body.get("code") != 0 or body["data"].get("replay") is not False:
        return
    merchant_id = case_params(case)["merchant_id"]
    before = _balance(session, case, merchant_id)
    replay = copy_case(case, {})
    replayed = _envelope(send_signed(replay))
    after = _balance(session, case, merchant_id)
    if replayed.get("code") != 0:
        raise AssertionError(f"{describe(replay)}: a replay got code {replayed.get('code')}, expected 0")
    data = replayed["data"]
    if data.get("replay") is not True:
        raise AssertionError(f"{describe(replay)}: a replay returned replay={data.get('replay')!r}, expected true")
    original = {key: value for key, value in body["data"].items() if key != "replay"}
    repeated = {key: value for key, value in data.items() if key != "replay"}
    if repeated != original:
        raise AssertionError(f"{describe(replay)}: a replay returned {repeated}, the credit returned {original}")
    if after != before:
        raise AssertionError(f"{describe(replay)}: a replay changed the merchant balance from {before} to {after}")


def _balance(session: SigningSession, case: schemathesis.Case, merchant_id: int) -> int | None:
    params = {"merchant_id": merchant_id, "time_stamp": session.target.time_stamp()}
    body = _envelope(call_operation(session, case.operation.schema, "merchantBalance", params))
    return body["data"]["balance"] if body.get("code") == 0 else None


@schemathesis.check
def tampering_is_rejected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Changing any one signed parameter of an accepted request, keeping its sign, gives the signature error."""
    session = _session(case)
    if session is None or not _accepted_signed(session, case, response):
        return
    params = case_params(case)
    signature_error = session.spec.code_named("INVALID_SIGNATURE")
    unknown_merchant = session.spec.code_named("UNKNOWN_MERCHANT")
    for name, value in params.items():
        if name == "sign" or value is None or value == "":
            continue
        tampered = copy_case(case, {name: tampered_value(session, _operation_id(case), name, value)})
        code = _code(send_as_built(session, tampered))
        # A changed merchant_id names another merchant, which may not exist: that is rejected earlier.
        allowed = {signature_error, unknown_merchant} if name == "merchant_id" else {signature_error}
        if code not in allowed:
            raise AssertionError(
                f"{describe(tampered)}: changing {name} but keeping the sign got code {code}, "
                f"expected {signature_error}"
            )


def tampered_value(session: SigningSession, operation_id: str, name: str, value: Any) -> Any:
    """Return another value that is still valid for the parameter, so only the sign can be wrong."""
    schema = session.spec.parameter_schema(operation_id, name)
    if "enum" in schema:
        return next(choice for choice in schema["enum"] if choice not in (None, value))
    if isinstance(value, int):
        maximum = schema.get("maximum")
        return value - 1 if maximum is not None and value >= maximum else value + 1
    text = str(value)
    if len(text) < schema.get("maxLength", 64):
        return text + "0"
    return text[:-1] + ("1" if text[-1] != "1" else "2")


@schemathesis.check
def stale_time_stamp_is_rejected(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Check that an accepted request, signed again with a time_stamp outside the window, gets the timestamp error."""
    session = _session(case)
    if session is None or not _accepted_signed(session, case, response):
        return
    timestamp_error = session.spec.code_named("TIMESTAMP_OUT_OF_WINDOW")
    now = session.target.time_stamp()
    for offset in (-(WINDOW_SECONDS + WINDOW_MARGIN), WINDOW_SECONDS + WINDOW_MARGIN):
        stale = copy_case(case, {"time_stamp": now + offset})
        params = case_params(stale)
        _place_sign(stale, session.signer(params, session.target.secret))
        code = _code(send_as_built(session, stale))
        if code != timestamp_error:
            direction = "behind" if offset < 0 else "ahead of"
            raise AssertionError(
                f"{describe(stale)}: a time_stamp {abs(offset)} s {direction} the harness clock got code {code}, "
                f"expected {timestamp_error}"
            )


def _place_sign(case: schemathesis.Case, sign_value: str) -> None:
    if case.operation.method.upper() == "POST" and isinstance(case.body, dict):
        case.body["sign"] = sign_value
    else:
        case.query["sign"] = sign_value


def _accepted_signed(session: SigningSession, case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """Tell whether a correctly signed request of a signed operation was accepted (code 0)."""
    if _is_negative(case) or not session.spec.operations[_operation_id(case)].signed:
        return False
    if case.id in session.presigned:
        return False
    return _code(response) == 0

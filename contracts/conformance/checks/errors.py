"""errors: bad input gets the documented envelope and code, never a 5xx and never a credit."""

import json

from contracts.conformance.checks.contract import expect_schema
from contracts.conformance.client import Exchange
from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check

CREDIT_PATH = "/api/v1/coins/credit"
BODY_LIMIT = 16 * 1024  # bytes; the spec's limit for request bodies


def _expect_error(context: SuiteContext, exchange: Exchange, title: str, what: str) -> None:
    context.expect_code(exchange, title, what)
    entry = context.spec.result_codes[exchange.code]
    if exchange.status != entry.http_status:
        raise CheckFailed(f"{what}: code {entry.code} came with HTTP {exchange.status}, expected {entry.http_status}", exchange)
    body = exchange.body
    if set(body) != {"code", "msg", "data"} or not isinstance(body["msg"], str) or not body["msg"]:
        raise CheckFailed(f"{what}: the error envelope is not {{code, msg, data}} with a message", exchange)


@conformance_check("errors", "an unknown path answers 404 with code 4004; a wrong method 405 with 4005")
def check_routes(context: SuiteContext) -> None:
    _expect_error(context, context.raw("GET", "/api/v1/no-such-operation"), "ROUTE_NOT_FOUND", "an unknown path")
    _expect_error(context, context.raw("DELETE", CREDIT_PATH), "METHOD_NOT_ALLOWED", "DELETE on the credit path")


@conformance_check("errors", "malformed, unsupported and oversized bodies get 1002, 1003 and 1004")
def check_bad_bodies(context: SuiteContext) -> None:
    json_type = {"Content-Type": "application/json"}
    cases = [
        (b"{not json", json_type, "MALFORMED_BODY", "a body that is not JSON"),
        (b"\xff\xfe", json_type, "MALFORMED_BODY", "a body that is not UTF-8"),
        (b"<credit/>", {"Content-Type": "application/xml"}, "UNSUPPORTED_CONTENT_TYPE", "an XML body"),
        (json.dumps({"remark": "x" * BODY_LIMIT}).encode(), json_type, "BODY_TOO_LARGE", "a body over 16 KiB"),
    ]
    for content, headers, title, what in cases:
        exchange = context.raw("POST", CREDIT_PATH, content=content, headers=headers)
        _expect_error(context, exchange, title, what)
        expect_schema(context, "creditCoins", exchange)


@conformance_check("errors", "missing, unknown and out-of-range parameters get 1001, signed or not")
def check_invalid_parameters(context: SuiteContext) -> None:
    base = {"user_id": context.target.user_id, "coin": 1, "out_order_no": context.new_order()}
    cases = {
        "coin missing": {key: value for key, value in base.items() if key != "coin"},
        "coin 0": {**base, "coin": 0},
        "coin as text": {**base, "coin": "1"},
        "an unknown parameter": {**base, "colour": "blue"},
        "out_order_no with a space": {**base, "out_order_no": "A 1"},
    }
    before = context.balance()
    for what, params in cases.items():
        exchange = context.signed("creditCoins", **params)
        _expect_error(context, exchange, "INVALID_PARAMETER", f"a credit with {what}")
        expect_schema(context, "creditCoins", exchange)
    after = context.balance()
    if after != before:
        raise CheckFailed(f"invalid credits changed the balance from {before} to {after}")


@conformance_check("errors", "an unknown merchant gets 2005 and an unknown user 3001, crediting nothing")
def check_unknown_accounts(context: SuiteContext) -> None:
    params = {"merchant_id": 2147483646, "time_stamp": context.target.time_stamp()}
    exchange = context.send("merchantBalance", context.client.with_sign(params))
    _expect_error(context, exchange, "UNKNOWN_MERCHANT", "a balance lookup for an unknown merchant")
    before = context.balance()
    order = context.new_order()
    credit = context.signed("creditCoins", user_id=f"no-such-user-{order}", coin=1, out_order_no=order)
    _expect_error(context, credit, "USER_NOT_FOUND", "a credit to an unknown user")
    if context.balance() != before:
        raise CheckFailed("a credit to an unknown user changed the balance", credit)

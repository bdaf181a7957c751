"""contract: every operation answers the documented envelope and response schema."""

from contracts.conformance.client import Exchange
from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check


def expect_schema(context: SuiteContext, operation_id: str, exchange: Exchange) -> None:
    """Fail unless the response body matches the operation's response schema for its HTTP status."""
    validator = context.spec.response_validator(operation_id, exchange.status)
    if validator is None:
        raise CheckFailed(f"HTTP {exchange.status} is not a documented status of {operation_id}", exchange)
    body = exchange.body
    if body is None:
        raise CheckFailed("the body is not JSON", exchange)
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    if errors:
        where = "/".join(str(part) for part in errors[0].absolute_path) or "the body"
        raise CheckFailed(f"{where} does not match the {operation_id} response schema: {errors[0].message}", exchange)


def expect_success(context: SuiteContext, operation_id: str, exchange: Exchange) -> None:
    context.expect_code(exchange, "OK", f"{operation_id} with valid parameters was rejected")
    expect_schema(context, operation_id, exchange)


@conformance_check("contract", "health answers code 0 with the server time, unsigned")
def check_health(context: SuiteContext) -> None:
    exchange = context.raw("GET", "/api/v1/health")
    expect_success(context, "health", exchange)


@conformance_check("contract", "verifyUser finds the existing user and reports an unknown one")
def check_verify_user(context: SuiteContext) -> None:
    known = context.signed("verifyUser", user_id=context.target.user_id)
    expect_success(context, "verifyUser", known)
    if known.data["exists"] is not True:
        raise CheckFailed(f"user {context.target.user_id} should exist (--user-id)", known)
    unknown = context.signed("verifyUser", user_id=f"no-such-user-{context.new_order()}")
    expect_success(context, "verifyUser", unknown)
    if unknown.data["exists"] is not False:
        raise CheckFailed("an unknown user was reported as existing", unknown)


@conformance_check("contract", "merchantBalance answers the merchant's balance")
def check_merchant_balance(context: SuiteContext) -> None:
    exchange = context.signed("merchantBalance")
    expect_success(context, "merchantBalance", exchange)
    if exchange.data["merchant_id"] != context.target.merchant_id:
        raise CheckFailed("the balance is for another merchant", exchange)


@conformance_check("contract", "creditCoins credits, getTransaction finds the credit, and the balance drops by coin")
def check_credit_and_lookup(context: SuiteContext) -> None:
    order = context.new_order()
    before = context.balance()
    credit = context.signed("creditCoins", user_id=context.target.user_id, coin=1, out_order_no=order)
    expect_success(context, "creditCoins", credit)
    expected = {"out_order_no": order, "user_id": context.target.user_id, "coin": 1, "replay": False}
    for name, value in expected.items():
        if credit.data[name] != value:
            raise CheckFailed(f"data.{name} is {credit.data[name]!r}, expected {value!r}", credit)
    lookup = context.signed("getTransaction", out_order_no=order)
    expect_success(context, "getTransaction", lookup)
    if lookup.data["transaction_id"] != credit.data["transaction_id"]:
        raise CheckFailed("getTransaction returned another transaction than the credit", credit, lookup)
    after = context.balance()
    if after != before - 1:
        raise CheckFailed(f"the balance went from {before} to {after} after crediting 1 coin", credit)


@conformance_check("contract", "getTransaction of an order never credited answers 3004")
def check_transaction_not_found(context: SuiteContext) -> None:
    exchange = context.signed("getTransaction", out_order_no=context.new_order())
    context.expect_code(exchange, "TRANSACTION_NOT_FOUND", "an order never credited")
    expect_schema(context, "getTransaction", exchange)

"""timestamps: the time_stamp window is enforced in both directions, and only there."""

from contracts.conformance.client import Exchange
from contracts.conformance.suite import CheckFailed, SuiteContext, conformance_check

WINDOW_SECONDS = 600  # the allowed skew the spec documents, in both directions
# Distance from the window's edge at which the suite probes, so the request's own latency cannot matter.
EDGE_MARGIN = 30


def _server_time(context: SuiteContext) -> int:
    health = context.raw("GET", "/api/v1/health")
    context.expect_code(health, "OK", "health, which tells the server time")
    return int(health.data["time"])


def _balance_at(context: SuiteContext, time_stamp: int) -> Exchange:
    params = {"merchant_id": context.target.merchant_id, "time_stamp": time_stamp}
    return context.send("merchantBalance", context.client.with_sign(params))


@conformance_check("timestamps", "time_stamps just inside the window, behind and ahead, are accepted")
def check_inside_window(context: SuiteContext) -> None:
    now = _server_time(context)
    for offset in (-(WINDOW_SECONDS - EDGE_MARGIN), WINDOW_SECONDS - EDGE_MARGIN):
        exchange = _balance_at(context, now + offset)
        context.expect_code(exchange, "OK", f"a time_stamp {offset:+d} s from server time")


@conformance_check("timestamps", "time_stamps just outside the window, behind and ahead, are rejected with 2003")
def check_outside_window(context: SuiteContext) -> None:
    now = _server_time(context)
    for offset in (-(WINDOW_SECONDS + EDGE_MARGIN), WINDOW_SECONDS + EDGE_MARGIN):
        exchange = _balance_at(context, now + offset)
        context.expect_code(exchange, "TIMESTAMP_OUT_OF_WINDOW", f"a time_stamp {offset:+d} s from server time")


@conformance_check("timestamps", "a time_stamp in milliseconds is rejected with 2003")
def check_milliseconds(context: SuiteContext) -> None:
    exchange = _balance_at(context, _server_time(context) * 1000)
    context.expect_code(exchange, "TIMESTAMP_OUT_OF_WINDOW", "a time_stamp in milliseconds")


@conformance_check("timestamps", "a stale credit is rejected and credits nothing")
def check_stale_credit(context: SuiteContext) -> None:
    before = context.balance()
    params = {
        "merchant_id": context.target.merchant_id,
        "user_id": context.target.user_id,
        "coin": 1,
        "out_order_no": context.new_order(),
        "time_stamp": _server_time(context) - WINDOW_SECONDS - EDGE_MARGIN,
    }
    exchange = context.send("creditCoins", context.client.with_sign(params))
    context.expect_code(exchange, "TIMESTAMP_OUT_OF_WINDOW", "a credit with a stale time_stamp")
    after = context.balance()
    if after != before:
        raise CheckFailed(f"a rejected credit changed the balance from {before} to {after}", exchange)


@conformance_check("timestamps", "the window follows the server clock when it is moved (admin API)", needs_admin=True)
def check_moved_server_clock(context: SuiteContext) -> None:
    admin = context.require_admin()
    shift = 3 * WINDOW_SECONDS
    admin.set_clock_offset(shift)
    try:
        now = _server_time(context)
        context.expect_code(_balance_at(context, now), "OK", "a time_stamp at the moved server time")
        stale = _balance_at(context, now - shift)
        context.expect_code(stale, "TIMESTAMP_OUT_OF_WINDOW", "a time_stamp at the unmoved time, far behind")
    finally:
        admin.reset_clock()

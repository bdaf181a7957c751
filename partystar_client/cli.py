"""The ``partystar`` command: verify, credit, balance, status and credit-batch.

Exit codes: 0 success, 1 rejected (Party Star refused, or certainly did not
credit), 2 invalid usage, input or configuration, 3 outcome unknown (no
usable answer, or a credit whose outcome could not be found out).
"""

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from partystar_client import batch, results_file
from partystar_client.client import AsyncPartyStarClient, PartyStarClient
from partystar_client.config import BASE_URL_VARIABLE, MERCHANT_ID_VARIABLE, SECRET_VARIABLE
from partystar_client.errors import (
    ApiError,
    BadGatewayError,
    ConfigurationError,
    GatewayTimeoutError,
    InternalError,
    InvalidInputError,
    MalformedResponseError,
    PartyStarError,
    RateLimitedError,
    ServiceUnavailableError,
    TransactionNotFoundError,
)
from partystar_client.models import CreditOutcome, CreditStatus
from partystar_client.signing import SIGN_TYPES
from partystar_client.validation import parse_coin

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3
CREDIT_EXIT_CODES = {
    CreditStatus.CREDITED: EXIT_OK,
    CreditStatus.ALREADY_CREDITED: EXIT_OK,
    CreditStatus.REJECTED: EXIT_REJECTED,
    CreditStatus.FAILED: EXIT_REJECTED,
    CreditStatus.UNKNOWN: EXIT_UNKNOWN,
}
# Errors left after every retry that tell nothing about the requested user,
# order or balance: a server fault (HTTP 5xx), rate limiting (HTTP 429) or a
# response that breaks the contract. They exit 3 like a transport failure, not
# 1, because Party Star rejected nothing.
UNANSWERED_ERRORS = (
    InternalError,
    BadGatewayError,
    ServiceUnavailableError,
    GatewayTimeoutError,
    RateLimitedError,
    MalformedResponseError,
)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return int(args.run(args))
    except (ConfigurationError, InvalidInputError) as exc:
        print(f"partystar: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except (batch.BatchFileError, results_file.ResultsFileError) as exc:
        print(f"partystar: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UNANSWERED_ERRORS as exc:
        return _report_error(args, exc, EXIT_UNKNOWN)
    except ApiError as exc:
        return _report_error(args, exc, EXIT_REJECTED)
    except PartyStarError as exc:
        return _report_error(args, exc, EXIT_UNKNOWN)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partystar",
        description="Credit Party Star coins and look up users, balances and orders.",
        epilog="Exit codes: 0 success, 1 rejected, 2 invalid usage or input, 3 no usable response or outcome unknown.",
    )
    parser.add_argument("--base-url", help=f"API base URL (default: ${BASE_URL_VARIABLE})")
    parser.add_argument("--merchant-id", help=f"merchant id (default: ${MERCHANT_ID_VARIABLE})")
    parser.add_argument(
        "--secret", help=f"merchant secret (default: ${SECRET_VARIABLE}; prefer the variable, as flags show in ps)"
    )
    parser.add_argument("--sign-type", choices=SIGN_TYPES, default="MD5", help="signing algorithm (default: MD5)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per connect, read or write (default: 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request and retry to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    verify = commands.add_parser("verify", help="tell whether a user exists (exit 1 if not)")
    verify.add_argument("user_id", metavar="USER")
    verify.set_defaults(run=_verify)

    credit = commands.add_parser("credit", help="credit coins to a user for one order")
    credit.add_argument("user_id", metavar="USER")
    credit.add_argument("coin", metavar="COIN", help="coins to credit, 1 to 10,000,000")
    credit.add_argument("--order", required=True, help="your order number, the key that prevents double credits")
    credit.add_argument("--remark", help="free text kept with the transaction, at most 128 characters")
    credit.set_defaults(run=_credit)

    balance = commands.add_parser("balance", help="print the merchant's prepaid coin balance")
    balance.set_defaults(run=_balance)

    status = commands.add_parser("status", help="look up the credit of an order (exit 1 if none exists)")
    status.add_argument("out_order_no", metavar="ORDER")
    status.set_defaults(run=_status)

    credit_batch = commands.add_parser("credit-batch", help="credit every order of a CSV file, resumably")
    credit_batch.add_argument("orders", type=Path, metavar="ORDERS.csv", help="CSV with out_order_no, user_id, coin")
    credit_batch.add_argument("--results", type=Path, help="results CSV (default: ORDERS.results.csv beside the input)")
    credit_batch.add_argument("--concurrency", type=int, default=8, help="orders in flight at once (default: 8)")
    credit_batch.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    credit_batch.set_defaults(run=_credit_batch)
    return parser


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "base_url": args.base_url,
        "merchant_id": args.merchant_id,
        "secret": args.secret,
        "sign_type": args.sign_type,
        "timeout": args.timeout,
    }


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str, stream: Any = None) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(text, file=stream or sys.stdout)


def _report_error(args: argparse.Namespace, error: PartyStarError, exit_code: int) -> int:
    payload = {"error": type(error).__name__, "code": error.code, "message": error.message}
    _emit(args, payload, f"partystar: {error}", sys.stderr)
    return exit_code


def _verify(args: argparse.Namespace) -> int:
    with PartyStarClient(**_client_options(args)) as client:
        check = client.verify_user(args.user_id)
    text = f"User {check.user_id} {'exists' if check.exists else 'does not exist'}."
    _emit(args, asdict(check), text)
    return EXIT_OK if check.exists else EXIT_REJECTED


def _credit(args: argparse.Namespace) -> int:
    coin = parse_coin(args.coin)
    with PartyStarClient(**_client_options(args)) as client:
        outcome = client.credit(args.user_id, coin, args.order, args.remark)
    _emit(args, _outcome_payload(outcome), describe_outcome(outcome))
    return CREDIT_EXIT_CODES[outcome.status]


def _outcome_payload(outcome: CreditOutcome) -> dict[str, Any]:
    payload = asdict(outcome)
    payload["status"] = outcome.status.value
    return payload


def describe_outcome(outcome: CreditOutcome) -> str:
    """Write one line that customer-service staff can act on."""
    order = outcome.out_order_no
    if outcome.status is CreditStatus.CREDITED:
        transaction_id = outcome.transaction.transaction_id if outcome.transaction else "?"
        return f"Credited {outcome.coin} coins to user {outcome.user_id} for order {order} (transaction {transaction_id})."
    if outcome.status is CreditStatus.ALREADY_CREDITED:
        transaction_id = outcome.transaction.transaction_id if outcome.transaction else "?"
        return f"Order {order} was already credited (transaction {transaction_id}); nothing was credited now."
    if outcome.status is CreditStatus.REJECTED:
        return f"Rejected order {order} with code {outcome.code}: {outcome.message}"
    if outcome.status is CreditStatus.FAILED:
        return f"Order {order} was not credited: {outcome.message} Sending it again is safe."
    return f"Outcome of order {order} is unknown: {outcome.message}"


def _balance(args: argparse.Namespace) -> int:
    with PartyStarClient(**_client_options(args)) as client:
        balance = client.merchant_balance()
    _emit(args, asdict(balance), f"Merchant {balance.merchant_id} has a prepaid balance of {balance.balance} coins.")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    with PartyStarClient(**_client_options(args)) as client:
        try:
            transaction = client.transaction(args.out_order_no)
        except TransactionNotFoundError as exc:
            _emit(args, {"out_order_no": args.out_order_no, "credited": False, "message": exc.message},
                  f"Order {args.out_order_no} has not been credited: {exc.message}")  # fmt: skip
            return EXIT_REJECTED
    text = (
        f"Order {transaction.out_order_no} was credited: {transaction.coin} coins to user {transaction.user_id} "
        f"(transaction {transaction.transaction_id}, at unix time {transaction.created_at})."
    )
    _emit(args, {"credited": True, **asdict(transaction)}, text)
    return EXIT_OK


def _credit_batch(args: argparse.Namespace) -> int:
    orders = batch.load_orders(args.orders)
    if args.concurrency < 1:
        raise InvalidInputError(f"Invalid --concurrency {args.concurrency}: expected at least 1.")
    results_path = args.results or batch.default_results_path(args.orders)
    summary = asyncio.run(_run_batch(args, orders, results_path))
    counts = {status.value: summary.counts[status.value] for status in CreditStatus}
    payload = {"results": str(results_path), "rows": len(orders.rows), "sent": summary.sent,
               "skipped": summary.skipped, "outcomes": counts}  # fmt: skip
    lines = [
        f"{len(orders.rows)} orders: {summary.sent} sent now, {summary.skipped} already final from an earlier run.",
        *(f"  {name}: {count}" for name, count in counts.items()),
        f"Results: {results_path}",
    ]
    if summary.retry_may_help:
        lines.append("Run the same command again to retry failed and unknown orders; none is credited twice.")
    _emit(args, payload, "\n".join(lines))
    if counts["unknown"]:
        return EXIT_UNKNOWN
    return EXIT_REJECTED if summary.needs_attention else EXIT_OK


async def _run_batch(args: argparse.Namespace, orders: batch.OrdersFile, results_path: Path) -> batch.BatchSummary:
    hide = args.no_progress or args.json or not sys.stderr.isatty()
    async with AsyncPartyStarClient(**_client_options(args), max_connections=args.concurrency) as client:
        with tqdm(total=len(orders.rows), unit="order", disable=hide, file=sys.stderr) as progress:
            summary = await batch.run_batch(
                client,
                orders,
                results_path,
                args.concurrency,
                on_result=lambda outcome: progress.update(1),
                on_skipped=progress.update,
            )
    return summary


if __name__ == "__main__":
    sys.exit(main())

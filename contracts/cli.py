"""The partystar-contract command: run the conformance suite against a server's base URL."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from contracts.conformance.suite import run_suite
from contracts.target import DEFAULT_USER_ID, Target

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_UNREACHABLE = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    target = Target(
        merchant_id=args.merchant_id, secret=args.secret, user_id=args.user_id, base_url=args.base_url.rstrip("/")
    )
    try:
        httpx.get(f"{target.base_url}/api/v1/health", timeout=10.0)
    except httpx.HTTPError as exc:
        print(f"partystar-contract: cannot reach {target.base_url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    report = run_suite(target, admin_token=args.admin_token)
    print(report.summary())
    if args.junit_xml is not None:
        args.junit_xml.write_bytes(report.junit_xml())
        print(f"JUnit XML written to {args.junit_xml}")
    return EXIT_FAILED if report.failed else EXIT_PASSED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partystar-contract",
        description="Check that a server implements the Party Star coin-crediting API as the contract says. "
        "It credits a few coins (1 to 8 each) to the given user.",
    )
    parser.add_argument("--base-url", required=True, help="server to check, e.g. http://127.0.0.1:8080")
    parser.add_argument("--merchant-id", required=True, type=int, help="merchant whose credentials sign the requests")
    parser.add_argument("--secret", required=True, help="the merchant's signing secret (never printed)")
    parser.add_argument(
        "--user-id", default=DEFAULT_USER_ID, help=f"an existing user to credit (default: {DEFAULT_USER_ID})"
    )
    parser.add_argument(
        "--admin-token", help="sandbox admin token; adds checks that move the server clock and set balances"
    )
    parser.add_argument("--junit-xml", type=Path, help="also write the results as JUnit XML to this file")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())

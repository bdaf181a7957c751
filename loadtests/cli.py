"""partystar-load: a headless locust run with exact p95, failure and throughput gates.

Exit status: 0 when every gate and the reconciliation passed, 1 when one
failed (the last lines name each failed gate), 2 when the run could not be
made at all.
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from loadtests.gates import Gates, GateResult, evaluate
from loadtests.merchant import AccountReadError, MerchantAccount
from loadtests.reconcile import Reconciliation, reconcile
from loadtests.recorder import Recorder
from loadtests.report import summary_table

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SECRET_VARIABLE = "PARTYSTAR_LOAD_SECRET"
DEFAULT_SECRET = "sandbox-secret-0050"
# Seconds that running users get to finish their checkout when the time is up;
# a credit cut off mid-flight would leave the reconciliation without its response.
STOP_TIMEOUT_S = 30
# Extra seconds for locust to start its processes and write its reports.
STARTUP_MARGIN_S = 60
# The time spans locust's own --run-time accepts: 20, 20s, 3m, 1h30m.
TIMESPAN = re.compile(r"(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?(?:(?P<seconds>\d+)s?)?")


class RunError(RuntimeError):
    """The load run could not be made or produced no results."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _check_ranges(parser, args)
    try:
        passed = run(args)
    except (RunError, AccountReadError) as exc:
        print(f"partystar-load: {exc}", file=sys.stderr)
        return 2
    return 0 if passed else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partystar-load",
        description="Run signed reseller traffic against a Party Star API and check p95, failures, "
        "throughput and the merchant's ledger.",
    )
    parser.add_argument("--base-url", required=True, help="API root, e.g. http://127.0.0.1:8080")
    parser.add_argument("--users", type=int, default=10, help="concurrent simulated resellers (default: 10)")
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second (default: 10)")
    parser.add_argument("--run-time", default="60s", help="how long to run, e.g. 30s, 2m (default: 60s)")
    parser.add_argument("--p95-ms", type=float, default=500.0, help="p95 gate in milliseconds (default: 500)")
    parser.add_argument(
        "--max-failure-ratio", type=float, default=0.005, help="highest failed/total ratio (default: 0.005)"
    )
    parser.add_argument("--min-rps", type=float, help="lowest achieved requests per second (default: no gate)")
    parser.add_argument(
        "--retry-share",
        type=float,
        default=0.1,
        help="share of credits sent a second time with the same order number, 0 to 1 (default: 0.1)",
    )
    parser.add_argument("--processes", type=int, help="locust worker processes on this machine (default: one process)")
    parser.add_argument("--report-dir", type=Path, default=Path("load-report"), help="folder for CSV and HTML reports")
    parser.add_argument("--merchant-id", type=int, default=50, help="merchant that signs the requests (default: 50)")
    parser.add_argument(
        "--secret",
        help=f"merchant secret (default: ${SECRET_VARIABLE}, else the sandbox test merchant's secret)",
    )
    return parser


def _check_ranges(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.users < 1:
        parser.error(f"--users must be at least 1, got {args.users}")
    if args.spawn_rate <= 0:
        parser.error(f"--spawn-rate must be above 0, got {args.spawn_rate}")
    if args.p95_ms <= 0:
        parser.error(f"--p95-ms must be above 0, got {args.p95_ms}")
    if not 0 <= args.max_failure_ratio <= 1:
        parser.error(f"--max-failure-ratio must be between 0 and 1, got {args.max_failure_ratio}")
    if not 0 <= args.retry_share <= 1:
        parser.error(f"--retry-share must be between 0 and 1, got {args.retry_share}")
    if args.processes is not None and args.processes < 1:
        parser.error(f"--processes must be at least 1, got {args.processes}")


def run(args: argparse.Namespace) -> bool:
    """Run the load, print the gates and the reconciliation, and return whether all passed."""
    secret = args.secret or os.environ.get(SECRET_VARIABLE) or DEFAULT_SECRET
    account = MerchantAccount(args.base_url, args.merchant_id, secret)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    results_path = args.report_dir / "exact-results.json"
    results_path.unlink(missing_ok=True)

    balance_before = account.balance()
    _run_locust(args, secret, results_path)
    balance_after = account.balance()

    recorder = _read_results(results_path)
    gate_results = evaluate(recorder, Gates(args.p95_ms, args.max_failure_ratio, args.min_rps))
    reconciliation = reconcile(recorder.credit_book(), balance_before, balance_after, account.credited_coin)
    report = _report(recorder, gate_results, reconciliation)
    (args.report_dir / "gates.txt").write_text(report + "\n", encoding="utf-8")
    print(report)
    return all(result.passed for result in gate_results) and reconciliation.passed


def parse_run_time(text: str) -> int:
    """Return the seconds in a time span such as 45, 30s, 2m or 1h30m."""
    # NOTE: locust has a parser for this, but importing locust monkey-patches
    # the whole process for gevent, which breaks httpx and pytest here.
    match = TIMESPAN.fullmatch(text)
    if not text or match is None:
        raise RunError(f"--run-time {text!r} is invalid; use e.g. 45, 30s, 2m or 1h30m.")
    hours, minutes, seconds = (int(match.group(name) or 0) for name in ("hours", "minutes", "seconds"))
    total = hours * 3600 + minutes * 60 + seconds
    if total < 1:
        raise RunError(f"--run-time {text!r} is shorter than one second.")
    return total


def locust_command(args: argparse.Namespace, run_time_s: int, results_path: Path) -> list[str]:
    prefix = f"LT{secrets.token_hex(4)}"
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", args.base_url.rstrip("/"),
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--load-run-time", str(run_time_s),
        "--stop-timeout", str(STOP_TIMEOUT_S),
        "--csv", str(args.report_dir / "locust"), "--html", str(args.report_dir / "locust.html"),
        "--only-summary", "--merchant-id", str(args.merchant_id),
        "--retry-share", str(args.retry_share), "--order-prefix", prefix, "--results-file", str(results_path),
    ]  # fmt: skip
    if args.processes:
        command += ["--processes", str(args.processes)]
    return command


def _run_locust(args: argparse.Namespace, secret: str, results_path: Path) -> None:
    run_time_s = parse_run_time(args.run_time)
    command = locust_command(args, run_time_s, results_path)
    # The secret travels in the environment, not on a command line that ps shows.
    env = {**os.environ, SECRET_VARIABLE: secret}
    timeout = run_time_s + STOP_TIMEOUT_S + STARTUP_MARGIN_S
    try:
        subprocess.run(command, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"locust did not finish within {timeout} s") from exc


def _read_results(path: Path) -> Recorder:
    if not path.exists():
        raise RunError(f"locust wrote no results to {path}; see its output above")
    recorder = Recorder()
    recorder.merge(json.loads(path.read_text(encoding="utf-8")))
    return recorder


def _report(recorder: Recorder, gate_results: list[GateResult], reconciliation: Reconciliation) -> str:
    lines = [summary_table(recorder), ""]
    lines += [result.describe() for result in gate_results]
    lines.append(reconciliation.describe())
    failed = [result.describe() for result in gate_results if not result.passed]
    if not reconciliation.passed:
        failed.append("FAILED: reconciliation")
    lines.append("")
    lines.append(f"partystar-load: {len(failed)} gates failed" if failed else "partystar-load: all gates passed")
    return "\n".join(lines)

"""Crediting a CSV file of orders: validation, resuming and the run itself.

The results file (see results_file) gets one row per finished order as soon
as it finishes, so an interrupted run loses no response that Party Star sent.
A later run skips the orders whose results row is final (credited, already
credited or rejected) and sends the others again with the same out_order_no,
which Party Star returns as a replay when they were credited after all.
"""

import asyncio
import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from partystar_client.client import AsyncPartyStarClient
from partystar_client.errors import InvalidInputError
from partystar_client.models import CreditOutcome
from partystar_client.results_file import (
    RESULT_COLUMNS,
    ResultsWriter,
    check_results_path,
    is_final,
    read_results,
    rewrite_results,
)
from partystar_client.validation import check_order_no, check_remark, check_user_id, parse_coin

REQUIRED_COLUMNS = ("out_order_no", "user_id", "coin")


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One valid order of the input file, with all its columns as read."""

    line: int
    out_order_no: str
    user_id: str
    coin: int
    remark: str | None
    columns: dict[str, str]


class BatchFileError(Exception):
    """The orders file cannot be used; ``problems`` lists every bad row or column."""

    def __init__(self, path: Path, problems: list[str], advice: str = "") -> None:
        message = f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(message + (f"\n{advice}" if advice else ""))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class OrdersFile:
    path: Path
    fieldnames: list[str]
    rows: list[OrderRow]


def load_orders(path: Path) -> OrdersFile:
    """Read and check every row of an orders file; raise BatchFileError listing all problems at once."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fieldnames = list(reader.fieldnames or [])
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BatchFileError(path, [f"failed to read the file: {exc}"]) from exc
    problems = _header_problems(fieldnames)
    if problems:
        raise BatchFileError(path, problems)
    rows: list[OrderRow] = []
    first_line: dict[str, int] = {}
    for index, record in enumerate(records):
        line = index + 2  # the header is line 1
        row = _parse_row(line, record, problems)
        if row is None:
            continue
        if row.out_order_no in first_line:
            problems.append(
                f"line {line}: out_order_no {row.out_order_no!r} repeats line {first_line[row.out_order_no]}; "
                "each order must appear once."
            )
            continue
        first_line[row.out_order_no] = line
        rows.append(row)
    if problems:
        raise BatchFileError(path, problems)
    return OrdersFile(path=path, fieldnames=fieldnames, rows=rows)


def _header_problems(fieldnames: list[str]) -> list[str]:
    problems = [f"the header has no {name!r} column." for name in REQUIRED_COLUMNS if name not in fieldnames]
    problems += [f"the header has a {name!r} column, which the results file adds." for name in RESULT_COLUMNS if name in fieldnames]
    repeated = sorted(name for name, count in Counter(fieldnames).items() if count > 1)
    problems += [f"the header repeats the column {name!r}." for name in repeated]
    return problems


def _parse_row(line: int, record: dict[str | None, str | None], problems: list[str]) -> OrderRow | None:
    if None in record or any(value is None for value in record.values()):
        problems.append(f"line {line}: expected {len(record) - (None in record)} cells, got a different number.")
        return None
    columns = {str(name): str(value) for name, value in record.items()}
    found: list[str] = []
    values: dict[str, object] = {}
    checks: list[tuple[str, Callable[[str], object]]] = [
        ("out_order_no", check_order_no),
        ("user_id", check_user_id),
        ("coin", parse_coin),
        ("remark", lambda text: check_remark(text or None)),
    ]
    for name, check in checks:
        if name not in columns:
            continue
        try:
            values[name] = check(columns[name])
        except InvalidInputError as exc:
            found.append(f"line {line}: {exc.message}")
    if found:
        problems.extend(found)
        return None
    return OrderRow(
        line=line,
        out_order_no=str(values["out_order_no"]),
        user_id=str(values["user_id"]),
        coin=int(values["coin"]),  # type: ignore[call-overload]
        remark=values.get("remark"),  # type: ignore[arg-type]
        columns=columns,
    )


def default_results_path(orders_path: Path) -> Path:
    return orders_path.with_name(orders_path.stem + ".results.csv")


def result_row(row: OrderRow, outcome: CreditOutcome) -> dict[str, str]:
    transaction_id = outcome.transaction.transaction_id if outcome.transaction else ""
    code = "" if outcome.code is None else str(outcome.code)
    return {**row.columns, "outcome": outcome.status.value, "transaction_id": transaction_id, "code": code,
            "message": outcome.message}  # fmt: skip


EDITED_ROWS_ADVICE = (
    "An order number once credited cannot be credited with other details: Party Star answers "
    "3003 ORDER_CONFLICT. Restore the recorded user_id and coin, or give the changed order a new "
    "out_order_no. A rejected order is retried with new details only under a new out_order_no, or "
    "after its row is removed from the results file {results}."
)


def edited_final_rows(orders: OrdersFile, latest: dict[str, dict[str, str]]) -> list[str]:
    """List the rows whose user_id or coin differs from their final result, one problem per row."""
    problems = []
    for row in orders.rows:
        result = latest.get(row.out_order_no)
        if result is None or not is_final(result) or _same_details(row, result):
            continue
        code = f" with code {result['code']}" if result["code"] else ""
        problems.append(
            f"line {row.line}: order {row.out_order_no!r} is {result['outcome']}{code} in the results file for "
            f"user_id {result['user_id']!r} and coin {result['coin']}, but the row now has user_id {row.user_id!r} "
            f"and coin {row.coin}."
        )
    return problems


def _same_details(row: OrderRow, result: dict[str, str]) -> bool:
    try:
        recorded_coin = parse_coin(result["coin"])
    except InvalidInputError:
        return False
    return (row.user_id, row.coin) == (result["user_id"], recorded_coin)


def load_resume_state(orders: OrdersFile, results_path: Path) -> dict[str, dict[str, str]]:
    """Check the results file against the orders and return its latest row per order.

    Raises ResultsFileError for a results file that is the orders file or
    cannot be read, and BatchFileError listing every row edited after its
    result became final.
    """
    check_results_path(orders.path, results_path)
    latest = read_results(results_path, orders.fieldnames, {row.out_order_no for row in orders.rows})
    edited = edited_final_rows(orders, latest)
    if edited:
        raise BatchFileError(orders.path, edited, EDITED_ROWS_ADVICE.format(results=results_path))
    return latest


@dataclass(slots=True)
class BatchSummary:
    """Counts of outcomes over the whole file, earlier runs included."""

    counts: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    sent: int = 0

    @property
    def needs_attention(self) -> bool:
        return any(self.counts[s] for s in ("rejected", "failed", "unknown"))

    @property
    def retry_may_help(self) -> bool:
        """Whether some order is failed or unknown, so running the batch again sends it again."""
        return any(self.counts[s] for s in ("failed", "unknown"))


async def run_batch(
    client: AsyncPartyStarClient,
    orders: OrdersFile,
    results_path: Path,
    concurrency: int,
    on_result: Callable[[CreditOutcome], None] = lambda outcome: None,
    on_skipped: Callable[[int], None] = lambda count: None,
) -> BatchSummary:
    """Credit every order that has no final result yet, at most ``concurrency`` at a time.

    Everything that load_resume_state raises is raised before any request is sent.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    latest = load_resume_state(orders, results_path)
    pending = [row for row in orders.rows if not (row.out_order_no in latest and is_final(latest[row.out_order_no]))]
    summary = BatchSummary(skipped=len(orders.rows) - len(pending), sent=len(pending))
    on_skipped(summary.skipped)
    writer = ResultsWriter(results_path, orders.fieldnames)
    gate = asyncio.Semaphore(concurrency)

    async def credit_one(row: OrderRow) -> None:
        async with gate:
            outcome = await client.credit(row.user_id, row.coin, row.out_order_no, row.remark)
        result = result_row(row, outcome)
        writer.write(result)
        latest[row.out_order_no] = result
        on_result(outcome)

    try:
        async with asyncio.TaskGroup() as group:
            for row in pending:
                group.create_task(credit_one(row))
    finally:
        writer.close()
    rewrite_results(results_path, orders.fieldnames, (latest[row.out_order_no] for row in orders.rows))
    summary.counts.update(latest[row.out_order_no]["outcome"] for row in orders.rows)
    return summary

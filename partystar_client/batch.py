"""Crediting a CSV file of orders: validation, the results file and resuming.

The results file gets one row per finished order as soon as it finishes, so
an interrupted run loses no response that Party Star sent. A later run skips
the orders whose results row is final (credited, already credited or
rejected) and sends the others again with the same out_order_no, which
Party Star returns as a replay when they were credited after all.
"""

import asyncio
import csv
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from partystar_client.client import AsyncPartyStarClient
from partystar_client.errors import InvalidInputError
from partystar_client.models import CreditOutcome, CreditStatus
from partystar_client.validation import check_order_no, check_remark, check_user_id, parse_coin

REQUIRED_COLUMNS = ("out_order_no", "user_id", "coin")
RESULT_COLUMNS = ("outcome", "transaction_id", "code", "message")
FINAL_STATUSES = frozenset({CreditStatus.CREDITED, CreditStatus.ALREADY_CREDITED, CreditStatus.REJECTED})


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

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))
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


def read_results(path: Path, orders: OrdersFile) -> dict[str, dict[str, str]]:
    """Return the latest results row per order number; rows cut short by an interruption are ignored."""
    if not path.exists():
        return {}
    known = {row.out_order_no for row in orders.rows}
    statuses = {status.value for status in CreditStatus}
    latest: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            if None in record or any(value is None for value in record.values()):
                continue
            order = record.get("out_order_no")
            if order in known and record.get("outcome") in statuses:
                latest[str(order)] = {str(k): str(v) for k, v in record.items()}
    return latest


def is_final(result: dict[str, str]) -> bool:
    return CreditStatus(result["outcome"]) in FINAL_STATUSES


def result_row(row: OrderRow, outcome: CreditOutcome) -> dict[str, str]:
    transaction_id = outcome.transaction.transaction_id if outcome.transaction else ""
    code = "" if outcome.code is None else str(outcome.code)
    return {**row.columns, "outcome": outcome.status.value, "transaction_id": transaction_id, "code": code,
            "message": outcome.message}  # fmt: skip


@dataclass(slots=True)
class BatchSummary:
    """Counts of outcomes over the whole file, earlier runs included."""

    counts: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    sent: int = 0

    @property
    def needs_attention(self) -> bool:
        return any(self.counts[s] for s in ("rejected", "failed", "unknown"))


class ResultsWriter:
    """Appends results rows as orders finish, flushing each row to disk."""

    def __init__(self, path: Path, fieldnames: list[str]) -> None:
        self.path = path
        self.fieldnames = fieldnames + list(RESULT_COLUMNS)
        new = not path.exists() or path.stat().st_size == 0
        self._repair_last_line()
        self._handle = path.open("a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._handle, fieldnames=self.fieldnames)
        if new:
            self._writer.writeheader()

    def _repair_last_line(self) -> None:
        # A run killed mid-write can leave a line without its newline; end it so the next row starts clean.
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb+") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\r\n")

    def write(self, row: dict[str, str]) -> None:
        self._writer.writerow(row)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def rewrite_results(path: Path, fieldnames: list[str], rows: Iterable[dict[str, str]]) -> None:
    """Replace the results file with one row per order, in input order, atomically."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames + list(RESULT_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


async def run_batch(
    client: AsyncPartyStarClient,
    orders: OrdersFile,
    results_path: Path,
    concurrency: int,
    on_result: Callable[[CreditOutcome], None] = lambda outcome: None,
    on_skipped: Callable[[int], None] = lambda count: None,
) -> BatchSummary:
    """Credit every order that has no final result yet, at most ``concurrency`` at a time."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    latest = read_results(results_path, orders)
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

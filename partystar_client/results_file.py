"""The credit-batch results file: checking it before a run, appending rows and rewriting it.

The results file is the record of which orders are final, so a run rejects
one it cannot read exactly: not UTF-8, not a CSV, or a header other than the
orders file's columns followed by RESULT_COLUMNS. Appending rows under a
different header would misalign every later row.
"""

import csv
import os
from collections.abc import Collection, Iterable
from pathlib import Path

from partystar_client.models import CreditStatus

RESULT_COLUMNS = ("outcome", "transaction_id", "code", "message")
FINAL_STATUSES = frozenset({CreditStatus.CREDITED, CreditStatus.ALREADY_CREDITED, CreditStatus.REJECTED})
MOVE_ADVICE = "Pass another --results file, or move this one away."


class ResultsFileError(Exception):
    """The results file cannot be used; the message is one line naming the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def check_results_path(orders_path: Path, results_path: Path) -> None:
    """Raise ResultsFileError when the results path is the orders file, under any spelling or link,
    or when its folder does not exist."""
    same = orders_path.resolve() == results_path.resolve()
    if not same and orders_path.exists() and results_path.exists():
        # samefile also catches hard links, which resolve() cannot see.
        same = os.path.samefile(orders_path, results_path)
    if same:
        raise ResultsFileError(
            results_path,
            f"the results file is the orders file {orders_path}, so writing results would overwrite the orders. "
            "Pass another --results file.",
        )
    if not results_path.parent.is_dir():
        raise ResultsFileError(
            results_path, f"the folder {results_path.parent} does not exist; create it or pass another --results file."
        )


def expected_header(fieldnames: list[str]) -> list[str]:
    return fieldnames + list(RESULT_COLUMNS)


def read_results(path: Path, fieldnames: list[str], order_numbers: Collection[str]) -> dict[str, dict[str, str]]:
    """Return the latest results row per order number; raise ResultsFileError for an unusable file.

    Rows cut short by an interruption, rows of orders not in ``order_numbers``
    and rows without a known outcome are ignored. A missing or empty file has
    no rows.
    """
    if not path.exists():
        return {}
    records = _read_records(path, expected_header(fieldnames))
    statuses = {status.value for status in CreditStatus}
    latest: dict[str, dict[str, str]] = {}
    for record in records:
        if None in record or any(value is None for value in record.values()):
            continue
        order = record.get("out_order_no")
        if order in order_numbers and record.get("outcome") in statuses:
            latest[str(order)] = {str(k): str(v) for k, v in record.items()}
    return latest


def _read_records(path: Path, header: list[str]) -> list[dict[str | None, str | None]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultsFileError(path, f"failed to read the file: {exc.strerror}.") from exc
    try:
        # utf-8-sig accepts the byte order mark that spreadsheet programs add when they save a CSV.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ResultsFileError(
            path, f"not valid UTF-8: byte 0x{data[exc.start]:02x} on line {line} (offset {exc.start}). {MOVE_ADVICE}"
        ) from exc
    if not text:
        return []
    reader = csv.DictReader(text.splitlines(keepends=True))
    try:
        found = list(reader.fieldnames or [])
        if found != header:
            raise ResultsFileError(
                path,
                f"not a results file of these orders: expected the header {','.join(header)}, "
                f"found {','.join(found) or 'an empty first line'}. {MOVE_ADVICE}",
            )
        return list(reader)
    except csv.Error as exc:
        # DictReader.line_num counts only complete rows; its inner reader's counts the line that failed.
        line = reader.reader.line_num
        raise ResultsFileError(path, f"not a valid CSV file: line {line}: {exc}. {MOVE_ADVICE}") from exc


def is_final(result: dict[str, str]) -> bool:
    return CreditStatus(result["outcome"]) in FINAL_STATUSES


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

"""The credit-batch command: validation, results, resuming, and a faulty 1,000-order run."""

import csv
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from partystar_client import AsyncPartyStarClient, PartyStarClient, RetryPolicy, cli
from partystar_client.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from partystar_client.errors import TransactionNotFoundError
from tests.client import sandbox_setup as setup
from tests.support.sandbox import REPO_ROOT, SandboxProcess

INTERRUPT_DEADLINE = 60.0  # seconds to wait for the first run to write enough rows


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("client-batch")) as sandbox:
        yield sandbox


@pytest.fixture
def credentials(server: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"PARTYSTAR_BASE_URL": server.base_url, "PARTYSTAR_MERCHANT_ID": "50", "PARTYSTAR_SECRET": setup.SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def write_orders(path: Path, rows: list[tuple[str, str, str]], extra: str = "note") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["out_order_no", "user_id", "coin", extra])
        for index, row in enumerate(rows):
            writer.writerow([*row, f"{extra}-{index}"])
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_bad_rows_listed_together(tmp_path: Path, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    orders = write_orders(tmp_path / "orders.csv", [
        ("BAD-1", "10001", "5"), ("BAD-2", "10002", "ten"), ("BAD-1", "10003", "5"),
        ("BAD 4", "10004", "5"), ("BAD-5", "a&b", "5"), ("BAD-6", "10006", "0"),
    ])  # fmt: skip

    exit_code = main(["credit-batch", str(orders)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert "line 3: Invalid coin 'ten'" in error
    assert "line 4: out_order_no 'BAD-1' repeats line 2" in error
    assert "line 5: Invalid out_order_no 'BAD 4'" in error
    assert "line 6: Invalid user_id 'a&b'" in error
    assert "line 7: Invalid coin 0" in error
    assert not (tmp_path / "orders.results.csv").exists()


def test_missing_column_rejected(tmp_path: Path, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("out_order_no,user\nX-1,10001\n", encoding="utf-8")

    exit_code = main(["credit-batch", str(path)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert "no 'user_id' column" in error
    assert "no 'coin' column" in error


def test_batch_results_and_rerun(tmp_path: Path, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    orders = write_orders(tmp_path / "orders.csv", [
        ("RUN-1", "10001", "5"), ("RUN-2", "10002", "6"), ("RUN-3", "no-such-user", "7"),
    ])  # fmt: skip

    first = main(["--json", "credit-batch", str(orders)])
    first_summary = json.loads(capsys.readouterr().out)
    second = main(["--json", "credit-batch", str(orders)])
    second_summary = json.loads(capsys.readouterr().out)

    rows = read_rows(tmp_path / "orders.results.csv")
    assert first == EXIT_REJECTED
    assert second == EXIT_REJECTED
    assert first_summary["outcomes"] == {"credited": 2, "already_credited": 0, "rejected": 1, "failed": 0, "unknown": 0}
    assert second_summary["sent"] == 0
    assert second_summary["skipped"] == 3
    assert [row["outcome"] for row in rows] == ["credited", "credited", "rejected"]
    assert [row["note"] for row in rows] == ["note-0", "note-1", "note-2"]
    assert rows[2]["code"] == "3001"
    assert len(rows[0]["transaction_id"]) == 32


def test_all_credited_exits_zero(tmp_path: Path, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    orders = write_orders(tmp_path / "orders.csv", [("OK-1", "10001", "5")])

    exit_code = main(["credit-batch", str(orders), "--results", str(tmp_path / "out.csv")])

    assert exit_code == EXIT_OK
    assert "credited: 1" in capsys.readouterr().out
    assert read_rows(tmp_path / "out.csv")[0]["outcome"] == "credited"


def test_resume_after_lost_results_replays(tmp_path: Path, credentials: dict[str, str]) -> None:
    orders = write_orders(tmp_path / "orders.csv", [("LOST-1", "10001", "5"), ("LOST-2", "10002", "5")])
    main(["credit-batch", str(orders)])
    results = tmp_path / "orders.results.csv"
    # Keep the first order only, and cut its row short, as a crash mid-write would.
    lines = results.read_text(encoding="utf-8").splitlines()
    results.write_text(lines[0] + "\n" + lines[1][:-5], encoding="utf-8")

    exit_code = main(["credit-batch", str(orders)])

    rows = read_rows(results)
    assert exit_code == EXIT_OK
    assert [row["outcome"] for row in rows] == ["already_credited", "already_credited"]


RETRY_HINT = "Run the same command again"


def assert_never_sent(server: SandboxProcess, *orders: str) -> None:
    with PartyStarClient(server.base_url, 50, setup.SECRET) as client:
        for order in orders:
            with pytest.raises(TransactionNotFoundError):
                client.transaction(order)


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink", "hard-link"])
def test_results_path_is_orders_rejected(
    spelling: str,
    tmp_path: Path,
    server: SandboxProcess,
    credentials: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    order = f"SAME-{spelling}"
    orders = write_orders(tmp_path / "orders.csv", [(order, "10001", "5")])
    original = orders.read_bytes()
    monkeypatch.chdir(tmp_path)
    results = {"same": str(orders), "dot-slash": "./orders.csv", "symlink": "link.csv", "hard-link": "hard.csv"}[spelling]
    if spelling == "symlink":
        (tmp_path / "link.csv").symlink_to(orders)
    if spelling == "hard-link":
        (tmp_path / "hard.csv").hardlink_to(orders)

    exit_code = main(["credit-batch", str(orders), "--results", results])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert error.count("\n") == 1, error
    assert f"partystar: {Path(results)}: the results file is the orders file {orders}," in error
    assert orders.read_bytes() == original
    assert_never_sent(server, order)


def test_results_folder_missing_rejected(
    tmp_path: Path, server: SandboxProcess, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    orders = write_orders(tmp_path / "orders.csv", [("NO-FOLDER-1", "10001", "5")])
    results = tmp_path / "missing" / "results.csv"

    exit_code = main(["credit-batch", str(orders), "--results", str(results)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert f"the folder {results.parent} does not exist" in error
    assert_never_sent(server, "NO-FOLDER-1")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"out_order_no,user_id,coin,note,outcome,transaction_id,code,message\r\nBADRES-1,10001,5,\xff\xfe,credited,,,\r\n",
         "not valid UTF-8: byte 0xff on line 2 (offset 85)"),
        (b"order,who,how_much\r\nBADRES-1,10001,5\r\n",
         "not a results file of these orders: expected the header "
         "out_order_no,user_id,coin,note,outcome,transaction_id,code,message, found order,who,how_much"),
        (b"\r\nBADRES-1,10001,5\r\n", "found an empty first line"),
        (b"out_order_no,user_id,coin,note,outcome,transaction_id,code,message\r\nBADRES-1,10001,5,"
         + b"x" * 200_000 + b",credited,,,\r\n",
         "not a valid CSV file: line 2: field larger than field limit"),
    ],
    ids=["not-utf8", "other-header", "empty-header", "csv-error"],
)
def test_unusable_results_file_rejected(
    content: bytes,
    problem: str,
    tmp_path: Path,
    server: SandboxProcess,
    credentials: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = write_orders(tmp_path / "orders.csv", [("BADRES-1", "10001", "5")])
    results = tmp_path / "orders.results.csv"
    results.write_bytes(content)

    exit_code = main(["credit-batch", str(orders)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert error.startswith(f"partystar: {results}: "), error
    assert problem in error
    assert error.count("\n") == 1, error
    assert "Traceback" not in error
    assert results.read_bytes() == content
    assert_never_sent(server, "BADRES-1")


def test_results_directory_rejected(tmp_path: Path, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    orders = write_orders(tmp_path / "orders.csv", [("DIRRES-1", "10001", "5")])
    (tmp_path / "out").mkdir()

    exit_code = main(["credit-batch", str(orders), "--results", str(tmp_path / "out")])

    assert exit_code == EXIT_USAGE
    assert capsys.readouterr().err == f"partystar: {tmp_path / 'out'}: failed to read the file: Is a directory.\n"


def test_edited_final_rows_listed(
    tmp_path: Path, server: SandboxProcess, credentials: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "orders.csv"
    write_orders(path, [("EDIT-1", "10001", "5"), ("EDIT-2", "no-such-user", "5"), ("EDIT-3", "10003", "5")])
    assert main(["credit-batch", str(path)]) == EXIT_REJECTED
    results = tmp_path / "orders.results.csv"
    recorded = results.read_bytes()
    capsys.readouterr()
    edited = [("EDIT-1", "10001", "6"), ("EDIT-2", "10002", "5"), ("EDIT-3", "10003", "5"), ("EDIT-4", "10004", "5")]
    write_orders(path, edited)

    exit_code = main(["credit-batch", str(path)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_USAGE
    assert f"partystar: {path}: 2 problem(s):" in error
    assert ("line 2: order 'EDIT-1' is credited in the results file for user_id '10001' and coin 5, "
            "but the row now has user_id '10001' and coin 6.") in error  # fmt: skip
    assert ("line 3: order 'EDIT-2' is rejected with code 3001 in the results file for user_id 'no-such-user' "
            "and coin 5, but the row now has user_id '10002' and coin 5.") in error  # fmt: skip
    assert "EDIT-3" not in error
    assert "3003 ORDER_CONFLICT" in error
    assert "new out_order_no" in error
    assert f"removed from the results file {results}" in error
    assert results.read_bytes() == recorded
    assert_never_sent(server, "EDIT-4")


def test_rejected_row_retried_after_removal(tmp_path: Path, credentials: dict[str, str]) -> None:
    path = write_orders(tmp_path / "orders.csv", [("FIX-1", "no-such-user", "5"), ("FIX-2", "10002", "5")])
    assert main(["credit-batch", str(path)]) == EXIT_REJECTED
    results = tmp_path / "orders.results.csv"
    write_orders(path, [("FIX-1", "10001", "5"), ("FIX-2", "10002", "5")])
    remaining_rows = [row for row in read_rows(results) if row["out_order_no"] != "FIX-1"]
    with results.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(remaining_rows[0]))
        writer.writeheader()
        writer.writerows(remaining_rows)

    exit_code = main(["credit-batch", str(path)])

    rows = read_rows(results)
    assert exit_code == EXIT_OK
    assert [(row["out_order_no"], row["user_id"], row["outcome"]) for row in rows] == [
        ("FIX-1", "10001", "credited"), ("FIX-2", "10002", "credited"),
    ]  # fmt: skip


def test_retry_hint_only_when_retry_helps(
    tmp_path: Path, credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    fast = functools.partial(AsyncPartyStarClient, retry=RetryPolicy(max_attempts=2), sleep=no_wait)
    monkeypatch.setattr(cli, "AsyncPartyStarClient", fast)
    credited = write_orders(tmp_path / "credited.csv", [("HINT-1", "10001", "5")])
    rejected = write_orders(tmp_path / "rejected.csv", [("HINT-2", "10001", "5"), ("HINT-3", "no-such-user", "5")])
    failed = write_orders(tmp_path / "failed.csv", [("HINT-4", "10001", "5"), ("HINT-5", "fault-503", "5")])

    credited_exit = main(["credit-batch", str(credited)])
    credited_output = capsys.readouterr().out
    rejected_exit = main(["credit-batch", str(rejected)])
    rejected_output = capsys.readouterr().out
    failed_exit = main(["credit-batch", str(failed)])
    failed_output = capsys.readouterr().out

    assert credited_exit == EXIT_OK
    assert RETRY_HINT not in credited_output
    assert rejected_exit == EXIT_REJECTED
    assert "rejected: 1" in rejected_output
    assert RETRY_HINT not in rejected_output
    assert failed_exit == EXIT_REJECTED
    assert "failed: 1" in failed_output
    assert RETRY_HINT in failed_output


def partystar_command(orders: Path, server: SandboxProcess) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PARTYSTAR_BASE_URL": server.base_url, "PARTYSTAR_MERCHANT_ID": "50",
           "PARTYSTAR_SECRET": setup.SECRET}  # fmt: skip
    command = [sys.executable, "-m", "partystar_client.cli", "--timeout", "1", "credit-batch", str(orders),
               "--concurrency", "16", "--no-progress"]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_faulty_thousand_interrupted_and_resumed(tmp_path: Path, server: SandboxProcess) -> None:
    rules = [
        {"kind": "commit_then_drop", "probability": 0.03, "seed": 1},
        {"kind": "close_before", "probability": 0.03, "seed": 2},
        {"kind": "http_error", "status": 500, "commit": True, "probability": 0.03, "seed": 3},
        {"kind": "http_error", "status": 503, "probability": 0.03, "seed": 4},
        {"kind": "truncated_body", "probability": 0.02, "seed": 5},
        {"kind": "commit_then_delay", "delay_ms": 1500, "probability": 0.01, "seed": 6},
        {"kind": "latency", "latency_ms": 15},
    ]
    for rule in rules:
        setup.add_fault(server, operation="creditCoins", **rule)
    users = [f"100{n:02d}" for n in range(1, 21)]
    rows = [(f"BULK-{n:04d}", users[n % 20], str(1 + n % 50)) for n in range(1000)]
    rows[10] = ("BULK-0010", "no-such-user", "5")
    rows[500] = ("BULK-0500", "another-missing-user", "5")
    orders = write_orders(tmp_path / "bulk.csv", rows)
    results = tmp_path / "bulk.results.csv"
    with PartyStarClient(server.base_url, 50, setup.SECRET) as client:
        balance_before = client.merchant_balance().balance

    first = partystar_command(orders, server)
    deadline = time.monotonic() + INTERRUPT_DEADLINE
    while count_lines(results) < 300 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    rows_after_interrupt = count_lines(results)
    second = partystar_command(orders, server)
    second_output, _ = second.communicate(timeout=300)
    setup.admin(server, "DELETE", "faults")

    assert first.returncode == -signal.SIGKILL
    assert 300 <= rows_after_interrupt < 1001
    assert second.returncode == EXIT_REJECTED, second_output
    final = read_rows(results)
    assert [row["out_order_no"] for row in final] == [row[0] for row in rows]
    outcomes = {row["outcome"] for row in final}
    assert outcomes <= {"credited", "already_credited", "rejected"}
    assert [row["out_order_no"] for row in final if row["outcome"] == "rejected"] == ["BULK-0010", "BULK-0500"]
    with PartyStarClient(server.base_url, 50, setup.SECRET) as client:
        credited_coins = 0
        for row in final:
            if row["outcome"] == "rejected":
                with pytest.raises(TransactionNotFoundError):
                    client.transaction(row["out_order_no"])
                continue
            transaction = client.transaction(row["out_order_no"])
            assert transaction.transaction_id == row["transaction_id"]
            assert (transaction.user_id, transaction.coin) == (row["user_id"], int(row["coin"]))
            credited_coins += transaction.coin
        balance_after = client.merchant_balance().balance
    assert balance_before - balance_after == credited_coins

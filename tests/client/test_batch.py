"""The credit-batch command: validation, results, resuming, and a faulty 1,000-order run."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from partystar_client import PartyStarClient
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

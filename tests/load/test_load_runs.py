"""Short partystar-load runs against real sandbox processes on loopback."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadtests.cli import main
from tests.support.sandbox import SandboxProcess, default_config

ADMIN_HEADERS = {"Authorization": "Bearer sandbox-admin-token"}


def run_load(server: SandboxProcess, report_dir: Path, *options: str) -> int:
    return main([
        "--base-url", server.base_url, "--users", "5", "--spawn-rate", "5", "--run-time", "3s",
        "--report-dir", str(report_dir), *options,
    ])  # fmt: skip


def test_short_run_passes_and_writes_reports(start_sandbox: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    server = start_sandbox()
    report_dir = tmp_path / "report"

    status = run_load(server, report_dir, "--min-rps", "1")

    output = capfd.readouterr().out
    assert status == 0, output
    assert "partystar-load: all gates passed" in output
    assert "passed: reconciliation" in output
    for name in ("locust_stats.csv", "locust_failures.csv", "locust.html", "gates.txt"):
        assert (report_dir / name).stat().st_size > 0, name


def test_distributed_run_collects_every_worker(
    start_sandbox: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    server = start_sandbox()
    report_dir = tmp_path / "report"

    status = run_load(server, report_dir, "--processes", "2", "--retry-share", "0.5")

    output = capfd.readouterr().out
    assert status == 0, output
    assert "passed: reconciliation" in output
    results = json.loads((report_dir / "exact-results.json").read_text(encoding="utf-8"))
    # Order numbers are PREFIX-PID-SEQUENCE, so two PIDs mean both workers' records arrived.
    worker_pids = {order.split("-")[1] for order, *_ in results["credits"]}
    assert len(worker_pids) == 2


def test_injected_latency_fails_p95_gate(start_sandbox: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    server = start_sandbox()
    rule = {"kind": "latency", "latency_ms": 600, "operation": "creditCoins"}
    added = httpx.post(f"{server.base_url}/_sandbox/faults", json=rule, headers=ADMIN_HEADERS, timeout=5)
    assert added.json()["code"] == 0

    status = run_load(server, tmp_path / "report", "--p95-ms", "500")

    output = capfd.readouterr().out
    assert status == 1, output
    assert "FAILED: p95 of creditCoins is 6" in output
    assert "passed: p95 of verifyUser" in output
    assert "passed: reconciliation" in output


def test_broken_idempotency_fails_reconciliation(
    start_sandbox: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    config = default_config()
    config["settings"]["broken_rules"] = ["idempotency"]
    server = start_sandbox(config=config)

    status = run_load(server, tmp_path / "report", "--retry-share", "1")

    output = capfd.readouterr().out
    assert status == 1, output
    assert "FAILED: reconciliation: the merchant was debited" in output
    assert "orders were credited more than once" in output

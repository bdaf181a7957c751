"""The partystar-sandbox command: sign, reset and the serve banner."""

import json
import subprocess
import sys

import httpx

from tests.server import ledger
from tests.server.api import credit, envelope
from tests.support.sandbox import REPO_ROOT, SandboxProcess


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def as_arguments(params: dict) -> list[str]:
    return [f"{name}={value}" for name, value in params.items()]


def test_sign_prints_vector_sign(signature_vectors):
    for vector in signature_vectors["vectors"]:
        result = run_cli("sign", "--secret", signature_vectors["secret"], *as_arguments(vector["params"]))

        assert result.returncode == 0, result.stderr
        assert vector["sign"] in result.stdout, vector["name"]
        assert vector["canonical"].replace(signature_vectors["secret"], "********") in result.stdout


def test_sign_json_body_keeps_string_ids(signature_vectors):
    vector = next(v for v in signature_vectors["vectors"] if v["params"]["user_id"] == "000123")

    result = run_cli("sign", "--json-body", "--secret", signature_vectors["secret"], *as_arguments(vector["params"]))

    body = json.loads(result.stdout)
    assert body["user_id"] == "000123"
    assert body["coin"] == 1
    assert body["sign"] == vector["sign"]


def test_sign_rejects_malformed_argument():
    result = run_cli("sign", "merchant_id")

    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr


def test_reset_empties_state(tmp_path):
    with SandboxProcess(tmp_path) as server, httpx.Client(base_url=server.base_url) as client:
        opening = ledger.merchant_balance(server.database)
        assert envelope(credit(client, coin=500))["code"] == 0
        database = server.database

    result = run_cli("reset", "--database", database)

    assert result.returncode == 0, result.stderr
    assert ledger.merchant_balance(database) == opening
    assert ledger.query(database, "SELECT COUNT(*) FROM transactions")[0][0] == 0


def test_serve_banner_names_credentials_and_database(tmp_path):
    with SandboxProcess(tmp_path) as server:
        banner = server.log()

    assert "merchant_id: 50" in banner
    assert "sandbox-secret-0050" in banner
    assert server.database in banner


def test_serve_rejects_bad_config(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("merchants:\n  - merchant_id: fifty\n", encoding="utf-8")

    result = run_cli("serve", "--config", str(config), "--port", "1")

    assert result.returncode == 2
    assert "merchants[0].merchant_id must be an integer" in result.stderr


def test_server_logs_hold_no_sign_or_secret(tmp_path):
    with SandboxProcess(tmp_path, extra_args=["--log-level", "info"]) as server:
        with httpx.Client(base_url=server.base_url) as client:
            response = credit(client)
            sent = json.loads(response.request.content)
            credit(client, secret="wrong")
        log = server.log()

    after_banner = log.split("Application startup complete", 1)[-1]
    assert "operation=creditCoins" in after_banner
    assert sent["sign"] not in log
    assert "sandbox-secret-0050" not in after_banner


def test_sign_url_signs_path_parameter(signature_vectors):
    vector = next(v for v in signature_vectors["vectors"] if v["path"].startswith("/api/v1/transactions/"))
    query = [f"{name}={value}" for name, value in vector["params"].items() if name != "out_order_no"]

    result = run_cli("sign", "--secret", signature_vectors["secret"], "--url", vector["path"], *query)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(vector["path"] + "?")
    assert "out_order_no=" not in result.stdout
    assert result.stdout.strip().endswith(f"sign={vector['sign']}")


def test_sign_url_rejects_unknown_path():
    result = run_cli("sign", "--url", "/api/v1/nothing", "merchant_id=50")

    assert result.returncode == 2
    assert "not the path of an operation" in result.stderr


def test_sign_rejects_repeated_parameter():
    result = run_cli("sign", "user_id=1", "user_id=2")

    assert result.returncode == 2
    assert "user_id is given twice" in result.stderr


def test_serve_rejects_port_out_of_range():
    result = run_cli("serve", "--port", "99999")

    assert result.returncode == 2
    assert "port 99999 is outside 1 to 65535" in result.stderr


def test_log_escapes_control_characters(tmp_path):
    with SandboxProcess(tmp_path, extra_args=["--log-level", "info"]) as server:
        with httpx.Client(base_url=server.base_url) as client:
            credit(client, out_order_no="X\nFAKE-LOG-LINE code=0")
        log = server.log()

    assert "\nFAKE-LOG-LINE" not in log
    assert "X\\x0aFAKE-LOG-LINE" in log


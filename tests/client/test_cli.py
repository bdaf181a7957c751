"""Exit codes of the partystar command's lookups against a real sandbox."""

import functools
import json
from collections.abc import Iterator

import pytest

from partystar_client import PartyStarClient, RetryPolicy, cli
from partystar_client.cli import EXIT_OK, EXIT_REJECTED, EXIT_UNKNOWN, main
from partystar_client.flows import Seams
from tests.client import sandbox_setup as setup
from tests.support.sandbox import SandboxProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("client-cli")) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def no_rules(server: SandboxProcess) -> Iterator[None]:
    yield
    setup.admin(server, "DELETE", "faults")


@pytest.fixture
def waits(server: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Point the command at the sandbox, and record the retry waits instead of sleeping."""
    for name, value in {"PARTYSTAR_BASE_URL": server.base_url, "PARTYSTAR_MERCHANT_ID": "50",
                        "PARTYSTAR_SECRET": setup.SECRET}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    recorded: list[float] = []
    client = functools.partial(
        PartyStarClient, retry=RetryPolicy(max_attempts=3), seams=Seams(jitter=lambda: 0.0), sleep=recorded.append
    )
    monkeypatch.setattr(cli, "PartyStarClient", client)
    return recorded


@pytest.mark.parametrize("user_id", ["fault-500", "fault-502", "fault-503", "fault-504", "fault-429"])
def test_verify_server_fault_exits_unknown(
    user_id: str, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(["--json", "verify", user_id])

    payload = json.loads(capsys.readouterr().out)
    assert exit_code == EXIT_UNKNOWN
    assert len(waits) == 2, "the command retried before giving up"
    assert payload["code"] in {5000, 5002, 5003, 5004, 4029}


def test_status_server_fault_exits_unknown(
    server: SandboxProcess, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    setup.add_fault(server, operation="getTransaction", kind="http_error", status=502)

    exit_code = main(["status", "NO-SUCH-ORDER"])

    assert exit_code == EXIT_UNKNOWN
    assert "5002" in capsys.readouterr().err


def test_balance_transport_failure_exits_unknown(
    server: SandboxProcess, waits: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    setup.add_fault(server, operation="merchantBalance", kind="close_before")

    exit_code = main(["balance"])

    assert exit_code == EXIT_UNKNOWN
    assert capsys.readouterr().err.startswith("partystar: ")


def test_verify_missing_user_exits_rejected(waits: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["verify", "no-such-user"])

    assert exit_code == EXIT_REJECTED
    assert capsys.readouterr().out == "User no-such-user does not exist.\n"


def test_status_missing_order_exits_rejected(waits: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["status", "NEVER-CREDITED-1"])

    assert exit_code == EXIT_REJECTED
    assert "Order NEVER-CREDITED-1 has not been credited" in capsys.readouterr().out


def test_wrong_secret_exits_rejected(
    waits: list[float], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARTYSTAR_SECRET", "not-the-secret")

    exit_code = main(["balance"])

    assert exit_code == EXIT_REJECTED
    assert "[2001]" in capsys.readouterr().err


def test_verify_existing_user_exits_ok(waits: list[float], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "123"]) == EXIT_OK
    assert capsys.readouterr().out == "User 123 exists.\n"

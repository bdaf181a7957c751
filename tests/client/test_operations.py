"""Every operation and every result code, against a real sandbox over HTTP."""

import time
from collections.abc import Iterator
from itertools import count

import httpx
import pytest

from partystar_client import CreditStatus, PartyStarClient, RetryPolicy
from partystar_client import errors
from partystar_client.flows import Seams, failure_error
from partystar_client.protocol import read_response
from partystar_client.retry import AttemptFailure
from tests.client import sandbox_setup as setup
from tests.support.sandbox import SandboxProcess

ORDER_NUMBERS = count(1)
NO_RETRY = RetryPolicy(max_attempts=1)


def next_order() -> str:
    return f"OPS-{next(ORDER_NUMBERS):05d}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("client-ops"), config=setup.client_test_config()) as sandbox:
        yield sandbox


def connect(server: SandboxProcess, merchant_id: int = 50, **options: object) -> PartyStarClient:
    options.setdefault("secret", setup.secret_of(merchant_id))
    return PartyStarClient(server.base_url, merchant_id, **options)  # type: ignore[arg-type]


def test_health_reports_server_clock(server: SandboxProcess) -> None:
    with connect(server) as client:
        health = client.health()

    assert health.status == "ok"
    assert abs(health.time - time.time()) < 60


def test_verify_user_exists_and_not(server: SandboxProcess) -> None:
    with connect(server) as client:
        known = client.verify_user("10001")
        unknown = client.verify_user("no-such-user")

    assert known.exists is True
    assert unknown.exists is False


def test_credit_replay_and_lookup(server: SandboxProcess) -> None:
    order = next_order()
    with connect(server) as client:
        before = client.merchant_balance().balance
        first = client.credit("10002", 250, order, remark="first order")
        again = client.credit("10002", 250, order, remark="first order")
        looked_up = client.transaction(order)
        after = client.merchant_balance().balance

    assert first.status is CreditStatus.CREDITED
    assert again.status is CreditStatus.ALREADY_CREDITED
    assert first.transaction is not None
    assert again.transaction == first.transaction
    assert looked_up == first.transaction
    assert looked_up.remark == "first order"
    assert before - after == 250


def test_credit_with_hmac(server: SandboxProcess) -> None:
    with connect(server, sign_type="HMAC-SHA256") as client:
        outcome = client.credit("123", 5, next_order())

    assert outcome.status is CreditStatus.CREDITED


def test_non_ascii_user_id_is_signed(server: SandboxProcess) -> None:
    with connect(server) as client:
        check = client.verify_user("لاعب_٤٢")

    assert check.exists is False


def test_environment_configures_client(server: SandboxProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTYSTAR_BASE_URL", server.base_url)
    monkeypatch.setenv("PARTYSTAR_MERCHANT_ID", "50")
    monkeypatch.setenv("PARTYSTAR_SECRET", setup.SECRET)

    with PartyStarClient() as client:
        balance = client.merchant_balance()

    assert balance.merchant_id == 50


def test_async_client_same_surface(server: SandboxProcess) -> None:
    import asyncio

    from partystar_client import AsyncPartyStarClient

    async def run() -> tuple[object, ...]:
        async with AsyncPartyStarClient(server.base_url, 50, setup.SECRET) as client:
            order = next_order()
            outcome = await client.credit("10003", 9, order)
            return (await client.health(), await client.verify_user("10003"), outcome,
                    await client.transaction(order), await client.merchant_balance())  # fmt: skip

    health, check, outcome, transaction, balance = asyncio.run(run())

    assert health.status == "ok"  # type: ignore[attr-defined]
    assert check.exists is True  # type: ignore[attr-defined]
    assert outcome.status is CreditStatus.CREDITED  # type: ignore[attr-defined]
    assert transaction == outcome.transaction  # type: ignore[attr-defined]
    assert balance.merchant_id == 50  # type: ignore[attr-defined]


# Each case: how to provoke the code through the public API, and what to expect.
def test_wrong_secret_is_invalid_signature(server: SandboxProcess) -> None:
    with connect(server, secret="not-the-secret") as client, pytest.raises(errors.InvalidSignatureError) as raised:
        client.merchant_balance()

    assert raised.value.code == 2001
    assert "not-the-secret" not in str(raised.value)


def test_md5_on_hmac_only_merchant(server: SandboxProcess) -> None:
    with connect(server, setup.HMAC_ONLY_MERCHANT) as client, pytest.raises(errors.SignTypeNotAllowedError):
        client.merchant_balance()
    with connect(server, setup.HMAC_ONLY_MERCHANT, sign_type="HMAC-SHA256") as client:
        assert client.merchant_balance().merchant_id == setup.HMAC_ONLY_MERCHANT


def test_skewed_clock_is_retried_then_raised(server: SandboxProcess) -> None:
    slept: list[float] = []
    seams = Seams(wall_clock=lambda: time.time() - 3600)
    policy = RetryPolicy(max_attempts=2)
    with connect(server, seams=seams, sleep=slept.append, retry=policy) as client:
        with pytest.raises(errors.TimestampOutOfWindowError):
            client.merchant_balance()

    assert len(slept) == 1


def test_foreign_allowlist_is_ip_not_allowed(server: SandboxProcess) -> None:
    with connect(server, setup.FOREIGN_NETWORK_MERCHANT) as client, pytest.raises(errors.IpNotAllowedError):
        client.verify_user("123")


def test_unknown_merchant(server: SandboxProcess) -> None:
    with connect(server, 999, secret="whatever") as client, pytest.raises(errors.UnknownMerchantError):
        client.merchant_balance()


def test_merchant_without_secret(server: SandboxProcess) -> None:
    with connect(server, setup.NO_SECRET_MERCHANT, secret="x") as client:
        with pytest.raises(errors.MerchantNoSecretError):
            client.merchant_balance()


def test_disabled_operation(server: SandboxProcess) -> None:
    with connect(server, setup.VERIFY_ONLY_MERCHANT) as client:
        assert client.verify_user("123").exists is True
        outcome = client.credit("123", 1, next_order())

    assert outcome.status is CreditStatus.REJECTED
    assert outcome.code == 2007


def test_unknown_user_credit_rejected(server: SandboxProcess) -> None:
    with connect(server) as client:
        outcome = client.credit("no-such-user", 1, next_order())

    assert outcome.status is CreditStatus.REJECTED
    assert outcome.code == 3001
    with pytest.raises(errors.UserNotFoundError):
        outcome.raise_for_status()


def test_low_balance_rejected_and_order_reusable(server: SandboxProcess) -> None:
    order = next_order()
    with connect(server, setup.LOW_BALANCE_MERCHANT) as client:
        too_much = client.credit("123", setup.LOW_BALANCE + 1, order)
        enough = client.credit("123", setup.LOW_BALANCE, order)

    assert too_much.status is CreditStatus.REJECTED
    assert too_much.code == 3002
    assert enough.status is CreditStatus.CREDITED


def test_other_details_conflict(server: SandboxProcess) -> None:
    order = next_order()
    with connect(server) as client:
        client.credit("10004", 10, order)
        conflict = client.credit("10004", 11, order)

    assert conflict.status is CreditStatus.REJECTED
    assert conflict.code == 3003
    assert order in conflict.message


def test_missing_transaction_not_found(server: SandboxProcess) -> None:
    order = next_order()
    with connect(server) as client, pytest.raises(errors.TransactionNotFoundError) as raised:
        client.transaction(order)

    assert raised.value.code == 3004
    assert order in str(raised.value)


def test_wrong_base_path_is_route_not_found(server: SandboxProcess) -> None:
    with PartyStarClient(server.base_url + "/wrong", 50, setup.SECRET) as client:
        with pytest.raises(errors.RouteNotFoundError):
            client.merchant_balance()


def test_second_request_rate_limited(server: SandboxProcess) -> None:
    with connect(server, setup.RATE_LIMITED_MERCHANT, retry=NO_RETRY) as client:
        client.merchant_balance()
        with pytest.raises(errors.RateLimitedError) as raised:
            client.merchant_balance()
        outcome = client.credit("123", 1, next_order())

    assert raised.value.code == 4029
    assert outcome.status is CreditStatus.FAILED
    assert outcome.code == 4029


@pytest.mark.parametrize(
    ("user_id", "error_class"),
    [
        ("fault-500", errors.InternalError),
        ("fault-502", errors.BadGatewayError),
        ("fault-503", errors.ServiceUnavailableError),
        ("fault-504", errors.GatewayTimeoutError),
        ("fault-429", errors.RateLimitedError),
    ],
)
def test_server_faults_raise_class_for_code(server: SandboxProcess, user_id: str, error_class: type) -> None:
    with connect(server, retry=NO_RETRY) as client, pytest.raises(error_class):
        client.verify_user(user_id)


# Codes that a correct client never provokes: send the bad request by hand and
# check that the client's parsing maps the real response to the right exception.
RAW_CASES = [
    ("GET", "/api/v1/user/verify?merchant_id=50", {}, errors.InvalidParameterError),
    ("POST", "/api/v1/coins/credit", {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
     errors.MalformedBodyError),
    ("POST", "/api/v1/coins/credit", {"content": b"x", "headers": {"Content-Type": "text/plain"}},
     errors.UnsupportedContentTypeError),
    ("POST", "/api/v1/coins/credit", {"content": b"{" + b" " * 20000 + b"}",
     "headers": {"Content-Type": "application/json"}}, errors.BodyTooLargeError),
    ("GET", "/api/v1/no-such-route", {}, errors.RouteNotFoundError),
    ("DELETE", "/api/v1/merchant/balance", {}, errors.MethodNotAllowedError),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "extra", "error_class"), RAW_CASES)
def test_raw_answers_map_to_classes(
    server: SandboxProcess, method: str, path: str, extra: dict[str, object], error_class: type
) -> None:
    response = httpx.request(method, server.base_url + path, timeout=10, **extra)  # type: ignore[arg-type]

    failure = read_response(response)

    assert isinstance(failure, AttemptFailure)
    assert isinstance(failure_error(failure, None), error_class)

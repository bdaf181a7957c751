"""The client's flows driven through an in-process transport, with no sleeping."""

import json
from datetime import UTC, datetime
from email.utils import format_datetime
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from partystar_client import CreditStatus, PartyStarClient, RetryPolicy
from partystar_client.errors import InvalidInputError, InvalidSignatureError, TransportError
from partystar_client.flows import Seams
from partystar_client.signing import sign

SECRET = "unit-test-secret-0001"
TRANSACTION = {
    "transaction_id": "9f1c2e7a4b5d4c3e8a7b6c5d4e3f2a1b",
    "merchant_id": 50,
    "out_order_no": "O-1",
    "user_id": "123",
    "coin": 10,
    "remark": None,
    "status": "SUCCESS",
    "created_at": 1756280758,
}

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(code: int, data: object = None, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "msg": "OK" if code == 0 else f"code {code}", "data": data},
                          headers=headers)  # fmt: skip


def credited(replay: bool = False) -> httpx.Response:
    return envelope(0, {**TRANSACTION, "replay": replay})


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """Return the given responses or raise the given errors, one per request, in order."""
    remaining: Iterator[httpx.Response | Exception] = iter(steps)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = next(remaining)
        if isinstance(step, Exception):
            raise step
        return step

    return handle, seen


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_756_280_758.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(handler: Handler, clock: FakeClock, **options: object) -> PartyStarClient:
    seams = Seams(wall_clock=lambda: clock.now, monotonic=lambda: clock.now, jitter=lambda: 0.5)
    return PartyStarClient(
        "http://127.0.0.1:9", 50, SECRET, transport=httpx.MockTransport(handler), seams=seams, sleep=clock.sleep,
        retry=RetryPolicy(max_attempts=4, base_delay=1.0), **options,
    )  # fmt: skip


def body(request: httpx.Request) -> dict[str, object]:
    return json.loads(request.content)


def test_credit_success_is_credited() -> None:
    handler, seen = scripted(credited())
    clock = FakeClock()

    outcome = make_client(handler, clock).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.CREDITED
    assert outcome.transaction is not None
    assert outcome.transaction.transaction_id == TRANSACTION["transaction_id"]
    assert len(seen) == 1
    assert clock.sleeps == []


def test_credit_request_is_signed_json() -> None:
    handler, seen = scripted(credited())

    make_client(handler, FakeClock()).credit("123", 10, "O-1", remark="gift")

    sent = body(seen[0])
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/api/v1/coins/credit"
    assert sent["sign"] == sign(sent, SECRET)
    assert sent["remark"] == "gift"
    assert "sign_type" not in sent


def test_hmac_sign_type_is_sent_and_signed() -> None:
    handler, seen = scripted(credited())

    make_client(handler, FakeClock(), sign_type="HMAC-SHA256").credit("123", 10, "O-1")

    sent = body(seen[0])
    assert sent["sign_type"] == "HMAC-SHA256"
    assert len(str(sent["sign"])) == 64
    assert sent["sign"] == sign(sent, SECRET)


def test_replay_without_lost_answer_is_already_credited() -> None:
    handler, _ = scripted(credited(replay=True))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.ALREADY_CREDITED


def test_retry_resigns_with_fresh_timestamp() -> None:
    handler, seen = scripted(envelope(5000, status=500), envelope(5002, status=502), credited(replay=True))
    clock = FakeClock()

    outcome = make_client(handler, clock).credit("123", 10, "O-1")

    bodies = [body(request) for request in seen]
    assert outcome.status is CreditStatus.CREDITED
    assert outcome.attempts == 3
    assert clock.sleeps == [0.5, 1.0]
    start = int(FakeClock().now)
    assert [b["time_stamp"] for b in bodies] == [start, start, start + 1]  # stamped at +0, +0.5 and +1.5 s
    assert {(b["out_order_no"], b["user_id"], b["coin"]) for b in bodies} == {("O-1", "123", 10)}
    assert all(b["sign"] == sign(b, SECRET) for b in bodies)


def test_dropped_answer_then_replay_is_credited() -> None:
    handler, seen = scripted(httpx.RemoteProtocolError("Server disconnected"), credited(replay=True))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.CREDITED
    assert len(seen) == 2


def test_lost_answers_then_lookup_finds_credit() -> None:
    timeouts = [httpx.ReadTimeout("timed out") for _ in range(4)]
    handler, seen = scripted(*timeouts, envelope(0, TRANSACTION))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.CREDITED
    assert seen[-1].url.path == "/api/v1/transactions/O-1"


def test_lost_answers_and_no_credit_is_unknown() -> None:
    timeouts = [httpx.ReadTimeout("timed out") for _ in range(4)]
    handler, _ = scripted(*timeouts, envelope(3004, {"out_order_no": "O-1"}))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.UNKNOWN
    assert "will not be credited twice" in outcome.message


def test_lost_answers_and_failed_lookup_is_unknown() -> None:
    failures = [httpx.ReadTimeout("timed out") for _ in range(4)] + [httpx.ConnectError("refused")] * 4
    handler, _ = scripted(*failures)

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.UNKNOWN


def test_lookup_with_other_details_is_conflict() -> None:
    other = {**TRANSACTION, "coin": 99}
    handler, _ = scripted(*[envelope(5004, status=504)] * 4, envelope(0, other))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.REJECTED
    assert outcome.code == 3003


def test_connect_errors_only_are_failed() -> None:
    handler, seen = scripted(*[httpx.ConnectError("refused")] * 4)

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.FAILED
    assert len(seen) == 4


def test_rate_limit_exhausted_is_failed() -> None:
    handler, _ = scripted(*[envelope(4029, {"retry_after": 2}, status=429, **{"Retry-After": "2"})] * 4)
    clock = FakeClock()

    outcome = make_client(handler, clock).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.FAILED
    assert outcome.code == 4029
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_business_rejection_is_not_retried() -> None:
    handler, seen = scripted(envelope(3002, {"out_order_no": "O-1"}))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.REJECTED
    assert outcome.code == 3002
    assert len(seen) == 1


def test_rejection_after_lost_answer_checks_lookup() -> None:
    handler, seen = scripted(httpx.ReadTimeout("timed out"), envelope(3002), envelope(3004))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.REJECTED
    assert outcome.code == 3002
    assert seen[-1].url.path == "/api/v1/transactions/O-1"


def test_malformed_success_body_is_retried() -> None:
    broken = httpx.Response(200, content=b"{not json", headers={"Content-Type": "application/json"})
    handler, _ = scripted(broken, credited(replay=True))

    outcome = make_client(handler, FakeClock()).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.CREDITED


def test_invalid_input_sends_nothing() -> None:
    handler, seen = scripted()

    with pytest.raises(InvalidInputError, match="Invalid coin 0"):
        make_client(handler, FakeClock()).credit("123", 0, "O-1")

    assert seen == []


def test_transaction_query_and_path() -> None:
    handler, seen = scripted(envelope(0, TRANSACTION))

    transaction = make_client(handler, FakeClock()).transaction("O-1")

    params = dict(seen[0].url.params)
    assert transaction.out_order_no == "O-1"
    assert seen[0].url.path == "/api/v1/transactions/O-1"
    assert "out_order_no" not in params
    assert params["sign"] == sign({**params, "merchant_id": 50, "time_stamp": int(params["time_stamp"]),
                                   "out_order_no": "O-1"}, SECRET)  # fmt: skip


def test_api_error_raises_class_for_code() -> None:
    handler, _ = scripted(envelope(2001))

    with pytest.raises(InvalidSignatureError) as raised:
        make_client(handler, FakeClock()).merchant_balance()

    assert raised.value.code == 2001


def test_transport_error_message_omits_url() -> None:
    handler, _ = scripted(*[httpx.ConnectError("refused http://127.0.0.1:9/?sign=ABC")] * 4)

    with pytest.raises(TransportError) as raised:
        make_client(handler, FakeClock()).verify_user("123")

    assert "sign" not in str(raised.value)
    assert "ConnectError" in str(raised.value)


def test_secret_absent_from_repr_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    handler, seen = scripted(envelope(5000, status=500), credited())
    client = make_client(handler, FakeClock())
    caplog.set_level(logging.DEBUG)

    client.credit("123", 10, "O-1")

    signs = [str(body(request)["sign"]) for request in seen]
    assert SECRET not in repr(client)
    assert SECRET not in repr(client.config)
    assert SECRET not in caplog.text
    assert all(value not in caplog.text for value in signs)
    assert "operation=creditCoins out_order_no=O-1 code=5000 attempt=1" in caplog.text
    assert "retrying operation=creditCoins" in caplog.text


def test_retry_after_http_date_on_credit() -> None:
    clock = FakeClock()
    retry_at = format_datetime(datetime.fromtimestamp(clock.now + 3, UTC), usegmt=True)
    limited = envelope(4029, {"retry_after": 3}, status=429, **{"Retry-After": retry_at})
    handler, seen = scripted(limited, credited())

    outcome = make_client(handler, clock).credit("123", 10, "O-1")

    assert outcome.status is CreditStatus.CREDITED
    assert clock.sleeps == [3.0]
    assert len(seen) == 2

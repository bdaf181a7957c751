"""Locust users that behave like a reseller: signed verify, credit and status calls.

Run through `partystar-load`, which passes the options below and reads the
results file afterwards. Every process records exact response times and the
credits it saw; worker processes send theirs to the master when they stop.
"""

import json
import logging
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import count
from os import getpid
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.log import greenlet_exception_logger
from locust.runners import MasterRunner, WorkerRunner

from loadtests.recorder import CreditConfirmation, Recorder
from partystar_client.signing import sign

USER_IDS = tuple(str(user_id) for user_id in range(10001, 10021))
MAX_COIN = 100
# Attempts at a credit whose outcome is unknown (no response, 429 or 5xx).
CREDIT_ATTEMPTS = 3
RECORDS_MESSAGE = "partystar_records"
WORKER_QUIT_DELAY_S = 1.0

logger = logging.getLogger("loadtests")

# NOTE: locust imports this file once per process, and each process runs one
# environment, so one recorder per module is one recorder per process.
RECORDER = Recorder()
_ORDER_SEQUENCE = count(1)


@events.init_command_line_parser.add_listener
def add_options(parser: Any) -> None:
    parser.add_argument("--merchant-id", type=int, default=50, help="merchant whose credentials sign requests")
    parser.add_argument(
        "--merchant-secret",
        env_var="PARTYSTAR_LOAD_SECRET",
        default="sandbox-secret-0050",
        is_secret=True,
        help="the merchant's secret; prefer the PARTYSTAR_LOAD_SECRET variable",
    )
    parser.add_argument("--order-prefix", default="", help="prefix of the order numbers of this run")
    parser.add_argument("--retry-share", type=float, default=0.1, help="share of credits sent twice")
    parser.add_argument("--load-run-time", type=float, default=60.0, help="seconds from start to stop")
    parser.add_argument("--results-file", default="", help="JSON file for exact timings and credits")


@events.init.add_listener
def connect_processes(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(RECORDS_MESSAGE, _merge_worker_records)


def _merge_worker_records(environment: Environment, msg: Any, **_: Any) -> None:
    RECORDER.merge(msg.data)


@events.request.add_listener
def record_request(
    name: str, response_time: float, exception: BaseException | None, start_time: float, **_: Any
) -> None:
    error = None if exception is None else str(exception)
    RECORDER.record(name, response_time, error, start_time)


@events.test_start.add_listener
def schedule_finish(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or runner is None:
        return
    run_time = environment.parsed_options.load_run_time
    gevent.spawn_later(run_time, _finish, environment).link_exception(greenlet_exception_logger(logger))


def _finish(environment: Environment) -> None:
    """Stop the users, wait for every worker's records, write them and quit.

    Locust's own --run-time quits without waiting for workers to stop, so
    records sent at a worker's test_stop could arrive after the master exits.
    runner.stop() on a master waits until every worker has reported that it
    stopped, and workers send their records before that report.
    """
    runner = environment.runner
    assert runner is not None
    try:
        runner.stop()
        path = environment.parsed_options.results_file
        if path:
            with open(path, "w", encoding="utf-8") as results:
                json.dump(RECORDER.drain(), results)
    finally:
        runner.quit()


@events.test_stop.add_listener
def hand_over_records(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(RECORDS_MESSAGE, RECORDER.drain())
        # NOTE: after a stop, a locust worker sleeps for the stop timeout before
        # it listens again, so it would miss the master's quit and linger until
        # its heartbeat times out. The run is over, so it quits by itself once
        # its "client_stopped" report is on the way.
        gevent.spawn_later(WORKER_QUIT_DELAY_S, runner.quit)


@dataclass(frozen=True, slots=True)
class CallResult:
    """The HTTP status of one request and its envelope, or None when the response had no usable one."""

    status: int
    envelope: dict[str, Any] | None

    @property
    def code(self) -> int | None:
        return None if self.envelope is None else self.envelope.get("code")

    @property
    def data(self) -> Any:
        return None if self.envelope is None else self.envelope.get("data")

    @property
    def outcome_unknown(self) -> bool:
        """True when a credit may or may not have been applied, so the same order must be sent again."""
        return self.envelope is None or self.status >= 500 or self.status == 429


class ResellerUser(FastHttpUser):
    """A reseller's checkout: verify the user, credit, then confirm; now and then a balance check."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.merchant_id: int = options.merchant_id
        self._secret: str = options.merchant_secret
        self.order_prefix = f"{options.order_prefix or 'LT' + secrets.token_hex(4)}-{getpid()}"
        self.retry_share: float = options.retry_share

    @task(6)
    def checkout(self) -> None:
        user_id = random.choice(USER_IDS)
        if not self.verify_user(user_id):
            return
        order = f"{self.order_prefix}-{next(_ORDER_SEQUENCE)}"
        coin = random.randint(1, MAX_COIN)
        transaction_id = self.credit(order, user_id, coin)
        if transaction_id is None:
            return
        if random.random() < self.retry_share:
            self.retry_credit(order, user_id, coin, transaction_id)
        self.check_transaction(order, coin)

    @task(1)
    def check_balance(self) -> None:
        self.call(
            "GET",
            "merchantBalance",
            "/api/v1/merchant/balance",
            {},
            expect=lambda data: isinstance(data.get("balance"), int),
        )

    def verify_user(self, user_id: str) -> bool:
        result = self.call(
            "GET", "verifyUser", "/api/v1/user/verify", {"user_id": user_id}, expect=lambda data: data["exists"]
        )
        return result.code == 0 and bool(result.data["exists"])

    def credit(self, order: str, user_id: str, coin: int) -> str | None:
        """Credit the order, sending it again while the outcome is unknown; return the transaction id."""
        params = {"user_id": user_id, "coin": coin, "out_order_no": order}
        for attempt in range(CREDIT_ATTEMPTS):
            result = self.call("POST", "creditCoins", "/api/v1/coins/credit", params)
            if not result.outcome_unknown:
                return self._book_credit(order, coin, result)
            time.sleep(0.05 * (attempt + 1))
        RECORDER.record_unresolved(order)
        return None

    def retry_credit(self, order: str, user_id: str, coin: int, transaction_id: str) -> None:
        params = {"user_id": user_id, "coin": coin, "out_order_no": order}

        def is_replay(data: Mapping[str, Any]) -> bool:
            return data.get("replay") is True and data.get("transaction_id") == transaction_id

        result = self.call("POST", "creditCoins", "/api/v1/coins/credit", params, expect=is_replay,
                           unexpected="a repeated order was credited again instead of replayed")  # fmt: skip
        if result.code == 0:
            self._book_credit(order, coin, result)

    def check_transaction(self, order: str, coin: int) -> None:
        self.call(
            "GET",
            "getTransaction",
            f"/api/v1/transactions/{order}",
            {"out_order_no": order},
            expect=lambda data: data.get("coin") == coin,
            path_params=("out_order_no",),
        )

    def _book_credit(self, order: str, coin: int, result: CallResult) -> str | None:
        if result.code != 0:
            return None
        data = result.data
        RECORDER.record_credit(CreditConfirmation(order, coin, data["transaction_id"], bool(data.get("replay"))))
        return str(data["transaction_id"])

    def call(
        self,
        method: str,
        operation: str,
        path: str,
        params: Mapping[str, Any],
        expect: Any = None,
        unexpected: str = "",
        path_params: tuple[str, ...] = (),
    ) -> CallResult:
        """Send one signed request and mark it failed unless it returns code 0 (and `expect` holds)."""
        signed = self._signed(params)
        sent = {name: value for name, value in signed.items() if name not in path_params}
        if method == "GET":
            request = self.client.get(f"{path}?{urlencode(sent)}", name=operation, catch_response=True)
        else:
            request = self.client.post(path, json=sent, name=operation, catch_response=True)
        with request as response:
            result = CallResult(response.status_code, _envelope(response))
            problem = _problem(operation, result, expect, unexpected)
            if problem:
                response.failure(problem)
            else:
                response.success()
        return result

    def _signed(self, params: Mapping[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {"merchant_id": self.merchant_id, "time_stamp": int(time.time()), **params}
        request["sign"] = sign(request, self._secret)
        return request


def _envelope(response: Any) -> dict[str, Any] | None:
    try:
        envelope = response.json()
    except (ValueError, TypeError, AttributeError):
        return None
    return envelope if isinstance(envelope, dict) and "code" in envelope else None


def _problem(operation: str, result: CallResult, expect: Any, unexpected: str) -> str | None:
    """Describe why the response counts as a failure, in words that group well in a report."""
    if result.envelope is None:
        return f"{operation}: HTTP {result.status} without a JSON envelope"
    if result.code != 0:
        return f"{operation}: HTTP {result.status}, code {result.code}"
    if expect is not None and not expect(result.data or {}):
        return unexpected or f"{operation}: code 0 but the data is not what was sent"
    return None

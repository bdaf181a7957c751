"""The conformance check registry, the context checks run in, and the runner.

Checks are grouped into conformance classes. A class whose prerequisite
class failed is skipped, not run: when the envelope cannot be read, no other
result means anything, and concurrent replays mean nothing when sequential
replays already credit twice.
"""

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.conformance.admin import AdminApi, AdminUnavailable
from contracts.conformance.client import ApiClient, Exchange
from contracts.conformance.report import CheckResult, Outcome, Redactor, Report, redact_results
from contracts.spec import Spec
from contracts.target import Target

CLASSES = ("contract", "signing", "timestamps", "idempotency", "concurrency", "errors")
PREREQUISITES = {
    "signing": ("contract",),
    "timestamps": ("contract",),
    "idempotency": ("contract",),
    "concurrency": ("contract", "idempotency"),
    "errors": ("contract",),
}


class CheckFailed(AssertionError):
    """The server broke the contract; the exchanges show how."""

    def __init__(self, message: str, *exchanges: Exchange) -> None:
        super().__init__(message)
        self.exchanges = exchanges


class CheckSkipped(Exception):
    """The check cannot run against this server, e.g. without an admin API."""


@dataclass(frozen=True)
class ConformanceCheck:
    conformance_class: str
    name: str
    description: str
    run: Callable[["SuiteContext"], None]
    needs_admin: bool = False


CHECKS: list[ConformanceCheck] = []


def conformance_check(
    conformance_class: str, description: str, needs_admin: bool = False
) -> Callable[[Callable[["SuiteContext"], None]], Callable[["SuiteContext"], None]]:
    """Register a check function under a conformance class."""
    if conformance_class not in CLASSES:
        raise ValueError(f"unknown conformance class {conformance_class!r}; expected one of {CLASSES}")

    def register(function: Callable[["SuiteContext"], None]) -> Callable[["SuiteContext"], None]:
        name = function.__name__.removeprefix("check_")
        CHECKS.append(ConformanceCheck(conformance_class, name, description, function, needs_admin))
        return function

    return register


@dataclass
class SuiteContext:
    """What a check uses: the API client, the admin API when available, and the run's evidence."""

    client: ApiClient
    redactor: Redactor
    admin: AdminApi | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    _orders: Any = None

    @property
    def spec(self) -> Spec:
        return self.client.spec

    @property
    def target(self) -> Target:
        return self.client.target

    def code(self, title: str) -> int:
        return self.spec.code_named(title)

    def signed(self, operation_id: str, **params: Any) -> Exchange:
        """Send a correctly signed request; it becomes evidence for the running check."""
        request = self.client.with_sign(self.client.base_params(**params))
        return self.send(operation_id, request)

    def send(self, operation_id: str, params: dict[str, Any]) -> Exchange:
        self.redactor.hide(str(params.get("sign", "")))
        return self._keep(self.client.send(operation_id, params))

    def raw(self, method: str, path: str, content: bytes | None = None, headers: dict[str, str] | None = None) -> Exchange:
        return self._keep(self.client.raw(method, path, content, headers))

    def _keep(self, exchange: Exchange) -> Exchange:
        self.exchanges.append(exchange)
        return exchange

    def new_order(self) -> str:
        """Return an order number no earlier run used."""
        if self._orders is None:
            token = uuid.uuid4().hex[:12]
            self._orders = (f"CONF-{token}-{n}" for n in itertools.count(1))
        return str(next(self._orders))

    def expect_code(self, exchange: Exchange, title: str, what: str) -> None:
        expected = self.code(title)
        if exchange.code != expected:
            raise CheckFailed(f"{what}: got code {exchange.code!r}, expected {expected} ({title})", exchange)

    def balance(self) -> int:
        exchange = self.signed("merchantBalance")
        self.expect_code(exchange, "OK", "the merchant balance lookup failed")
        return int(exchange.data["balance"])

    def require_admin(self) -> AdminApi:
        if self.admin is None:
            raise CheckSkipped("needs --admin-token")
        return self.admin


def run_suite(target: Target, admin_token: str | None = None, spec: Spec | None = None) -> Report:
    """Run every registered check against the target and return the report, secrets masked."""
    from contracts.conformance import checks  # noqa: F401  (registers the checks)

    spec = spec or Spec.load()
    redactor = Redactor(target.secret)
    if admin_token:
        redactor.hide(admin_token)
    client = ApiClient(target, spec)
    admin = _admin_api(target, admin_token)
    results: list[CheckResult] = []
    try:
        for conformance_class in CLASSES:
            failed_first = [
                name for name in PREREQUISITES.get(conformance_class, ()) if _class_failed(results, name)
            ]
            for check in [c for c in CHECKS if c.conformance_class == conformance_class]:
                if failed_first:
                    message = f"skipped because the {', '.join(failed_first)} class failed"
                    results.append(CheckResult(conformance_class, check.name, check.description, Outcome.SKIP, message))
                    continue
                context = SuiteContext(client=client, redactor=redactor, admin=admin)
                results.append(_run_check(check, context))
    finally:
        client.close()
        if admin is not None:
            admin.close()
    return Report(redact_results(results, redactor), CLASSES)


def _admin_api(target: Target, token: str | None) -> AdminApi | None:
    if not token:
        return None
    assert target.base_url is not None
    return AdminApi(target.base_url, token)


def _class_failed(results: list[CheckResult], name: str) -> bool:
    return any(r.conformance_class == name and r.outcome is Outcome.FAIL for r in results)


def _run_check(check: ConformanceCheck, context: SuiteContext) -> CheckResult:
    def result(outcome: Outcome, message: str = "", evidence: tuple[Exchange, ...] = ()) -> CheckResult:
        shown = [exchange.describe() for exchange in evidence]
        return CheckResult(check.conformance_class, check.name, check.description, outcome, message, shown)

    try:
        check.run(context)
    except CheckSkipped as skip:
        return result(Outcome.SKIP, str(skip))
    except AdminUnavailable as exc:
        return result(Outcome.SKIP, f"admin API not available: {exc}")
    except CheckFailed as failure:
        return result(Outcome.FAIL, str(failure), failure.exchanges or tuple(context.exchanges[-1:]))
    except httpx.HTTPError as exc:
        return result(Outcome.FAIL, f"the request failed: {type(exc).__name__}: {exc}", tuple(context.exchanges[-1:]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A body without the documented fields fails the check rather than the run.
        message = f"the response could not be read as documented: {type(exc).__name__}: {exc}"
        return result(Outcome.FAIL, message, tuple(context.exchanges[-1:]))
    return result(Outcome.PASS)

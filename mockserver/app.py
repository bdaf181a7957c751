"""The Starlette application: one route per operation of the OpenAPI document.

Every request to an operation runs the same steps: read the sandbox controls
(clock offset, maintenance, fault rules), read the parameters, apply any
injected fault that comes first, validate them against the contract, run the
security checks (signed operations only), run the operation, append one
journal entry, count it in the metrics and answer with the envelope, changed
by any fault that comes after the operation. Rejections travel as ApiError;
anything else is a server fault, logged and answered with code 5000 and no
details.
"""

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver import auth, envelope, handlers, metrics
from mockserver.admin.routes import admin_routes
from mockserver.admin.token import WELL_KNOWN_ADMIN_TOKEN
from mockserver.clock import Clock
from mockserver.codes import ResultCode
from mockserver.config import SandboxConfig
from mockserver.contract import Contract, OperationContract, ParameterProblem
from mockserver.docs import docs_page, spec_response
from mockserver.errors import ApiError
from mockserver.faults import inject
from mockserver.faults.controls import ControlState, SandboxControls
from mockserver.faults.magic import with_magic_users
from mockserver.faults.rules import Fault
from mockserver.journal import MAX_VALUE_CHARS, journal_params, printable
from mockserver.network import client_address
from mockserver.params import read_params
from mockserver.storage import JournalEntry, Storage, TokenRequest

logger = logging.getLogger("mockserver")
# The contract's maximum merchant_id; larger values are not journalled as a merchant.
MAX_MERCHANT_ID = 2147483647


@dataclass
class Runtime:
    """The per-process state every request uses: config, contract, storage and sandbox controls."""

    config: SandboxConfig
    contract: Contract
    storage: Storage
    controls: SandboxControls
    admin_token: str = WELL_KNOWN_ADMIN_TOKEN

    @property
    def strict(self) -> bool:
        return self.config.settings.strict

    @property
    def envelope_intact(self) -> bool:
        return self.config.settings.enforces("envelope")

    async def clock(self) -> Clock:
        return (await self.controls.load()).clock

    async def pick_fault(self, state: ControlState, operation: str, params: dict[str, Any]) -> Fault | None:
        if self.strict:
            return None
        return await self.controls.pick(state, operation, params, magic=True)


@dataclass(slots=True)
class Exchange:
    """One request as it moves through the steps, and what the journal keeps of it."""

    operation: OperationContract
    peer: str
    params: dict[str, Any]
    address: str
    merchant_id: int | None = None
    now: float = 0.0
    fault: Fault | None = None
    data: Any = None


def create_app(
    config: SandboxConfig, storage: Storage, contract: Contract | None = None, admin_token: str | None = None
) -> Starlette:
    """Build the sandbox application.

    admin_token None means the well-known token; the caller decides whether that
    is safe for the address it serves on. Connection-level faults need the app
    wrapped in CloseConnectionApp, as mockserver.server does.
    """
    config = with_magic_users(config)
    runtime = Runtime(
        config=config,
        contract=contract or Contract.load(),
        storage=storage,
        controls=SandboxControls(storage),
        admin_token=admin_token or WELL_KNOWN_ADMIN_TOKEN,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await storage.open(config)
        try:
            yield
        finally:
            await storage.close()

    routes = [
        Route(op.path, _endpoint(runtime, op), methods=[op.method], name=op.operation_id)
        for op in runtime.contract.operations.values()
    ]
    routes += [
        Route("/openapi.yaml", spec_response(runtime.contract.text), methods=["GET"]),
        Route("/docs", docs_page(runtime.contract.document), methods=["GET"]),
        Route("/metrics", metrics.metrics_endpoint, methods=["GET"]),
    ]
    if not runtime.strict:
        routes += admin_routes(runtime)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    # A trailing slash would get a 307 with no envelope; it is an unknown route instead.
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    return app


def _endpoint(runtime: Runtime, operation: OperationContract) -> Callable[[Request], Any]:
    handler = handlers.HANDLERS[operation.operation_id]

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        peer = request.client.host if request.client else "unknown"
        exchange = Exchange(operation=operation, peer=peer, params={}, address=peer)
        state = await runtime.controls.load()
        exchange.now = state.clock.now()
        code = ResultCode.OK
        diagnostics = None
        try:
            response: Response = await _run(runtime, request, exchange, state, handler)
            code = inject.journal_code(exchange.fault, ResultCode.OK)
        except ApiError as error:
            code = inject.journal_code(exchange.fault, error.code)
            diagnostics = error.details or None
            response = envelope.error(error, runtime.strict, runtime.envelope_intact)
        except Exception:
            # Parameters are left out of the log: they may hold user data.
            logger.exception("operation %s failed with an unexpected error", operation.operation_id)
            code = ResultCode.INTERNAL_ERROR
            response = envelope.plain_error(code, "Internal server error.")
        latency_ms = (time.perf_counter() - started) * 1000
        await _record(runtime, exchange, code, latency_ms, diagnostics)
        return await inject.deliver(exchange.fault, response, runtime.strict)

    return endpoint


async def _run(runtime: Runtime, request: Request, exchange: Exchange, state: ControlState, handler: Any) -> Response:
    """Run the steps up to the operation's response. A fault that comes first cuts them short."""
    operation = exchange.operation
    settings = runtime.config.settings
    if state.maintenance.enabled and not runtime.strict:
        # Maintenance responds before the request is read, as a closed service would.
        exchange.fault = await runtime.pick_fault(state, operation.operation_id, {})
    else:
        exchange.params = await read_params(request, operation, settings.max_body_bytes)
        exchange.fault = await runtime.pick_fault(state, operation.operation_id, exchange.params)
    if exchange.fault is not None:
        replacement = await inject.before_operation(exchange.fault)
        if isinstance(replacement, ApiError):
            raise replacement
        if replacement is not None:
            return replacement
    problems = operation.problems(exchange.params)
    if problems:
        raise _invalid(problems)
    token = None
    if operation.signed:
        token = await _authenticate(runtime, request, exchange)
    if operation.operation_id == "creditCoins":
        enforce = settings.enforces("idempotency")
        data = await handler(runtime.storage, exchange.params, exchange.now, enforce_idempotency=enforce, token=token)
    else:
        data = await handler(runtime.storage, exchange.params, exchange.now)
    exchange.data = data
    return envelope.success(data, runtime.envelope_intact)


async def _authenticate(runtime: Runtime, request: Request, exchange: Exchange) -> TokenRequest | None:
    """Run the security checks; return the rate-limit token that the credit itself must take.

    Other operations take their token here. A credit takes it inside its own
    transaction, which saves a commit on the busiest path.
    """
    params = exchange.params
    exchange.merchant_id = params["merchant_id"]
    merchant = await auth.find_merchant(runtime.storage, params)
    exchange.address = client_address(
        # Several X-Forwarded-For headers read as one list, in the order received.
        exchange.peer, ", ".join(request.headers.getlist("x-forwarded-for")), merchant.trusted_proxies
    )
    settings = runtime.config.settings
    auth.check_address(merchant, exchange.address)
    if settings.enforces("timestamp"):
        auth.check_timestamp(params, exchange.now, settings.timestamp_skew)
    if settings.enforces("signature"):
        auth.check_signature(merchant, params, exchange.now)
    auth.check_operation(merchant, exchange.operation.operation_id)
    if exchange.operation.operation_id == "creditCoins":
        limit = merchant.rate_limit
        return TokenRequest(rate=limit.rate, burst=limit.burst, now=time.time())
    await auth.check_rate_limit(runtime.storage, merchant, time.time())
    return None


def _invalid(problems: list[ParameterProblem]) -> ApiError:
    summary = " ".join(problem.message for problem in problems[:5])
    details = {"errors": [problem.to_dict() for problem in problems]}
    if all(problem.parameter == "sign" for problem in problems):
        return ApiError(ResultCode.INVALID_SIGNATURE, f"Invalid signature: {summary}", details=details)
    return ApiError(ResultCode.INVALID_PARAMETER, f"Invalid parameters: {summary}", details=details)


async def _record(
    runtime: Runtime, exchange: Exchange, code: ResultCode, latency_ms: float, diagnostics: Any
) -> None:
    params = exchange.params
    merchant_id = params.get("merchant_id")
    order = params.get("out_order_no")
    entry = JournalEntry(
        at=time.time(),
        operation=exchange.operation.operation_id,
        client_address=exchange.address,
        code=int(code),
        latency_ms=round(latency_ms, 3),
        merchant_id=merchant_id if type(merchant_id) is int and 0 < merchant_id <= MAX_MERCHANT_ID else None,
        out_order_no=order[:MAX_VALUE_CHARS] if isinstance(order, str) else None,
        params=journal_params(params),
        fault=exchange.fault.kind if exchange.fault is not None else None,
        diagnostics=diagnostics,
    )
    metrics.observe(entry.operation, code, latency_ms / 1000, entry.merchant_id, exchange.data, entry.fault)
    try:
        await runtime.storage.record_soon(entry)
    except Exception:
        logger.exception("journal entry for %s could not be written", exchange.operation.operation_id)
    logger.info(
        "operation=%s merchant_id=%s out_order_no=%s code=%d fault=%s duration_ms=%.1f",
        entry.operation,
        entry.merchant_id,
        printable(entry.out_order_no),
        entry.code,
        entry.fault,
        latency_ms,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return envelope.plain_error(
            ResultCode.METHOD_NOT_ALLOWED,
            f"{printable(request.method)} is not allowed on {printable(request.url.path)}.",
            exc.headers,
        )
    if exc.status_code == 404:
        return envelope.plain_error(ResultCode.ROUTE_NOT_FOUND, f"No operation at {printable(request.url.path)}.")
    return envelope.plain_error(ResultCode.INTERNAL_ERROR, "Internal server error.")


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.error("request to %s failed: %s", printable(request.url.path), type(exc).__name__)
    return envelope.plain_error(ResultCode.INTERNAL_ERROR, "Internal server error.")

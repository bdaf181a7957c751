"""The admin API's routes, each behind the bearer token check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.admin.access import AdminHandler, admin_endpoint
from mockserver.admin.faults import FaultEndpoints
from mockserver.admin.journal import JournalEndpoints
from mockserver.admin.state import StateEndpoints

if TYPE_CHECKING:
    from mockserver.app import Runtime

PREFIX = "/_sandbox"


def admin_routes(runtime: Runtime) -> list[BaseRoute]:
    state = StateEndpoints(runtime)
    journal = JournalEndpoints(runtime.storage)
    faults = FaultEndpoints(runtime)
    table: list[tuple[str, str, AdminHandler]] = [
        ("POST", "/reset", state.reset),
        ("GET", "/merchants/{merchant_id:int}", state.get_merchant),
        ("PUT", "/merchants/{merchant_id:int}", state.put_merchant),
        ("POST", "/merchants/{merchant_id:int}/balance", state.set_balance),
        ("GET", "/users/{user_id}", state.get_user),
        ("PUT", "/users/{user_id}", state.put_user),
        ("GET", "/journal", journal.list),
        ("GET", "/journal/count", journal.count),
        ("GET", "/journal/{entry_id:int}", journal.entry),
        ("GET", "/clock", state.get_clock),
        ("PUT", "/clock", state.put_clock),
        ("DELETE", "/clock", state.delete_clock),
        ("GET", "/faults", faults.list),
        ("POST", "/faults", faults.add),
        ("DELETE", "/faults", faults.delete_all),
        ("DELETE", "/faults/{rule_id:int}", faults.delete_one),
        ("GET", "/maintenance", state.get_maintenance),
        ("PUT", "/maintenance", state.put_maintenance),
        ("POST", "/scenario", faults.scenario),
    ]
    # Starlette answers 405 only when no route matches the method, so one Route per path lists every method.
    by_path: dict[str, dict[str, AdminHandler]] = {}
    for method, path, handler in table:
        by_path.setdefault(path, {})[method] = handler
    return [
        Route(PREFIX + path, _dispatch(runtime.admin_token, handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _dispatch(token: str, handlers: dict[str, AdminHandler]) -> Callable[[Request], Awaitable[Response]]:
    wrapped = {method: admin_endpoint(token, handler) for method, handler in handlers.items()}

    async def endpoint(request: Request) -> Response:
        return await wrapped[request.method](request)

    return endpoint

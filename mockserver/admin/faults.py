"""Admin endpoints for fault rules and scenarios."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from mockserver.admin.access import JSON_TYPES, not_found, read_body, read_json
from mockserver.faults.rules import parse_rule
from mockserver.scenario import apply_scenario, parse_scenario

if TYPE_CHECKING:
    from mockserver.app import Runtime

# JSON is YAML too, so a scenario may come as either.
SCENARIO_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", *JSON_TYPES)


class FaultEndpoints:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.controls = runtime.controls

    async def add(self, request: Request) -> dict[str, Any]:
        rule = parse_rule(await read_json(request), frozenset(self.runtime.contract.operations))
        added = await self.controls.add_rule(rule)
        return {**added.to_dict(), "matched": 0, "fired": 0, "remaining": added.times}

    async def list(self, request: Request) -> dict[str, Any]:
        return {"rules": await self.controls.list_rules()}

    async def delete_all(self, request: Request) -> dict[str, Any]:
        return {"deleted": await self.controls.delete_rules()}

    async def delete_one(self, request: Request) -> dict[str, Any]:
        rule_id = request.path_params["rule_id"]
        if not await self.controls.delete_rules(rule_id):
            raise not_found(f"Fault rule {rule_id} does not exist.")
        return {"deleted": 1}

    async def scenario(self, request: Request) -> dict[str, Any]:
        operations = frozenset(self.runtime.contract.operations)
        scenario = parse_scenario(await read_body(request, SCENARIO_TYPES), operations, "scenario")
        return await apply_scenario(scenario, self.runtime.config, self.runtime.storage, self.controls)

"""Admin endpoints that change the sandbox's state: reset, merchants, users, balances, clock, maintenance."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from mockserver.admin import bounds, ids
from mockserver.admin.access import invalid, not_found, read_json, read_object
from mockserver.admin.bounds import MAX_BALANCE, shown
from mockserver.config import Merchant, parse_merchant, parse_user
from mockserver.faults.controls import parse_clock_offset, parse_maintenance

if TYPE_CHECKING:
    from mockserver.app import Runtime


class StateEndpoints:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.storage = runtime.storage

    async def reset(self, request: Request) -> dict[str, Any]:
        await self.storage.reset(self.runtime.config)
        return {"reset": True}

    async def get_merchant(self, request: Request) -> dict[str, Any]:
        return await self._merchant_view(_merchant_id(request))

    async def put_merchant(self, request: Request) -> dict[str, Any]:
        merchant_id = _merchant_id(request)
        body = read_object(await read_json(request))
        if body.get("merchant_id", merchant_id) != merchant_id:
            raise invalid(f"merchant_id {shown(body['merchant_id'])} in the body differs from {merchant_id} in the path.")
        bounds.balance_field(body, "merchant")
        merchant = parse_merchant({**body, "merchant_id": merchant_id}, "merchant")
        await self.storage.put_merchant(merchant)
        return await self._merchant_view(merchant_id)

    async def set_balance(self, request: Request) -> dict[str, Any]:
        merchant_id = _merchant_id(request)
        body = read_object(await read_json(request))
        if set(body) not in ({"set"}, {"add"}):
            raise invalid(f'Send exactly one of {{"set": N}} or {{"add": N}}, got fields {shown(sorted(body))}.')
        if "set" in body:
            target = bounds.balance(body["set"], "set")
        else:
            amount = bounds.integer(body["add"], "add", -MAX_BALANCE, MAX_BALANCE)
        current = await self.storage.merchant_balance(merchant_id)
        if current is None:
            raise not_found(f"Merchant {merchant_id} does not exist.")
        delta, kind = (target - current, "sandbox_set") if "set" in body else (amount, "sandbox_add")
        balance = await self.storage.adjust_merchant_balance(merchant_id, delta, kind, int(time.time()))
        if balance is None:
            raise invalid(
                f"add would take the balance ({current}) outside 0 to {MAX_BALANCE} coins; nothing changed."
                if kind == "sandbox_add"
                else f"The balance changed while it was being set to {target}; nothing changed, try again."
            )
        return {"merchant_id": merchant_id, "balance": balance}

    async def get_user(self, request: Request) -> dict[str, Any]:
        return await self._user_view(_user_id(request))

    async def put_user(self, request: Request) -> dict[str, Any]:
        user_id = _user_id(request)
        body = read_object(await read_json(request, empty={}))
        unknown = sorted(set(body) - {"user_id", "balance"})
        if unknown or body.get("user_id", user_id) != user_id:
            raise invalid(
                f"A user body takes only balance (and user_id equal to the path), got fields {shown(sorted(body))}."
            )
        bounds.balance_field(body, "user")
        await self.storage.put_user(parse_user({**body, "user_id": user_id}, "user"))
        return await self._user_view(user_id)

    async def get_clock(self, request: Request) -> dict[str, Any]:
        return await self._clock_view()

    async def put_clock(self, request: Request) -> dict[str, Any]:
        body = read_object(await read_json(request))
        unknown = sorted(set(body) - {"offset"})
        if unknown:
            raise invalid(f"Unknown clock fields {shown(unknown)}; send {{\"offset\": seconds}}.")
        await self.runtime.controls.set_clock_offset(parse_clock_offset(body.get("offset"), "offset"))
        return await self._clock_view()

    async def delete_clock(self, request: Request) -> dict[str, Any]:
        await self.runtime.controls.set_clock_offset(0.0)
        return await self._clock_view()

    async def get_maintenance(self, request: Request) -> dict[str, Any]:
        return (await self.runtime.controls.load()).maintenance.to_dict()

    async def put_maintenance(self, request: Request) -> dict[str, Any]:
        maintenance = parse_maintenance(read_object(await read_json(request)), "maintenance")
        await self.runtime.controls.set_maintenance(maintenance)
        return maintenance.to_dict()

    async def _merchant_view(self, merchant_id: int) -> dict[str, Any]:
        merchant = await self.storage.get_merchant(merchant_id)
        balance = await self.storage.merchant_balance(merchant_id)
        if merchant is None or balance is None:
            raise not_found(f"Merchant {merchant_id} does not exist.")
        return masked_merchant(merchant, balance)

    async def _user_view(self, user_id: str) -> dict[str, Any]:
        balance = await self.storage.user_balance(user_id)
        if balance is None:
            raise not_found(f"User {user_id!r} does not exist.")
        return {"user_id": user_id, "balance": balance}

    async def _clock_view(self) -> dict[str, Any]:
        clock = (await self.runtime.controls.load()).clock
        return {"offset": clock.offset, "time": clock.now()}


def masked_merchant(merchant: Merchant, balance: int) -> dict[str, Any]:
    """Return the merchant as the admin API shows it: the current balance, every secret masked."""
    view = merchant.to_dict()
    view["secrets"] = [{"secret": "********", "expires_at": s["expires_at"]} for s in view["secrets"]]
    view["balance"] = balance
    return view


def _merchant_id(request: Request) -> int:
    return ids.merchant_id(request.path_params["merchant_id"], "merchant_id")


def _user_id(request: Request) -> str:
    return ids.user_id(request.path_params["user_id"], "user_id")

"""The synchronous and asynchronous clients: one surface, driven by the same flows."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import httpx

from partystar_client import flows, protocol
from partystar_client.config import ClientConfig
from partystar_client.flows import Flow, Seams, Send, Sleep
from partystar_client.models import Balance, CreditOutcome, Health, Transaction, UserCheck
from partystar_client.validation import check_order_no, check_user_id

T = TypeVar("T")
Result = TypeVar("Result")


class _Surface(Generic[Result]):
    """The public operations, each a flow handed to the subclass's runner.

    ``Result`` is the plain value for the sync client and an awaitable of it
    for the async client.
    """

    config: ClientConfig
    seams: Seams

    def _run(self, flow: Flow, convert: Callable[[Any], Any]) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r}, merchant_id={self.config.merchant_id})"

    def health(self) -> Any:
        """Check that the service is up; returns Health with the server's clock."""
        flow = flows.call(self.config, self.seams, protocol.HEALTH, {})
        return self._run(flow, Health.from_data)

    def verify_user(self, user_id: str) -> Any:
        """Tell whether a user exists; returns UserCheck."""
        flow = flows.call(self.config, self.seams, protocol.VERIFY_USER, {"user_id": check_user_id(user_id)})
        return self._run(flow, UserCheck.from_data)

    def credit(self, user_id: str, coin: int, out_order_no: str, remark: str | None = None) -> Any:
        """Credit coins for an order at most once (the server keys credits on out_order_no); return a CreditOutcome.

        Raises InvalidInputError on invalid input and no other error.
        """
        flow = flows.credit(self.config, self.seams, user_id, coin, out_order_no, remark)
        return self._run(flow, _same)

    def merchant_balance(self) -> Any:
        """Return the merchant's prepaid balance as Balance."""
        flow = flows.call(self.config, self.seams, protocol.BALANCE, {})
        return self._run(flow, Balance.from_data)

    def transaction(self, out_order_no: str) -> Any:
        """Look up the credit of an order; raises TransactionNotFoundError when none exists."""
        flow = flows.call(self.config, self.seams, protocol.TRANSACTION, {"out_order_no": check_order_no(out_order_no)})
        return self._run(flow, Transaction.from_data)


def _same(value: T) -> T:
    return value


class PartyStarClient(_Surface[Any]):
    """Synchronous client. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        base_url: str | None = None,
        merchant_id: int | str | None = None,
        secret: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        seams: Seams | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        self.config = ClientConfig.resolve(base_url, merchant_id, secret, **options)
        self.seams = seams or Seams()
        self._sleep = sleep
        # The transport is used without httpx.Client, whose INFO log line would show the URL and its sign.
        self._transport = transport or httpx.HTTPTransport()

    def _run(self, flow: Flow, convert: Callable[[Any], Any]) -> Any:
        answer: Any = None
        try:
            while True:
                effect = flow.send(answer)
                if isinstance(effect, Send):
                    answer = _send_sync(self._transport, effect)
                else:
                    self._sleep(effect.seconds)
                    answer = None
        except StopIteration as stop:
            return convert(stop.value)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "PartyStarClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _send_sync(transport: httpx.BaseTransport, effect: Send) -> httpx.Response | httpx.TransportError:
    try:
        response = transport.handle_request(effect.request)
        try:
            response.read()
        finally:
            response.close()
    except httpx.TransportError as exc:
        return exc
    return response


class AsyncPartyStarClient(_Surface[Awaitable[Any]]):
    """Asynchronous client: the same methods as PartyStarClient, each returning an awaitable."""

    def __init__(
        self,
        base_url: str | None = None,
        merchant_id: int | str | None = None,
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        seams: Seams | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_connections: int = 100,
        **options: Any,
    ) -> None:
        self.config = ClientConfig.resolve(base_url, merchant_id, secret, **options)
        self.seams = seams or Seams()
        self._sleep = sleep
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._transport = transport or httpx.AsyncHTTPTransport(limits=limits)

    async def _run(self, flow: Flow, convert: Callable[[Any], Any]) -> Any:
        answer: Any = None
        try:
            while True:
                effect = flow.send(answer)
                if isinstance(effect, Send):
                    answer = await _send_async(self._transport, effect)
                else:
                    assert isinstance(effect, Sleep)
                    await self._sleep(effect.seconds)
                    answer = None
        except StopIteration as stop:
            return convert(stop.value)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> "AsyncPartyStarClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def _send_async(transport: httpx.AsyncBaseTransport, effect: Send) -> httpx.Response | httpx.TransportError:
    try:
        response = await transport.handle_async_request(effect.request)
        try:
            await response.aread()
        finally:
            await response.aclose()
    except httpx.TransportError as exc:
        return exc
    return response

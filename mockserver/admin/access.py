"""What every admin endpoint shares: the bearer token check, JSON bodies and error envelopes."""

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver import envelope
from mockserver.codes import ResultCode
from mockserver.config import ConfigError
from mockserver.errors import ApiError
from mockserver.faults.rules import RuleError

logger = logging.getLogger("mockserver.admin")

MAX_ADMIN_BODY_BYTES = 1024 * 1024
AdminHandler = Callable[[Request], Awaitable[Any]]


def invalid(message: str) -> ApiError:
    return ApiError(ResultCode.ADMIN_INVALID_REQUEST, message)


def not_found(message: str) -> ApiError:
    return ApiError(ResultCode.ADMIN_NOT_FOUND, message)


def admin_endpoint(token: str, handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler that returns the envelope's data: check the token, map errors to envelopes."""

    async def endpoint(request: Request) -> Response:
        try:
            _check_token(request, token)
            return envelope.success(await handler(request))
        except ApiError as error:
            if error.code is not ResultCode.ADMIN_UNAUTHORIZED:
                logger.info("admin request %s %s rejected: %s", request.method, request.url.path, error.message)
            return envelope.error(error, strict=False)
        except (RuleError, ConfigError) as error:
            logger.info("admin request %s %s rejected: %s", request.method, request.url.path, error)
            return envelope.error(invalid(str(error)), strict=False)

    return endpoint


def _check_token(request: Request, token: str) -> None:
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        raise ApiError(
            ResultCode.ADMIN_UNAUTHORIZED,
            "Missing or wrong admin token; send Authorization: Bearer <token> "
            "(the token that partystar-sandbox serve printed or was configured with).",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def read_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_ADMIN_BODY_BYTES:
        raise invalid(f"The body is {len(body)} bytes; the limit is {MAX_ADMIN_BODY_BYTES}.")
    return body


async def read_json(request: Request, empty: Any = None) -> Any:
    """Return the JSON body, or `empty` when there is no body."""
    body = await read_body(request)
    if not body.strip():
        if empty is None:
            raise invalid("The body is missing; send a JSON object.")
        return empty
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"The body is not valid JSON: {exc}.") from exc


def read_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"The body must be a JSON object, got {type(value).__name__}.")
    return value


def integer_field(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name} must be an integer, got {value!r}.")
    return value

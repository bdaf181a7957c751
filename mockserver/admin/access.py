"""What every admin endpoint shares: the bearer token check, JSON bodies and error envelopes."""

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockserver import envelope
from mockserver.admin.bounds import cut_message, plain_tree
from mockserver.codes import ResultCode
from mockserver.config import ConfigError
from mockserver.errors import ApiError
from mockserver.faults.rules import RuleError

logger = logging.getLogger("mockserver.admin")

MAX_ADMIN_BODY_BYTES = 1024 * 1024
JSON_TYPES = ("application/json",)
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
            rejected = error
        except (RuleError, ConfigError) as error:
            rejected = invalid(str(error))
        # Messages echo what was sent; cap them so that no response or log line grows with the input.
        rejected.message = cut_message(rejected.message)
        if rejected.code is not ResultCode.ADMIN_UNAUTHORIZED:
            logger.info("admin request %s %s rejected: %s", request.method, request.url.path, rejected.message)
        return envelope.error(rejected, strict=False)

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


async def read_body(request: Request, media_types: tuple[str, ...] = JSON_TYPES) -> bytes:
    """Return the body; a body that is not blank must come with one of media_types as its Content-Type."""
    body = await request.body()
    if len(body) > MAX_ADMIN_BODY_BYTES:
        raise invalid(f"The body is {len(body)} bytes; the limit is {MAX_ADMIN_BODY_BYTES}.")
    sent = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if body.strip() and sent not in media_types:
        raise invalid(f"Send the body with Content-Type {' or '.join(media_types)}, not {sent[:80] or 'none'}.")
    return body


async def read_json(request: Request, empty: Any = None) -> Any:
    """Return the JSON body, or `empty` when there is no body."""
    body = await read_body(request)
    if not body.strip():
        if empty is None:
            raise invalid("The body is missing; send a JSON object.")
        return empty
    try:
        value = json.loads(body)
    except ValueError as exc:
        # JSONDecodeError and UnicodeDecodeError, and the ValueError of an integer beyond 4300 digits.
        raise invalid(f"The body is not valid JSON: {exc}.") from exc
    except RecursionError as exc:
        raise invalid("The body nests too deeply.") from exc
    plain_tree(value, "The body", max_nodes=MAX_ADMIN_BODY_BYTES)
    return value


def read_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"The body must be a JSON object, got {type(value).__name__}.")
    return value



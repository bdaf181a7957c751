"""Read a request's parameters from its query string, path and body, in the order sent.

Every failure raises ApiError with the documented code: a repeated parameter,
a body that is not UTF-8, JSON or form data, an unsupported content type or a
body over the size limit. Integer parameters sent as text (query and form) are
turned into integers only when written canonically in base 10, so the text
that was signed is the text the server signs.
"""

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from mockserver.codes import ResultCode
from mockserver.contract import OperationContract, TooLargeNumber
from mockserver.errors import ApiError

INTEGER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,99})")
MAX_FIELDS = 64
MAX_JSON_DIGITS = 100
JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


async def read_params(request: Request, operation: OperationContract, max_body_bytes: int) -> dict[str, Any]:
    """Gather query, path and body parameters into one mapping, rejecting repeats."""
    params: dict[str, Any] = {}
    query = _parse_form_text(request.scope.get("query_string", b""), "query string")
    _merge(params, query, operation, coerce=True)
    _merge(params, request.path_params.items(), operation, coerce=True)
    if operation.body_media_types:
        body = await _read_body(request, max_body_bytes)
        pairs, from_text = _parse_body(request, body, operation)
        _merge(params, pairs, operation, coerce=from_text)
    elif _has_body(request):
        raise ApiError(
            ResultCode.INVALID_PARAMETER,
            f"{operation.method} {operation.path} takes no body; send the parameters in the query string.",
        )
    return params


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() not in ("", "0")) or "transfer-encoding" in request.headers


def _merge(params: dict[str, Any], pairs: Iterable[tuple[str, Any]], operation: OperationContract, coerce: bool) -> None:
    for name, value in pairs:
        if name in params:
            raise ApiError(
                ResultCode.INVALID_PARAMETER,
                f"Parameter {name!r} is repeated; send each parameter once.",
                details={"errors": [{"parameter": name, "message": f"{name} is repeated."}]},
            )
        if coerce and name in operation.integer_parameters:
            value = _integer_from_text(value)
        params[name] = value


def _integer_from_text(text: str) -> int | str:
    # Non-canonical text ("+5", "05", " 5") stays a string and fails validation.
    return int(text) if INTEGER_TEXT.fullmatch(text) else text


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(ResultCode.BODY_TOO_LARGE, f"The body is larger than {limit} bytes.")


def _parse_body(request: Request, body: bytes, operation: OperationContract) -> tuple[list[tuple[str, Any]], bool]:
    """Return the body's parameters, and whether their values are text (form data) rather than JSON."""
    media_type, charset = _content_type(request.headers.get("content-type"))
    if media_type not in operation.body_media_types:
        accepted = " or ".join(sorted(operation.body_media_types))
        shown = media_type or "none"
        raise ApiError(
            ResultCode.UNSUPPORTED_CONTENT_TYPE, f"Content type {shown!r} is not supported; send {accepted}."
        )
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(ResultCode.UNSUPPORTED_CONTENT_TYPE, f"Charset {charset!r} is not supported; send UTF-8.")
    if media_type == JSON_MEDIA_TYPE:
        return _parse_json(body), False
    return _parse_form_text(body, "form body"), True


def _content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media_type, _, rest = header.partition(";")
    charset = None
    for part in rest.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _parse_form_text(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
        return parse_qsl(
            text, keep_blank_values=True, strict_parsing=bool(text), errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError as exc:
        raise ApiError(ResultCode.MALFORMED_BODY, f"The {where} is not valid UTF-8.") from exc
    except ValueError as exc:
        raise ApiError(ResultCode.MALFORMED_BODY, f"The {where} is not valid form data: {exc}.") from exc


def _parse_json(body: bytes) -> list[tuple[str, Any]]:
    try:
        text = body.decode("utf-8")
        document = json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_int=_parse_json_int)
    except UnicodeDecodeError as exc:
        raise ApiError(ResultCode.MALFORMED_BODY, "The body is not valid UTF-8.") from exc
    except _DuplicateKey as exc:
        raise ApiError(
            ResultCode.INVALID_PARAMETER,
            f"Parameter {exc.name!r} is repeated; send each parameter once.",
            details={"errors": [{"parameter": exc.name, "message": f"{exc.name} is repeated."}]},
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ApiError(ResultCode.MALFORMED_BODY, "The body is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise ApiError(ResultCode.MALFORMED_BODY, "The JSON body must be an object of parameters.")
    if _has_lone_surrogate(document):
        # json.loads accepts "\ud800", which no UTF-8 text can hold; signing it would fail.
        raise ApiError(ResultCode.MALFORMED_BODY, "The body is not valid UTF-8: it escapes a lone surrogate.")
    return list(document.items())


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class _DuplicateKey(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, value in pairs:
        if name in document:
            raise _DuplicateKey(name)
        document[name] = value
    return document


def _parse_json_int(text: str) -> int | TooLargeNumber:
    digits = len(text.lstrip("-"))
    return TooLargeNumber(digits) if digits > MAX_JSON_DIGITS else int(text)

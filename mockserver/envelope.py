"""The one response shape: {code, msg, data}, for successes and errors alike."""

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from mockserver.codes import ResultCode
from mockserver.errors import ApiError


def success(data: Any, intact: bool = True) -> JSONResponse:
    return JSONResponse(_shape({"code": 0, "msg": "OK", "data": data}, intact))


def _shape(body: dict[str, Any], intact: bool) -> dict[str, Any]:
    """Return the envelope, or a renamed one in a sandbox configured to break the envelope."""
    if intact:
        return body
    return {"status": body["code"], "message": body["msg"], "result": body["data"]}


def error_data(error: ApiError, strict: bool) -> dict[str, Any] | None:
    """Return the envelope's data for an error: diagnostics in sandbox mode only."""
    data = dict(error.public_details)
    if not strict:
        data.update(error.details)
    return data or None


def error(error: ApiError, strict: bool, intact: bool = True) -> JSONResponse:
    message = error.strict_message if strict else error.message
    body = {"code": int(error.code), "msg": message, "data": error_data(error, strict)}
    return JSONResponse(_shape(body, intact), status_code=error.code.http_status, headers=error.headers)


def plain_error(code: ResultCode, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = {"code": int(code), "msg": message, "data": None}
    return JSONResponse(body, status_code=code.http_status, headers=dict(headers or {}))

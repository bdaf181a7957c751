"""How each fault changes an answer: error envelopes, delays, broken bodies and dropped connections.

Closing a connection without an answer needs the ASGI server's help, because
ASGI has no message for it: see close_connection.py.
"""

import asyncio
import email.utils
import time

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver import envelope
from mockserver.codes import ResultCode
from mockserver.errors import ApiError
from mockserver.faults.close_connection import request_close
from mockserver.faults.rules import Fault

MAINTENANCE_MESSAGE = "The service is in maintenance; nothing was applied. Retry later."


class DropConnection(Response):
    """A response that sends nothing and has the server close the connection."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_close(scope)


class TruncatedResponse(Response):
    """Headers that promise the whole body, half of the body, then a closed connection."""

    def __init__(self, whole: Response) -> None:
        super().__init__(content=whole.body, status_code=whole.status_code, media_type=whole.media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        half = self.body[: len(self.body) // 2]
        # more_body=True: the server would reject a body shorter than Content-Length.
        await send({"type": "http.response.body", "body": half, "more_body": True})
        request_close(scope)


def retry_after_header(fault: Fault) -> str:
    """Write Retry-After as the fault asks: delta-seconds, or an HTTP date that many seconds ahead."""
    seconds = fault.retry_after or 0
    if fault.retry_after_format == "http-date":
        return email.utils.formatdate(time.time() + seconds, usegmt=True)
    return str(seconds)


def error_for(fault: Fault) -> ApiError:
    """Return the rejection an error-answering fault (http_error, rate_limited, maintenance) sends."""
    headers = {"Retry-After": retry_after_header(fault)} if fault.retry_after is not None else {}
    public = {"retry_after": fault.retry_after} if fault.retry_after is not None else {}
    details = {"fault": fault.kind}
    if fault.kind == "maintenance":
        message = MAINTENANCE_MESSAGE
    elif fault.kind == "rate_limited":
        message = "Rate limit exceeded (injected fault); retry after Retry-After seconds."
    else:
        message = f"Injected fault: HTTP {fault.status}."
    return ApiError(fault.code, message, details, public_details=public, headers=headers)


async def before_operation(fault: Fault) -> Response | ApiError | None:
    """Apply the part of a fault that comes before the operation.

    Return the answer that replaces the operation (a drop or a rejection), or
    None to run the operation.
    """
    if fault.kind == "latency":
        await asyncio.sleep(fault.delay_seconds)
        return None
    if fault.runs_operation:
        return None
    if fault.kind == "close_before":
        return DropConnection()
    return error_for(fault)


def journal_code(fault: Fault | None, operation_code: ResultCode) -> ResultCode:
    """Return the code the journal records: the code a fault sent, else the operation's own code."""
    if fault is not None and (fault.kind == "http_error" or not fault.runs_operation):
        return fault.code
    return operation_code


async def deliver(fault: Fault | None, response: Response, strict: bool) -> Response:
    """Apply the part of a fault that comes after the operation, to its answer."""
    if fault is None or not fault.runs_operation or fault.kind == "latency":
        return response
    if fault.kind == "http_error":
        return envelope.error(error_for(fault), strict)
    if fault.kind == "commit_then_drop":
        return DropConnection()
    if fault.kind == "commit_then_delay":
        await asyncio.sleep(fault.delay_seconds)
        return response
    if fault.kind == "malformed_body":
        return Response(response.body[: len(response.body) // 2], media_type="application/json")
    return TruncatedResponse(response)

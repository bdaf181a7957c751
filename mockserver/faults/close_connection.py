"""Close a connection without sending an answer, which ASGI itself cannot express.

NOTE: this relies on uvicorn's behaviour (checked in uvicorn 0.55, both the
h11 and the httptools protocol): when the ASGI callable returns a value other
than None, uvicorn logs an error and closes the transport without writing
anything more. CloseConnectionApp returns a marker only for requests whose
response asked for it, and a logging filter drops that one expected log line.
"""

import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_SCOPE_KEY = "partystar.close_connection"
_UVICORN_MESSAGE = "ASGI callable should return None, but returned '%s'."


class _CloseMarker:
    def __repr__(self) -> str:
        return "close-connection marker"


CLOSE_MARKER = _CloseMarker()


def request_close(scope: Scope) -> None:
    """Ask CloseConnectionApp to close this request's connection once the app returns."""
    flag = scope.get(_SCOPE_KEY)
    if flag is None:
        raise RuntimeError("closing a connection needs the app wrapped in CloseConnectionApp")
    flag["close"] = True


class CloseConnectionApp:
    """The outermost ASGI app: passes requests through and closes the connections asked for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        # Lets callers reach the wrapped app's attributes, such as app.state.
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return None
        # A dict, so that the flag survives Starlette's copies of the scope.
        flag = {"close": False}
        scope[_SCOPE_KEY] = flag
        await self.app(scope, receive, send)
        return CLOSE_MARKER if flag["close"] else None


class _DropCloseMarkerLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.msg == _UVICORN_MESSAGE and record.args == (CLOSE_MARKER,))


def quiet_uvicorn_close_log() -> None:
    """Drop uvicorn's error line for connections closed on purpose; other lines stay."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(existing, _DropCloseMarkerLog) for existing in logger.filters):
        logger.addFilter(_DropCloseMarkerLog())

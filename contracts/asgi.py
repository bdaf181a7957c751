"""Run the sandbox application in-process, as requests from a loopback client see it."""

from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from mockserver.app import create_app
from mockserver.config import SandboxConfig, load_config
from mockserver.storage import open_storage

LOOPBACK_PEER = ("127.0.0.1", 50000)

ASGIApp = Any


def sandbox_app(database: Path, config: SandboxConfig | None = None) -> Starlette:
    """Build the sandbox application on a fresh SQLite file; its lifespan opens the storage."""
    return create_app(config or load_config(), open_storage(str(database)))


def from_loopback(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so every request comes from 127.0.0.1.

    In-process test clients name their peer "testclient", which is no IP
    address, so the sandbox's allowlist would reject every signed request.
    """

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": LOOPBACK_PEER}
        await app(scope, receive, send)

    return wrapped

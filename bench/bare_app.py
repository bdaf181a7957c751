"""The baseline: a bare Starlette app that returns a fixed JSON envelope, nothing else."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"code": 0, "msg": "OK", "data": {"status": "ok"}})


app = Starlette(routes=[Route("/api/v1/health", health, methods=["GET"])])

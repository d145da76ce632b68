"""The yardstick: a bare Starlette route returning a small JSON, served like ours by uvicorn."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def bare(request: Request) -> JSONResponse:
    if request.method == "POST":
        await request.body()
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/bare", bare, methods=["GET", "POST"])])

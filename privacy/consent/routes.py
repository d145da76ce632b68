"""The consent feature's routes: the endpoint every page calls, and the visitor's receipt and confirmation page,
each answered by the snapshot served when the request arrives."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..render import Renderer
from .endpoint import RECEIPT, RECORDED, ConsentEndpoint, CurrentEndpoint
from .visitor import VisitorPages


def consent_routes(current: Callable[[], ConsentEndpoint], renderer: Renderer) -> list[BaseRoute]:
    pages = VisitorPages(renderer)

    async def receipt(request: Request) -> Response:
        return await pages.receipt(current(), request)

    async def recorded(request: Request) -> Response:
        return await pages.recorded(current(), request)

    return [
        Route("/consent", CurrentEndpoint(current), methods=["GET", "POST"]),
        Route(RECEIPT, receipt, methods=["GET"]),
        Route(RECORDED, recorded, methods=["GET"]),
    ]

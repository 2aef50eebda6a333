"""The Quart app: REST under ``/api``, the WebSocket at ``/ws``, OpenAPI at ``/openapi.json``,
Prometheus metrics at ``/metrics``, and the built frontend at ``/`` when there is one.

    app = create_app(settings)    # resources open in the app's one ``while_serving`` lifespan
"""

from __future__ import annotations

import html
from collections.abc import AsyncGenerator
from typing import Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from quart import Quart, request
from quart.typing import ResponseReturnValue
from quart_schema import QuartSchema, RequestSchemaValidationError, hide
from quart_schema.openapi import HttpSecurityScheme, Info
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import PathConverter

from gateway.guard.login_metrics import LoginCollector
from gateway.http.accounts import account_routes
from gateway.http.api import ApiError, rest
from gateway.http.headers import add_security_headers
from gateway.http.openapi import GatewayOpenAPI
from gateway.http.requests import StrictRequest
from gateway.http.rooms import rooms
from gateway.http.search import search
from gateway.http.uploads import files, sized_request
from gateway.metrics import gateway_registry
from gateway.resources import Resources
from gateway.rpc.metrics import RpcCollector
from gateway.rpc.server import RpcServer
from gateway.socket.session import serve_socket
from gateway.socket.transport import INBOUND_QUEUE, BoundedWebsocketConnection, DirectWebsocket
from runtime.errors import validation_text
from runtime.settings import Settings

MAX_BODY = 64 * 1024
NO_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley: no UI built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Parley is running, but its browser UI is not built</h1>
<p>The gateway serves the UI from <code>{static}</code>, which has no <code>index.html</code>.
Build it with <code>make up</code> (it builds the UI, then starts everything), or with
<code>bash infra/frontend.sh build</code>, then reload this page.</p>
<p>The API is up meanwhile: <a href="/api/ping">/api/ping</a>,
<a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
"""


def create_app(settings: Settings) -> Quart:
    """The gateway app for ``settings``; nothing opens until it starts serving."""
    static = settings.gateway.static_dir
    frontend = str(static.resolve()) if static and (static / "index.html").is_file() else None
    app = Quart("parley.gateway", static_folder=None)
    app.static_folder = frontend  # served by ``asset`` below, never under /api
    app.url_map.converters["asset"] = AssetPath
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, PROPAGATE_EXCEPTIONS=False)
    # JSON bodies read strictly (gateway.http.requests), uploads up to files.max_size
    # (gateway.http.uploads)
    sized = sized_request(settings.files.max_size)
    app.request_class = cast(
        type[StrictRequest], type("GatewayRequest", (StrictRequest, sized), {})
    )
    app.config[INBOUND_QUEUE] = settings.gateway.inbound_queue
    app.asgi_websocket_class = BoundedWebsocketConnection
    app.websocket_class = DirectWebsocket
    QuartSchema(
        app,
        info=Info(title="Parley gateway", version="1"),
        security_schemes={"bearer": HttpSecurityScheme(scheme="bearer")},
        openapi_provider_class=GatewayOpenAPI,
        swagger_ui_path=None,  # it loads Swagger UI from a CDN, unpinned: /openapi.json only
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    add_security_headers(app)
    res = Resources(settings)
    app.extensions["parley"] = res
    rpc = RpcServer(res)  # the gRPC API on its own port (gateway.rpc)

    @app.while_serving
    async def lifespan() -> AsyncGenerator[None, None]:
        await res.open()
        try:
            await rpc.start()
            yield
        finally:
            await rpc.stop()
            await res.close()

    api = rest(res)
    account_routes(api, res)  # register, login, sessions, passwords, socket tickets
    app.register_blueprint(api)
    app.register_blueprint(rooms(res))
    app.register_blueprint(search(res))
    app.register_blueprint(files(res))
    registry = gateway_registry(res.metrics, res.hub.stats)
    registry.register(RpcCollector(rpc.metrics))
    registry.register(LoginCollector(res.logins, lambda: getattr(res, "hashing", None)))

    @app.get("/metrics")
    @hide
    async def metrics() -> ResponseReturnValue:
        """Prometheus' text format (see ``gateway.metrics``); no token, no user data."""
        return generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    @app.get("/")
    @hide
    async def index() -> ResponseReturnValue:
        """The built frontend (its other files are Quart's static files at ``/<path>``), or
        a page that says how to build it."""
        if frontend is None:
            page = NO_UI.format(static=html.escape(str(static)))
            return page, 200, {"Content-Type": "text/html; charset=utf-8"}
        return await app.send_static_file("index.html")

    @app.get("/<asset:filename>")
    @hide
    async def asset(filename: str) -> ResponseReturnValue:
        """A file of the built frontend (not a path under /api: those are the API's, so a
        wrong method there is a 405, not a missing file)."""
        if frontend is None:
            raise NotFound()
        return await app.send_static_file(filename)

    @app.websocket("/ws")
    async def ws() -> ResponseReturnValue | None:
        return await serve_socket(res)

    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(RequestSchemaValidationError, _invalid)
    app.register_error_handler(HTTPException, _http_error)
    return app


def resources_of(app: Quart) -> Resources:
    """The resources ``create_app`` made for ``app`` (the server uses it at shutdown)."""
    return cast(Resources, app.extensions["parley"])


def error(status: int, code: str, detail: str) -> tuple[dict[str, Any], int]:
    return {"error": code, "detail": detail}, status


async def _api_error(exc: ApiError) -> ResponseReturnValue:
    body, status = error(exc.status, exc.code, exc.detail)
    return body, status, exc.headers


async def _invalid(exc: RequestSchemaValidationError) -> ResponseReturnValue:
    cause = exc.validation_error
    detail = validation_text(cause, "body") if isinstance(cause, ValidationError) else str(cause)
    return error(422, "invalid", detail)


async def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if status == 400:  # a body that is not JSON at all: as invalid as a wrong field
        return error(422, "invalid", exc.description or "the body is not valid JSON")
    if status == 413:
        limit = request.max_content_length
        return error(413, "too_large", f"the body is larger than the {limit} bytes allowed here")
    code = (exc.name or "error").lower().replace(" ", "_")
    body, status = error(status, code, exc.description or code)
    allow = {name: value for name, value in exc.get_headers() if name == "Allow"}
    return body, status, allow  # a 405 says which methods the path has


class AssetPath(PathConverter):
    """A path converter for the frontend's files that matches nothing under ``api/``."""

    regex = r"(?!api(?:/|$))[^/].*?"

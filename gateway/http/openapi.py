"""``/openapi.json`` as the gateway behaves (docs/PROTOCOL.md 2.2), checked by schemathesis
(tests/integration/test_openapi.py).

quart-schema documents what the decorators name. This provider adds what they do not:

- path parameters with the rules the routes check (``{room}``, ``{user}``);
- request bodies marked required (a route with a body model refuses a request without one),
  and the query parameters its model requires;
- the error answers every route can give, each ``{"error", "detail"}``: ``401`` where a bearer
  token is needed, ``422`` where a path, query or body is validated, ``404`` where the path
  names a room or user, ``413`` where a body is read;
- what a route declares with ``@answers(204, 503)``: answers without a body model (a ``204``)
  or errors of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter
from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule

from runtime.events import Room, Username

PATH_RULES: dict[str, dict[str, Any]] = {
    "room": TypeAdapter(Room).json_schema(),
    "user": TypeAdapter(Username).json_schema(),
}
ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["error", "detail"],
}
F = TypeVar("F", bound=Callable[..., Any])
ANSWERS = "_parley_answers"
RAW = "_parley_raw_body"
# A raw upload: its bytes, and its name in X-Filename (URI-encoded; the document offers plain
# names, which need no encoding).
RAW_BODY: dict[str, Any] = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
FILENAME_HEADER: dict[str, Any] = {
    "name": "X-Filename",
    "in": "header",
    "required": True,
    "description": "the file's name, URI-encoded (encodeURIComponent)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
}
REASONS = {
    204: "done; no body",
    401: "missing, malformed, forged or expired bearer token",
    403: "the file link is wrong or expired",
    404: "no such room or user, or one the caller may not see",
    413: "the body is over its limit (64 KiB; an upload: files.max_size), or the quota is used",
    415: "Content-Type claims an image the bytes are not",
    422: "a path, query string or body that breaks the rules",
    503: "the change is saved, but Kafka did not take its frames (open sockets were not told)",
}


def raw_body(route: F) -> F:
    """Document a route whose body is a file's raw bytes, named by ``X-Filename``."""
    setattr(route, RAW, True)
    return route


def answers(*statuses: int) -> Callable[[F], F]:
    """Document more statuses of a route (see ``REASONS``) than its ``@returns`` name."""

    def mark(route: F) -> F:
        setattr(route, ANSWERS, statuses)
        return route

    return mark


class GatewayOpenAPI(OpenAPIProvider):
    """quart-schema's provider, completed with what the routes check and answer."""

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter = super().build_path_parameter(name, converter)
        if name in PATH_RULES:
            parameter["schema"] = dict(PATH_RULES[name])
        return parameter

    def build_querystring_parameters(
        self, model: type[Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """quart-schema's, with ``required`` on the fields the model requires (it looks for
        it on each field, where JSON Schema never puts it)."""
        parameters, components = super().build_querystring_parameters(model)
        required = set(TypeAdapter(model).json_schema().get("required", []))
        for parameter in parameters:
            if parameter["name"] in required:
                parameter["required"] = True
        return parameters, components

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        view = self._app.view_functions[rule.endpoint]
        declared = getattr(view, ANSWERS, ())
        for operations in paths.values():
            for path_operation in operations.values():
                if getattr(view, RAW, False):
                    path_operation["requestBody"] = dict(RAW_BODY)
                    path_operation.setdefault("parameters", []).append(dict(FILENAME_HEADER))
                _complete(path_operation, declared)
        return paths, components


def _complete(operation: dict[str, Any], declared: tuple[int, ...]) -> None:
    """Mark the body required and add the answers the route can give."""
    body = operation.get("requestBody")
    if body is not None:
        body["required"] = True
    places = {parameter["in"] for parameter in operation.get("parameters", [])}
    statuses = set(declared)
    if operation.get("security"):
        statuses.add(401)
    if "path" in places:
        statuses |= {404, 422}
    if "query" in places or body is not None:
        statuses.add(422)
    if body is not None:
        statuses.add(413)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        answer: dict[str, Any] = {"description": REASONS[status]}
        if status >= 400:
            answer["content"] = {"application/json": {"schema": ERROR_BODY}}
        responses.setdefault(status, answer)

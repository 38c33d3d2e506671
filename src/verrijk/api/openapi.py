"""The OpenAPI document completed with what the routes' models alone cannot say: the X-API-Key scheme and, from each
route's `allow(...)` declaration, whether an operation requires a key (a public one takes it optionally), and the
limits that are settings (texts per POST /enrich, characters per text)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from verrijk.config import Settings

SCHEME = "ApiKey"
KEY = {
    "type": "apiKey",
    "in": "header",
    "name": "X-API-Key",
    "description": "an API key (`verrijk keys create`, `GET /keys`); the web pages' signed session cookie works too",
}


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI keeps them nested)."""
    found, stack = [], list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return found


def declared_roles(route: APIRoute) -> tuple[frozenset[str], bool] | None:
    """The (roles, public) that the route's `allow` dependency declares, or None when it declares none."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if hasattr(dep.call, "allowed_roles"):
            return dep.call.allowed_roles, dep.call.public
        stack.extend(dep.dependencies)
    return None


def install(app: FastAPI) -> None:
    """Make app.openapi() return the completed document (built once, as FastAPI's own)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            _declare_security(app, schema)
            _declare_limits(app.state.settings, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _declare_security(app: FastAPI, schema: dict[str, Any]) -> None:
    schema.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = KEY
    for route in api_routes(app):
        declared = declared_roles(route)
        operations = schema["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is not None and declared is not None:
                operation["security"] = [{}, {SCHEME: []}] if declared[1] else [{SCHEME: []}]


def _declare_limits(settings: Settings, schema: dict[str, Any]) -> None:
    models = schema["components"]["schemas"]
    models["EnrichIn"]["properties"]["texts"]["maxItems"] = settings.enrich_max_texts
    models["TextItem"]["properties"]["text"]["maxLength"] = settings.enrich_max_chars

"""/reconcile/{authority}: each authority as a W3C Reconciliation API 0.2 service, for OpenRefine and friends.

Access: shared authorities answer anyone (OpenRefine cannot send headers for most services, and these
vocabularies are public anyway); an organisation's private authority needs that organisation's key in the
X-API-Key header, and says so in its manifest (`authentication`). Without a key a private authority is "not
found", so its name does not leak. Every response, errors included, carries `Access-Control-Allow-Origin: *`
(the spec requires CORS on all endpoints), and GET requests may ask for JSONP with `callback`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from verrijk.api.errors import Problem, problem_response
from verrijk.deps import allow, get_session
from verrijk.enrich.text.linking.model import Entry, UnknownAuthority
from verrijk.enrich.text.linking.store import open_index
from verrijk.errors import VerrijkError
from verrijk.reconcile.protocol import ProtocolError, entity_type, parse_extend, parse_queries, valid_callback
from verrijk.reconcile.service import API_KEY_HEADER, ReconcileService
from verrijk.store.accounts import Principal
from verrijk.store.repo import visible_authority

CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = CORS | {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": f"{API_KEY_HEADER}, Content-Type",
    "Access-Control-Max-Age": "86400",
}
# The preview is shown in an iframe: it may be framed, but it runs nothing and loads nothing.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class CorsRoute(APIRoute):
    """Puts the CORS header on every response, errors included (the app's handlers would not)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except ProtocolError as exc:
                response = problem_response(
                    exc.status, str(exc), request.url.path, parameter=exc.parameter, **exc.extra
                )
            except Problem as exc:
                response = problem_response(exc.status, exc.detail, request.url.path, **exc.extra)
            except VerrijkError as exc:  # the caller's key, a quota: raised before the route runs
                response = problem_response(exc.status, str(exc), request.url.path)
            response.headers.update(CORS)
            return response

        return with_cors


router = APIRouter(prefix="/reconcile", tags=["reconciliation"], route_class=CorsRoute)


async def preflight(request: Request) -> Response:
    """CORS preflight for every reconciliation URL: a fixed answer that reads nothing, so it needs no roles."""
    return Response(status_code=204, headers=PREFLIGHT)


# Starlette's add_route does not apply the router's prefix: the full path is given
for _path in ("/reconcile/{authority}", "/reconcile/{authority}/{rest:path}"):
    router.add_route(_path, preflight, methods=["OPTIONS"], include_in_schema=False)


def service(
    authority: str,
    request: Request,
    principal: Principal | None = Depends(allow(public=True)),
    session: Session = Depends(get_session),
) -> ReconcileService:
    """The authority as the caller may see it: shared ones for anyone, private ones for their organisation."""
    org_id = principal.organisation_id if principal else None
    try:
        found = visible_authority(session, org_id, authority)
        index = open_index(session, org_id, authority)
    except UnknownAuthority as exc:
        hint = "" if principal else f" (an organisation's own authorities need its key in the {API_KEY_HEADER} header)"
        raise Problem(404, f"{exc}{hint}") from exc
    private = found.organisation_id is not None and not found.shared
    endpoint = f"{request.app.state.settings.base_url.rstrip('/')}/reconcile/{quote(authority, safe='')}"
    return ReconcileService(index, endpoint, found.label, private)


def _reply(data: Any, callback: str | None = None) -> Response:
    if callback:
        body = f"/**/{valid_callback(callback)}({json.dumps(data)});"  # ASCII-escaped: safe inside a script
        return Response(body, media_type="application/javascript", headers={"X-Content-Type-Options": "nosniff"})
    return JSONResponse(data)


def _int(params: Any, name: str, default: int | None, minimum: int) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ProtocolError(name, f"must be a whole number from {minimum} up, not {raw!r}")
    return int(raw)


def _answer(params: dict[str, str], svc: ReconcileService, callback: str | None) -> Response | None:
    """Reconciliation or data extension, when the parameters ask for one."""
    if "queries" in params and "extend" in params:
        raise ProtocolError("queries", "send either 'queries' or 'extend', not both")
    if "queries" in params:
        return _reply(svc.reconcile(parse_queries(params["queries"])), callback)
    if "extend" in params:
        return _reply(svc.extend(parse_extend(params["extend"])), callback)
    return None


@router.get("/{authority}", summary="Manifest (no parameters), reconciliation (`queries`), data extension (`extend`)")
def endpoint(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    params, callback = dict(request.query_params), request.query_params.get("callback")
    return _answer(params, svc, callback) or _reply(svc.manifest(), callback)


@router.post("/{authority}", summary="Reconciliation (form field `queries`) or data extension (form field `extend`)")
async def endpoint_post(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    form = await request.form()
    params = dict(request.query_params) | {k: v for k, v in form.items() if isinstance(v, str)}
    answer = _answer(params, svc, None)
    if answer is None:
        raise ProtocolError("queries", "a POST needs a form field 'queries' (reconciliation) or 'extend'")
    return answer


def _prefix_cursor(request: Request) -> tuple[str, int]:
    return request.query_params.get("prefix", ""), _int(request.query_params, "cursor", 0, 0) or 0


@router.get("/{authority}/suggest/entity", summary="Entities by name prefix (`prefix`, `cursor`, optional `type`)")
def suggest_entity(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    types: tuple[str, ...] = ()
    if wanted := request.query_params.get("type"):
        found = entity_type(wanted)
        if found is None:
            raise ProtocolError("type", f"{wanted!r} is not a type of this service")
        types = (found.code,)
    return _reply(svc.suggest_entities(*_prefix_cursor(request), types), request.query_params.get("callback"))


@router.get("/{authority}/suggest/type", summary="Types by name prefix (`prefix`, `cursor`)")
def suggest_type(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    return _reply(svc.suggest_types(*_prefix_cursor(request)), request.query_params.get("callback"))


@router.get("/{authority}/suggest/property", summary="Properties by name prefix (`prefix`, `cursor`)")
def suggest_property(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    return _reply(svc.suggest_properties(*_prefix_cursor(request)), request.query_params.get("callback"))


@router.get("/{authority}/properties", summary="Properties to extend entities of a type with (`type`, `limit`)")
def propose_properties(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    params = request.query_params
    return _reply(svc.propose(params.get("type"), _int(params, "limit", None, 1)), params.get("callback"))


def _entry(svc: ReconcileService, request: Request) -> Entry:
    entity_id = request.query_params.get("id", "")
    if not entity_id:
        raise ProtocolError("id", "give the entity id (its URI) as ?id=")
    entry = svc.entry(entity_id)
    if entry is None:
        raise Problem(404, f"no entity {entity_id!r} in authority {svc.index.name!r}")
    return entry


def _page(svc: ReconcileService, entry: Entry) -> Response:
    headers = {"Content-Security-Policy": PREVIEW_CSP, "X-Content-Type-Options": "nosniff"}
    return Response(svc.preview(entry), media_type="text/html; charset=utf-8", headers=headers)


@router.get("/{authority}/preview", summary="An HTML preview of one entity (`id`), for an iframe")
def preview(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    return _page(svc, _entry(svc, request))


@router.get("/{authority}/flyout/entity", summary="A suggestion's flyout (`id`): {id, html}, for OpenRefine 3.6")
def flyout(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    return _reply(svc.flyout(_entry(svc, request)), request.query_params.get("callback"))


@router.get("/{authority}/view", summary="Redirect to the entity's own page (`id`)")
def view(request: Request, svc: ReconcileService = Depends(service)) -> Response:
    entry = _entry(svc, request)
    if not entry.uri.startswith(("http://", "https://")):
        return _page(svc, entry)  # a URN or similar has no page of its own
    return RedirectResponse(entry.uri, status_code=303)

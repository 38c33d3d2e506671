"""Request dependencies the API and the web pages share: database session, the caller (API key or web session),
role checks, the organisation-scoped repo, the search service and the review queue's filter parameters.

Errors are verrijk.errors (401 Unauthenticated, 403 Forbidden, 429 QuotaExceeded): each side renders them its way.
A caller signed in through the web session (a cookie, which a browser sends on any site's behalf) must prove every
unsafe request with the session's CSRF token; a program's X-API-Key is not sent by browsers and needs none."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from verrijk.config import Settings
from verrijk.domain import Id, Role
from verrijk.errors import Forbidden, QuotaExceeded, Unauthenticated
from verrijk.logs import bind_organisation
from verrijk.review.queue import QueueFilter
from verrijk.search.service import SearchService
from verrijk.store.accounts import KeyCache, Principal, principal_for_key, principal_for_member
from verrijk.store.counters import SharedWindow
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import ApiKey, Organisation


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A database session for the request. The request's dependencies that need no database work are coroutines,
    so that a request crosses into the thread pool once (for its route), not once per dependency; a session connects
    only when first used."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"  # the hidden field in every web form
CSRF_HEADER = "X-CSRF-Token"  # what the pages' scripts send on their API calls


def csrf_token(request: Request) -> str:
    """The web session's CSRF token, made on first use and kept in the signed session cookie."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request made with the web session unless it carries the session's CSRF token (the form's
    hidden field or the X-CSRF-Token header). Requests with an X-API-Key are a program's and need none."""
    if request.method in SAFE_METHODS or "x-api-key" in request.headers:
        return
    expected = request.session.get("csrf") if "session" in request.scope else None
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            f"this form or request lacks the web session's CSRF token (the {CSRF_FIELD!r} field or the "
            f"{CSRF_HEADER} header): reload the page and try again",
            code="csrf",
        )


async def current_principal(request: Request, session: Session = Depends(get_session)) -> Principal | None:
    """The caller: an X-API-Key's principal (from the app's KeyCache: no database work while it is fresh), or the
    web session's; counted against the rate limits. Nothing is written on the way; what needs the database runs in
    the thread pool."""
    keys: KeyCache = request.app.state.keys
    raw = request.headers.get("x-api-key")
    if raw:
        found, caller = keys.cached(raw)
        if not found:
            caller = await run_in_threadpool(keys.caller, session, raw)
        if caller is None:
            raise Unauthenticated("the X-API-Key header holds an unknown or revoked key")
        principal, quota = caller.principal, caller.quota_per_minute
    else:
        principal, quota = await run_in_threadpool(_session_caller, request, session, keys)
    if principal is not None:
        bind_organisation(principal.organisation_id)
        if quota or request.app.state.settings.key_requests_per_minute:
            await run_in_threadpool(limit_requests, request, principal, quota)
    return principal


def _session_caller(request: Request, session: Session, keys: KeyCache) -> tuple[Principal | None, int | None]:
    """The web session's principal (signed in with a key, or with name and password) and its organisation's quota."""
    stored = request.session if "session" in request.scope else {}
    key = session.get(ApiKey, stored["key_id"]) if stored.get("key_id") else None
    if key is not None:
        principal = principal_for_key(session, key)
        if principal is not None:
            keys.used(key.id)
    elif stored.get("user_id") and stored.get("org_id"):
        principal = principal_for_member(session, stored["user_id"], stored["org_id"])
    else:
        principal = None
    if principal is None:
        return None, None
    return principal, session.get(Organisation, principal.organisation_id).quota_requests_per_minute


def limit_requests(request: Request, principal: Principal, quota: int | None) -> None:
    """The organisation's requests-per-minute quota and the deployment's per-key limit: 429 with Retry-After.
    Counted in app.state.rate_limiter, which the server's worker processes share (store.counters.SharedWindow)."""
    limiter: SharedWindow = request.app.state.rate_limiter

    def count(bucket: tuple[str, int], limit: int, who: str, setting: str = "") -> None:
        wait = limiter.hit(bucket, limit)
        if wait is not None:
            said = f"{who} may make {limit} requests a minute{setting}; retry in {wait:.0f} s"
            raise QuotaExceeded(said, retry_after=wait, code="rate", limit=limit, wait=round(wait))

    if quota:
        count(("organisation", principal.organisation_id), quota, f"organisation {principal.organisation_slug!r}")
    per_key = request.app.state.settings.key_requests_per_minute
    if per_key and principal.key_id is not None:
        count(("key", principal.key_id), per_key, "an API key", " (VERRIJK_KEY_REQUESTS_PER_MINUTE)")


def allow(*roles: str, public: bool = False) -> Callable[..., Principal | None]:
    """A dependency that admits only the given roles (or anyone when public); every route declares one."""
    for role in roles:
        Role(role)

    async def check(request: Request, principal: Principal | None = Depends(current_principal)) -> Principal | None:
        if public:
            return principal
        if principal is None:
            raise Unauthenticated("this endpoint needs an API key in the X-API-Key header (or a web login)")
        if principal.role not in roles:
            raise Forbidden(
                f"role {principal.role!r} may not do this; allowed: {', '.join(roles)}",
                code="role",
                role=principal.role,
                allowed=roles,
            )
        await verify_csrf(request)
        return principal

    check.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
    check.public = public  # type: ignore[attr-defined]
    return check


def repo_for(principal: Principal, session: Session) -> Repo:
    return Repo(session, Scope(principal.organisation_id, principal.user_id, principal.role))


def reader_repo(principal: Principal | None, session: Session, public_scope: Scope | None, needs_key: str) -> Repo:
    """The caller's repository; without a key, the publishing organisation's (public_scope: the owner of a
    published item, or None when the item is not open); Unauthenticated saying what needs a key otherwise."""
    if principal is not None:
        return repo_for(principal, session)
    if public_scope is None:
        raise Unauthenticated(needs_key)
    return Repo(session, public_scope)


def scoped(*roles: str) -> Callable[..., Repo]:
    """A dependency giving the caller's organisation-scoped repository, for callers with one of the roles."""
    checker = allow(*roles)

    async def dependency(principal: Principal = Depends(checker), session: Session = Depends(get_session)) -> Repo:
        return repo_for(principal, session)

    return dependency


def new_search_service(settings: Settings) -> SearchService:
    """A search service over the data directory with the VERRIJK_SEARCH_* settings and, when VERRIJK_CLIP_DIR names
    a CLIP, its text encoder (images then found by free text through their stored CLIP embeddings)."""
    from verrijk.enrich.image.clip import search_encoder  # the image modality loads only when search is first used

    return SearchService(settings.data_dir, image_text=search_encoder(settings))


async def search_service(request: Request) -> SearchService:
    """The app's search service, made on first use (new_search_service)."""
    state = request.app.state
    if getattr(state, "search", None) is None:
        state.search = new_search_service(state.settings)
    return state.search


def queue_filter(
    collection: str | None = None,
    enricher: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    record_id: Id | None = None,
    order: Literal["uncertainty", "record"] = "uncertainty",
) -> QueueFilter:
    """The review queue's filter, read from the same query parameters by GET /review/next and /web/review."""
    return QueueFilter(collection, enricher, kind, language, min_score, max_score, record_id, order)

"""Request dependencies the API and the web pages share: database session, the caller (API key or web session),
role checks, the organisation-scoped repo, the search service and the review queue's filter parameters.

Errors are verrijk.errors (401 Unauthenticated, 403 Forbidden, 429 QuotaExceeded): each side renders them its way."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from verrijk.domain import Role
from verrijk.errors import Forbidden, QuotaExceeded, Unauthenticated
from verrijk.logs import bind_organisation
from verrijk.review.queue import QueueFilter
from verrijk.search.service import SearchService
from verrijk.store.accounts import Principal, authenticate_key, principal_for_key, principal_for_member
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import ApiKey, Organisation


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


class RateLimiter:
    """Per-organisation requests-per-minute quota, a sliding window kept in this process."""

    def __init__(self) -> None:
        self._hits: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, org_id: int, per_minute: int) -> float | None:
        """Record a request; return seconds to wait when the quota is used up."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits[org_id]
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return 60 - (now - hits[0])
            hits.append(now)
            return None


def current_principal(request: Request, session: Session = Depends(get_session)) -> Principal | None:
    raw = request.headers.get("x-api-key")
    if raw:
        principal = authenticate_key(session, raw)
        if principal is None:
            raise Unauthenticated("the X-API-Key header holds an unknown or revoked key")
    else:
        stored = request.session if "session" in request.scope else {}
        key = session.get(ApiKey, stored["key_id"]) if stored.get("key_id") else None
        if key is not None:
            principal = principal_for_key(session, key)
        elif stored.get("user_id") and stored.get("org_id"):
            principal = principal_for_member(session, stored["user_id"], stored["org_id"])
        else:
            principal = None
    if principal is not None:
        bind_organisation(principal.organisation_id)
        session.commit()  # last_used_at, written at most every few minutes
        org = session.get(Organisation, principal.organisation_id)
        if org and org.quota_requests_per_minute:
            wait = request.app.state.rate_limiter.hit(org.id, org.quota_requests_per_minute)
            if wait is not None:
                raise QuotaExceeded(
                    f"organisation {org.slug!r} may make {org.quota_requests_per_minute} requests "
                    f"a minute; retry in {wait:.0f} s",
                )
    return principal


def allow(*roles: str, public: bool = False) -> Callable[..., Principal | None]:
    """A dependency that admits only the given roles (or anyone when public); every route declares one."""
    for role in roles:
        Role(role)

    def check(principal: Principal | None = Depends(current_principal)) -> Principal | None:
        if public:
            return principal
        if principal is None:
            raise Unauthenticated("this endpoint needs an API key in the X-API-Key header (or a web login)")
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role!r} may not do this; allowed: {', '.join(roles)}")
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

    def dependency(principal: Principal = Depends(checker), session: Session = Depends(get_session)) -> Repo:
        return repo_for(principal, session)

    return dependency


def search_service(request: Request) -> SearchService:
    """The app's search service, made on first use from the data directory and VERRIJK_SEARCH_* settings."""
    state = request.app.state
    if getattr(state, "search", None) is None:
        state.search = SearchService(state.settings.data_dir)
    return state.search


def queue_filter(
    collection: str | None = None,
    enricher: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    record_id: int | None = None,
    order: Literal["uncertainty", "record"] = "uncertainty",
) -> QueueFilter:
    """The review queue's filter, read from the same query parameters by GET /review/next and /web/review."""
    return QueueFilter(collection, enricher, kind, language, min_score, max_score, record_id, order)

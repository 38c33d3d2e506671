"""Web pages: sign-in with an API key, collections, the record list with its search box, a record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from verrijk.api.deps import ALL_ROLES, allow, get_session, scoped
from verrijk.api.errors import Problem
from verrijk.store.accounts import AccountError, Principal, authenticate_key, organisation_by_slug
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.web.i18n import MESSAGES, pick_language
from verrijk.web.transparency import report

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def render(request: Request, name: str, principal: Principal | None, status_code: int = 200, **context) -> HTMLResponse:
    lang = pick_language(request)
    return templates.TemplateResponse(
        request,
        name,
        {"t": MESSAGES[lang], "lang": lang, "principal": principal, **context},
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", principal=Depends(allow(public=True))):
    return render(request, "login.html", principal, next=_safe_next(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    api_key: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
    session: Session = Depends(get_session),
    principal=Depends(allow(public=True)),
):
    found = authenticate_key(session, api_key.strip())
    if found is None:
        return render(request, "login.html", None, status_code=401, next=_safe_next(next), failed=True)
    session.commit()
    request.session["key_id"] = found.key_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, principal=Depends(allow(public=True))):
    request.session.pop("key_id", None)
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Principal = Depends(allow(*ALL_ROLES)), repo: Repo = Depends(scoped(*ALL_ROLES))):
    return render(request, "collections.html", principal, collections=repo.collections())


@router.get("/web/collections/{slug}", response_class=HTMLResponse)
def collection_page(
    request: Request,
    slug: str,
    q: Annotated[str | None, Query(max_length=500)] = None,
    cursor: str | None = None,
    principal: Principal = Depends(allow(*ALL_ROLES)),
    repo: Repo = Depends(scoped(*ALL_ROLES)),
):
    collection = repo.collection(slug)
    page = repo.records(RecordFilter(collection=slug, q=q or None), limit=PAGE_SIZE, cursor=cursor)
    return render(request, "records.html", principal, collection=collection, page=page, q=q or "", cursor=cursor)


@router.get("/web/records/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    record_id: int,
    principal: Principal = Depends(allow(*ALL_ROLES)),
    repo: Repo = Depends(scoped(*ALL_ROLES)),
):
    record = repo.record(record_id)
    collection = next(c for c, _ in repo.collections() if c.id == record.collection_id)
    return render(
        request,
        "record.html",
        principal,
        record=record,
        collection=collection,
        suggestions=repo.suggestions_for(record.id),
        persistent_uri=f"{request.app.state.settings.base_url}/records/{record.id}",
    )


@router.get("/about/{organisation}", response_class=HTMLResponse)
def transparency_page(
    request: Request, organisation: str, session: Session = Depends(get_session), principal=Depends(allow(public=True))
):
    org, enrichers = transparency_of(request, organisation, session)
    return render(request, "transparency.html", principal, organisation=org, enrichers=enrichers)


def transparency_of(request: Request, slug: str, session: Session):
    try:
        org = organisation_by_slug(session, slug)
    except AccountError as exc:
        raise Problem(404, str(exc)) from exc
    settings = request.app.state.settings
    return org, report(Repo(session, Scope(org.id, role="client")), settings.enrichers, settings.models_dir)


def _safe_next(target: str) -> str:
    """Only same-site paths may follow a sign-in (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)

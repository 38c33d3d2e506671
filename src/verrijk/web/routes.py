"""Web pages: sign-in with an API key, collections, the record list with its search box, a record. Every form carries
the session's CSRF token (verrijk.deps checks it), and failed sign-ins are throttled per user name and address."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from verrijk.deps import (
    allow,
    csrf_token,
    get_session,
    queue_filter,
    scoped,
    search_service,
    verify_csrf,
)
from verrijk.domain import ALL_ROLES, READERS, REVIEWERS, VOLUNTEERS, SuggestionKind
from verrijk.enrich.text.analysis import TextIn
from verrijk.enrich.text.language import SUPPORTED, UnsupportedLanguage
from verrijk.enrich.text.linking.model import UnknownAuthority
from verrijk.enrich.text.service import EmptyText, TextTooLong, check_text, organisation_analyser
from verrijk.errors import ModelError, VerrijkError
from verrijk.review.calibration import calibrate
from verrijk.review.items import ReviewItem, items_for
from verrijk.review.media import measure
from verrijk.review.queue import QueueFilter, next_batch, order_measurement
from verrijk.review.stats import review_stats
from verrijk.review.tasks import next_task, task_settings, vote
from verrijk.search.query import parse_request
from verrijk.search.service import SearchService, hits_page
from verrijk.store.accounts import Principal, authenticate_key, sign_in
from verrijk.store.counters import SharedWindow
from verrijk.store.repo import Page, RecordFilter, Repo
from verrijk.transparency import transparency_of
from verrijk.web.charts import dashboard_charts
from verrijk.web.failures import problem_words, said
from verrijk.web.highlight import highlight, highlight_entities
from verrijk.web.i18n import MESSAGES, commands, field_name, pick_language, switch_link

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(
    highlight=highlight,
    highlight_entities=highlight_entities,
    languages=SUPPORTED,
    csrf_token=csrf_token,
    switch_link=switch_link,
    field_name=field_name,
    problem_words=problem_words,
)
templates.env.filters["commands"] = commands
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
TEXT_ERRORS = {EmptyText: "enrich_empty", TextTooLong: "enrich_too_long", UnsupportedLanguage: "enrich_bad_language"}


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context,
) -> HTMLResponse:
    lang = pick_language(request)
    return templates.TemplateResponse(
        request,
        name,
        {"t": MESSAGES[lang], "lang": lang, "principal": principal, **context},
        status_code=status_code,
        headers=headers,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", principal=Depends(allow(public=True))):
    return render(request, "login.html", principal, next=_safe_next(next), failed=False, throttled=0)


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def login(
    request: Request,
    api_key: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    session: Session = Depends(get_session),
    principal=Depends(allow(public=True)),
):
    """People sign in with name and password; an API key works too (a program's or a demo's). After
    login_max_failures failed tries for a user name, or from an address, within login_window_minutes, sign-in
    answers 429 with Retry-After until the oldest failure is that old."""
    settings = request.app.state.settings
    failures: SharedWindow = request.app.state.login_failures
    tries = [("address", request.client.host if request.client else "")]
    if not api_key.strip():
        tries.append(("user", username.strip().casefold()))
    wait = max((failures.wait(k, settings.login_max_failures) or 0 for k in tries), default=0)
    if wait:
        return render(
            request,
            "login.html",
            None,
            status_code=429,
            headers={"Retry-After": str(math.ceil(wait))},
            next=_safe_next(next),
            failed=False,
            throttled=math.ceil(wait / 60),
        )
    fresh_session(request)  # a new session: its CSRF token too
    if api_key.strip():
        found = authenticate_key(session, api_key.strip())
        if found is not None:
            request.session["key_id"] = found.key_id
    else:
        found = sign_in(session, username.strip(), password)
        if found is not None:
            request.session.update(user_id=found.user_id, org_id=found.organisation_id)
    if found is None:
        for key in tries:
            failures.add(key)
        return render(request, "login.html", None, status_code=401, next=_safe_next(next), failed=True, throttled=0)
    failures.forget(tries[-1])
    session.commit()
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request, principal=Depends(allow(public=True))):
    fresh_session(request)
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
    media: Literal["image", "audio", "video", "none"] | None = None,
    text: Literal["ocr", "transcript"] | None = None,
    principal: Principal = Depends(allow(*ALL_ROLES)),
    repo: Repo = Depends(scoped(*ALL_ROLES)),
    service: SearchService = Depends(search_service),
):
    """The records with thumbnails of their images; facets by media kind and by text read from media."""
    collection = repo.collection(slug)
    flt = RecordFilter(collection=slug, media=media, text=text)
    if q and q.strip():
        page, facets = search_page(service, repo, slug, q, cursor), None
    else:
        page, facets = repo.records(flt, limit=PAGE_SIZE, cursor=cursor), repo.media_facets(flt)
    return render(
        request, "records.html", principal, collection=collection, page=page, q=q or "", cursor=cursor, flt=flt,
        facets=facets,
    )  # fmt: skip


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


@router.get("/web/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    flt: QueueFilter = Depends(queue_filter),
    size: Annotated[int, Query(ge=1, le=50)] = 10,
    principal: Principal = Depends(allow(*REVIEWERS)),
    repo: Repo = Depends(scoped(*REVIEWERS)),
):
    batch = next_batch(repo, principal.user_id, flt, size, request.app.state.settings.review_lease_minutes)
    measured = order_measurement(request.app.state.settings.models_dir)
    return render(request, "review.html", principal, items=shown(request, repo, batch), flt=flt, measured=measured)


@router.get("/web/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request,
    outcome: str | None = None,
    kind: SuggestionKind | None = None,
    principal: Principal = Depends(allow(*VOLUNTEERS)),
    repo: Repo = Depends(scoped(*VOLUNTEERS)),
):
    """One question at a time; ?kind=transcript gives only texts read from media to correct."""
    found = next_task(repo, principal.user_id, task_settings(request.app.state.settings), kind)
    task = shown(request, repo, [found])[0] if found else None
    return render(request, "tasks.html", principal, task=task, outcome=outcome, error=None, kind=kind)


@router.post("/web/tasks/{suggestion_id}", response_class=HTMLResponse)
def tasks_answer(
    request: Request,
    suggestion_id: int,
    verdict: Annotated[str, Form()],
    label: Annotated[str | None, Form()] = None,
    authority_uri: Annotated[str | None, Form()] = None,
    kind: Annotated[SuggestionKind | None, Form()] = None,
    principal: Principal = Depends(allow(*VOLUNTEERS)),
    repo: Repo = Depends(scoped(*VOLUNTEERS)),
):
    try:
        _, outcome = vote(
            repo,
            principal.user_id,
            suggestion_id,
            verdict,
            label or None,
            authority_uri or None,
            task_settings(request.app.state.settings),
        )
    except VerrijkError as exc:
        error, _ = said(exc, pick_language(request))
        return render(
            request, "tasks.html", principal, task=None, outcome=None, error=error, kind=kind, status_code=exc.status
        )
    more = f"&kind={kind.value}" if kind else ""
    return RedirectResponse(f"/web/tasks?outcome={'consensus' if outcome else 'saved'}{more}", status_code=303)


@router.get("/web/enrich", response_class=HTMLResponse)
def enrich_page(request: Request, principal: Principal = Depends(allow(*READERS))):
    return render(request, "enrich.html", principal, text="", language="", analysis=None, error=None)


@router.post("/web/enrich", response_class=HTMLResponse)
def enrich_text(
    request: Request,
    text: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    principal: Principal = Depends(allow(*READERS)),
    repo: Repo = Depends(scoped(*READERS)),
):
    """Try the text pipeline on a pasted text: what would verrijk find, and link to what?"""
    settings = request.app.state.settings
    try:
        checked = check_text(text, language or None, settings.enrich_max_chars)
    except (EmptyText, TextTooLong, UnsupportedLanguage) as exc:
        error = MESSAGES[pick_language(request)][TEXT_ERRORS[type(exc)]].format(limit=settings.enrich_max_chars)
        return render(
            request, "enrich.html", principal, exc.status, text=text, language=language, analysis=None, error=error
        )
    try:
        analyser, _ = organisation_analyser(repo, settings)
        [analysis] = analyser.analyse([TextIn(text, checked)])
    except (UnknownAuthority, ModelError) as exc:  # configured, yet not readable or loadable: the operator must fix it
        error, technical = said(exc, pick_language(request))
        return render(
            request, "enrich.html", principal, 503, text=text, language=language, analysis=None, error=error,
            technical=technical,
        )  # fmt: skip
    version = analyser.version([analysis.language.language])
    return render(
        request, "enrich.html", principal, text=text, language=language, analysis=analysis, version=version, error=None
    )


@router.get("/web/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, principal: Principal = Depends(allow(*REVIEWERS)), repo: Repo = Depends(scoped(*REVIEWERS))
):
    stats, calibrations = review_stats(repo), calibrate(repo)
    charts = dashboard_charts(stats, calibrations, MESSAGES[pick_language(request)])
    return render(request, "dashboard.html", principal, stats=stats, charts=charts, calibrations=calibrations)


@router.get("/about/{organisation}", response_class=HTMLResponse)
def transparency_page(
    request: Request, organisation: str, session: Session = Depends(get_session), principal=Depends(allow(public=True))
):
    org, enrichers = transparency_of(session, organisation, request.app.state.settings)
    return render(request, "transparency.html", principal, organisation=org, enrichers=enrichers)


def shown(request: Request, repo: Repo, suggestions: list) -> list[ReviewItem]:
    """Review items with the size of their images known, so the page can draw regions over them."""
    items = items_for(repo, suggestions)
    measure(repo, request.app.state.settings, [i.media for i in items if i.media])
    return items


def search_page(service: SearchService, repo: Repo, slug: str, q: str, cursor: str | None) -> Page:
    """The search box: hybrid search within the collection, best matches first."""
    req = parse_request(q, [f"collection:{slug}"], rows=PAGE_SIZE, cursor=cursor)
    page = hits_page(repo, service.search(repo, req), req)
    return Page([r for r, _ in page.found], page.next_cursor, page.total)


def fresh_session(request: Request) -> None:
    """Forget who was signed in (and the CSRF token), but keep the language the reader chose."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def _safe_next(target: str) -> str:
    """Only same-site paths may follow a sign-in (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"

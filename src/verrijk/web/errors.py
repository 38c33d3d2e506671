"""How the web pages answer errors: a browser asking for a page without being signed in goes to the sign-in page; a
browser asking for a page that fails (not found, forbidden, a bad parameter) gets a page in its language saying so,
with the same status (web.failures: the services' errors in the reader's words). Programs keep getting the API's
problem details."""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from verrijk.errors import Unauthenticated, VerrijkError
from verrijk.web.failures import said, said_invalid
from verrijk.web.i18n import pick_language
from verrijk.web.routes import render

PAGE_PATH = re.compile(r"/(web/.*|about/.*|login)?")


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_page_request(request: Request, forms: bool = False) -> bool:
    """A browser navigating to a page, or with `forms` posting one of the pages' forms (not a program calling the
    API)."""
    posted = forms and request.method == "POST" and request.headers.get("content-type", "").startswith(FORMS)
    return (
        (request.method == "GET" or posted)
        and request.headers.get("accept", "").startswith("text/html")
        and "x-api-key" not in request.headers
    )


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def install(app: FastAPI) -> None:
    """Send browsers that are not signed in to /login?next=…, and show a browser's failed page as a page; every other
    caller gets the answer of the handlers already installed (the API's problem details), so install this after them."""
    kinds = (VerrijkError, RequestValidationError, StarletteHTTPException)
    otherwise = {kind: app.exception_handlers[kind] for kind in kinds}

    async def _sign_in(request: Request, exc: Unauthenticated):
        if is_page_request(request):
            return login_redirect(request.url.path)
        return await otherwise[VerrijkError](request, exc)

    def page_or_problem(kind: type[Exception]):
        async def handler(request: Request, exc: Exception):
            # a form posted with a stale token, or to a page that refuses it, gets a page too (not JSON)
            if not (is_page_request(request, forms=True) and PAGE_PATH.fullmatch(request.url.path)):
                return await otherwise[kind](request, exc)
            status, detail, technical = _status_and_words(exc, pick_language(request))
            return render(
                request, "error.html", None, status_code=status, status=status, detail=detail, technical=technical
            )

        return handler

    app.add_exception_handler(Unauthenticated, _sign_in)
    for kind in otherwise:
        app.add_exception_handler(kind, page_or_problem(kind))


def _status_and_words(exc: Exception, lang: str) -> tuple[int, str, str]:
    """The status, what the page says in `lang`, and the technical words (English) when it could say only the kind."""
    if isinstance(exc, VerrijkError):
        return exc.status, *said(exc, lang)
    if isinstance(exc, RequestValidationError):
        return 422, *said_invalid(list(exc.errors()), lang)
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    # the status's bare English phrase ("Not Found" for a path no route serves) says nothing the heading does not:
    # the page says it in the reader's language instead
    if detail == HTTPStatus(exc.status_code).phrase:
        return exc.status_code, "", ""
    return exc.status_code, *said(VerrijkError(detail, status=exc.status_code), lang)

"""How the web pages answer a caller who has not signed in: a browser asking for a page goes to the sign-in page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from verrijk.errors import Unauthenticated, VerrijkError


def is_page_request(request: Request) -> bool:
    """A browser navigating to a page (not a program calling the API)."""
    return (
        request.method == "GET"
        and request.headers.get("accept", "").startswith("text/html")
        and "x-api-key" not in request.headers
    )


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def install(app: FastAPI) -> None:
    """Send browsers that are not signed in to /login?next=…; every other caller gets the answer of the handler
    already installed for verrijk errors (the API's problem details), so install this after it."""
    otherwise = app.exception_handlers[VerrijkError]

    async def _sign_in(request: Request, exc: Unauthenticated):
        if is_page_request(request):
            return login_redirect(request.url.path)
        return await otherwise(request, exc)

    app.add_exception_handler(Unauthenticated, _sign_in)

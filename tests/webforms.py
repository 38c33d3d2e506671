"""Posting the web pages' forms as a browser does: with the CSRF token the page put in its hidden field."""

from __future__ import annotations

import re

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The session's CSRF token, read from a page's form (or, on signed-in pages, the csrf-token meta tag)."""
    found = TOKEN.search(client.get(path, headers={"Accept": "text/html"}).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


def sign_in(client, **form: str):
    """POST /login with the form fields and the token of the sign-in page."""
    return client.post("/login", data=form | {"csrf_token": csrf_token(client)}, follow_redirects=False)

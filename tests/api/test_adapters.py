"""The API and the web pages are two adapters over the same services: they refuse the same input with the same
status, and each renders the same domain error its own way (problem details; a page, or the sign-in page)."""

from __future__ import annotations

import html

import pytest
from webforms import sign_in

PAGE = {"Accept": "text/html", "Accept-Language": "en"}


@pytest.mark.parametrize(
    ("text", "language", "status", "api_says", "page_says"),
    [
        ("   ", None, 422, "body field 'texts.0.text' is empty", "Give a text to enrich."),
        ("x" * 100_001, None, 413, "has 100,001 characters; the limit is 100,000", "at most 100,000 characters"),
        ("Hallo", "xx", 422, "body field 'texts.0.language': language 'xx' is not supported", "Choose a language"),
    ],
)
def test_the_enrich_page_refuses_what_post_enrich_refuses(client, org, text, language, status, api_says, page_says):
    api = client.post("/enrich", json={"texts": [{"text": text, "language": language}]}, headers=org.headers())
    assert api.status_code == status and api.headers["content-type"] == "application/problem+json"
    assert api_says in api.json()["detail"]
    page = client.post("/web/enrich", data={"text": text, "language": language or ""}, headers=org.headers() | PAGE)
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert page_says in page.text and 'class="error"' in page.text


def test_a_missing_sign_in_is_a_redirect_for_a_browser_and_a_problem_for_a_program(client, org):
    for path in ("/", "/web/review", "/review/next"):
        browser = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert browser.status_code == 303 and browser.headers["location"] == f"/login?next={path}"
        program = client.get(path, headers={"Accept": "application/json"})
        assert program.status_code == 401 and program.headers["content-type"] == "application/problem+json"
        assert "needs an API key" in program.json()["detail"]
    # only page requests (GET) are redirected: a form posted without a session gets the 401 itself
    posted = client.post("/web/enrich", data={"text": "Hallo"}, headers={"Accept": "text/html"})
    assert posted.status_code == 401
    wrong_key = client.get("/", headers={"Accept": "text/html", "X-API-Key": "nobody's"}, follow_redirects=False)
    assert wrong_key.status_code == 401 and "unknown or revoked key" in wrong_key.json()["detail"]
    forbidden = client.get("/web/review", headers=org.headers("volunteer") | {"Accept": "text/html"})
    assert forbidden.status_code == 403 and "may not do this" in forbidden.json()["detail"]


def test_a_refused_vote_is_shown_on_the_tasks_page_with_the_status_the_api_gives(client, org):
    volunteer = org.headers("volunteer")
    added = client.post("/tasks/missing", json={"record_id": _record(client, org), "label": "riet"}, headers=volunteer)
    sid = added.json()["id"]
    api = client.post(f"/tasks/{sid}/vote", json={"verdict": "accept"}, headers=volunteer)
    assert api.status_code == 403 and "their own contributions" in api.json()["detail"]
    page = client.post(f"/web/tasks/{sid}", data={"verdict": "accept"}, headers=volunteer | PAGE)
    assert page.status_code == 403 and "their own contributions" in page.text


def test_the_transparency_page_and_route_give_the_same_account(client, org):
    api = client.get(f"/organisations/{org.slug}/transparency").json()
    assert api["organisation"] == {"slug": org.slug, "name": org.slug.title()}
    page = client.get(f"/about/{org.slug}", headers=PAGE)
    assert page.status_code == 200 and org.slug.title() in page.text
    for path in ("/organisations/nowhere/transparency", "/about/nowhere"):
        missing = client.get(path)
        assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("language", "not_found", "forbidden", "invalid"),
    [
        ("en", "Not found", "You may not open this page", "Invalid input"),
        ("nl", "Niet gevonden", "Geen toegang tot deze pagina", "Ongeldige invoer"),
    ],
)
def test_a_signed_in_browser_sees_a_failed_page_as_a_page_in_its_language(
    client, org, language, not_found, forbidden, invalid
):
    page = {"Accept": "text/html", "Accept-Language": language}
    assert sign_in(client, api_key=org.keys["volunteer"]).status_code == 303
    refused = client.get("/web/review", headers=page)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    said = {"en": "may not do this", "nl": "Als vrijwilliger mag je dit niet"}[language]
    assert f"<h1>{forbidden}</h1>" in refused.text and said in refused.text
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    for path, status, title, detail in [  # the detail in the page's language (tests/api/test_newcomer_pages.py)
        ("/web/records/999999", 404, not_found, {"en": "record 999999 does not exist",
                                                 "nl": "Record 999999 bestaat niet"}[language]),
        ("/web/collections/nowhere", 404, not_found, {"en": "collection 'nowhere' does not exist",
                                                      "nl": "Collectie ‘nowhere’ bestaat niet"}[language]),
        ("/web/nothing-here", 404, not_found, {"en": "no page at this", "nl": "geen pagina"}[language]),
        ("/about/nowhere", 404, not_found, {"en": "organisation 'nowhere' does not exist",
                                            "nl": "Organisatie ‘nowhere’ bestaat niet"}[language]),
        ("/web/review?min_score=abc", 422, invalid, {"en": "min_score: Input should be a valid number",
                                                     "nl": "‘min_score’ moet een getal zijn."}[language]),
    ]:  # fmt: skip
        shown = client.get(path, headers=page)
        assert shown.status_code == status and shown.headers["content-type"].startswith("text/html"), path
        assert f"<h1>{title}</h1>" in shown.text and detail in html.unescape(shown.text), path
        assert f'<html lang="{language}">' in shown.text and 'href="/"' in shown.text
    # the same browser calling the API, and any program, still get problem details
    for headers in (page, org.headers() | page, {"Accept": "application/json"} | org.headers()):
        api = client.get("/search?query=x&rows=0", headers=headers)
        assert api.status_code == 400 and api.headers["content-type"] == "application/problem+json"
    program = client.get("/web/records/999999", headers=org.headers() | page)
    assert program.status_code == 404 and program.headers["content-type"] == "application/problem+json"


def _record(client, org) -> int:
    data = b"source_id,title\nr1,Suikerriet op de plantage\n"
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.csv", data)})
    return client.get("/records", headers=org.headers()).json()["items"][0]["id"]


def test_an_unexpected_error_is_a_problem_without_the_exceptions_text(app):
    """A bug answers 500 as problem details like every other error, and never shows its message or traceback."""
    from fastapi.testclient import TestClient

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("password=hunter2 in /srv/verrijk/secrets.toml")

    with TestClient(app, raise_server_exceptions=False) as caller:
        r = caller.get("/boom-for-test")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "an unexpected error on the server; it has been logged"
    assert "hunter2" not in r.text and "secrets" not in r.text

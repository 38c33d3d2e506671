"""What a newcomer meets on the web pages: a fresh installation that says nothing is reviewed yet, a language switch
that keeps the page as it was."""

from __future__ import annotations

import html
import re

import pytest
from seeding import seed
from webforms import sign_in

from verrijk.store.tables import Suggestion
from verrijk.web.i18n import MESSAGES, field_name


@pytest.mark.parametrize(("language", "said"), [("nl", "Nog geen beslissingen"), ("en", "No decisions yet")])
def test_the_dashboard_says_there_are_no_decisions_yet_instead_of_empty_charts(client, org, language, said):
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/dashboard", headers={"Accept": "text/html", "Accept-Language": language})
    assert page.status_code == 200
    assert page.text.count(said) == 3  # per day, per enricher, calibration
    assert "<svg" not in page.text


def test_switching_language_keeps_the_search_filter_and_page(client, org):
    data = b"source_id,title\nr1,Suikerriet op de plantage\nr2,Riet langs de rivier\n"
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.csv", data)})
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/collections/c?q=riet&media=image&lang=nl", headers={"Accept": "text/html"})
    switch = html.unescape(re.search(r'href="([^"]*)"[^>]*id="lang-switch"', page.text).group(1))
    assert switch == "?q=riet&media=image&lang=en"
    assert 'lang="en"' in client.get(f"/web/collections/c{switch}", headers={"Accept": "text/html"}).text


@pytest.mark.parametrize(("language", "title"), [("nl", "Titel"), ("en", "Title")])
def test_suggestions_name_their_field_in_the_readers_language(client, session, org, language, title):
    [first, *_] = seed(session, org, n=2)
    record_id = session.get(Suggestion, first).record_id
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    headers = {"Accept": "text/html", "Accept-Language": language}
    record = client.get(f"/web/records/{record_id}", headers=headers).text
    assert re.search(rf"<tbody><tr><td>{title}</td>", record)
    review = client.get("/web/review", headers=headers).text
    assert review.count(f'<span class="meta">{title}</span>') == 2 and '<span class="meta">title</span>' not in review


def test_field_names():
    nl = MESSAGES["nl"]
    assert [field_name(nl, f) for f in ("media.0", "creator.1", "extra.inventaris", "place", "nieuw.3")] == [
        "Media 1",
        "Vervaardiger 2",
        "Overige velden: inventaris",
        "Plaats",
        "nieuw.3",
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_commands_in_the_pages_words_are_shown_as_code_not_in_backticks(client, org, language):
    page = {"Accept": "text/html", "Accept-Language": language}
    assert "<code>verrijk keys create</code>" in client.get("/login", headers=page).text
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    home = client.get("/", headers=page).text
    assert "<code>verrijk ingest</code>" in home and "`" not in home


def test_the_api_documentation_pages_load_their_scripts_from_verrijk(client):
    for page, scripts in (("/docs", ["swagger-ui-bundle.js", "swagger-ui.css"]), ("/redoc", ["redoc.standalone.js"])):
        html_page = client.get(page).text
        assert "cdn." not in html_page
        for name in scripts:
            assert f"/docs/assets/{name}" in html_page
            asset = client.get(f"/docs/assets/{name}")
            assert asset.status_code == 200 and len(asset.content) > 100_000
    assert client.get("/docs/assets/..%2Fcore.py").status_code in (404, 422)


@pytest.mark.parametrize(
    ("language", "role", "menu"), [("nl", "(vrijwilliger)", "Hoofdmenu"), ("en", "(volunteer)", "Main menu")]
)
def test_the_role_and_the_menus_name_are_in_the_readers_language(client, org, language, role, menu):
    assert sign_in(client, api_key=org.keys["volunteer"]).status_code == 303
    page = client.get("/web/tasks", headers={"Accept": "text/html", "Accept-Language": language}).text
    assert role in page and f'<nav aria-label="{menu}">' in page


@pytest.mark.parametrize(("language", "said"), [("nl", "Op dit adres staat geen pagina."), ("en", "There is no page")])
def test_a_page_that_does_not_exist_says_so_in_the_readers_language(client, org, language, said):
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    page = client.get("/web/nope", headers={"Accept": "text/html", "Accept-Language": language})
    assert page.status_code == 404 and said in page.text and "Not Found" not in page.text

"""What a newcomer meets on the web pages: a fresh installation that says nothing is reviewed yet, a language switch
that keeps the page as it was, and failures said in the reader's language."""

from __future__ import annotations

import html
import pickle
import re

import pytest
from seeding import seed
from webforms import sign_in

from verrijk.errors import Invalid, ModelError, Overloaded, QuotaExceeded
from verrijk.store.tables import Suggestion
from verrijk.web.failures import said
from verrijk.web.i18n import MESSAGES, field_name

PAGE = {"Accept": "text/html", "Accept-Language": "nl"}


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


# (path, status, what a Dutch page says, what an English page says: the service's own words)
FAILED_PAGES = [
    ("/web/records/999999", 404, "Record 999999 bestaat niet", "record 999999 does not exist"),
    ("/about/nope", 404, "Organisatie ‘nope’ bestaat niet.", "organisation &#39;nope&#39; does not exist"),
    ("/web/tasks", 403, "Als catalogiseerder mag je dit niet; dat mogen: vrijwilliger, beheerder.",
     "role &#39;cataloger&#39; may not do this"),
    ("/web/review?size=abc&min_score=x", 422,
     "‘min_score’ moet een getal zijn. ‘size’ moet een geheel getal zijn.", "size: Input should be a valid integer"),
    ("/web/collections/c?media=foo", 422,
     "‘media’ moet een van deze waarden zijn: &#39;image&#39;, &#39;audio&#39;, &#39;video&#39; of &#39;none&#39;.",
     "media: Input should be"),
    ("/web/collections/c?cursor=zzz", 400, "Deze paginalink klopt niet (meer)",
     "cursor &#39;zzz&#39; is not a cursor"),
]  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_failed_page_says_why_in_the_readers_language(client, org, language):
    client.post("/collections/c/ingest", headers=org.headers(), files={"file": ("r.csv", b"source_id,title\nr1,A\n")})
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    for path, status, dutch, english in FAILED_PAGES:
        page = client.get(path, headers={"Accept": "text/html", "Accept-Language": language})
        assert page.status_code == status, path
        detail = re.search(r'id="error-detail">([^<]*)<', page.text).group(1)
        assert (dutch if language == "nl" else english) in detail, (path, detail)
        assert "Technische melding" not in page.text  # said in full: no English words left to show
    assert client.get("/web/records/999999", headers={"Accept": "application/json"}).json()["detail"] == (
        "record 999999 does not exist in this organisation"  # the API's problem details keep the service's words
    )
    api = client.get("/records?cursor=zzz", headers=org.headers())
    assert (api.status_code, api.json()["detail"]) == (400, "query parameter 'cursor': cursor 'zzz' is not a cursor "
                                                       "returned by this API")  # fmt: skip


def test_a_volunteers_failed_answer_is_said_in_dutch(client, org):
    assert sign_in(client, api_key=org.keys["volunteer"]).status_code == 303
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/web/tasks", headers=PAGE).text).group(1)
    answer = client.post("/web/tasks/4242", data={"verdict": "accept", "csrf_token": token}, headers=PAGE)
    assert answer.status_code == 404
    assert '<p class="error" role="alert">Suggestie 4242 bestaat niet in deze organisatie.</p>' in answer.text
    assert "does not exist" not in answer.text


def test_the_review_page_gives_its_script_the_words_of_a_failed_decision_in_dutch(client, session, org):
    seed(session, org, n=2)
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    dutch = client.get("/web/review", headers=PAGE).text
    assert 'data-problem409="Dat kan nu niet: het botst met de huidige toestand."' in dutch
    assert "data-problem" not in client.get("/web/review?lang=en", headers=PAGE).text  # the API's detail is English


@pytest.mark.parametrize(
    ("error", "dutch", "technical"),
    [
        (Overloaded("this server has 64 search requests waiting", retry_after=1, code="overloaded"),
         "De server heeft het nu te druk: probeer het zo meteen opnieuw.", ""),
        (ModelError("model 'ner-nl' cannot be loaded: no such file"), "de beheerder moet dit oplossen.",
         "model 'ner-nl' cannot be loaded: no such file"),
        (QuotaExceeded("organisation 'x' may make 5 requests a minute; retry in 12 s", code="rate", limit=5, wait=12),
         "Je mag 5 verzoeken per minuut doen; probeer het over 12 s opnieuw.", ""),
        (Invalid("unknown enricher 'x'"), "Het adres of het formulier bevat een waarde die niet past.",
         "unknown enricher 'x'"),
    ],
)  # fmt: skip
def test_errors_without_a_page_of_their_own_are_said_in_dutch_too(error, dutch, technical):
    assert said(error, "nl")[0].endswith(dutch) and said(error, "nl")[1] == technical
    assert said(error, "en") == (str(error), "")
    assert pickle.loads(pickle.dumps(error)).params == error.params  # from the enrichment process unchanged


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_form_posted_with_a_stale_token_gets_a_page_saying_to_reload(client, org, language):
    page = {"Accept": "text/html", "Accept-Language": language}
    assert sign_in(client, api_key=org.keys["volunteer"]).status_code == 303
    stale = client.post("/web/tasks/1", data={"verdict": "accept", "csrf_token": "from-another-session"}, headers=page)
    assert stale.status_code == 403 and stale.headers["content-type"].startswith("text/html")
    said = {"nl": "Dit formulier is verlopen of onvolledig: laad de pagina opnieuw", "en": "reload the page"}
    assert said[language] in re.search(r'id="error-detail">([^<]*)<', stale.text).group(1)
    program = client.post("/web/tasks/1", data={"verdict": "accept"}, headers={"Accept": "application/json"})
    assert program.status_code == 403 and program.headers["content-type"] == "application/problem+json"

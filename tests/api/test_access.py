"""Generated over every route: each declares its roles, forbidden roles get 403, and no organisation
ever sees or changes another organisation's records, collections or jobs."""

from __future__ import annotations

import re

import pytest
from conftest import snapshot
from fastapi.routing import APIRoute

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.domain import Role
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.store.accounts import create_api_key
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Organisation

ROLES = [r.value for r in Role]


def declared_roles(route: APIRoute):
    """The (roles, public) that the route's `allow` dependency declares, or None when it declares none."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if hasattr(dep.call, "allowed_roles"):
            return dep.call.allowed_roles, dep.call.public
        stack.extend(dep.dependencies)
    return None


def api_routes(app):
    """Every APIRoute, looking inside included routers (FastAPI keeps them nested)."""
    found, stack = [], list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return found


def test_every_route_declares_its_roles(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, secret_key="x"))
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in api_routes(app) if declared_roles(r) is None]
    assert undeclared == []
    public = sorted(r.path for r in api_routes(app) if declared_roles(r)[1])
    assert public == [
        "/about/{organisation}",
        "/annotations/{suggestion_id:int}",
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
        "/reconcile/{authority}/preview",
        "/reconcile/{authority}/properties",
        "/reconcile/{authority}/suggest/entity",
        "/reconcile/{authority}/suggest/property",
        "/reconcile/{authority}/suggest/type",
        "/reconcile/{authority}/view",
        "/records/{record_id}",
    ]


def _fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), path)


def _body(route: APIRoute, ids: dict):
    if route.path == "/collections" and "POST" in route.methods:
        return {"json": {"slug": "new-one", "name": "New"}}
    if route.path == "/jobs" and "POST" in route.methods:
        return {"json": {"collection": "a-col"}}
    if route.path == "/suggestions/{suggestion_id}/decisions":
        return {"json": {"status": "accepted"}}
    if route.path == "/review/decisions":
        return {"json": {"decisions": [{"id": ids["suggestion_id"], "status": "accepted"}]}}
    if route.path == "/annotations":
        return {"json": []}
    if route.path == "/review/release":
        return {"json": [ids["suggestion_id"]]}
    if route.path == "/review/thresholds":
        return {"json": {"enricher": "link.creators", "threshold": 0.99}}
    if route.path == "/web/tasks/{suggestion_id}":
        return {"data": {"verdict": "accept"}}
    if route.path.endswith("/vote"):
        return {"json": {"verdict": "accept"}}
    if route.path == "/tasks/missing":
        return {"json": {"record_id": ids["record_id"], "label": "ontbrekend"}}
    if route.path.endswith("/ingest"):
        return {"files": {"file": ("x.csv", b"source_id,title\nz1,Zonder\n", "text/csv")}}
    if route.path == "/login":
        return {"data": {"api_key": "vk_x"}}
    if route.path == "/enrich":
        return {"json": {"texts": [{"text": "Jan Vermeer in Delft", "language": "en"}], "authorities": []}}
    return {}


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


def test_forbidden_roles_get_403_on_every_route(app, client, org, populated):
    checked = set()
    for route in api_routes(app):
        roles, public = declared_roles(route)
        if public:
            continue
        for method in route.methods - {"HEAD"}:
            for role in ROLES:
                if role in roles:
                    continue
                r = client.request(
                    method, _fill(route.path, populated), headers=org.headers(role), **_body(route, populated)
                )
                assert r.status_code == 403, (method, route.path, role, r.status_code)
                assert role in r.json()["detail"]
                checked.add((method, route.path, role))
    assert {
        ("POST", "/collections", "volunteer"),
        ("POST", "/collections/{slug}/ingest", "client"),
        ("GET", "/jobs", "volunteer"),
    } <= checked


def test_allowed_roles_are_admitted(app, client, org, populated):
    for route in api_routes(app):
        roles, public = declared_roles(route)
        for method in route.methods - {"HEAD"}:
            for role in sorted(roles):
                r = client.request(
                    method,
                    _fill(route.path, populated),
                    headers=org.headers(role),
                    follow_redirects=False,
                    **_body(route, populated),
                )
                assert r.status_code not in (401, 403), (method, route.path, role, r.status_code)


def test_organisations_never_see_each_other(app, client, session, org, other_org, populated):
    a_before = snapshot(session, org.id)
    for route in api_routes(app):
        roles, public = declared_roles(route)
        for method in route.methods - {"HEAD"}:
            for role in ROLES if public else sorted(roles):
                r = client.request(
                    method,
                    _fill(route.path, populated),
                    headers=other_org.headers(role),
                    follow_redirects=False,
                    **_body(route, populated),
                )
                for marker in ("Alleen van A", "Ook van A", '"a1"', '"a2"', "a.csv", "Gerard Valck"):
                    assert marker not in r.text, (method, route.path, role, r.text[:300])
                if any(f"{{{k}" in route.path for k in ("record_id", "job_id", "suggestion_id", "key_id")):
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
    assert (
        client.post("/login", data={"api_key": other_org.keys["cataloger"]}, follow_redirects=False).status_code == 303
    )
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

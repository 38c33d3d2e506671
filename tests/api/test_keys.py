"""/keys as its callers use it: who sees and revokes which keys, that a revoked key is refused at once, and that
neither the key nor its hash ever leaves the store."""

from __future__ import annotations

from sqlalchemy import select
from webforms import csrf_token, sign_in

from verrijk.store.tables import ApiKey, AuditEntry

PROBLEM = "application/problem+json"


def _keys(client, headers) -> dict[str, dict]:
    r = client.get("/keys", headers=headers)
    assert r.status_code == 200, r.text
    return {k["user"]: k for k in r.json()}


def test_admin_sees_every_key_of_the_organisation_and_no_secret(client, session, org, other_org):
    listed = _keys(client, org.headers("admin"))
    assert set(listed) == {f"museum-a-{role}" for role in ("admin", "cataloger", "volunteer", "client")}
    cataloger = listed["museum-a-cataloger"]
    assert set(cataloger) == {"id", "prefix", "name", "role", "user", "created_at", "last_used_at", "revoked_at"}
    assert cataloger["role"] == "cataloger" and cataloger["revoked_at"] is None
    assert org.keys["cataloger"].startswith(cataloger["prefix"]) and len(cataloger["prefix"]) < 16
    text = client.get("/keys", headers=org.headers("admin")).text
    hashes = session.scalars(select(ApiKey.key_hash)).all()
    assert not any(raw in text for raw in org.keys.values()) and not any(h in text for h in hashes)
    assert listed["museum-a-admin"]["last_used_at"] is not None  # it was just used to list


def test_others_see_only_their_own_keys(client, org):
    for role in ("cataloger", "volunteer", "client"):
        assert list(_keys(client, org.headers(role))) == [f"museum-a-{role}"]


def test_revoked_key_gets_401_on_its_next_use(client, session, org):
    own = _keys(client, org.headers("cataloger"))["museum-a-cataloger"]
    r = client.delete(f"/keys/{own['id']}", headers=org.headers("cataloger"))
    assert r.status_code == 204 and r.content == b""
    refused = client.get("/records", headers=org.headers("cataloger"))
    assert refused.status_code == 401 and "unknown or revoked" in refused.json()["detail"]
    assert _keys(client, org.headers("admin"))["museum-a-cataloger"]["revoked_at"] is not None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "api_key.revoke")).one()
    assert entry.target_id == str(own["id"]) and entry.organisation_id == org.id
    assert entry.user_id == session.get(ApiKey, own["id"]).user_id  # the cataloger revoked it


def test_admin_revokes_any_key_of_the_organisation_once(client, session, org):
    volunteer = _keys(client, org.headers("admin"))["museum-a-volunteer"]
    assert client.delete(f"/keys/{volunteer['id']}", headers=org.headers("admin")).status_code == 204
    assert client.get("/tasks/next", headers=org.headers("volunteer")).status_code == 401
    assert client.delete(f"/keys/{volunteer['id']}", headers=org.headers("admin")).status_code == 204
    revokes = session.scalars(select(AuditEntry).where(AuditEntry.action == "api_key.revoke")).all()
    assert len(revokes) == 1  # revoking a revoked key changes nothing


def test_non_admin_cannot_revoke_someone_elses_key(client, org):
    admin = _keys(client, org.headers("admin"))["museum-a-admin"]
    r = client.delete(f"/keys/{admin['id']}", headers=org.headers("cataloger"))
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert f"API key {admin['id']} does not exist" in r.json()["detail"]
    assert client.get("/keys", headers=org.headers("admin")).status_code == 200


def test_another_organisations_key_is_not_found(client, org, other_org):
    theirs = _keys(client, other_org.headers("admin"))["archive-b-admin"]
    assert client.delete(f"/keys/{theirs['id']}", headers=org.headers("admin")).status_code == 404
    assert client.get("/keys", headers=other_org.headers("admin")).status_code == 200
    assert "archive-b" not in client.get("/keys", headers=org.headers("admin")).text
    assert client.delete("/keys/999999", headers=org.headers("admin")).status_code == 404


def test_web_session_signed_in_with_a_revoked_key_ends(client, org):
    signed_in = sign_in(client, api_key=org.keys["client"])
    assert signed_in.status_code == 303
    own = client.get("/keys").json()
    assert [k["user"] for k in own] == ["museum-a-client"]
    token = {"X-CSRF-Token": csrf_token(client, "/")}
    assert client.delete(f"/keys/{own[0]['id']}", headers=token).status_code == 204
    assert client.get("/keys").status_code == 401

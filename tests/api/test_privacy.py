"""Personal data (GDPR): a person's data exported (GET /me/data, verrijk users export) and erased (DELETE
/users/{id}, verrijk users erase) without losing their work; audit retention (verrijk audit prune); living people
kept out of automatic acceptance and publication until a person reviewed them. docs/privacy.md points here."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import Org
from seeding import people_at_work
from sqlalchemy import func, select

from verrijk.domain import SuggestionStatus
from verrijk.enrich.text.linking.loaders import load_table
from verrijk.ingest.service import ingest
from verrijk.review.decisions import decide
from verrijk.store.accounts import create_api_key, organisation_by_slug, set_password
from verrijk.store.repo import RecordFilter, Repo, Scope, replace_entries
from verrijk.store.tables import (
    ApiKey,
    AuditEntry,
    Decision,
    Job,
    Lease,
    Membership,
    Record,
    StreamMember,
    Suggestion,
    User,
    Vote,
    utcnow,
)


def user_id(session, name: str) -> int:
    return session.scalar(select(User.id).where(User.username == name))


def test_a_person_exports_their_own_data(client, session, org, other_org, cli):
    people_at_work(client, session, org)
    set_password(session, "museum-a-volunteer", "a long enough password")
    session.commit()
    mine = client.get("/me/data", headers=org.headers())
    assert mine.status_code == 200
    data = mine.json()
    assert data["user"]["username"] == "museum-a-cataloger" and data["user"]["has_password"] is False
    assert [m["role"] for m in data["memberships"]] == ["cataloger"]
    assert [m["organisation"] for m in data["memberships"]] == ["museum-a"]
    assert [k["prefix"] for k in data["api_keys"]] == [org.keys["cataloger"][:10]]
    assert [d["reason"] for d in data["decisions"]] == ["Marie Jansen says: wrong place"]
    assert data["leases"] and data["votes"] == []
    assert any(a["action"] == "suggestion.rejected" for a in data["audit_log"])
    assert "key_hash" not in mine.text and "password_hash" not in mine.text
    assert org.keys["cataloger"] not in mine.text
    volunteer = client.get("/me/data", headers=org.headers("volunteer")).json()
    assert [v["verdict"] for v in volunteer["votes"]] == ["accept"] and len(volunteer["leases"]) == 2
    assert volunteer["decisions"] == [] and volunteer["user"]["has_password"] is True
    assert "scrypt$" not in json.dumps(volunteer)
    # the operator's export is the same document
    exported = cli("users", "export", "museum-a-volunteer")
    assert exported.exit_code == 0 and json.loads(exported.output) == volunteer
    assert cli("users", "export", "nobody").exit_code == 2


def test_erasure_anonymises_decisions_and_votes_without_losing_them(client, session, org, other_org):
    people_at_work(client, session, org)
    cataloger, volunteer = user_id(session, "museum-a-cataloger"), user_id(session, "museum-a-volunteer")
    job = Repo(session, Scope(org.id, cataloger, "cataloger")).create_job("enrich")
    session.commit()
    record_id = session.scalar(select(Record.id).limit(1))
    riet = {"record_id": record_id, "label": "riet"}
    tag = client.post("/tasks/missing", json=riet, headers=org.headers("volunteer"))
    decisions = session.scalar(select(func.count()).select_from(Decision))
    votes = session.scalar(select(func.count()).select_from(Vote))
    decided = session.scalar(select(Decision.suggestion_id).where(Decision.user_id == cataloger))
    annotation = client.get(f"/annotations/{decided}", headers=org.headers("admin")).json()
    assert annotation["creator"] == {"id": f"http://testserver/users/{cataloger}", "type": "Person"}  # never a name
    assert client.delete(f"/users/{cataloger}", headers=other_org.headers("admin")).status_code == 404
    assert client.delete(f"/users/{cataloger}", headers=org.headers("cataloger")).status_code == 403

    erased = client.delete(f"/users/{cataloger}", headers=org.headers("admin"))
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["user_deleted"] is True and body["organisations"] == ["museum-a"]
    assert body["pseudonym"].startswith("erased-") and body["counts"]["decisions"] == 1
    session.expire_all()
    assert session.get(User, cataloger) is None
    tombstone = session.scalar(select(User).where(User.username == body["pseudonym"]))
    assert tombstone.password_hash is None and tombstone.display_name == ""
    assert session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == tombstone.id)) == 0
    assert session.get(Job, job.id).created_by == tombstone.id
    assert session.scalar(select(func.count()).select_from(Decision)) == decisions
    theirs = list(session.scalars(select(Decision).where(Decision.user_id == tombstone.id)))
    assert len(theirs) == 1 and theirs[0].reason == "" and theirs[0].action == "rejected"
    snapshot = session.scalar(
        select(StreamMember.snapshot).where(StreamMember.suggestion_id == theirs[0].suggestion_id)
    )
    assert snapshot["decided_by"] == tombstone.id and snapshot["reason"] == ""
    annotation = client.get(f"/annotations/{decided}", headers=org.headers("admin")).json()
    assert annotation["creator"]["id"] == f"http://testserver/users/{tombstone.id}"  # a pseudonym linking to nobody
    assert "Marie Jansen" not in json.dumps([a.detail for a in session.scalars(select(AuditEntry))])
    for table, column in ((Membership, Membership.user_id), (ApiKey, ApiKey.user_id), (Lease, Lease.holder_id)):
        assert session.scalar(select(func.count()).select_from(table).where(column == cataloger)) == 0
    assert client.get("/me/data", headers=org.headers()).status_code == 401  # their key went with them

    erased = client.delete(f"/users/{volunteer}", headers=org.headers("admin"))
    assert erased.status_code == 200
    session.expire_all()
    volunteers_tombstone = session.scalar(select(User.id).where(User.username == erased.json()["pseudonym"]))
    assert session.get(Suggestion, tag.json()["id"]).created_by == volunteers_tombstone
    assert session.scalar(select(func.count()).select_from(Vote)) == votes
    assert session.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == volunteer)) == 0
    admin = user_id(session, "museum-a-admin")
    refused = client.delete(f"/users/{admin}", headers=org.headers("admin"))
    assert refused.status_code == 409
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.user_id == admin).order_by(AuditEntry.id.desc()))


def test_erasure_in_one_organisation_keeps_the_others(client, session, org, other_org, cli):
    people_at_work(client, session, org)
    both = user_id(session, "museum-a-cataloger")
    raw, _ = create_api_key(session, organisation_by_slug(session, other_org.slug), "cataloger", "museum-a-cataloger")
    session.commit()
    people_at_work(client, session, Org(other_org.id, other_org.slug, {**other_org.keys, "cataloger": raw}))
    assert client.get("/me/data", headers={"X-API-Key": raw}).json()["memberships"] == [
        {"organisation_id": org.id, "role": "cataloger", "organisation": "museum-a"},
        {"organisation_id": other_org.id, "role": "cataloger", "organisation": "archive-b"},
    ]
    done = client.delete(f"/users/{both}", headers=org.headers("admin")).json()
    assert done["user_deleted"] is False and done["organisations"] == ["museum-a"]
    session.expire_all()
    assert session.get(User, both) is not None
    assert client.get("/me/data", headers=org.headers()).status_code == 401
    still = client.get("/me/data", headers={"X-API-Key": raw}).json()
    assert [m["organisation"] for m in still["memberships"]] == ["archive-b"]
    assert [d["organisation"] for d in still["decisions"]] == ["archive-b"]
    assert still["decisions"][0]["reason"] == "Marie Jansen says: wrong place"
    # the operator erases the rest: the account goes
    assert cli("users", "erase", "museum-a-cataloger", "--org", other_org.slug, "--yes").exit_code == 0
    session.expire_all()
    assert session.get(User, both) is None
    assert cli("users", "erase", "museum-a-cataloger", "--yes").exit_code == 2


PERSON_FIELDS = {"created_by", "user_id", "holder_id", "holder", "user", "username", "voter", "voters"}


def _fields(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {f for v in value.values() for f in _fields(v)}
    return {f for v in value for f in _fields(v)} if isinstance(value, list) else set()


def test_no_answer_says_who_voted_added_a_tag_started_a_job_or_holds_a_lease(client, session, org):
    people_at_work(client, session, org)  # a cataloger's decision and lease, a volunteer's vote and leases
    record_id = session.scalar(select(Record.id).limit(1))
    riet = {"record_id": record_id, "label": "riet"}
    assert client.post("/tasks/missing", json=riet, headers=org.headers("volunteer")).status_code == 201
    cataloger = Scope(org.id, user_id(session, "museum-a-cataloger"), "cataloger")
    job = Repo(session, cataloger).create_job("enrich")
    session.commit()
    answers = {
        path: client.get(path, headers=org.headers("admin"))
        for path in ("/suggestions?limit=100", "/review/next?size=100", "/review/stats", "/jobs", f"/jobs/{job.id}")
    }
    answers["/tasks/next"] = client.get("/tasks/next", headers=org.headers("volunteer"))
    for path, r in answers.items():
        assert r.status_code == 200, (path, r.text)
        assert not _fields(r.json()) & PERSON_FIELDS, path
        assert "museum-a-volunteer" not in r.text and "museum-a-cataloger" not in r.text, path
    voted = [i for i in answers["/review/next?size=100"].json()["items"] if i["volunteer_votes"]]
    assert [i["volunteer_votes"] for i in voted] == [{"accept": 1}]  # counts per verdict: never who


def test_audit_prune_keeps_the_retention_period(session, org, cli, monkeypatch):
    now = utcnow()
    for days in (400, 100, 1):
        session.add(AuditEntry(organisation_id=org.id, action="old.thing", created_at=now - timedelta(days=days)))
    session.commit()
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    done = cli("audit", "prune")  # VERRIJK_AUDIT_RETENTION_DAYS defaults to 365
    assert done.exit_code == 0 and "deleted 1 audit entries older than 365 days" in done.output
    monkeypatch.setenv("VERRIJK_AUDIT_RETENTION_DAYS", "30")
    assert "deleted 1 audit" in cli("audit", "prune").output
    assert "deleted 0 audit" in cli("audit", "prune", "--days", "30").output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before - 2


PEOPLE = """uri,label,type,born,died
https://example.org/p/dead,Gerard Valck,PER,1652,1726
https://example.org/p/old,Jan Oud,PER,1850,
https://example.org/p/young,Anna Jong,PER,1980,
https://example.org/p/undated,Piet Zonder,PER,,
"""


@pytest.fixture
def people(session, org, tmp_path):
    """A public collection whose four records each name one person of a small authority with and without dates."""
    repo = Repo(session, Scope(org.id))
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    replace_entries(session, repo.add_authority("mensen", "Mensen", str(path)), load_table(path), "v1", "csv")
    names = [line.split(",")[1] for line in PEOPLE.splitlines()[1:]]
    lines = "\n".join(json.dumps({"source_id": f"p{i}", "title": n}) for i, n in enumerate(names))
    ingest(session, repo, "mensen", "p.jsonl", data=lines.encode(), collection_attrs={"public": True})
    records = repo.records(RecordFilter(), limit=10).items
    for record, line in zip(records, PEOPLE.splitlines()[1:], strict=True):
        uri, label = line.split(",")[:2]
        session.add(
            Suggestion(
                organisation_id=org.id,
                record_id=record.id,
                key=f"person-{record.id}",
                field="title",
                span_start=0,
                span_end=len(label),
                kind="link",
                entity_type="PER",
                label=label,
                authority_uri=uri,
                score=0.95,
                enricher="link.people",
                enricher_version="1",
            )
        )
    session.commit()
    return {s.authority_uri.rsplit("/", 1)[1]: s for s in session.scalars(select(Suggestion))}


def published_uris(client, session, org, people) -> set[str]:
    """The person URIs any public channel shows: record pages (JSON and OSLO JSON-LD), OAI-PMH, the event stream,
    annotations."""
    seen = set()
    oai = client.get("/oai/museum-a?verb=ListRecords&metadataPrefix=edm").text
    ldes = client.get("/ldes/museum-a/pages/0").text
    for name, s in people.items():
        record = client.get(f"/records/{s.record_id}").json()
        annotation = client.get(f"/annotations/{s.id}")
        oslo = client.get(f"/records/{s.record_id}?format=jsonld").text
        if any(x["authority_uri"] == s.authority_uri for x in record["suggestions"]):
            seen.add(name)
        if any(s.authority_uri in text for text in (oai, ldes, oslo)) or annotation.status_code == 200:
            seen.add(name)
    return seen


def test_living_people_wait_for_a_person(client, session, org, people):
    r = client.put("/review/thresholds", json={"enricher": "link.people", "threshold": 0.9}, headers=org.headers())
    assert r.status_code == 200
    session.expire_all()
    status = {name: session.get(Suggestion, s.id).status for name, s in people.items()}
    assert status == {"dead": "auto", "old": "auto", "young": "suggested", "undated": "suggested"}
    assert published_uris(client, session, org, people) == {"dead", "old"}

    # an `auto` status on a living person (made before this rule, or by hand) publishes nothing ...
    repo = Repo(session, Scope(org.id))
    decide(repo, session.get(Suggestion, people["young"].id), SuggestionStatus.auto, by_person=False)
    session.commit()
    assert published_uris(client, session, org, people) == {"dead", "old"}
    # ... and applying the threshold again returns it to the queue
    client.put("/review/thresholds", json={"enricher": "link.people", "threshold": 0.9}, headers=org.headers())
    session.expire_all()
    assert session.get(Suggestion, people["young"].id).status == "suggested"

    # a person's acceptance publishes it
    accept = {"decisions": [{"id": people["young"].id, "status": "accepted"}]}
    assert client.post("/review/decisions", json=accept, headers=org.headers()).status_code == 200
    assert published_uris(client, session, org, people) == {"dead", "old", "young"}


@pytest.mark.parametrize("dated, old", [((1840, 1850), True), ((1850, None), True), ((1850, 2000), False)])
def test_a_person_named_on_a_record_dated_over_110_years_ago_is_not_presumed_living(
    client, session, org, people, dated, old
):
    """The authority gives the undated person no dates, but a print naming them made by 1850 (its `date_to`, else
    its `date_from`) shows they were born before it, so the threshold may accept the link and it is published; a
    record made as late as 2000 shows nothing."""
    record = session.get(Record, people["undated"].record_id)
    record.date_from, record.date_to = dated
    session.commit()
    r = client.put("/review/thresholds", json={"enricher": "link.people", "threshold": 0.9}, headers=org.headers())
    assert r.status_code == 200
    session.expire_all()
    status = {name: session.get(Suggestion, s.id).status for name, s in people.items()}
    assert status == {"dead": "auto", "old": "auto", "young": "suggested", "undated": "auto" if old else "suggested"}
    assert published_uris(client, session, org, people) == {"dead", "old"} | ({"undated"} if old else set())

"""The review queue and volunteer tasks over the API: leases, decisions, thresholds, consensus, stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import make_org
from seeding import seed
from sqlalchemy import func, select, update

from verrijk.store.accounts import create_api_key, organisation_by_slug
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Decision, Lease, Suggestion, Vote, utcnow


@pytest.fixture
def items(session, org):
    return seed(session, org)


def test_two_reviewers_never_get_the_same_item(client, org, items):
    second = create_api_key_for(client, org, "cataloger", "tweede")
    a = client.get("/review/next?size=5", headers=org.headers()).json()
    b = client.get("/review/next?size=5", headers=second).json()
    ids_a, ids_b = {i["id"] for i in a["items"]}, {i["id"] for i in b["items"]}
    assert len(ids_a) == len(ids_b) == 5 and not ids_a & ids_b
    assert a["lease_minutes"] == 15
    first = a["items"][0]
    assert abs(first["score"] - 0.5) <= min(abs(i["score"] - 0.5) for i in a["items"])  # least confident first
    assert first["text"].startswith("Gezicht op Paramaribo") and first["enricher"] == "link.places"
    again = client.get("/review/next?size=5", headers=org.headers()).json()
    assert {i["id"] for i in again["items"]} == ids_a  # asking again returns one's own leases


def create_api_key_for(client, org, role, user):
    session = client.app.state.sessions()
    raw, _ = create_api_key(session, organisation_by_slug(session, org.slug), role, user)
    session.commit()
    session.close()
    return {"X-API-Key": raw}


def test_expired_leases_return_to_the_queue(client, session, org, items):
    held = {i["id"] for i in client.get("/review/next?size=12", headers=org.headers()).json()["items"]}
    other = create_api_key_for(client, org, "cataloger", "ander")
    assert client.get("/review/next", headers=other).json()["items"] == []
    session.execute(update(Lease).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert {i["id"] for i in client.get("/review/next?size=12", headers=other).json()["items"]} == held


def test_decisions_single_bulk_conflict_and_undo(client, org, items):
    batch = client.get("/review/next?size=6&order=record", headers=org.headers()).json()["items"]
    one = client.post(
        "/review/decisions",
        json={"decisions": [{"id": batch[0]["id"], "status": "rejected", "reason": "wrong place"}]},
        headers=org.headers(),
    )
    assert one.status_code == 200 and one.json()["decided"] == [batch[0]["id"]]
    ids = [i["id"] for i in batch[1:]]
    bulk = client.post(
        "/review/decisions", json={"bulk": {"ids": ids, "status": "accepted", "min_score": 0.25}}, headers=org.headers()
    ).json()
    assert set(bulk["decided"]) == {i["id"] for i in batch[1:] if i["score"] >= 0.25}
    other = create_api_key_for(client, org, "cataloger", "ander")
    theirs = client.get("/review/next?size=1", headers=other).json()["items"][0]["id"]
    conflict = client.post(
        "/review/decisions", json={"decisions": [{"id": theirs, "status": "accepted"}]}, headers=org.headers()
    )
    assert conflict.status_code == 409 and "leased to another reviewer" in conflict.json()["detail"]
    undo = client.post(
        "/review/decisions", json={"decisions": [{"id": batch[0]["id"], "status": "suggested"}]}, headers=org.headers()
    )
    assert undo.status_code == 200
    history = client.get(f"/suggestions/{batch[0]['id']}/decisions", headers=org.headers()).json()
    assert [h["action"] for h in history] == ["rejected", "suggested"] and history[0]["reason"] == "wrong place"
    bad = client.post(
        "/review/decisions", json={"decisions": [{"id": ids[0], "status": "edited"}]}, headers=org.headers()
    )
    assert bad.status_code == 422 and "corrected label" in bad.json()["detail"]
    neither = client.post("/review/decisions", json={}, headers=org.headers())
    assert neither.status_code == 422 and "either 'decisions'" in neither.json()["detail"]


def test_thresholds_accept_and_undo(client, session, org, items):
    r = client.put("/review/thresholds", json={"enricher": "link.places", "threshold": 0.75}, headers=org.headers())
    assert r.json()["auto_accepted"] == 3
    r = client.put("/review/thresholds", json={"enricher": "link.places", "threshold": 0.9}, headers=org.headers())
    assert (r.json()["auto_accepted"], r.json()["returned_to_queue"]) == (0, 2)
    stats = client.get("/review/stats", headers=org.headers()).json()
    assert stats["thresholds"] == {"link.places": 0.9}
    assert stats["enrichers"]["link.places"]["counts"] == {"suggested": 11, "auto": 1}
    r = client.put("/review/thresholds", json={"enricher": "link.places", "threshold": None}, headers=org.headers())
    assert r.json()["returned_to_queue"] == 1
    assert session.scalar(select(func.count(Suggestion.id)).where(Suggestion.status == "auto")) == 0


def test_stats_buckets(client, org, items):
    batch = client.get("/review/next?size=12&order=record", headers=org.headers()).json()["items"]
    decisions = [{"id": i["id"], "status": "accepted" if i["score"] > 0.5 else "rejected"} for i in batch]
    client.post("/review/decisions", json={"decisions": decisions}, headers=org.headers())
    stats = client.get("/review/stats", headers=org.headers()).json()
    e = stats["enrichers"]["link.places"]
    assert e["acceptance_rate"] == 0.5 and stats["waiting"] == 0
    assert e["buckets"]["0.0"]["acceptance_rate"] == 0.0 and e["buckets"]["0.9"]["acceptance_rate"] == 1.0
    assert sum(stats["decisions_per_day"].values()) == 12


def volunteers(client, org, n):
    return [create_api_key_for(client, org, "volunteer", f"vrijwilliger-{i}") for i in range(n)]


def answer(client, headers, verdict="accept", **extra):
    task = client.get("/tasks/next", headers=headers).json()
    r = client.post(f"/tasks/{task['id']}/vote", json={"verdict": verdict, **extra}, headers=headers)
    return task, r


def test_agreeing_volunteers_retire_an_item_once(client, session, org, items):
    v = volunteers(client, org, 3)
    tasks = [answer(client, h) for h in v]
    assert len({t["id"] for t, _ in tasks}) == 1  # one item goes to three volunteers
    assert [r.json()["consensus"] for _, r in tasks] == [None, None, "accepted"]
    sid = tasks[0][0]["id"]
    decisions = list(session.scalars(select(Decision).where(Decision.suggestion_id == sid)))
    assert len(decisions) == 1 and decisions[0].reason.startswith("volunteer consensus: 3 answers")
    assert decisions[0].user_id is None
    fourth = create_api_key_for(client, org, "volunteer", "vierde")
    assert client.get("/tasks/next", headers=fourth).json()["id"] != sid


def test_disagreement_goes_to_a_cataloger_with_the_votes(client, session, org, items):
    v = volunteers(client, org, 3)
    results = [answer(client, h, verdict) for h, verdict in zip(v, ["accept", "reject", "accept"], strict=True)]
    assert results[-1][1].json()["consensus"] == "disputed"
    sid = results[0][0]["id"]
    first = client.get("/review/next?size=1", headers=org.headers()).json()["items"][0]
    assert first["id"] == sid and first["consensus"] == "disputed"
    assert first["volunteer_votes"] == {"accept": 2, "reject": 1}


def test_volunteer_rules(client, session, org, items, app):
    v = volunteers(client, org, 2)
    record_id = session.scalar(select(Suggestion.record_id).limit(1))
    added = client.post("/tasks/missing", json={"record_id": record_id, "label": "suikerriet"}, headers=v[0])
    assert added.status_code == 201 and added.json()["enricher"] == "human.volunteer"
    mine = added.json()["id"]
    seen = set()
    for _ in range(len(items)):
        task, r = answer(client, v[0])
        seen.add(task["id"])
        assert r.status_code == 200
    assert mine not in seen  # never their own contribution
    assert client.get("/tasks/next", headers=v[0]).json() is None  # answered everything else
    no_lease = client.post(f"/tasks/{mine}/vote", json={"verdict": "accept"}, headers=v[1])
    assert no_lease.status_code == 409 and "hold no task" in no_lease.json()["detail"]
    task, first = answer(client, v[1])
    again = client.post(f"/tasks/{task['id']}/vote", json={"verdict": "reject"}, headers=v[1])
    assert first.status_code == 200 and again.status_code == 409
    app.state.settings.volunteer_votes_per_minute = 2
    _, third = answer(client, v[1])
    assert third.status_code == 200
    _, limited = answer(client, v[1])
    assert limited.status_code == 429 and "a minute" in limited.json()["detail"]


def test_reputation_weights_votes(client, session, org, items):
    from verrijk.review.tasks import reputation

    v = volunteers(client, org, 3)
    task, _ = answer(client, v[0], "reject")
    for h in v[1:]:
        client.get("/tasks/next", headers=h)
    client.post(
        "/review/decisions", json={"decisions": [{"id": task["id"], "status": "accepted"}]}, headers=org.headers()
    )
    users = [u for (u,) in session.execute(select(Vote.user_id))]
    assert reputation(Repo(session, Scope(org.id)), users)[users[0]] == pytest.approx(1 / 3)


def test_volunteers_of_another_organisation_see_nothing(client, session, org, items):
    other = make_org(session, "elders")
    assert client.get("/tasks/next", headers=other.headers("volunteer")).json() is None
    assert client.get("/review/next", headers=other.headers()).json()["items"] == []


def test_a_status_no_decision_has_names_the_allowed_ones_as_they_are_written(client, org, items):
    r = client.post(
        "/review/decisions", json={"decisions": [{"id": items[0], "status": "maybe"}]}, headers=org.headers()
    )
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "body field 'decisions.0.status': Input should be 'accepted', 'rejected', 'edited' or 'suggested'"
    )

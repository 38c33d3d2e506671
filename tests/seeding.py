"""Test data shared by API and browser tests: records with machine suggestions to review."""

from __future__ import annotations

from sqlalchemy import select

from verrijk.ingest.service import ingest
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Suggestion


def seed(session, org, n: int = 12) -> list[int]:
    """n records with one machine suggestion each, scores spread over 0..1."""
    repo = Repo(session, Scope(org.id))
    lines = "\n".join(
        f'{{"source_id": "r{i}", "title": "Gezicht op Paramaribo {i}", "language": "nl"}}' for i in range(n)
    )
    ingest(session, repo, "c", "c.jsonl", data=lines.encode())
    records = repo.records(RecordFilter(), limit=n).items
    for i, record in enumerate(records):
        session.add(
            Suggestion(
                organisation_id=org.id,
                record_id=record.id,
                key=f"{org.slug}-{i}",
                field="title",
                span_start=11,
                span_end=21,
                kind="link",
                entity_type="LOC",
                label="Paramaribo",
                authority_uri="https://sws.geonames.org/3383330/",
                score=round((i + 0.5) / n, 3),
                enricher="link.places",
                enricher_version="1",
            )
        )
    session.commit()
    return [
        s.id
        for s in session.scalars(select(Suggestion).where(Suggestion.organisation_id == org.id).order_by(Suggestion.id))
    ]


def people_at_work(client, session, org) -> list[int]:
    """seed()'s records and suggestions, plus what people leave behind: a cataloger's decisions with a reason and
    review lease, a volunteer's vote and task lease, and the shipped creators authority; returns seed()'s ids."""
    from verrijk.enrich.text.linking.shipped import register_shared

    ids = seed(session, org)
    register_shared(session, geonames=False)
    session.commit()
    batch = client.get("/review/next?size=2", headers=org.headers()).json()["items"]
    decided = client.post(
        "/review/decisions",
        json={"decisions": [{"id": batch[0]["id"], "status": "rejected", "reason": "Marie Jansen says: wrong place"}]},
        headers=org.headers(),
    )
    assert decided.status_code == 200, decided.text
    task = client.get("/tasks/next", headers=org.headers("volunteer")).json()
    vote = client.post(f"/tasks/{task['id']}/vote", json={"verdict": "accept"}, headers=org.headers("volunteer"))
    assert vote.status_code == 200, vote.text
    client.get("/tasks/next", headers=org.headers("volunteer"))  # holds a second task's lease
    return ids

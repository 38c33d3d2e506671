"""Test data shared by API and browser tests: records with machine suggestions to review, and reviewed
suggestions whose acceptance follows a known curve (for calibration)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from verrijk.ingest.service import ingest
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Decision, Record, Suggestion


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


Curve = Callable[[float], float]  # score -> probability a person accepts


def seed_decisions(session, org, enrichers: dict[str, Curve], n: int = 600, waiting: int = 0) -> None:
    """Per enricher, n judged suggestions with scores spread evenly over 0..1, accepted with the probability the
    function gives for the score (a seeded draw, so every run is the same) and decided over the last 10 days; and
    `waiting` suggestions still to review, scores spread evenly too."""
    draw = random.Random(14)
    record = session.scalar(select(Record).where(Record.organisation_id == org.id).limit(1))
    now = datetime.now(UTC)
    for name, accept in enrichers.items():
        rows = []
        for i in range(n + waiting):
            judged = i < n
            score = round((i + 0.5) / n if judged else (i - n + 0.5) / waiting, 4)
            status = "suggested"
            if judged:
                status = "accepted" if draw.random() < accept(score) else "rejected"
            rows.append(
                Suggestion(
                    organisation_id=org.id, record_id=record.id, key=f"{org.slug}-{name}-{i}", field="title",
                    kind="link", label=f"{name} {i}", score=score, enricher=name, enricher_version="1", status=status,
                )
            )  # fmt: skip
        session.add_all(rows)
        session.flush()
        session.add_all(
            Decision(
                organisation_id=org.id, suggestion_id=s.id, action=s.status, after={"status": s.status},
                created_at=now - timedelta(days=i % 10),
            )
            for i, s in enumerate(rows[:n])
        )  # fmt: skip
    session.commit()

"""50 volunteers × 20 actions at once against a real server: no item held twice, no answer lost or doubled,
consensus reached exactly once per item; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from serving import serving
from sqlalchemy import func, select

from verrijk.ingest.service import ingest
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Decision, Lease, Suggestion, Vote

VOLUNTEERS, ACTIONS, ITEMS = 50, 20, 400


def seed(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = ensure_organisation(session, "crowd", "Crowd")
        repo = Repo(session, Scope(org.id))
        data = "\n".join(f'{{"source_id": "r{i}", "title": "Brief {i} uit Paramaribo"}}' for i in range(ITEMS))
        ingest(session, repo, "brieven", "b.jsonl", data=data.encode())
        for i, record in enumerate(repo.records(RecordFilter(), limit=ITEMS).items):
            session.add(
                Suggestion(
                    organisation_id=org.id,
                    record_id=record.id,
                    key=f"k{i}",
                    field="title",
                    kind="link",
                    label="Paramaribo",
                    authority_uri="https://sws.geonames.org/3383330/",
                    score=0.5,
                    enricher="link.places",
                    enricher_version="1",
                )
            )
        keys = [create_api_key(session, org, "volunteer", f"v{i}")[0] for i in range(VOLUNTEERS)]
        session.commit()
    engine.dispose()
    return keys


def volunteer(base: str, key: str, index: int) -> list[tuple[int, int]]:
    """Take a task and answer it, ACTIONS times; returns (suggestion id, status code) of each answer."""
    answers = []
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
        for n in range(ACTIONS):
            task = client.get("/tasks/next")
            assert task.status_code == 200, task.text
            if task.json() is None:
                break
            verdict = "accept" if (index + n) % 5 else "reject"
            r = client.post(f"/tasks/{task.json()['id']}/vote", json={"verdict": verdict})
            answers.append((task.json()["id"], r.status_code))
    return answers


def test_fifty_volunteers_at_once(db_url, tmp_path):
    keys = seed(db_url)
    with serving(db_url, tmp_path / "srv") as base:
        with ThreadPoolExecutor(max_workers=VOLUNTEERS) as pool:
            results = list(pool.map(volunteer, [base] * VOLUNTEERS, keys, range(VOLUNTEERS)))
    answers = [a for r in results for a in r]
    assert all(code == 200 for _, code in answers), Counter(code for _, code in answers)
    assert len(answers) == VOLUNTEERS * ACTIONS
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        votes = session.execute(select(Vote.suggestion_id, Vote.user_id)).all()
        assert len(votes) == len(answers)  # no answer lost, none doubled
        assert Counter(s for s, _ in votes) == Counter(s for s, _ in answers)
        per_item = Counter(s for s, _ in votes)
        assert max(per_item.values()) <= 3  # never handed out beyond its three slots
        assert len(set(votes)) == len(votes)  # no volunteer answered an item twice
        slots = session.execute(select(Lease.suggestion_id, Lease.slot)).all()
        assert len(slots) == len(set(slots))
        settled = dict(
            session.execute(select(Suggestion.id, Suggestion.consensus).where(Suggestion.consensus.is_not(None))).all()
        )
        assert set(settled) == {s for s, n in per_item.items() if n == 3}
        consensus_decisions = Counter(
            session.scalars(select(Decision.suggestion_id).where(Decision.reason.like("volunteer consensus%")))
        )
        assert all(n == 1 for n in consensus_decisions.values())
        assert set(consensus_decisions) == {s for s, c in settled.items() if c != "disputed"}
        assert session.scalar(select(func.count(Suggestion.id)).where(Suggestion.status == "accepted")) == sum(
            1 for c in settled.values() if c == "accepted"
        )
    engine.dispose()

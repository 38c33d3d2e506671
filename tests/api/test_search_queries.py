"""The database work behind search and record reads: facets counted by the database equal counting every hit by
hand, `/records?q=` scans the texts once, `/records/{id}` asks nothing about collections it does not need."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event
from test_search import add_records, search_app  # noqa: F401 (the fixture, used by name below)

from verrijk.search.query import FACETS

ROWS = [
    {"source_id": "a", "title": "plantage Rust", "type": ["foto", "foto"], "creator": ["Anna"], "date_from": 1905},
    {"source_id": "b", "title": "plantage Accaribo", "type": ["kaart"], "creator": ["Anna", "Bob"], "date_from": -120},
    {"source_id": "c", "title": "plantage Alliance", "type": [], "place": ["Suriname"], "language": "nl"},
    {"source_id": "d", "title": "plantage Frederiksgift", "rights": "CC0", "language": "", "date_from": 1999},
    {"source_id": "e", "title": "kerk in Paramaribo", "type": ["foto"], "creator": ["Anna"], "date_from": 1905},
]


@pytest.fixture
def statements(app):
    """The SQL the app's engine runs, one string per statement."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine, "before_cursor_execute", record)


@pytest.mark.usefixtures("search_app")
def test_facets_counted_by_the_database_equal_counting_every_hit(client, session, org):
    add_records(session, org.id, "objects", ROWS[:3])
    add_records(session, org.id, "archief", ROWS[3:])
    body = client.get(
        "/search", params={"query": "plantage", "mode": "lexical", "facet": list(FACETS)}, headers=org.headers()
    ).json()
    hits = [r for r in ROWS if "plantage" in r["title"]]
    assert body["total"] == len(hits)

    def counted(values) -> dict[str, int]:
        return dict(Counter(v for vs in values for v in dict.fromkeys(vs or [])))

    want = {
        "type": counted(r.get("type") for r in hits),
        "creator": counted(r.get("creator") for r in hits),
        "place": counted(r.get("place") for r in hits),
        "subject": {},
        "language": {"nl": 1},
        "rights": {"CC0": 1},
        "collection": {"objects": 3, "archief": 1},
        "century": {"1900-1999": 2, "-200--101": 1},
    }
    assert {f["name"]: {v["label"]: v["count"] for v in f["fields"]} for f in body["facets"]} == want


def test_records_q_scans_once_and_a_record_reads_no_collection_counts(client, session, org, statements):
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"plantage {i}"} for i in range(25)])
    add_records(session, org.id, "objects", [{"source_id": "x", "title": "kerk"}])
    seen, cursor = [], None
    while True:
        statements.clear()
        body = client.get("/records", params={"q": "PLANTAGE", "limit": 10, "cursor": cursor}, headers=org.headers())
        body = body.json()
        assert sum(" LIKE " in s.upper() for s in statements) == 1  # the total and the page from one scan
        assert body["total"] == 25
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"plantage {i}" for i in range(25)]
    statements.clear()
    record = client.get(f"/records/{body['items'][0]['id']}", headers=org.headers()).json()
    assert record["collection"] == "objects"
    assert not [s for s in statements if "count(" in s.lower() or "group by" in s.lower()]

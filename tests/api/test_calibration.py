"""Calibrated auto-accept thresholds on reviewed suggestions whose acceptance follows a known curve: the threshold
is found within a bucket of where precision crosses the target, holds on held-out decisions, and applying it
auto-accepts exactly the waiting suggestions at or above it (API and CLI, SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from seeding import seed, seed_decisions
from sqlalchemy import select

from verrijk.review.calibration import wilson_lower
from verrijk.store.db import make_engine, session_factory
from verrijk.store.tables import Organisation, Suggestion

# acceptance probability by score: two steps (precision crosses 0.95 at 0.8 and at 0.9), a calibrated score
# (precision crosses 0.95 at 0.9, the mean of s over [0.9, 1], but smoothly: whether the held-out half agrees is
# chance), and an enricher people mostly reject (no threshold reaches 0.95)
CURVES = {
    "link.places": lambda s: 0.98 if s >= 0.8 else 0.3,
    "ner": lambda s: 0.99 if s >= 0.9 else 0.4,
    "subjects.demo": lambda s: s,
    "link.creators": lambda s: 0.2,
}
CROSSING = {"link.places": 0.8, "ner": 0.9, "subjects.demo": 0.9}
STEPS = ("link.places", "ner")


@pytest.fixture
def reviewed(session, org):
    seed(session, org, n=1)
    seed_decisions(session, org, CURVES, n=600, waiting=100)
    return org


def test_thresholds_are_found_where_precision_crosses_the_target(client, reviewed, request):
    r = client.get("/review/calibration", params={"target": 0.95}, headers=reviewed.headers("cataloger"))
    assert r.status_code == 200, r.text
    found = {c["enricher"]: c for c in r.json()["items"]}
    assert sorted(found) == sorted(CURVES)
    for name, crossing in CROSSING.items():
        c = found[name]
        print(request.node.callspec.params["db_url"], name, json.dumps({k: c[k] for k in ("threshold", "held_out")}))
        assert abs(c["threshold"] - crossing) <= 0.1, c  # within one reliability bucket
        assert c["held_out"]["support"] >= 10 and c["fit"]["support"] >= 10
        assert c["held_out"]["support"] + c["fit"]["support"] < 600 * (1 - crossing + 0.1)
        assert c["held_out"]["wilson_lower"] < c["held_out"]["precision"]
        assert c["decisions"] == 600
    for name in STEPS:  # a step is found to the grid's resolution and holds on the held-out half
        c = found[name]
        assert abs(c["threshold"] - CROSSING[name]) <= 0.02, c
        assert c["meets_target"] and c["held_out"]["precision"] >= 0.95
    rejected = found["link.creators"]
    assert rejected["threshold"] is None and not rejected["meets_target"] and rejected["held_out"]["support"] == 0

    buckets = found["subjects.demo"]["reliability"]
    assert len(buckets) == 10 and sum(b["count"] for b in buckets) == 600
    for b in buckets:  # a calibrated score: observed acceptance near the mean score in every bucket
        assert b["lower"] <= b["mean_score"] < b["upper"]
        assert abs(b["acceptance"] - b["mean_score"]) < 0.15, b
    step = found["link.places"]["reliability"]
    assert [round(b["acceptance"], 1) for b in step[8:]] == [1.0, 1.0] or min(b["acceptance"] for b in step[8:]) > 0.9

    params = {"enricher": "subjects.demo", "target": 0.8}
    one = client.get("/review/calibration", params=params, headers=reviewed.headers())
    assert [c["enricher"] for c in one.json()["items"]] == ["subjects.demo"]
    assert one.json()["items"][0]["threshold"] < found["subjects.demo"]["threshold"]  # lower target, lower threshold
    assert client.get("/review/calibration", params={"target": 1.5}, headers=reviewed.headers()).status_code == 422


def test_apply_auto_accepts_what_it_should_and_nothing_below(client, session, reviewed):
    assert client.post("/review/calibration/apply", json={}, headers=reviewed.headers("cataloger")).status_code == 403
    r = client.post("/review/calibration/apply", json={"target": 0.95}, headers=reviewed.headers("admin"))
    assert r.status_code == 200, r.text
    applied = {c["enricher"]: c for c in r.json()["items"]}
    assert {n for n, c in applied.items() if c["applied"]} == {n for n, c in applied.items() if c["meets_target"]}
    assert set(STEPS) <= {n for n, c in applied.items() if c["applied"]}
    assert not applied["link.creators"]["applied"]
    thresholds = client.get("/review/stats", headers=reviewed.headers()).json()["thresholds"]
    assert thresholds == {n: c["threshold"] for n, c in applied.items() if c["applied"]}

    session.expire_all()
    waiting = session.execute(
        select(Suggestion.enricher, Suggestion.score, Suggestion.status).where(
            Suggestion.organisation_id == reviewed.id, Suggestion.status.in_(["suggested", "auto"])
        )
    ).all()
    assert len(waiting) == 4 * 100 + 1  # and seed()'s one: judged suggestions keep the person's decision
    for enricher, score, status in waiting:
        threshold = thresholds.get(enricher)
        expected = "auto" if threshold is not None and score >= threshold else "suggested"
        assert status == expected, (enricher, score, status, threshold)
    for name, threshold in thresholds.items():
        auto = sum(1 for e, _, status in waiting if e == name and status == "auto")
        assert auto == applied[name]["auto_accepted"] == sum(1 for i in range(100) if (i + 0.5) / 100 >= threshold)


def test_cli_calibrates_and_applies(cli, db_url):
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == "museum"))
        seed(session, org, n=1)
        seed_decisions(session, org, {"link.places": CURVES["link.places"]}, n=600, waiting=100)
    result = cli("review", "calibrate", "--json")
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.output.splitlines()]
    assert row["enricher"] == "link.places" and abs(row["threshold"] - 0.8) <= 0.02 and row["meets_target"]
    table = cli("review", "calibrate")
    assert table.exit_code == 0 and "0.800 │      0.983 │ 60 │  0.911 │ yes" in table.output, table.output
    applied = cli("review", "calibrate", "--apply", "--json")
    assert json.loads(applied.output) == {**row, "applied": True, "auto_accepted": 20, "returned_to_queue": 0}
    with session_factory(engine)() as session:
        statuses = session.execute(select(Suggestion.score).where(Suggestion.status == "auto")).scalars().all()
        assert len(statuses) == 20 and min(statuses) >= row["threshold"]
    engine.dispose()


def test_wilson_lower_bound():
    assert wilson_lower(0, 0) is None
    assert round(wilson_lower(95, 100), 4) == 0.8882
    assert round(wilson_lower(10, 10), 4) == 0.7225


def test_the_queue_orders_by_calibrated_scores(client, session, org):
    """Scores under 0.5 are accepted half the time (people are unsure of them), over 0.5 almost always: the
    calibrated least-confident items are the low scores, not those nearest 0.5."""
    waiting = dict(zip(seed(session, org, n=4), (0.125, 0.375, 0.625, 0.875), strict=True))
    raw = client.get("/review/next?size=4", headers=org.headers("admin")).json()["items"]
    assert [waiting[i["id"]] for i in raw] == [0.375, 0.625, 0.125, 0.875]  # no decisions yet: nearest 0.5 first
    client.post("/review/release", json=list(waiting), headers=org.headers("admin"))
    seed_decisions(session, org, {"link.places": lambda s: 0.5 if s < 0.5 else 0.97}, n=600)
    calibrated = client.get("/review/next?size=4", headers=org.headers()).json()["items"]
    order = [waiting[i["id"]] for i in calibrated]
    assert set(order[:2]) == {0.125, 0.375} and order[2:] == [0.625, 0.875], order


def test_isotonic_steps_rise_with_score():
    from verrijk.review.calibration import isotonic

    steps = isotonic([(0.1, False), (0.2, True), (0.3, False), (0.3, False), (0.6, True), (0.9, True)])
    assert steps == [(0.1, 0.0), (0.3, 0.3333), (1.0, 1.0)]
    assert [v for _, v in steps] == sorted(v for _, v in steps)


def test_the_calibration_fit_is_kept_until_decisions_change(client, session, org):
    """The queue's isotonic fit is not refitted per request: the same fit while the decisions stay as they are, a
    new one after a decision."""
    from verrijk.review.calibration import calibrated_scores
    from verrijk.store.repo import Repo, Scope

    ids = seed(session, org, n=2)
    seed_decisions(session, org, {"link.places": CURVES["link.places"]}, n=100)
    repo = Repo(session, Scope(org.id))
    first = calibrated_scores(repo)
    assert "link.places" in first and calibrated_scores(repo) is first
    decided = client.post(
        "/review/decisions", json={"decisions": [{"id": ids[0], "status": "accepted"}]}, headers=org.headers()
    )
    assert decided.status_code == 200, decided.text
    session.expire_all()
    assert calibrated_scores(repo) is not first


def test_the_queue_says_its_order_and_what_it_was_measured_to_gain(client, session, org):
    from verrijk.config import Settings

    seed(session, org, n=2)
    batch = client.get("/review/next?size=1", headers=org.headers()).json()
    assert batch["order"] == "uncertainty"
    measured = json.loads((Settings().models_dir / "subjects" / "active-learning.json").read_text())
    most = max(measured["f1"]["uncertainty"], key=int)
    assert batch["order_measured"]["decisions"] == int(most)
    assert batch["order_measured"]["f1_uncertainty"] == measured["f1"]["uncertainty"][most]
    assert batch["order_measured"]["f1_random"] == measured["f1"]["random"][most]
    by_record = client.get("/review/next?size=1&order=record", headers=org.headers()).json()
    assert by_record["order"] == "record"

"""The `dates.edtf` enricher as a job over ingested records: one EDTF tag per readable free-text date."""

from __future__ import annotations

import json

from conftest import make_org
from sqlalchemy import select

from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.enrich.registry import REGISTRY
from verrijk.ingest.service import ingest
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Suggestion

DATES = {  # source_id -> (date as catalogued, EDTF suggested or None)
    "kaart": ("ca. 1700", "1700~"),
    "album": ("in de jaren 1906-1913", "1906/1913"),
    "meester": ("eerste helft 16de eeuw", "1500/1549"),
    "foto": ("1903 – 1910", "1903/1910"),
    "brief": ("3 februari 1953", "1953-02-03"),
    "prent": ("XVIIe siècle", "16XX"),
    "plaat": ("vóór 1700", "../1700"),
    "jaar": ("1680", None),  # already EDTF
    "zd": ("z.d.", None),
    "leeg": ("", None),
}


def test_job_suggests_edtf_for_each_readable_date(session, settings):
    repo = Repo(session, Scope(make_org(session, "dates-org").id))
    lines = [
        json.dumps({"source_id": sid, "title": f"Object {sid}", "date": date, "language": "nl"})
        for sid, (date, _) in DATES.items()
    ]
    ingest(session, repo, "c", "c.jsonl", data="\n".join(lines).encode())
    session.commit()
    job = execute(session, repo.scope, create_enrich_job(repo, "c", ["dates.edtf"], settings).id, settings=settings)
    assert job.status == "done", job.error
    rows = list(session.scalars(select(Suggestion).where(Suggestion.organisation_id == repo.org_id)))
    got = {repo.record(s.record_id).source_id: s for s in rows}
    assert {sid: s.label for sid, s in got.items()} == {sid: e for sid, (_, e) in DATES.items() if e}
    for s in rows:
        assert (s.kind, s.entity_type, s.field, s.enricher) == ("tag", "DATE", "date", "dates.edtf")
        assert s.enricher_version == "dates.edtf-1" and 0.5 < s.score <= 1
    assert got["brief"].score > got["meester"].score  # a day is surer than a convention for half a century

    again = execute(session, repo.scope, create_enrich_job(repo, "c", ["dates.edtf"], settings).id, settings=settings)
    assert again.result["created"] == 0  # idempotent


def test_the_enricher_is_registered_with_its_parameters_and_card(settings):
    spec = REGISTRY.get("dates.edtf")
    assert spec.defaults() == {"fields": ["date"], "min_score": 0.0}
    card, metrics = spec.model_card(settings.models_dir)
    assert "EDTF" in card and metrics["accuracy"] >= 0.95

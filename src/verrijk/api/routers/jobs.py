"""/jobs: the organisation's ingest and enrichment jobs; start, cancel and resume enrichment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from pydantic import BaseModel, Field

from verrijk.api.errors import Problem, described
from verrijk.api.schemas import JobOut, JobPage
from verrijk.deps import scoped
from verrijk.domain import READERS, REVIEWERS, Id, JobStatus
from verrijk.enrich import jobs
from verrijk.enrich.jobs import ENRICH, create_enrich_job, execute_in_background
from verrijk.store.repo import Repo

router = APIRouter(prefix="/jobs", tags=["jobs"])


class EnrichJobIn(BaseModel):
    kind: str = Field(
        ENRICH, pattern=described(f"^{ENRICH}$", repr(ENRICH)), description="only enrichment jobs are started here"
    )
    collection: str
    enrichers: list[str] | None = Field(None, description="enricher names; the configured set when left out")


@router.get("", response_model=JobPage)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
    status: JobStatus | None = None,
    repo: Repo = Depends(scoped(*READERS)),
) -> JobPage:
    try:
        page = repo.jobs(limit=limit, cursor=cursor, status=status.value if status else None)
    except ValueError as exc:
        raise Problem(400, f"query parameter 'cursor': {exc}") from exc
    return JobPage(items=[JobOut.of(j) for j in page.items], total=page.total, next_cursor=page.next_cursor)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: Id, repo: Repo = Depends(scoped(*READERS))) -> JobOut:
    return JobOut.of(repo.job(job_id))


@router.post("", response_model=JobOut, status_code=202)
def start_job(
    body: EnrichJobIn, request: Request, background: BackgroundTasks, repo: Repo = Depends(scoped(*REVIEWERS))
) -> JobOut:
    settings = request.app.state.settings
    job = create_enrich_job(repo, body.collection, body.enrichers, settings)
    background.add_task(execute_in_background, request.app.state.sessions, repo.scope, job.id, settings)
    return JobOut.of(job)


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: Id, repo: Repo = Depends(scoped(*REVIEWERS))) -> JobOut:
    return JobOut.of(jobs.cancel_job(repo, job_id))


@router.post("/{job_id}/resume", response_model=JobOut, status_code=202)
def resume_job(
    job_id: Id, request: Request, background: BackgroundTasks, repo: Repo = Depends(scoped(*REVIEWERS))
) -> JobOut:
    job = jobs.resume_job(repo, job_id)
    background.add_task(
        execute_in_background, request.app.state.sessions, repo.scope, job.id, request.app.state.settings
    )
    return JobOut.of(job)

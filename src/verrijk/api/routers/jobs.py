"""/jobs: the organisation's ingest and enrichment jobs with their progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from verrijk.api.deps import scoped
from verrijk.api.errors import Problem
from verrijk.api.schemas import JobOut, JobPage
from verrijk.domain import JobStatus
from verrijk.store.repo import Repo

router = APIRouter(prefix="/jobs", tags=["jobs"])
READERS = ("admin", "cataloger", "client")


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
def get_job(job_id: int, repo: Repo = Depends(scoped(*READERS))) -> JobOut:
    return JobOut.of(repo.job(job_id))

"""Jobs of an organisation: creation within its quota of active jobs, pages newest first, lookup, progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from verrijk.domain import JobStatus
from verrijk.errors import NotFound, QuotaExceeded
from verrijk.store.repo.base import Page, Scoped
from verrijk.store.tables import Collection, Job, utcnow

ACTIVE = (JobStatus.queued, JobStatus.running)


class Jobs(Scoped):
    def create_job(self, kind: str, collection: Collection | None = None, params: dict | None = None) -> Job:
        quota = self.organisation().quota_jobs
        if quota is not None:
            active = self.session.scalar(
                select(func.count(Job.id)).where(Job.organisation_id == self.org_id, Job.status.in_(ACTIVE))
            )
            if active >= quota:
                raise QuotaExceeded(f"this organisation may run {quota} jobs at once; {active} are queued or running")
        job = Job(
            organisation_id=self.org_id,
            kind=kind,
            collection_id=collection.id if collection else None,
            params=params or {},
            created_by=self.scope.user_id,
        )
        self.session.add(job)
        self.session.flush()
        return job

    def jobs(self, limit: int = 20, cursor: str | None = None, status: str | None = None) -> Page:
        stmt = select(Job).where(Job.organisation_id == self.org_id)
        if status:
            stmt = stmt.where(Job.status == status)
        return self._page(stmt, Job.id, limit, cursor, newest_first=True)

    def jobs_over(self, kind: str, collection_id: int, before_job: int) -> list[Job]:
        """The jobs of a kind over a collection created before job `before_job`, oldest first."""
        return list(
            self.session.scalars(
                select(Job)
                .where(
                    Job.organisation_id == self.org_id,
                    Job.kind == kind,
                    Job.collection_id == collection_id,
                    Job.id < before_job,
                )
                .order_by(Job.id)
            )
        )

    def job(self, job_id: int) -> Job:
        job = self.session.scalar(select(Job).where(Job.organisation_id == self.org_id, Job.id == job_id))
        if job is None:
            raise NotFound(f"job {job_id} does not exist in this organisation")
        return job


def orphaned_jobs(session: Session, kind: str, stale_before: datetime) -> list[tuple[int, int]]:
    """(job id, organisation id) of every organisation's queued or running jobs of a kind with no progress since
    `stale_before`: what a process that died left behind. Operator-level, like the accounts."""
    rows = session.execute(
        select(Job.id, Job.organisation_id)
        .where(Job.kind == kind, Job.status.in_(ACTIVE), Job.updated_at < stale_before)
        .order_by(Job.id)
    )
    return [(job_id, org_id) for job_id, org_id in rows]


def claim_job(session: Session, job_id: int, stale_before: datetime) -> bool:
    """Take over an orphaned job (queued again, marked updated now) unless another process was first: one atomic
    UPDATE, so of several workers recovering at once exactly one gets it."""
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(ACTIVE), Job.updated_at < stale_before)
        .values(status=JobStatus.queued.value, updated_at=utcnow())
    )
    return claimed.rowcount == 1


def touch(job: Job, **changes: Any) -> None:
    """Change a job's fields and mark it updated now."""
    for key, value in changes.items():
        setattr(job, key, value)
    job.updated_at = utcnow()

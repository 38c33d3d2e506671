"""Enrichment jobs behind the CLI and the API: create one for a collection, run it, cancel it, resume it.

The rules of when a job may be cancelled or resumed live here, so the CLI and the API cannot differ on them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from verrijk.config import Settings
from verrijk.domain import JobStatus
from verrijk.enrich.config import build, job_plan
from verrijk.enrich.pipeline import drive, run_job
from verrijk.errors import Conflict
from verrijk.store.repo import Repo, Scope
from verrijk.store.repo.jobs import claim_job, orphaned_jobs
from verrijk.store.tables import Job, utcnow

ENRICH = "enrich"
FINISHED = (JobStatus.done, JobStatus.failed, JobStatus.cancelled)
log = logging.getLogger(__name__)


def create_enrich_job(
    repo: Repo, collection_slug: str, enrichers: list[str] | None, settings: Settings, skip_enriched: bool = False
) -> Job:
    """A queued job over a collection: the named enrichers (or the organisation's enabled ones) with the
    organisation's parameters, fixed on the job so that a resumed job runs exactly what it started with.
    skip_enriched: leave out records an earlier job enriched, unchanged since, with the same enrichers (a rerun)."""
    plan = job_plan(repo, settings, enrichers)  # fails now, not in the background, on an unknown name or parameter
    enrichers = list(plan)
    params = {"collection": collection_slug, "enrichers": enrichers, "params": plan}
    job = repo.create_job(
        ENRICH, repo.collection(collection_slug), params | ({"skip_enriched": True} if skip_enriched else {})
    )
    repo.audit("job.create", "job", job.id, kind=ENRICH, collection=collection_slug)
    repo.session.commit()
    log.info("job created", extra={"organisation_id": repo.org_id, "job_id": job.id, "enrichers": enrichers})
    return job


def cancel_job(repo: Repo, job_id: int) -> Job:
    """Stop a queued or running job after its current batch; Conflict when it has already finished."""
    job = repo.job(job_id)
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} is already {job.status}")
    job.status = JobStatus.cancelled.value
    repo.audit("job.cancel", "job", job_id)
    repo.session.commit()
    log.info("job cancelled", extra={"organisation_id": repo.org_id, "job_id": job_id})
    return job


def resume_job(repo: Repo, job_id: int) -> Job:
    """Queue an enrichment job again to go on where it stopped; Conflict for other kinds and for done jobs."""
    job = repo.job(job_id)
    if job.kind != ENRICH:
        raise Conflict(f"job {job_id} is an {job.kind} job; only enrichment jobs resume")
    if job.status == JobStatus.done:
        raise Conflict(f"job {job_id} is already done")
    job.status = JobStatus.queued.value
    repo.audit("job.resume", "job", job_id)
    repo.session.commit()
    log.info("job resumed", extra={"organisation_id": repo.org_id, "job_id": job_id, "done": job.done})
    return job


def execute(
    session: Session,
    scope: Scope,
    job_id: int,
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
    engine: str = "local",
    address: str | None = None,
) -> Job:
    """Run (or resume) an enrichment job to its end, in this process (engine "local") or on Ray (engine "ray",
    the cluster at `address` or a local one); a failure is kept on the job and logged."""
    repo = Repo(session, scope)
    job = repo.job(job_id)
    settings = settings or Settings()
    where = {"organisation_id": scope.organisation_id, "job_id": job_id}
    log.info("job running", extra={**where, "engine": engine})
    try:
        plan = job.params.get("params") or {name: {} for name in job.params["enrichers"]}
        if engine == "ray":
            from verrijk.enrich.distributed import ray_batches  # Ray is an optional extra, imported when asked for

            batches = ray_batches(repo, job.collection_id, plan, settings, batch_size, address)
            job = drive(session, repo, job, list(plan), batches, progress)
        else:
            enrichers = build(repo, settings, plan)
            job = run_job(session, repo, job, enrichers, batch_size, progress, settings.enrich_timeout_s)
    except Exception as exc:
        session.rollback()
        job = repo.job(job_id)
        job.status, job.error = JobStatus.failed.value, f"{type(exc).__name__}: {exc}"
        session.commit()
        log.exception("job failed", extra=where)
        raise
    log.info("job %s", job.status, extra={**where, "done": job.done, "total": job.total})
    return job


def execute_in_background(sessions: sessionmaker, scope: Scope, job_id: int, settings: Settings) -> None:
    """A job started by the API: its failure is stored on the job (for the client) and logged (for the operator)."""
    with _running_lock:
        if job_id in _running:
            return
        _running.add(job_id)
    try:
        with sessions() as session:
            execute(session, scope, job_id, settings.enrich_batch_size, settings=settings)
    except Exception:  # noqa: BLE001 - already on the job and in the log; a background task has no caller
        return
    finally:
        with _running_lock:
            _running.discard(job_id)


_running: set[int] = set()  # jobs this process is running: never "recovered" from under itself
_running_lock = threading.Lock()


def recover(sessions: sessionmaker, settings: Settings) -> list[int]:
    """Resume the enrichment jobs a dead process left queued or running (no progress for job_stale_seconds):
    each is claimed atomically, so of several servers exactly one takes it, and runs on from its last committed
    batch (suggestions are keyed, so nothing is stored twice). Returns the ids it ran."""
    stale_before = utcnow() - timedelta(seconds=settings.job_stale_seconds)
    with sessions() as session:
        found = [(j, o) for j, o in orphaned_jobs(session, ENRICH, stale_before) if j not in _running]
        claimed = [(j, o) for j, o in found if claim_job(session, j, stale_before)]
        session.commit()
    for job_id, org_id in claimed:
        log.warning("job recovered after its process died", extra={"organisation_id": org_id, "job_id": job_id})
        execute_in_background(sessions, Scope(org_id), job_id, settings)
    return [j for j, _ in claimed]


class Recovery:
    """A daemon thread of the server that looks for orphaned jobs every job_recovery_seconds and resumes them."""

    def __init__(self, sessions: sessionmaker, settings: Settings):
        self.sessions, self.settings = sessions, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="verrijk-job-recovery", daemon=True)

    def start(self) -> Recovery:
        if self.settings.job_recovery_seconds > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.job_recovery_seconds):
            try:
                recover(self.sessions, self.settings)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop; the next round retries
                log.exception("job recovery failed")

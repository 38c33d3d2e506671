"""`verrijk enrich`: run enrichers over a collection as a resumable job, with a progress bar."""

from __future__ import annotations

from enum import StrEnum

import typer

from verrijk.cli.common import OrgOption, open_repo, out, progress_bar
from verrijk.config import Settings
from verrijk.enrich.distributed import connect
from verrijk.enrich.jobs import create_enrich_job, execute, resume_job
from verrijk.errors import BadInput


class Engine(StrEnum):
    local = "local"
    ray = "ray"


def enrich_cmd(
    collection: str | None = typer.Option(None, "--collection", "-c", help="collection slug"),
    enricher: list[str] | None = typer.Option(None, "--enricher", "-e", help="enricher name (repeatable)"),
    resume: int | None = typer.Option(None, help="job id to resume where it stopped"),
    engine: Engine = typer.Option(Engine.local, help="local: this process; ray: a Ray cluster's workers"),
    address: str | None = typer.Option(
        None, help="with --engine ray, on a node of a Ray cluster: auto (or the head's host:6379); default a local Ray"
    ),
    skip_enriched: bool = typer.Option(
        False,
        "--skip-enriched",
        help="leave out records an earlier job enriched, unchanged since, with the same enricher versions and settings",
    ),
    org: str | None = OrgOption,
) -> None:
    """Run enrichers over a collection as a resumable job (re-running adds nothing already suggested)."""
    if address and engine != Engine.ray:
        raise BadInput("--address is for --engine ray")
    if skip_enriched and engine != Engine.local:
        raise BadInput("--skip-enriched is for --engine local (Ray workers do not say which enricher versions ran)")
    if (collection is None) == (resume is None):
        raise BadInput("give --collection to start a job, or --resume JOB to continue one")
    if engine == Engine.ray:
        connect(address)  # before a job is queued: a missing Ray or an unreachable cluster fails here
    settings = Settings()
    with open_repo(org) as repo:
        if resume:
            job = resume_job(repo, resume)
        else:
            job = create_enrich_job(repo, collection, enricher, settings, skip_enriched)
        with progress_bar() as progress:
            task = progress.add_task(f"enrich ({', '.join(job.params['enrichers'])})", total=None)
            job = execute(
                repo.session,
                repo.scope,
                job.id,
                settings.enrich_batch_size,
                lambda done, total: progress.update(task, completed=done, total=total),
                settings,
                engine.value,
                address,
            )
        out.print(
            f"job {job.id} {job.status}: {job.result.get('created', 0)} new suggestions"
            + (
                f", {job.result['enriched_before']} unchanged records skipped"
                if job.result.get("enriched_before")
                else ""
            )
            + (
                f", skipped by rights policy: {job.result['skipped_by_rights']}"
                if job.result.get("skipped_by_rights")
                else ""
            ),
            highlight=False,
        )

"""Running enrichers over a collection as a job: batched, rights-gated, idempotent, resumable, cancellable."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from verrijk.domain import JobStatus, SuggestionStatus
from verrijk.enrich.base import Enricher, Item, permitted, suggestion_key
from verrijk.enrich.deadline import EnricherTimeout, enrich_within
from verrijk.enrich.skipping import FINGERPRINTS, enriched_before, fingerprints
from verrijk.errors import BadInput
from verrijk.review.thresholds import apply_all
from verrijk.store.repo import Repo, touch
from verrijk.store.tables import Job, Record, Suggestion

TEXT_FIELDS = ("title", "description", "date")  # enrichers pick the fields they read
MAX_FAILURES_KEPT = 100  # failed items listed in a job's result; failed_count counts them all
LIST_TEXT_FIELDS = ("creator", "place", "subject")
log = logging.getLogger(__name__)
Rows = dict[str, dict[str, Any]]  # suggestion key -> the suggestion's columns


def items_of(record: Record) -> list[Item]:
    """The pieces of a record enrichers read, each with the rights statement that governs it."""
    years = (record.date_from, record.date_to)
    items = [
        Item(
            record.id, name, "text", getattr(record, name), language=record.language, rights=record.rights, years=years
        )
        for name in TEXT_FIELDS
        if getattr(record, name)
    ]
    for name in LIST_TEXT_FIELDS:
        items += [
            Item(record.id, f"{name}.{i}", "text", text=value, language=record.language, rights=record.rights)
            for i, value in enumerate(getattr(record, name))
        ]
    items += [
        Item(
            record.id,
            f"media.{m.position}",
            m.kind,
            url=m.url,
            language=record.language,
            rights=m.rights or record.rights,
        )
        for m in record.media
    ]
    return items


@dataclass
class Outcome:
    """What enriching a batch of records did: suggestions created, items the rights gate kept from each enricher,
    items an enricher could not read (a broken image, a refused URL), each with its reason, and records left out
    as enriched before (unchanged, same enrichers)."""

    created: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    enriched_before: int = 0


def _enrich_each(
    enricher: Enricher, items: list[Item], failed: list[dict[str, Any]], timeout_s: float
) -> list[tuple[Item, list]]:
    """The enricher's proposals per item; when the batch fails on bad input, the items one by one, each bad one
    recorded in `failed` with its reason and left out, so the rest of the batch goes on. A batch the enricher
    does not answer within timeout_s is recorded as failed item by item (not retried one by one)."""
    try:
        return list(zip(items, enrich_within(enricher, items, timeout_s), strict=True))
    except EnricherTimeout as exc:
        failed.extend(
            {"record_id": i.record_id, "field": i.field, "enricher": enricher.name, "reason": str(exc)} for i in items
        )
        return []
    except BadInput as exc:
        if len(items) == 1:
            failed.append(
                {
                    "record_id": items[0].record_id,
                    "field": items[0].field,
                    "enricher": enricher.name,
                    "reason": str(exc),
                }
            )
            return []
    results = []
    for item in items:
        results += _enrich_each(enricher, [item], failed, timeout_s)
    return results


def propose(
    items: Sequence[Item], enrichers: Sequence[Enricher], org_settings: dict, timeout_s: float = 0
) -> tuple[Rows, Outcome]:
    """What the enrichers suggest for items, as suggestion columns by idempotent key (nothing stored yet): the
    part of enriching that runs wherever the enrichers are, in this process or on a Ray worker. timeout_s: the
    most one enricher may take for the batch (0: no limit)."""
    rows: Rows = {}
    outcome = Outcome()
    for enricher in enrichers:
        mine = [i for i in items if i.kind in enricher.accepts]
        allowed = [i for i in mine if permitted(enricher, i, org_settings)]
        if len(allowed) < len(mine):
            outcome.skipped[enricher.name] = len(mine) - len(allowed)
        if not allowed:
            continue
        for item, proposals in _enrich_each(enricher, allowed, outcome.failed, timeout_s):
            for p in proposals:
                key = suggestion_key(item.record_id, item.field, enricher.name, p)
                rows[key] = {
                    "record_id": item.record_id,
                    "field": item.field,
                    "span_start": p.start,
                    "span_end": p.end,
                    "region": p.region,
                    "time_start": p.time_start,
                    "time_end": p.time_end,
                    "kind": p.kind.value,
                    "entity_type": p.entity_type,
                    "label": p.label,
                    "authority_uri": p.authority_uri,
                    "score": p.score,
                    "enricher": enricher.name,
                    "enricher_version": enricher.version,
                    "extra": p.extra,
                }
    return rows, outcome


def store(repo: Repo, rows: Rows) -> int:
    """Store the suggestions not stored before (by key), in the caller's transaction; how many were new."""
    existing = repo.existing_keys(list(rows))
    repo.add_suggestions(
        Suggestion(organisation_id=repo.org_id, key=key, status=SuggestionStatus.suggested, **columns)
        for key, columns in rows.items()
        if key not in existing
    )
    return len(rows) - len(existing)


@dataclass
class Batch:
    """A batch of a collection enriched: the last record id it covers, its suggestions by key, and its outcome."""

    last_record_id: int
    rows: Rows
    outcome: Outcome


Batches = Callable[[int], Iterator[Batch]]  # the collection's batches after a record id, in record id order


def local_batches(
    repo: Repo,
    collection_id: int,
    enrichers: Sequence[Enricher],
    batch_size: int,
    timeout_s: float = 0,
    skip: Callable[[Record], bool] | None = None,
) -> Batches:
    """Batches enriched in this process, one after the other, leaving out the records `skip` says need nothing."""
    org_settings = repo.organisation().settings or {}

    def batches(after: int) -> Iterator[Batch]:
        while records := repo.records_after(collection_id, after, batch_size):
            todo = [r for r in records if not skip(r)] if skip else records
            rows, outcome = propose([i for r in todo for i in items_of(r)], enrichers, org_settings, timeout_s)
            outcome.enriched_before = len(records) - len(todo)
            after = records[-1].id
            yield Batch(after, rows, outcome)

    return batches


def run_job(
    session: Session,
    repo: Repo,
    job: Job,
    enrichers: Sequence[Enricher],
    batch_size: int = 200,
    progress: Callable[[int, int], None] | None = None,
    timeout_s: float = 0,
) -> Job:
    """Enrich the job's collection in this process, from where the job stopped; timeout_s per enricher and batch.
    The job keeps the fingerprints of the enrichers it started with, so that a later job asked to skip enriched
    records (params skip_enriched) can tell what this one covered."""
    plan = job.params.get("params") or {e.name: {} for e in enrichers}
    prints = fingerprints(enrichers, plan, repo.organisation().settings or {})
    touch(job, result={FINGERPRINTS: prints} | dict(job.result or {}))
    skip = enriched_before(repo, job, prints) if job.params.get("skip_enriched") else None
    batches = local_batches(repo, job.collection_id, enrichers, batch_size, timeout_s, skip)
    return drive(session, repo, job, [e.name for e in enrichers], batches, progress)


def drive(
    session: Session,
    repo: Repo,
    job: Job,
    names: Sequence[str],
    batches: Batches,
    progress: Callable[[int, int], None] | None = None,
) -> Job:
    """Store a job's batches as they come, from where the job stopped, whichever engine enriched them: each batch
    commits its new suggestions with the job's position, so a killed job resumes without losing or repeating
    any; a cancelled job stops before its next batch; at the end the organisation's thresholds apply."""
    if job.status == JobStatus.cancelled:
        return job
    collection_id = job.collection_id
    total = repo.count_records(collection_id)
    result = dict(job.result or {})
    result.setdefault("created", 0)
    result.setdefault("skipped_by_rights", {})
    touch(job, status=JobStatus.running, total=total)
    session.commit()
    where = {"organisation_id": repo.org_id, "job_id": job.id}
    pending = iter(batches(result.get("after_record_id", 0)))
    while True:
        session.refresh(job)
        if job.status == JobStatus.cancelled:
            return job
        batch = next(pending, None)
        if batch is None:
            break
        outcome = batch.outcome
        result["created"] += store(repo, batch.rows)
        for name, n in outcome.skipped.items():
            result["skipped_by_rights"][name] = result["skipped_by_rights"].get(name, 0) + n
        if outcome.enriched_before:
            result["enriched_before"] = result.get("enriched_before", 0) + outcome.enriched_before
        if outcome.failed:
            result["failed_count"] = result.get("failed_count", 0) + len(outcome.failed)
            result["failed"] = (result.get("failed", []) + outcome.failed)[:MAX_FAILURES_KEPT]
        result["after_record_id"] = batch.last_record_id
        done = repo.count_records(collection_id, up_to=batch.last_record_id)
        touch(job, done=done, result=dict(result))
        session.commit()
        log.info(
            "enriched %d of %d records, %d suggestions created",
            done,
            total,
            result["created"],
            extra={**where, "done": done, "total": total, "suggestions": result["created"]},
        )
        if progress:
            progress(done, total)
    apply_all(repo, list(names))
    touch(job, status=JobStatus.done, done=total, result=dict(result))
    repo.audit("enrich", "job", job.id, created=result["created"], enrichers=list(names))
    session.commit()
    return job

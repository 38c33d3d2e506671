"""Skipping what an earlier job already enriched: a record that an earlier enrichment job of its collection walked
past, unchanged since that job began, with the same enricher versions, parameters and organisation settings, would
get the same suggestions again, so a job asked to skip enriched records leaves it out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from verrijk.enrich.base import Enricher
from verrijk.store.repo import Repo
from verrijk.store.tables import Job, Record

FINGERPRINTS = "fingerprints"  # on a job's result: enricher name -> what made its suggestions, hashed


def fingerprints(enrichers: Sequence[Enricher], plan: dict[str, dict[str, Any]], org_settings: dict) -> dict[str, str]:
    """Per enricher, a hash of its version (which names the models it loaded), its parameters and the organisation's
    settings (its rights policy decides what an enricher may read): what must be equal for a rerun to add nothing."""
    return {
        e.name: hashlib.sha256(
            json.dumps([e.version, plan.get(e.name, {}), org_settings], sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
        for e in enrichers
    }


def enriched_before(repo: Repo, job: Job, prints: dict[str, str]) -> Callable[[Record], bool]:
    """Whether every enricher of the job enriched a record before: an earlier job of the collection with the same
    fingerprint for it got past the record (its position) and the record has not changed since that job began."""
    spans: dict[str, list[tuple[int, datetime]]] = {name: [] for name in prints}
    for earlier in repo.jobs_over(job.kind, job.collection_id, job.id):
        result = earlier.result or {}
        theirs, after = result.get(FINGERPRINTS, {}), result.get("after_record_id", 0)
        for name, mine in prints.items():
            if after and theirs.get(name) == mine:
                spans[name].append((after, earlier.created_at))

    def covered(record: Record) -> bool:
        return bool(spans) and all(
            any(record.id <= after and record.updated_at < began for after, began in found) for found in spans.values()
        )

    return covered

"""The organisation-scoped repository: every read and write of an organisation's work goes through here.

Services, routes and commands never query tables themselves; they get a Repo bound to one organisation, so no
code path can see or change another organisation's records, suggestions, jobs or audit entries. Repo is
composed of one class per aggregate (collections, records, suggestions, publishing, authorities, review,
jobs, audit, media hashes), each in its own module and each scoping its queries by the organisation.
"""

from __future__ import annotations

from verrijk.errors import NotFound, QuotaExceeded
from verrijk.store.repo.audit import Audit
from verrijk.store.repo.authorities import (
    Authorities,
    authority_entries,
    authority_load,
    count_entries,
    replace_entries,
    shared_authority,
    visible_authority,
)
from verrijk.store.repo.base import PUBLISHED_STATES, Page, RecordFilter, Scope
from verrijk.store.repo.jobs import Jobs, touch
from verrijk.store.repo.media import MediaHashes
from verrijk.store.repo.publishing import Publishing, public_annotation_owner, public_owner
from verrijk.store.repo.records import RECORD_COLUMNS, Records
from verrijk.store.repo.review import DISPUTED, REVIEW_SLOT, QueueFilter, Review
from verrijk.store.repo.suggestions import Suggestions


class Repo(Records, Suggestions, Publishing, Authorities, Review, Jobs, Audit, MediaHashes):
    """All aggregates of one organisation's work, bound to a session and a Scope."""


__all__ = [
    "DISPUTED",
    "PUBLISHED_STATES",
    "RECORD_COLUMNS",
    "REVIEW_SLOT",
    "NotFound",
    "Page",
    "QueueFilter",
    "QuotaExceeded",
    "RecordFilter",
    "Repo",
    "Scope",
    "authority_entries",
    "authority_load",
    "count_entries",
    "public_annotation_owner",
    "public_owner",
    "replace_entries",
    "shared_authority",
    "touch",
    "visible_authority",
]

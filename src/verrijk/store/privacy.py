"""A person's data (GDPR): everything verrijk holds about one user, exported as JSON, and erased.

Erasure keeps the work and drops the person: their decisions, votes, tags, jobs and audit entries move to a fresh
tombstone user ("erased-…", no name, no password, no membership), reasons they wrote are blanked (in decisions and
in the event stream's snapshots), and their memberships, API keys and leases are deleted. Erasing in one
organisation touches only that organisation's rows; the user row itself goes when no membership is left.
Audit entries older than the retention period are deleted by prune_audit (`verrijk audit prune`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from verrijk.errors import NotFound
from verrijk.store.repo.base import batches
from verrijk.store.tables import (
    ApiKey,
    AuditEntry,
    Base,
    Decision,
    Job,
    Lease,
    Membership,
    Organisation,
    StreamMember,
    Suggestion,
    User,
    Vote,
    utcnow,
)

TOMBSTONE_PREFIX = "erased-"

# What each table holds of a person, and the column that names them.
_PERSONAL: tuple[tuple[str, type[Base], Any, tuple[str, ...]], ...] = (
    ("memberships", Membership, Membership.user_id, ("organisation_id", "role")),
    (
        "api_keys",
        ApiKey,
        ApiKey.user_id,
        ("id", "organisation_id", "prefix", "name", "role", "created_at", "last_used_at", "revoked_at"),
    ),
    (
        "decisions",
        Decision,
        Decision.user_id,
        ("id", "organisation_id", "suggestion_id", "action", "before", "after", "reason", "created_at"),
    ),
    (
        "votes",
        Vote,
        Vote.user_id,
        ("id", "organisation_id", "suggestion_id", "verdict", "label", "authority_uri", "created_at"),
    ),
    (
        "suggestions_added",
        Suggestion,
        Suggestion.created_by,
        ("id", "organisation_id", "record_id", "field", "kind", "label", "authority_uri", "status", "created_at"),
    ),
    ("jobs", Job, Job.created_by, ("id", "organisation_id", "kind", "status", "params", "created_at")),
    ("leases", Lease, Lease.holder_id, ("organisation_id", "suggestion_id", "slot", "expires_at", "done")),
    (
        "audit_log",
        AuditEntry,
        AuditEntry.user_id,
        ("id", "organisation_id", "action", "target_type", "target_id", "detail", "created_at"),
    ),
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    return user


def member_of(session: Session, user_id: int, org_id: int) -> User:
    """The user, when they are a member of the organisation; NotFound otherwise (an admin sees only their own)."""
    user = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.organisation_id == org_id)
    )
    if user is None:
        raise NotFound(f"user {user_id} is not a member of this organisation")
    return user


def export_person(session: Session, user: User) -> dict[str, Any]:
    """Everything verrijk holds about `user`, in every organisation, as JSON-ready data (never a secret: no
    password hash, no key hash)."""
    slugs = {org_id: slug for org_id, slug in session.execute(select(Organisation.id, Organisation.slug))}
    data: dict[str, Any] = {
        "user": {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "has_password": user.password_hash is not None,
            "created_at": _plain(user.created_at),
        }
    }
    for name, table, column, fields in _PERSONAL:
        rows = session.scalars(select(table).where(column == user.id).order_by(*table.__table__.primary_key.columns))
        data[name] = [
            {f: _plain(getattr(row, f)) for f in fields} | {"organisation": slugs.get(row.organisation_id)}
            for row in rows
        ]
    return data


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: the pseudonym the person's work now carries and whether the user row is gone."""

    pseudonym: str
    user_deleted: bool
    organisations: list[str]
    counts: dict[str, int]


def erase_person(session: Session, user: User, org_id: int | None = None, by_user_id: int | None = None) -> Erasure:
    """Erase `user` in one organisation (or, with org_id None, in all): their work moves to a tombstone user and
    their reasons are blanked; memberships, keys and leases go; the user row goes with its last membership.
    The caller commits."""
    tombstone = User(username=TOMBSTONE_PREFIX + secrets.token_hex(6), display_name="")
    session.add(tombstone)
    session.flush()

    def scoped(stmt, table):
        return stmt if org_id is None else stmt.where(table.organisation_id == org_id)

    counts: dict[str, int] = {}
    decided = list(session.scalars(scoped(select(Decision.suggestion_id).where(Decision.user_id == user.id), Decision)))
    counts["decisions"] = session.execute(
        scoped(update(Decision).where(Decision.user_id == user.id).values(user_id=tombstone.id, reason=""), Decision)
    ).rowcount
    for name, table, column in (
        ("votes", Vote, Vote.user_id),
        ("suggestions_added", Suggestion, Suggestion.created_by),
        ("jobs", Job, Job.created_by),
        ("audit_log", AuditEntry, AuditEntry.user_id),
    ):
        counts[name] = session.execute(
            scoped(update(table).where(column == user.id).values({column.key: tombstone.id}), table)
        ).rowcount
    counts["stream_snapshots"] = _scrub_stream(session, user.id, tombstone.id, set(decided), org_id)
    organisations = list(
        session.scalars(
            scoped(
                select(Organisation.slug)
                .join(Membership, Membership.organisation_id == Organisation.id)
                .where(Membership.user_id == user.id),
                Membership,
            )
        )
    )
    keys = list(session.scalars(scoped(select(ApiKey.id).where(ApiKey.user_id == user.id), ApiKey)))
    # what the audit log says about the person's keys (their names, their owner) goes with the keys
    session.execute(
        scoped(
            update(AuditEntry)
            .where(AuditEntry.target_type == "api_key", AuditEntry.target_id.in_([str(k) for k in keys]))
            .values(detail={}),
            AuditEntry,
        )
    )
    for name, table, column in (
        ("leases", Lease, Lease.holder_id),
        ("api_keys", ApiKey, ApiKey.user_id),
        ("memberships", Membership, Membership.user_id),
    ):
        counts[name] = session.execute(scoped(delete(table).where(column == user.id), table)).rowcount
    remaining = session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == user.id))
    user_deleted = not remaining
    if user_deleted:
        session.delete(user)
    session.add(
        AuditEntry(
            organisation_id=org_id,
            user_id=by_user_id,
            action="user.erase",
            target_type="user",
            target_id=str(tombstone.id),
            detail={"pseudonym": tombstone.username, "user_deleted": user_deleted, **counts},
        )
    )
    session.flush()
    return Erasure(tombstone.username, user_deleted, sorted(organisations), counts)


def _scrub_stream(session: Session, user_id: int, tombstone_id: int, suggestions: set[int], org_id: int | None) -> int:
    """The event stream's annotation snapshots of the person's decisions: decided_by the tombstone, no reason."""
    scrubbed = 0
    for part in batches(sorted(suggestions)):
        stmt = select(StreamMember).where(StreamMember.kind == "annotation", StreamMember.suggestion_id.in_(part))
        if org_id is not None:
            stmt = stmt.where(StreamMember.organisation_id == org_id)
        for member in session.scalars(stmt):
            if member.snapshot.get("decided_by") == user_id:
                member.snapshot = {**member.snapshot, "decided_by": tombstone_id, "reason": ""}
                scrubbed += 1
    return scrubbed


def prune_audit(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete audit entries older than `retention_days`; returns how many. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    return session.execute(delete(AuditEntry).where(AuditEntry.created_at < cutoff)).rowcount

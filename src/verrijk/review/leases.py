"""Taking and releasing holds on suggestions so that no two people work on the same slot at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from verrijk.store.tables import Lease

REVIEW_SLOT = 0  # the cataloger's slot; volunteers hold slots 1..N


def take(
    session: Session, org_id: int, suggestion_id: int, slot: int, holder_id: int, now: datetime, until: datetime
) -> bool:
    """Hold a slot: renew one's own, take over an expired unfinished one, or create it. One holder wins."""
    renewed = session.execute(
        update(Lease)
        .where(
            Lease.suggestion_id == suggestion_id,
            Lease.slot == slot,
            Lease.done.is_(False),
            or_(Lease.holder_id == holder_id, Lease.expires_at < now),
        )
        .values(holder_id=holder_id, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount == 1:
        return True
    try:
        with session.begin_nested():
            session.add(
                Lease(
                    organisation_id=org_id,
                    suggestion_id=suggestion_id,
                    slot=slot,
                    holder_id=holder_id,
                    expires_at=until,
                )
            )
    except IntegrityError:
        return False  # someone else holds this slot, or this holder holds another slot of it
    return True


def active(now: datetime):
    """The condition 'this lease still blocks others' for use in queries."""
    return and_(Lease.done.is_(False), Lease.expires_at >= now)


def finish(session: Session, suggestion_id: int, holder_id: int) -> bool:
    """Mark the holder's slot answered; False when they hold no live slot on it (expired or never taken)."""
    result = session.execute(
        update(Lease)
        .where(Lease.suggestion_id == suggestion_id, Lease.holder_id == holder_id, Lease.done.is_(False))
        .values(done=True)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release(session: Session, holder_id: int, suggestion_ids: list[int]) -> int:
    result = session.execute(
        delete(Lease)
        .where(Lease.holder_id == holder_id, Lease.suggestion_id.in_(suggestion_ids), Lease.done.is_(False))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

"""Collections of an organisation: listing with record counts, lookup by slug, creation on first use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from verrijk.errors import NotFound
from verrijk.store.repo.base import Scoped
from verrijk.store.tables import Collection, Record


class Collections(Scoped):
    def collections(self) -> list[tuple[Collection, int]]:
        counts = (
            select(Record.collection_id, func.count(Record.id).label("n"))
            .where(Record.organisation_id == self.org_id)
            .group_by(Record.collection_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Collection, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.collection_id == Collection.id)
            .where(Collection.organisation_id == self.org_id)
            .order_by(Collection.slug)
        )
        return [(c, n) for c, n in rows]

    def collection(self, slug: str) -> Collection:
        col = self.session.scalar(
            select(Collection).where(Collection.organisation_id == self.org_id, Collection.slug == slug)
        )
        if col is None:
            raise NotFound(f"collection {slug!r} does not exist in this organisation", code="no_collection", slug=slug)
        return col

    def collection_by_id(self, collection_id: int) -> Collection:
        """One collection of the organisation by id (from the session when it holds it: no query)."""
        col = self.session.get(Collection, collection_id)
        if col is None or col.organisation_id != self.org_id:
            raise NotFound(f"collection {collection_id} does not exist in this organisation")
        return col

    def ensure_collection(self, slug: str, name: str | None = None, **attrs: Any) -> Collection:
        try:
            col = self.collection(slug)
        except NotFound:
            col = Collection(organisation_id=self.org_id, slug=slug, name=name or slug, **attrs)
            self.session.add(col)
            self.session.flush()
            return col
        for key, value in attrs.items():
            if value is not None:
                setattr(col, key, value)
        if name:
            col.name = name
        return col

    def collection_slugs(self) -> dict[int, str]:
        """Collection id -> slug, for every collection of the organisation."""
        return dict(
            self.session.execute(
                select(Collection.id, Collection.slug).where(Collection.organisation_id == self.org_id)
            ).all()
        )

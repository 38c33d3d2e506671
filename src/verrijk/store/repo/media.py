"""Media of an organisation's records: the perceptual hashes image.hash stores, per collection, and the labels
an image tagger suggested, per record (what search turns into image vectors)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from verrijk.domain import SuggestionStatus
from verrijk.store.repo.base import Scoped, batches
from verrijk.store.tables import ImageHash, Record, Suggestion


class MediaHashes(Scoped):
    def put_image_hashes(self, hashes: Iterable[tuple[int, str, str]], version: str) -> None:
        """Store (record id, field, hex hash) rows, replacing the hash an image had: a rerun changes nothing."""
        wanted = {(record_id, field): value for record_id, field, value in hashes}
        record_ids = sorted({record_id for record_id, _ in wanted})
        mine = set()
        for chunk in batches(record_ids):
            stmt = select(Record.id).where(Record.organisation_id == self.org_id, Record.id.in_(chunk))
            mine |= set(self.session.scalars(stmt))
        existing: dict[tuple[int, str], ImageHash] = {}
        for chunk in batches(sorted(mine)):
            rows = self.session.scalars(select(ImageHash).where(ImageHash.record_id.in_(chunk)))
            existing.update({(row.record_id, row.field): row for row in rows})
        for (record_id, field), value in wanted.items():
            if record_id not in mine:
                continue
            row = existing.get((record_id, field))
            if row is None:
                row = ImageHash(organisation_id=self.org_id, record_id=record_id, field=field)
                self.session.add(row)
            row.hash, row.version = value, version
        self.session.flush()

    def image_hashes(self, collection_id: int) -> list[tuple[int, str, str]]:
        """(record id, field, hex hash) of every hashed image in a collection, by record id."""
        stmt = (
            select(ImageHash.record_id, ImageHash.field, ImageHash.hash)
            .join(Record, Record.id == ImageHash.record_id)
            .where(ImageHash.organisation_id == self.org_id, Record.collection_id == collection_id)
            .order_by(ImageHash.record_id, ImageHash.field)
        )
        return [tuple(row) for row in self.session.execute(stmt)]

    def _image_labels_where(self, enrichers: Sequence[str]) -> tuple:
        return (
            Suggestion.organisation_id == self.org_id,
            Suggestion.enricher.in_(enrichers),
            Suggestion.status != SuggestionStatus.rejected,
        )

    def image_labels(self, enrichers: Sequence[str]) -> dict[int, list[tuple[float, dict[str, Any]]]]:
        """(score, extra) of every suggestion the image taggers made that was not rejected, per record id."""
        found: dict[int, list[tuple[float, dict[str, Any]]]] = {}
        stmt = select(Suggestion.record_id, Suggestion.score, Suggestion.extra)
        for record_id, score, extra in self.session.execute(
            stmt.where(*self._image_labels_where(enrichers)).order_by(Suggestion.id)
        ):
            found.setdefault(record_id, []).append((score, extra or {}))
        return found

    def image_labels_stamp(self, enrichers: Sequence[str]) -> str:
        """Changes whenever the taggers suggest more or a suggestion of theirs is rejected (or un-rejected)."""
        stmt = select(func.count(Suggestion.id), func.max(Suggestion.id)).where(*self._image_labels_where(enrichers))
        return "|".join(map(str, self.session.execute(stmt).one()))

"""Media of an organisation's records: the perceptual hashes image.hash stores, per collection, the CLIP
embeddings image.clip stores, and the labels an image tagger suggested, per record (what search turns into image
vectors)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from verrijk.domain import SuggestionStatus
from verrijk.store.repo.base import Scoped, batches
from verrijk.store.tables import ImageEmbedding, ImageHash, Record, Suggestion


class MediaHashes(Scoped):
    def _put_per_image(
        self, table: type[ImageHash | ImageEmbedding], values: dict[tuple[int, str], dict], renew: bool = False
    ) -> None:
        """Set the columns `values` gives per (record id, image field) of this organisation's records, adding the
        rows missing and replacing what an image had: a rerun changes nothing. With `renew` an image's row is
        made anew (a new id, so a stamp over the ids sees the change)."""
        mine = set()
        for chunk in batches(sorted({record_id for record_id, _ in values})):
            stmt = select(Record.id).where(Record.organisation_id == self.org_id, Record.id.in_(chunk))
            mine |= set(self.session.scalars(stmt))
        existing = {}
        for chunk in batches(sorted(mine)):
            rows = self.session.scalars(select(table).where(table.record_id.in_(chunk)))
            existing.update({(row.record_id, row.field): row for row in rows})
        if renew:
            for key in values.keys() & existing.keys():
                self.session.delete(existing.pop(key))
            self.session.flush()
        for (record_id, field), columns in values.items():
            if record_id not in mine:
                continue
            row = existing.get((record_id, field))
            if row is None:
                row = table(organisation_id=self.org_id, record_id=record_id, field=field)
                self.session.add(row)
            for name, value in columns.items():
                setattr(row, name, value)
        self.session.flush()

    def put_image_hashes(self, hashes: Iterable[tuple[int, str, str]], version: str) -> None:
        """Store (record id, field, hex hash) rows, replacing the hash an image had."""
        self._put_per_image(ImageHash, {(rid, field): {"hash": h, "version": version} for rid, field, h in hashes})

    def put_image_embeddings(self, embeddings: Iterable[tuple[int, str, bytes]], model: str) -> None:
        """Store (record id, field, float32 vector bytes) rows made by `model`, replacing what an image had."""
        values = {(rid, field): {"vector": v, "model": model} for rid, field, v in embeddings}
        self._put_per_image(ImageEmbedding, values, renew=True)

    def _image_embeddings_where(self, model: str) -> tuple:
        return ImageEmbedding.organisation_id == self.org_id, ImageEmbedding.model == model

    def image_embeddings(self, model: str) -> list[tuple[int, bytes]]:
        """(record id, float32 vector bytes) of every image embedding `model` made, by record id."""
        stmt = select(ImageEmbedding.record_id, ImageEmbedding.vector).where(*self._image_embeddings_where(model))
        return [tuple(row) for row in self.session.execute(stmt.order_by(ImageEmbedding.record_id, ImageEmbedding.id))]

    def image_embeddings_stamp(self, model: str) -> str:
        """Changes whenever `model` embeds images again or more of them (each embedding stored is a new row)."""
        stmt = select(func.count(ImageEmbedding.id), func.max(ImageEmbedding.id))
        return "|".join(map(str, self.session.execute(stmt.where(*self._image_embeddings_where(model))).one()))

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

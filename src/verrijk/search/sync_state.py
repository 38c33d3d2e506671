"""What an organisation's search index was built from, per record: a hash of its change marker, its collection and
the embedding-cache key of its text, as arrays sorted by record id (about 64 bytes a record; the dictionary of
lists it replaces held ~400)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

KEY = "S40"  # an embedding-cache key: a hex SHA-1


def marker_hash(marker: str) -> int:
    """A record's change marker (content hash and updated_at) as 64 bits: a sync only asks whether it changed."""
    return int.from_bytes(hashlib.blake2b(marker.encode(), digest_size=8).digest(), "little", signed=True)


class SyncState:
    """Per record id (ascending): marker hash, collection id, text key. Changes come in batches (a sync's), each
    merged in one pass, so lookups are binary searches over plain arrays."""

    def __init__(
        self,
        ids: np.ndarray | None = None,
        markers: np.ndarray | None = None,
        collections: np.ndarray | None = None,
        keys: np.ndarray | None = None,
    ):
        self.ids = np.zeros(0, np.int64) if ids is None else ids
        self.markers = np.zeros(0, np.int64) if markers is None else markers
        self.collections = np.zeros(0, np.int64) if collections is None else collections
        self.keys = np.zeros(0, KEY) if keys is None else keys

    def __len__(self) -> int:
        return len(self.ids)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Where each record id sits, -1 for ids the state does not hold."""
        if not len(self.ids):
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def keys_of(self, ids: np.ndarray) -> np.ndarray:
        """The text key each record id was indexed with, b"" where none."""
        pos = self.positions(ids)
        keys = np.zeros(len(ids), KEY)
        keys[pos >= 0] = self.keys[pos[pos >= 0]]
        return keys

    def changed(self, ids: np.ndarray, markers: np.ndarray) -> np.ndarray:
        """Which of these records (with their current markers) are new or changed since they were indexed."""
        pos = self.positions(ids)
        changed = pos < 0
        changed[~changed] = self.markers[pos[~changed]] != markers[~changed]
        return changed

    def gone(self, ids: np.ndarray, collection: int | None = None) -> np.ndarray:
        """Record ids the state holds (of one collection, when given) that are not among ids (sorted)."""
        held = ~np.isin(self.ids, ids, assume_unique=True)
        if collection is not None:
            held &= self.collections == collection
        return self.ids[held]

    def put(self, ids: np.ndarray, markers: np.ndarray, collections: np.ndarray, keys: np.ndarray) -> None:
        """Set the entries of these record ids (distinct), replacing what they had."""
        keep = ~np.isin(self.ids, ids)
        merged = [
            np.concatenate([old[keep], np.asarray(new, dtype=old.dtype)])
            for old, new in zip(self.arrays(), (ids, markers, collections, keys), strict=True)
        ]
        order = np.argsort(merged[0], kind="stable")
        self.ids, self.markers, self.collections, self.keys = (a[order] for a in merged)

    def remove(self, ids: Iterable[int] | np.ndarray) -> None:
        keep = ~np.isin(self.ids, np.asarray(ids, dtype=np.int64))
        self.ids, self.markers, self.collections, self.keys = (a[keep] for a in self.arrays())

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.ids, self.markers, self.collections, self.keys

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.savez(fh, ids=self.ids, markers=self.markers, collections=self.collections, keys=self.keys)

    @classmethod
    def load(cls, path: Path) -> SyncState:
        with np.load(path) as data:
            return cls(data["ids"], data["markers"], data["collections"], data["keys"])

    @classmethod
    def of_dict(cls, records: dict[str, list]) -> SyncState:
        """The state an older verrijk kept in state.json: record id -> [marker, collection id, text key]."""
        ids = np.array([int(k) for k in records], dtype=np.int64)
        entries = list(records.values())
        state = cls()
        state.put(
            ids,
            np.array([marker_hash(m) for m, _, _ in entries], dtype=np.int64),
            np.array([c for _, c, _ in entries], dtype=np.int64),
            np.array([k for _, _, k in entries], dtype=KEY),
        )
        return state

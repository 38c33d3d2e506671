"""FAISS vector index: exact below a size threshold, HNSW above it; incremental, filtered, persisted.

HNSW graphs cannot drop a vector, so both kinds share one scheme: each vector sits in a slot, `labels` maps
slots to record ids (-1 once replaced or deleted), searches skip dead slots through a bitmap selector, and
the index compacts itself when a fifth of its slots are dead.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

KINDS = ("auto", "flat", "hnsw")
FACTORIES = {"flat": "Flat", "hnsw": "HNSW32,SQ8"}


class VectorIndex:
    def __init__(self, dim: int, kind: str = "auto", exact_below: int = 50_000, ef_search: int = 96):
        if kind not in KINDS:
            raise ValueError(f"index kind {kind!r} is not one of {', '.join(KINDS)}")
        self.dim, self.requested, self.exact_below, self.ef_search = dim, kind, exact_below, ef_search
        self.labels = np.empty(0, dtype=np.int64)
        self.slots: dict[int, int] = {}
        self.kind = "flat"
        self.index = self._new_index("flat", np.zeros((0, dim), np.float32))

    def __len__(self) -> int:
        return len(self.slots)

    def _new_index(self, kind: str, training: np.ndarray) -> faiss.Index:
        index = faiss.index_factory(self.dim, FACTORIES[kind], faiss.METRIC_INNER_PRODUCT)
        if kind == "hnsw":
            index.hnsw.efConstruction = 80
            index.train(training)
        return index

    def _wanted_kind(self, size: int) -> str:
        if self.requested != "auto":
            return self.requested
        return "flat" if size < self.exact_below else "hnsw"

    def upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under record ids, replacing any vector an id had."""
        ids = np.asarray(ids, dtype=np.int64)
        self.remove(ids)
        start = len(self.labels)
        self.labels = np.concatenate([self.labels, ids])
        self.slots.update(zip(ids.tolist(), range(start, start + len(ids)), strict=True))
        if self.kind != self._wanted_kind(len(self.slots)) or (self.kind == "hnsw" and not self.index.is_trained):
            self.rebuild(extra=np.ascontiguousarray(vectors, dtype=np.float32))
        else:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def remove(self, ids: np.ndarray) -> None:
        for record_id in np.asarray(ids, dtype=np.int64).tolist():
            slot = self.slots.pop(record_id, None)
            if slot is not None:
                self.labels[slot] = -1
        dead = len(self.labels) - len(self.slots)
        if dead and dead >= max(64, len(self.labels) // 5):
            self.rebuild()

    def rebuild(self, extra: np.ndarray | None = None) -> None:
        """Re-make the index from its live vectors (plus vectors not yet added for the newest slots)."""
        stored = self.index.ntotal
        live = np.flatnonzero(self.labels[:stored] >= 0)
        parts = [self.index.reconstruct_batch(live) if len(live) else np.zeros((0, self.dim), np.float32)]
        pending = self.labels[stored:]
        if extra is not None:
            parts.append(extra[pending >= 0])
        vectors = np.concatenate(parts).astype(np.float32)
        self.labels = np.concatenate([self.labels[live], pending[pending >= 0]])
        self.slots = {record_id: slot for slot, record_id in enumerate(self.labels.tolist())}
        self.kind = self._wanted_kind(len(self.labels))
        self.index = self._new_index(self.kind, vectors)
        self.index.add(vectors)

    def vector(self, record_id: int) -> np.ndarray | None:
        slot = self.slots.get(record_id)
        return None if slot is None else self.index.reconstruct(slot)

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """The k nearest live vectors by inner product, among allowed record ids when given."""
        mask = self.labels >= 0
        if allowed is not None:
            mask &= np.isin(self.labels, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        candidates = int(mask.sum())
        k = min(k, candidates)
        if k <= 0:
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if self.kind == "hnsw" and candidates <= 20 * self.ef_search:
            return self._exact_among(np.flatnonzero(mask), query[0], k)
        bitmap = np.packbits(mask, bitorder="little")
        selector = None if candidates == len(mask) else faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, k))
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, slots = self.index.search(query, k, params=params)
        return [(int(self.labels[s]), float(d)) for s, d in zip(slots[0], scores[0], strict=True) if s >= 0]

    def _exact_among(self, slots: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Few candidates (a narrow filter): score them all rather than walk a graph that mostly skips them."""
        scores = self.index.reconstruct_batch(slots) @ query
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.labels[slots[i]]), float(scores[i])) for i in best]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / "vectors.faiss.tmp"))
        np.save(directory / "labels.tmp.npy", self.labels)
        os.replace(directory / "vectors.faiss.tmp", directory / "vectors.faiss")
        os.replace(directory / "labels.tmp.npy", directory / "labels.npy")

    @classmethod
    def load(cls, directory: Path, dim: int, kind: str = "auto", exact_below: int = 50_000) -> VectorIndex:
        index = cls(dim, kind, exact_below)
        if (directory / "vectors.faiss").exists():
            index.index = faiss.read_index(str(directory / "vectors.faiss"))
            index.kind = "hnsw" if isinstance(index.index, faiss.IndexHNSW) else "flat"
            index.labels = np.load(directory / "labels.npy")
            index.slots = {int(r): s for s, r in enumerate(index.labels.tolist()) if r >= 0}
        return index

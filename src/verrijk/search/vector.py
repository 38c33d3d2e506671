"""FAISS vector index: exact below a size threshold, HNSW above it; incremental, filtered, persisted.

HNSW graphs cannot drop a vector, so both kinds share one scheme: each vector sits in a slot, `labels` maps
slots to record ids (-1 once replaced or deleted), searches skip dead slots through a bitmap selector, and
the index compacts itself when a fifth of its slots are dead.

An unfiltered query costs O(1) Python work outside FAISS: the dead-slot selector is built once per change, not
per query (at a million vectors, scanning the labels on every query cost more than the graph search itself); a
filter's few ids go through the id map, many in one vectorised pass over the labels. HNSW's efSearch is chosen
from the index's own vectors (see `tune`) and re-chosen each time the index doubles, unless a fixed value is given.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import faiss
import numpy as np

KINDS = ("auto", "flat", "hnsw")
FACTORIES = {"flat": "Flat", "hnsw": "HNSW32,SQ8"}
EF_CONSTRUCTION = 160
EF_LADDER = (32, 48, 64, 80, 96, 128, 160, 192, 256)
EF_REFERENCE = 1024  # the deep search whose top 10 the tuned efSearch must agree with
TUNE_TARGET = 0.99  # mean share of the reference top 10 that the chosen efSearch finds
TUNE_QUERIES = 200
EXACT_AMONG = 2048  # a filter leaving at most this many records (or 1 % of the index) is scored exactly


class VectorIndex:
    def __init__(self, dim: int, kind: str = "auto", exact_below: int = 50_000, ef_search: int | None = None):
        """ef_search None: chosen by `tune` (HNSW only); a number fixes it."""
        if kind not in KINDS:
            raise ValueError(f"index kind {kind!r} is not one of {', '.join(KINDS)}")
        self.dim, self.requested, self.exact_below = dim, kind, exact_below
        self.fixed_ef = ef_search
        self.ef_search = ef_search or 96  # until `tune` has vectors to choose with
        self.tuned_at = 0  # how many slots the index had when efSearch was last chosen
        self.labels = np.empty(0, dtype=np.int64)
        self.slots: dict[int, int] = {}
        self._dead: tuple[np.ndarray, faiss.IDSelector] | None = None
        self.kind = "flat"
        self.index = self._new_index("flat", np.zeros((0, dim), np.float32))

    def __len__(self) -> int:
        return len(self.slots)

    def _new_index(self, kind: str, training: np.ndarray) -> faiss.Index:
        index = faiss.index_factory(self.dim, FACTORIES[kind], faiss.METRIC_INNER_PRODUCT)
        if kind == "hnsw":
            index.hnsw.efConstruction = EF_CONSTRUCTION
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
        self._dead = None
        if self.kind != self._wanted_kind(len(self.slots)) or (self.kind == "hnsw" and not self.index.is_trained):
            self.rebuild(extra=np.ascontiguousarray(vectors, dtype=np.float32))
        else:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            if self.kind == "hnsw" and self.fixed_ef is None and self.index.ntotal >= 2 * self.tuned_at:
                self.tune()

    def remove(self, ids: np.ndarray) -> None:
        for record_id in np.asarray(ids, dtype=np.int64).tolist():
            slot = self.slots.pop(record_id, None)
            if slot is not None:
                self.labels[slot] = -1
                self._dead = None
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
        self._dead = None
        self.kind = self._wanted_kind(len(self.labels))
        self.index = self._new_index(self.kind, vectors)
        self.index.add(vectors)
        if self.kind == "hnsw" and self.fixed_ef is None:
            self.tune()

    def tune(self) -> int:
        """Choose efSearch: the smallest on EF_LADDER whose top 10 holds TUNE_TARGET of a deep search's.

        The queries are a sample of the index's own vectors, each left out of its own results, so the choice
        follows how clustered this collection is instead of a constant fitted to one data set. Agreement with
        an efSearch-1024 search stands in for exact recall: exact search over a million vectors for the sample
        would cost more than the graph build, while the deep search costs a fraction of a second.
        """
        live = np.flatnonzero(self.labels >= 0)
        self.tuned_at = self.index.ntotal
        if len(live) <= TUNE_QUERIES:
            return self.ef_search
        sample = np.random.default_rng(len(live)).choice(live, TUNE_QUERIES, replace=False)
        queries = self.index.reconstruct_batch(sample)

        def top(ef: int) -> np.ndarray:
            params = faiss.SearchParametersHNSW(sel=self._dead_selector(), efSearch=ef)
            return self.index.search(queries, 11, params=params)[1]

        reference = top(EF_REFERENCE)
        for ef in EF_LADDER:
            found = top(ef)
            agreement = np.mean(
                [
                    len(set(f.tolist()) & set(r.tolist()) - {s, -1}) / max(1, len(set(r.tolist()) - {s, -1}))
                    for f, r, s in zip(found, reference, sample, strict=True)
                ]
            )
            if agreement >= TUNE_TARGET:
                break
        self.ef_search = ef
        return ef

    def vector(self, record_id: int) -> np.ndarray | None:
        slot = self.slots.get(record_id)
        return None if slot is None else self.index.reconstruct(slot)

    def _dead_selector(self) -> faiss.IDSelector | None:
        """A selector of the live slots, made once per change; None while no slot is dead."""
        if len(self.slots) == len(self.labels):
            return None
        if self._dead is None:
            bitmap = np.packbits(self.labels >= 0, bitorder="little")
            self._dead = (bitmap, faiss.IDSelectorBitmap(len(self.labels), faiss.swig_ptr(bitmap)))
        return self._dead[1]

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """The k nearest live vectors by inner product, among allowed record ids when given."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        bitmap = None
        if allowed is None:
            candidates, selector = len(self.slots), self._dead_selector()
        else:
            found = self._slots_of(allowed)
            candidates = len(found)
            if self.kind == "hnsw" and candidates <= max(EXACT_AMONG, len(self.labels) // 100):
                return self._exact_among(found, query[0], min(k, candidates))
            mask = np.zeros(len(self.labels), dtype=bool)
            mask[found] = True
            bitmap = np.packbits(mask, bitorder="little")  # kept alive for the selector until the search is done
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        k = min(k, candidates)
        if k <= 0:
            return []
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, k))
        else:
            params = None if selector is None else faiss.SearchParameters(sel=selector)
        scores, slots = self.index.search(query, k, params=params)
        del bitmap
        hit = slots[0] >= 0
        return list(zip(self.labels[slots[0][hit]].tolist(), scores[0][hit].tolist(), strict=True))

    def _slots_of(self, ids: set[int]) -> np.ndarray:
        """The live slots of record ids: through the id map for a few, one vectorised pass over labels for many."""
        if len(ids) * 100 < len(self.labels):
            return np.fromiter((s for s in map(self.slots.get, ids) if s is not None), dtype=np.int64)
        return np.flatnonzero(np.isin(self.labels, np.fromiter(ids, dtype=np.int64, count=len(ids))))

    def _exact_among(self, slots: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Few candidates (a narrow filter): score them all rather than walk a graph that mostly skips them."""
        if k <= 0:
            return []
        scores = self.index.reconstruct_batch(slots) @ query
        best = np.argsort(-scores, kind="stable")[:k]
        return list(zip(self.labels[slots[best]].tolist(), scores[best].tolist(), strict=True))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / "vectors.faiss.tmp"))
        np.save(directory / "labels.tmp.npy", self.labels)
        state = {"ef_search": self.ef_search, "tuned_at": self.tuned_at}
        (directory / "vectors.tmp.json").write_text(json.dumps(state))
        os.replace(directory / "vectors.faiss.tmp", directory / "vectors.faiss")
        os.replace(directory / "labels.tmp.npy", directory / "labels.npy")
        os.replace(directory / "vectors.tmp.json", directory / "vectors.json")

    @classmethod
    def load(
        cls, directory: Path, dim: int, kind: str = "auto", exact_below: int = 50_000, ef_search: int | None = None
    ) -> VectorIndex:
        index = cls(dim, kind, exact_below, ef_search)
        if (directory / "vectors.faiss").exists():
            index.index = faiss.read_index(str(directory / "vectors.faiss"))
            index.kind = "hnsw" if isinstance(index.index, faiss.IndexHNSW) else "flat"
            index.labels = np.load(directory / "labels.npy")
            index.slots = {int(r): s for s, r in enumerate(index.labels.tolist()) if r >= 0}
            meta = directory / "vectors.json"
            if meta.exists() and ef_search is None:
                state = json.loads(meta.read_text())
                index.ef_search, index.tuned_at = state["ef_search"], state["tuned_at"]
        return index

"""FAISS vector index: exact below a size threshold, HNSW above it, IVF for the largest; incremental, filtered,
persisted.

Graph and inverted-file indexes are not cheap to remove from, so every kind shares one scheme: each vector sits in a
slot, `labels` maps slots to record ids (-1 once replaced or deleted), searches skip dead slots through a bitmap
selector, and the index compacts itself when a fifth of its slots are dead. A record id finds its slot through the
labels sorted once per change (no dictionary: at a million vectors a dict of ids cost ~100 MB).

An unfiltered query costs O(1) Python work outside FAISS: the dead-slot selector is built once per change, not per
query; a filter's few ids go through the sorted labels, many in one vectorised pass. How wide a search looks
(HNSW's efSearch, IVF's nprobe) is chosen from the index's own vectors (see `tune`) and chosen again each time the
index doubles, unless a fixed value is given. IVF (`IVF<lists>,SQ8`, k-means on a sample) builds a million
vectors in about a minute on two cores where HNSW takes many; it is re-trained each time it doubles.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import faiss
import numpy as np

KINDS = ("auto", "flat", "hnsw", "ivf")
FACTORIES = {"flat": "Flat", "hnsw": "HNSW32,SQ8", "ivf": "IVF{lists},SQ8"}
EF_CONSTRUCTION = 160
EF_LADDER = (32, 48, 64, 80, 96, 128, 160, 192, 256)
EF_REFERENCE = 1024  # the deep search whose top 10 the tuned efSearch must agree with
NPROBE_LADDER = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
NPROBE_REFERENCE = 256  # the deep IVF search whose top 10 the tuned nprobe must agree with (or every list if fewer)
TUNE_TARGET = 0.99  # mean share of the reference top 10 that the chosen width finds
TUNE_QUERIES = 200
EXACT_AMONG = 2048  # a filter leaving at most this many records (or 1 % of the index) is scored exactly
TRAIN_SAMPLE = 100_000  # vectors an index is trained on (HNSW's 8-bit ranges, IVF's k-means) at most
POINTS_PER_LIST = 39  # k-means wants at least this many training vectors per IVF list
COPY_CHUNK = 65_536  # vectors copied at a time when the index is made again


def ivf_lists(size: int, training: int) -> int:
    """IVF lists for an index of `size` vectors: a power of two near 2 sqrt(size), within what `training` trains."""
    wanted = 2 ** round(math.log2(max(2.0, 2 * math.sqrt(size))))
    return int(max(1, min(wanted, 2 ** math.floor(math.log2(max(1, training // POINTS_PER_LIST))))))


def kind_of(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "ivf" if isinstance(index, faiss.IndexIVF) else "flat"


class VectorIndex:
    def __init__(
        self,
        dim: int,
        kind: str = "auto",
        exact_below: int = 50_000,
        ef_search: int | None = None,
        ivf_above: int = 300_000,
    ):
        """ef_search None: the search width (efSearch, nprobe) chosen by `tune`; a number fixes HNSW's efSearch.
        kind auto: exact below `exact_below` vectors, HNSW up to `ivf_above`, IVF above."""
        if kind not in KINDS:
            raise ValueError(f"index kind {kind!r} is not one of {', '.join(KINDS)}")
        self.dim, self.requested, self.exact_below, self.ivf_above = dim, kind, exact_below, ivf_above
        self.fixed_ef = ef_search
        self.ef_search = ef_search or 96  # until `tune` has vectors to choose with
        self.nprobe = 16
        self.tuned_at = 0  # how many slots the index had when its width was last chosen
        self.trained_for = 0  # how many vectors the IVF lists were made for
        self.expected = 0  # how many vectors a sync under way will leave (chooses the kind before they are all in)
        self.labels = np.empty(0, dtype=np.int64)
        self._live = 0
        self._order: np.ndarray | None = None  # slots in label order, made when a lookup needs it
        self._dead: tuple[np.ndarray, faiss.IDSelector] | None = None
        self.kind = "flat"
        self.index = self._new_index("flat", np.zeros((0, dim), np.float32), 0)

    def __len__(self) -> int:
        return self._live

    def _new_index(self, kind: str, training: np.ndarray, size: int) -> faiss.Index:
        spec = FACTORIES[kind].format(lists=ivf_lists(max(size, self.expected), len(training)))
        index = faiss.index_factory(self.dim, spec, faiss.METRIC_INNER_PRODUCT)
        if kind == "hnsw":
            index.hnsw.efConstruction = EF_CONSTRUCTION
        if kind != "flat":
            index.train(training)
        if kind == "ivf":
            index.make_direct_map()  # reconstructing a slot's vector (similar records, compaction)
        return index

    def _wanted_kind(self, size: int) -> str:
        if self.requested != "auto":
            return self.requested
        size = max(size, self.expected)
        return "flat" if size < self.exact_below else "hnsw" if size <= self.ivf_above else "ivf"

    def expect(self, size: int) -> None:
        """A sync will leave about this many vectors: choose the kind for that size from its first vectors on."""
        self.expected = size

    def upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under record ids, replacing any vector an id had."""
        ids = np.asarray(ids, dtype=np.int64)
        self.remove(ids)
        self.labels = np.concatenate([self.labels, ids])
        self._live += len(ids)
        self._order = self._dead = None
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.kind != self._wanted_kind(self._live) or (self.kind == "ivf" and self._live > 2 * self.trained_for):
            self.rebuild(extra=vectors)  # another kind, or an inverted file made for half as many vectors
        else:
            self.index.add(vectors)
            if self.kind != "flat" and self.fixed_ef is None and self.index.ntotal >= 2 * self.tuned_at:
                self.tune()

    def remove(self, ids: np.ndarray) -> None:
        slots = self._slots_of(np.asarray(ids, dtype=np.int64))
        slots = slots[slots >= 0]
        if len(slots):
            self.labels[slots] = -1
            self._live -= len(np.unique(slots))
            self._order = self._dead = None
        dead = len(self.labels) - self._live
        if dead and dead >= max(64, len(self.labels) // 5):
            self.rebuild()

    def rebuild(self, extra: np.ndarray | None = None) -> None:
        """Re-make the index from its live vectors (plus vectors not yet added for the newest slots), copying them
        a chunk at a time: at a million vectors a float copy of them all would be 2 GB."""
        stored = self.index.ntotal
        live = np.flatnonzero(self.labels[:stored] >= 0)
        pending = self.labels[stored:]
        extra = np.zeros((0, self.dim), np.float32) if extra is None else extra[pending >= 0]
        self.labels = np.concatenate([self.labels[live], pending[pending >= 0]])
        self._order = self._dead = None
        self.kind = self._wanted_kind(len(self.labels))
        sample = np.sort(np.random.default_rng(len(self.labels)).permutation(len(self.labels))[:TRAIN_SAMPLE])
        old, fresh = sample[sample < len(live)], sample[sample >= len(live)] - len(live)
        training = np.concatenate([self._stored_vectors(live[old]), extra[fresh]])
        index = self._new_index(self.kind, training, len(self.labels))
        for start in range(0, len(live), COPY_CHUNK):
            index.add(self._stored_vectors(live[start : start + COPY_CHUNK]))
        index.add(extra)
        self.index = index
        self.trained_for = max(len(self.labels), self.expected)
        if self.kind != "flat" and self.fixed_ef is None:
            self.tune()

    def _stored_vectors(self, slots: np.ndarray) -> np.ndarray:
        if not len(slots):
            return np.zeros((0, self.dim), np.float32)
        return self.index.reconstruct_batch(slots).astype(np.float32, copy=False)

    def _params(self, selector: faiss.IDSelector | None, k: int, width: int | None = None):
        """Search parameters: the dead-slot or filter selector and the search width (efSearch, nprobe)."""
        if self.kind == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(width or self.ef_search, k))
        if self.kind == "ivf":
            return faiss.SearchParametersIVF(sel=selector, nprobe=width or self.nprobe)
        return None if selector is None else faiss.SearchParameters(sel=selector)

    def tune(self) -> int:
        """Choose the search width: the smallest on the kind's ladder whose top 10 holds TUNE_TARGET of a deep
        search's (efSearch 1024; nprobe 256, or every IVF list when fewer).

        The queries are a sample of the index's own vectors, each left out of its own results, so the choice
        follows how clustered this collection is instead of a constant fitted to one data set. Agreement with a
        deep search stands in for exact recall: exact search over a million vectors for the sample would cost
        more than a graph build, while the deep search costs a few seconds at most.
        """
        live = np.flatnonzero(self.labels >= 0)
        self.tuned_at = self.index.ntotal
        if len(live) <= TUNE_QUERIES:
            return self.ef_search if self.kind == "hnsw" else self.nprobe
        sample = np.random.default_rng(len(live)).choice(live, TUNE_QUERIES, replace=False)
        queries = self._stored_vectors(sample)
        hnsw = self.kind == "hnsw"
        deepest = EF_REFERENCE if hnsw else min(self.index.nlist, NPROBE_REFERENCE)
        ladder = EF_LADDER if hnsw else [n for n in NPROBE_LADDER if n < deepest] + [deepest]

        def top(width: int) -> np.ndarray:
            return self.index.search(queries, 11, params=self._params(self._dead_selector(), 11, width))[1]

        reference = top(deepest)
        for width in ladder:
            found = top(width)
            agreement = np.mean(
                [
                    len(set(f.tolist()) & set(r.tolist()) - {s, -1}) / max(1, len(set(r.tolist()) - {s, -1}))
                    for f, r, s in zip(found, reference, sample, strict=True)
                ]
            )
            if agreement >= TUNE_TARGET:
                break
        if hnsw:
            self.ef_search = width
        else:
            self.nprobe = width
        return width

    def vector(self, record_id: int) -> np.ndarray | None:
        slot = int(self._slots_of(np.array([record_id], dtype=np.int64))[0])
        return None if slot < 0 else self.index.reconstruct(slot)

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Per record id, whether the index holds a vector for it."""
        return self._slots_of(np.asarray(ids, dtype=np.int64)) >= 0

    def _dead_selector(self) -> faiss.IDSelector | None:
        """A selector of the live slots, made once per change; None while no slot is dead."""
        if self._live == len(self.labels):
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
            candidates, selector = self._live, self._dead_selector()
        else:
            found = self._slots_of(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            found = np.unique(found[found >= 0])
            candidates = len(found)
            if self.kind != "flat" and candidates <= max(EXACT_AMONG, len(self.labels) // 100):
                return self._exact_among(found, query[0], min(k, candidates))
            mask = np.zeros(len(self.labels), dtype=bool)
            mask[found] = True
            bitmap = np.packbits(mask, bitorder="little")  # kept alive for the selector until the search is done
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        k = min(k, candidates)
        if k <= 0:
            return []
        scores, slots = self.index.search(query, k, params=self._params(selector, k))
        del bitmap
        hit = slots[0] >= 0
        return list(zip(self.labels[slots[0][hit]].tolist(), scores[0][hit].tolist(), strict=True))

    def _slots_of(self, ids: np.ndarray) -> np.ndarray:
        """The live slot of each record id, -1 where the index holds none (a binary search in the sorted labels)."""
        if not len(self.labels) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        if self._order is None:
            self._order = np.argsort(self.labels, kind="stable")
        ordered = self.labels[self._order]
        pos = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
        return np.where((ordered[pos] == ids) & (ids >= 0), self._order[pos], -1)

    def _exact_among(self, slots: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Few candidates (a narrow filter): score them all rather than walk a graph that mostly skips them."""
        if k <= 0:
            return []
        scores = self._stored_vectors(slots) @ query
        best = np.argsort(-scores, kind="stable")[:k]
        return list(zip(self.labels[slots[best]].tolist(), scores[best].tolist(), strict=True))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / "vectors.faiss.tmp"))
        np.save(directory / "labels.tmp.npy", self.labels)
        state = {"ef_search": self.ef_search, "nprobe": self.nprobe, "tuned_at": self.tuned_at}
        state["trained_for"] = self.trained_for
        (directory / "vectors.tmp.json").write_text(json.dumps(state))
        os.replace(directory / "vectors.faiss.tmp", directory / "vectors.faiss")
        os.replace(directory / "labels.tmp.npy", directory / "labels.npy")
        os.replace(directory / "vectors.tmp.json", directory / "vectors.json")

    @classmethod
    def load(
        cls,
        directory: Path,
        dim: int,
        kind: str = "auto",
        exact_below: int = 50_000,
        ef_search: int | None = None,
        ivf_above: int = 300_000,
    ) -> VectorIndex:
        index = cls(dim, kind, exact_below, ef_search, ivf_above)
        if (directory / "vectors.faiss").exists():
            index.index = faiss.read_index(str(directory / "vectors.faiss"))
            index.kind = kind_of(index.index)
            index.labels = np.load(directory / "labels.npy")
            index._live = int(np.count_nonzero(index.labels >= 0))
            meta = directory / "vectors.json"
            if meta.exists():
                state = json.loads(meta.read_text())
                index.tuned_at, index.trained_for = state["tuned_at"], state.get("trained_for", len(index.labels))
                if ef_search is None:
                    index.ef_search, index.nprobe = state["ef_search"], state.get("nprobe", index.nprobe)
        return index

"""The content-hash cache of text embeddings: vectors keyed by model and text, saved beside an organisation's
search index and read back memory-mapped."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from verrijk.search.embed import Embedder, Progress


def text_key(embedder: Embedder, text: str) -> str:
    """The cache key of a text: what is embedded and by which model, so unchanged text is never embedded twice."""
    return hashlib.sha1(f"{embedder.version}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors keyed by text hash, one cache per model in an organisation's search directory, kept on disk.

    Saved as two .npy files beside `path` (<stem>.keys.npy: the sorted keys; <stem>.vectors.npy: their rows) and read
    back memory-mapped: at a million 512-d vectors the rows (2 GB of float32) stay in the page cache, not in the
    server's memory; only the sorted keys (40 bytes each) are held. Vectors embedded since the last save are kept
    in memory until `save` merges them in. A cache saved by an older verrijk as one .npz at `path` is read once
    and written in the new form on the next save.
    """

    CHUNK = 65_536  # rows copied at a time when a save merges

    def __init__(self, path: Path, dim: int):
        self.path, self.dim = path, dim
        self.keys_path = path.with_name(f"{path.stem}.keys.npy")
        self.vectors_path = path.with_name(f"{path.stem}.vectors.npy")
        self._keys = np.empty(0, dtype="S40")  # sorted
        self._rows = np.zeros((0, dim), np.float32)  # memory-mapped once saved
        self._fresh: dict[str, np.ndarray] = {}  # embedded since the last save
        self._keep: np.ndarray | None = None  # the keys the next save keeps, sorted (None: every key)
        if self.keys_path.exists() and self.vectors_path.exists():
            self._keys = np.load(self.keys_path)
            self._rows = np.load(self.vectors_path, mmap_mode="r")
        elif path.exists():
            with np.load(path) as data:
                self._fresh = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def _stored(self, keys: list[str]) -> np.ndarray:
        """Per key, its row in the saved files, or -1."""
        if not keys:
            return np.empty(0, np.int64)
        wanted = np.array(keys, dtype="S40")
        rows = np.searchsorted(self._keys, wanted)
        found = rows < len(self._keys)
        found[found] = self._keys[rows[found]] == wanted[found]
        return np.where(found, rows, -1)

    def vectors(
        self, embedder: Embedder, texts: Sequence[str], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[str]]:
        """Vectors for texts (embedding only those not cached) and their keys; progress counts every text, the cached
        ones and repeats of a text as done from the start."""
        keys = [text_key(embedder, t) for t in texts]
        absent = self.missing(keys)
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k in absent}
        known = len(texts) - len(missing)
        if missing:
            done = (lambda n, _: progress(known + n, len(texts))) if progress else None
            fresh = embedder.embed(list(missing.values()), progress=done)
            self._fresh.update(zip(missing, fresh, strict=True))
        elif progress and texts:
            progress(len(texts), len(texts))
        out = np.zeros((len(keys), self.dim), np.float32)
        rows = self._stored(keys)
        on_disk = np.flatnonzero(rows >= 0)
        out[on_disk] = self._rows[rows[on_disk]]  # one fancy-indexed read from the memory map, in key order
        for i in np.flatnonzero(rows < 0).tolist():
            out[i] = self._fresh[keys[i]]
        return out, keys

    def missing(self, keys: list[str]) -> set[str]:
        stored = self._stored(keys)
        return {k for k, row in zip(keys, stored.tolist(), strict=True) if row < 0 and k not in self._fresh}

    def keep_only(self, keys: set[str] | np.ndarray) -> None:
        """Let the next save drop every vector but these (a set of keys, or an array of them as bytes)."""
        self._keep = np.unique(np.array(list(keys) if isinstance(keys, set) else keys, dtype="S40"))
        fresh = list(self._fresh)
        kept = np.isin(np.array(fresh, dtype="S40"), self._keep) if fresh else []
        self._fresh = {k: self._fresh[k] for k, held in zip(fresh, kept, strict=True) if held}

    def save(self) -> None:
        """Merge the fresh vectors into the files (dropping what keep_only left out); nothing to do, nothing written."""
        keep = np.ones(len(self._keys), bool)
        if self._keep is not None:
            keep = np.isin(self._keys, self._keep)
        unsaved = list(self._fresh)
        fresh = {k: self._fresh[k] for k, row in zip(unsaved, self._stored(unsaved).tolist(), strict=True) if row < 0}
        stored_files = self.keys_path.exists() and self.vectors_path.exists()
        if not fresh and keep.all() and stored_files:
            self._fresh, self._keep = {}, None
            return
        old = np.flatnonzero(keep)
        fresh_keys = np.array(list(fresh), dtype="S40")
        keys = np.concatenate([self._keys[old], fresh_keys])
        order = np.argsort(keys, kind="stable")
        tmp_vectors = self.vectors_path.with_name(f"{self.path.stem}.tmp.vectors.npy")
        out = np.lib.format.open_memmap(tmp_vectors, mode="w+", dtype=np.float32, shape=(len(keys), self.dim))
        fresh_rows = np.stack(list(fresh.values())) if fresh else np.zeros((0, self.dim), np.float32)
        for start in range(0, len(keys), self.CHUNK):
            part = order[start : start + self.CHUNK]
            from_old = part < len(old)
            block = np.empty((len(part), self.dim), np.float32)
            block[from_old] = self._rows[old[part[from_old]]]
            block[~from_old] = fresh_rows[part[~from_old] - len(old)]
            out[start : start + len(part)] = block
        out.flush()
        del out
        tmp_keys = self.keys_path.with_name(f"{self.path.stem}.tmp.keys.npy")
        np.save(tmp_keys, keys[order])
        os.replace(tmp_vectors, self.vectors_path)
        os.replace(tmp_keys, self.keys_path)
        self.path.unlink(missing_ok=True)  # an older verrijk's .npz, now merged
        self._keys = np.load(self.keys_path)
        self._rows = np.load(self.vectors_path, mmap_mode="r")
        self._fresh, self._keep = {}, None

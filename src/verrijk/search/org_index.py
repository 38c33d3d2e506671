"""One organisation's search index on disk: its vector index, lexical index, image vectors, embedding cache and
sync state in one directory, saved and read as a whole under a file lock that worker processes share."""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from verrijk.search.embed import Embedder
from verrijk.search.embedding_cache import EmbeddingCache
from verrijk.search.lexical import LexicalIndex, UnreadableIndex
from verrijk.search.sync_state import KEY, SyncState
from verrijk.search.vector import VectorIndex

if TYPE_CHECKING:
    from verrijk.search.service import SearchSettings

log = logging.getLogger(__name__)
STATE_FORMAT = 2  # state.json without the records, which are in records.npz (SyncState); 1 held them as a dict


class OrgIndex:
    """One organisation's vector index, lexical index, image (ConSE) vectors, embedding cache and sync state, in
    its own directory; and, in memory only (read from the store again by each process), its images' CLIP
    embeddings when a CLIP is configured."""

    def __init__(self, directory: Path, embedder: Embedder, settings: SearchSettings):
        self.directory, self.embedder, self.settings = directory, embedder, settings
        directory.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.cache = EmbeddingCache(directory / "embeddings.npz", embedder.dim)
        state_path = directory / "state.json"
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        self.fingerprint: str | None = state.get("fingerprint")
        self.vectors = self.load_vectors(directory)
        self.images = self.load_vectors(directory / "images")
        self.images_stamp: str | None = state.get("images_stamp")
        self.image_keys: set[str] = set(state.get("image_keys", []))  # label names the image vectors mix
        self.images_checked = float("-inf")  # time.monotonic() of the last look at the labels' stamp
        self.clip: VectorIndex | None = None
        self.clip_stamp: str | None = None
        self.embedding: threading.Thread | None = None
        self.checked_at = 0.0  # when the fingerprint was last compared with the database (time.monotonic)
        self.check_cost = 0.0  # how long that took, in seconds
        try:
            self.records = self._read_state(state)
            self.lexical = LexicalIndex.load(directory / "lexical", legacy=directory / "lexical.json.gz")
        except UnreadableIndex as exc:  # derived data: the next search rebuilds every part from the records
            log.warning("search index rebuilt: %s", exc)
            self.reset()
            state_path.unlink(missing_ok=True)  # no process may take the saved set as in step with the records

    def _read_state(self, state: dict) -> SyncState:
        """The per-record sync state: its arrays (format 2), or the dictionary an older verrijk kept in state.json."""
        if not state:
            return SyncState()
        if "records" in state:
            return SyncState.of_dict(state["records"])
        if state.get("format") != STATE_FORMAT:
            raise UnreadableIndex(f"its sync state has layout {state.get('format')}, this version reads {STATE_FORMAT}")
        try:
            return SyncState.load(self.directory / "records.npz")
        except (OSError, KeyError, ValueError) as exc:
            raise UnreadableIndex(f"its sync state is unreadable ({exc})") from exc

    def new_vectors(self, dim: int | None = None) -> VectorIndex:
        """An empty vector index of the settings' kind, of the embedder's dimension unless another is given."""
        s = self.settings
        return VectorIndex(dim or self.embedder.dim, s.index_kind, s.exact_below, ivf_above=s.ivf_above)

    def load_vectors(self, directory: Path) -> VectorIndex:
        s = self.settings
        return VectorIndex.load(directory, self.embedder.dim, s.index_kind, s.exact_below, ivf_above=s.ivf_above)

    def reset(self) -> None:
        self.records, self.fingerprint = SyncState(), None
        self.vectors = self.new_vectors()
        self.lexical = LexicalIndex()
        self.images = self.new_vectors()
        self.images_stamp, self.image_keys = None, set()
        self.clip, self.clip_stamp = None, None

    def save(self) -> None:
        with files_locked(self.directory, fcntl.LOCK_EX):
            self.vectors.save(self.directory)
            self.lexical.save(self.directory / "lexical")
            self.images.save(self.directory / "images")
            self.cache.keep_only(np.concatenate([self.records.keys, np.array(sorted(self.image_keys), dtype=KEY)]))
            self.cache.save()
            self.records.save(self.directory / "records.tmp.npz")
            (self.directory / "records.tmp.npz").replace(self.directory / "records.npz")
            state = {
                "format": STATE_FORMAT,
                "fingerprint": self.fingerprint,
                "images_stamp": self.images_stamp,
                "image_keys": sorted(self.image_keys),
            }
            (self.directory / "state.json.tmp").write_text(json.dumps(state))
            (self.directory / "state.json.tmp").replace(self.directory / "state.json")

    def saved_fingerprint(self) -> str | None:
        """The fingerprint of the index on disk, which another worker process may have saved since this one read it."""
        path = self.directory / "state.json"
        with files_locked(self.directory, fcntl.LOCK_SH):
            return json.loads(path.read_text()).get("fingerprint") if path.exists() else None


@contextmanager
def files_locked(directory: Path, mode: int) -> Iterator[None]:
    """An index directory's files as one: a worker process saving them (exclusive) or reading them (shared) never
    sees another's half-written set."""
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, mode)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

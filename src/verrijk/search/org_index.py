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

from verrijk.search.embed import Embedder
from verrijk.search.embedding_cache import EmbeddingCache
from verrijk.search.lexical import LexicalIndex, UnreadableIndex
from verrijk.search.vector import VectorIndex

if TYPE_CHECKING:
    from verrijk.search.service import SearchSettings

log = logging.getLogger(__name__)


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
        # record id -> [change marker, collection id, text key]
        self.records: dict[int, list] = {int(k): v for k, v in state.get("records", {}).items()}
        self.vectors = VectorIndex.load(directory, embedder.dim, settings.index_kind, settings.exact_below)
        self.images = VectorIndex.load(directory / "images", embedder.dim, settings.index_kind, settings.exact_below)
        self.images_stamp: str | None = state.get("images_stamp")
        self.image_keys: set[str] = set(state.get("image_keys", []))  # label names the image vectors mix
        self.images_checked = float("-inf")  # time.monotonic() of the last look at the labels' stamp
        self.clip: VectorIndex | None = None
        self.clip_stamp: str | None = None
        self.embedding: threading.Thread | None = None
        self.checked_at = 0.0  # when the fingerprint was last compared with the database (time.monotonic)
        try:
            self.lexical = LexicalIndex.load(directory / "lexical", legacy=directory / "lexical.json.gz")
        except UnreadableIndex as exc:  # derived data: the next search rebuilds every part from the records
            log.warning("search index rebuilt: its lexical part is unreadable (%s)", exc)
            self.reset()
            state_path.unlink(missing_ok=True)  # no process may take the saved set as in step with the records

    def reset(self) -> None:
        self.records, self.fingerprint = {}, None
        self.vectors = VectorIndex(self.embedder.dim, self.settings.index_kind, self.settings.exact_below)
        self.lexical = LexicalIndex()
        self.images = VectorIndex(self.embedder.dim, self.settings.index_kind, self.settings.exact_below)
        self.images_stamp, self.image_keys = None, set()
        self.clip, self.clip_stamp = None, None

    def save(self) -> None:
        with files_locked(self.directory, fcntl.LOCK_EX):
            self.vectors.save(self.directory)
            self.lexical.save(self.directory / "lexical")
            self.images.save(self.directory / "images")
            self.cache.keep_only({entry[2] for entry in self.records.values()} | self.image_keys)
            self.cache.save()
            state = {
                "fingerprint": self.fingerprint,
                "records": self.records,
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

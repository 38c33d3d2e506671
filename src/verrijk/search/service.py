"""Search operations shared by API, CLI and web: keep organisations' indexes in step with their records, query them."""

from __future__ import annotations

import fcntl
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic_settings import BaseSettings, SettingsConfigDict

from verrijk.records import index_text
from verrijk.search.embed import Embedder, Progress, load_embedder
from verrijk.search.embedding_cache import text_key
from verrijk.search.images import MIN_QUERY_SCORE, TAGGERS, TextToImage, conse_vectors, embedding_matrix
from verrijk.search.lexical import query_terms
from verrijk.search.org_index import OrgIndex, files_locked
from verrijk.search.query import LIST_FIELDS, SearchRequest, encode_cursor
from verrijk.search.ranking import Ordered, Ranked, fuse
from verrijk.search.sync_state import KEY, marker_hash
from verrijk.store.repo import Repo
from verrijk.store.tables import Record

CHUNK = 500
QUERY_VECTORS = 2048  # query texts whose vectors are kept (least recently used dropped): popular searches repeat
CHECK_SHARE = 20  # a search compares with the database at most a twentieth of the time when its scan is slow,
SLOW_CHECK = 0.05  # that is when it takes longer than this (seconds): at a million records it takes most of a second
LARGE_INDEX = 100_000  # ... and the index is this large: a slow scan of a small one is a busy machine, not its size
EMBED_CHUNK = 50_000  # texts embedded (or read from the cache) and added to the vector index at a time


class SearchSettings(BaseSettings):
    """VERRIJK_SEARCH_* settings: which embedder, which vector index, how deep semantic results go."""

    model_config = SettingsConfigDict(env_prefix="VERRIJK_SEARCH_", extra="ignore")

    embedder: str = "use-m3"
    index_kind: str = "auto"
    exact_below: int = 50_000
    ivf_above: int = 300_000  # auto: an inverted file (IVF, k-means lists) instead of HNSW past this many records
    semantic_depth: int = 1000
    embed_inline_max: int = 256  # a search that finds more new texts embeds them in the background
    # a search looks whether the image taggers' labels changed at most this often (a count over the suggestions)
    images_recheck_s: float = 10.0
    # an image whose CLIP embedding is less like the query (cosine) than this is no hit (a CLIP's matching pairs
    # lie around 0.25-0.35, unrelated ones below 0.2)
    clip_min_score: float = 0.2
    # how often a search asks the database whether records changed when this process wrote none (another worker's
    # or the command line's changes show this late; this process's own at once)
    check_seconds: float = 1.0


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    total: int = 0


@dataclass
class Hits:
    """A result list (record ids with their scores, read best first as deep as needed), the query's lexical
    terms, and the spaces that answered (`lexical`, `text:<embedder>`, `image:conse`, `image:<CLIP version>`)."""

    ranked: Ranked
    terms: set[str] = field(default_factory=set)
    spaces: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ranked)

    def top(self, k: int) -> list[tuple[int, float]]:
        """The first k hits, best first, with their scores."""
        return self.ranked.top(k)

    def ids(self) -> np.ndarray:
        """Every hit's record id, in no particular order."""
        return self.ranked.ids()


@dataclass
class HitsPage:
    """One page of a result list: its records with their scores in rank order, how many hits in all, and the
    cursor of the next page (None on the last)."""

    found: list[tuple[Record, float]]
    total: int
    next_cursor: str | None = None


class Versions:
    """The records' versions as the database has them now, as arrays sorted by id: marker hashes and collections."""

    def __init__(self, rows):
        rows = sorted(rows)  # (id, collection id, content hash, updated_at)
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.collections = np.array([r[1] for r in rows], dtype=np.int64)
        self.markers = np.array([marker_hash(f"{r[2]}|{r[3].isoformat()}") for r in rows], dtype=np.int64)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, ids)


def hits_page(repo: Repo, hits: Hits, request: SearchRequest) -> HitsPage:
    """The page of hits a request asks for (its offset and rows), read through the caller's organisation."""
    total, end = hits.total, request.offset + request.rows
    cursor = encode_cursor(end, request.key()) if end < total else None
    return HitsPage(page_of(repo, hits, request.offset, request.rows), total, cursor)


def page_of(repo: Repo, hits: Hits, offset: int, rows: int) -> list[tuple[Record, float]]:
    """The records of one page of hits, in rank order, read through the caller's organisation."""
    wanted = hits.top(offset + rows)[offset:]
    records = repo.records_by_id([rid for rid, _ in wanted], media=True)
    return [(records[rid], score) for rid, score in wanted if rid in records]


def fingerprint(repo: Repo) -> str:
    """Changes whenever a record of the organisation is added, changed (or re-decided) or deleted."""
    return "|".join(str(v) for v in repo.records_fingerprint())


class SearchService:
    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder | None = None,
        settings: SearchSettings | None = None,
        image_text: TextToImage | None = None,
    ):
        self.root = data_dir / "search"
        self.settings = settings or SearchSettings()
        self._embedder = embedder
        self.image_text = image_text  # a CLIP's text encoder: queries also searched over stored image embeddings
        self._indexes: dict[int, OrgIndex] = {}
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._claimed: dict[int, float] = {}  # organisation -> when a cached answer's caller was sent to search

    def query_vector(self, text: str) -> np.ndarray:
        """A query's vector, from the cache of recent queries or embedded now."""
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
        vector = self.embedder.embed_query(text)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_VECTORS:
                self._queries.popitem(last=False)
        return vector

    def changed(self) -> None:
        """This process wrote records: the next search of every organisation compares its fingerprint again."""
        for index in list(self._indexes.values()):
            index.checked_at = 0.0

    def version(self, org_id: int) -> str | None:
        """What the organisation's index reflects now, for caches of its answers; None when only a search can tell:
        no index yet, still embedding, or due to compare itself with the database or its image labels (then for one
        caller a check period, whose search does that; the others go on with the index as it is, as searches do)."""
        index = self._indexes.get(org_id)
        if index is None or (index.embedding is not None and index.embedding.is_alive()):
            return None
        now = time.monotonic()
        due = now - index.checked_at >= self._check_every(index)
        if due or now - index.images_checked >= self.settings.images_recheck_s:
            with self._lock:
                if now - self._claimed.get(org_id, float("-inf")) >= self.settings.check_seconds:
                    self._claimed[org_id] = now
                    return None
        return f"{index.fingerprint}|{index.images_stamp}|{index.clip_stamp}"

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings.embedder)
            return self._embedder

    def index_for(self, org_id: int) -> OrgIndex:
        embedder = self.embedder
        with self._lock:
            if org_id not in self._indexes:
                self._indexes[org_id] = self._open(org_id, embedder)
            return self._indexes[org_id]

    def _open(self, org_id: int, embedder: Embedder) -> OrgIndex:
        directory = self.root / f"org-{org_id}" / embedder.name
        directory.mkdir(parents=True, exist_ok=True)
        with files_locked(directory, fcntl.LOCK_SH):
            return OrgIndex(directory, embedder, self.settings)

    def sync(
        self,
        repo: Repo,
        rebuild: bool = False,
        collection: str | None = None,
        progress: Progress | None = None,
        wait: bool = True,
    ) -> SyncReport:
        """Bring the organisation's indexes in step with its records, embedding only text not seen before.

        Without `wait`, more than `embed_inline_max` new texts are embedded in a background thread: the lexical
        index is current at once, semantic results catch up when the thread is done.
        """
        index = self.index_for(repo.org_id)
        with index.lock:
            if rebuild:
                index.reset()
            stamp = fingerprint(repo)
            scope_ids = repo.collection(collection).id if collection else None
            current = Versions(repo.record_versions(scope_ids))
            embedding = index.embedding is not None and index.embedding.is_alive()
            stale = index.records.changed(current.ids, current.markers)
            if not embedding:  # a vector lost (an embedding thread that did not finish) is made again
                stale |= ~index.vectors.holds(current.ids)
            changed = current.ids[stale]
            gone = index.records.gone(current.ids, scope_ids)
            report = SyncReport(removed=len(gone))
            index.records.remove(gone)
            for rid in gone.tolist():
                index.lexical.remove(rid)
            index.vectors.remove(gone)
            if len(changed):
                self._index_records(repo, index, changed, current, report, progress, wait)
            index.fingerprint = stamp
            report.total = len(index.records)
            images_changed = self._sync_images(repo, index)
            if len(changed) or len(gone) or rebuild or images_changed:
                index.save()
            return report

    def _sync_images(self, repo: Repo, index: OrgIndex) -> bool:
        """Remake the image vectors when the image taggers' labels changed (True when they did: they are saved) and
        the CLIP embeddings when more were stored."""
        index.images_checked = time.monotonic()
        if self.image_text is not None:
            model = self.image_text.version
            clip_stamp = repo.image_embeddings_stamp(model)
            if clip_stamp != index.clip_stamp:
                ids, vectors = embedding_matrix(repo.image_embeddings(model))
                index.clip, index.clip_stamp = None, clip_stamp
                if len(ids):
                    index.clip = index.new_vectors(vectors.shape[1])
                    index.clip.upsert(ids, vectors)
        stamp = repo.image_labels_stamp(TAGGERS)
        if stamp == index.images_stamp:
            return False
        ids, vectors, keys = conse_vectors(index.embedder, index.cache, repo.image_labels(TAGGERS))
        index.images = index.new_vectors()
        index.images.upsert(ids, vectors)
        index.images_stamp, index.image_keys = stamp, set(keys)
        return True

    def _index_records(self, repo, index, changed, current, report, progress, wait) -> None:
        ids = changed.tolist()
        texts, languages = [], []
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            labels = repo.accepted(part)
            records = repo.records_by_id(part)
            for rid in part:
                texts.append(index_text(records[rid], [s.label for s in labels.get(rid, [])]))
                languages.append(records[rid].language or "nl")
        keys = [text_key(index.embedder, t) for t in texts]
        known = index.records.positions(changed) >= 0
        report.updated, report.added = int(np.count_nonzero(known)), int(np.count_nonzero(~known))
        for rid, text, lang in zip(ids, texts, languages, strict=True):
            index.lexical.upsert(rid, text, lang)
        at = current.positions(changed)
        index.records.put(changed, current.markers[at], current.collections[at], np.array(keys, dtype=KEY))
        index.vectors.expect(len(index.vectors) + len(ids))
        if wait or len(index.cache.missing(keys)) <= self.settings.embed_inline_max:
            self._embed(index, ids, texts, progress)
        else:  # a big change seen by a search: answer it from the lexical index while vectors are made
            index.embedding = threading.Thread(target=self._embed, args=(index, ids, texts, None, True), daemon=True)
            index.embedding.start()

    def _embed(
        self, index: OrgIndex, ids: list[int], texts: list[str], progress: Progress | None, save: bool = False
    ) -> None:
        """Embed (what the cache lacks) and put the vectors of records whose text is still current, EMBED_CHUNK at a
        time so that a million records never need all their vectors in memory at once. The records go in a random
        order, so that the first chunk is a fair sample of the collection to train an index on."""
        order = np.random.default_rng(len(ids)).permutation(len(ids))
        ids, texts = np.array(ids, dtype=np.int64)[order], [texts[i] for i in order.tolist()]
        for start in range(0, len(ids), EMBED_CHUNK):
            part = ids[start : start + EMBED_CHUNK]
            done = (lambda n, _, s=start: progress(s + n, len(ids))) if progress else None
            vectors, keys = index.cache.vectors(index.embedder, texts[start : start + EMBED_CHUNK], done)
            with index.lock:
                current = index.records.keys_of(part) == np.array(keys, dtype=KEY)
                index.vectors.upsert(part[current], vectors[current])
        with index.lock:
            index.vectors.expect(0)
            if save:
                index.save()

    def _check_every(self, index: OrgIndex) -> float:
        """How long the index goes on without comparing its fingerprint with the database's."""
        slow = index.check_cost > SLOW_CHECK and len(index.records) >= LARGE_INDEX
        return max(self.settings.check_seconds, CHECK_SHARE * index.check_cost) if slow else self.settings.check_seconds

    def ready(self, repo: Repo) -> OrgIndex:
        """The organisation's index, synced first when its records changed since the last sync: read again from disk
        when another worker process saved it in step with the records, synced here otherwise. The database is asked
        at most every `check_seconds` (or CHECK_SHARE times as long as the last look took when it was slow: at a million
        records one scan of them takes most of a second) unless this process wrote records (`changed`)."""
        index = self.index_for(repo.org_id)
        now = time.monotonic()
        if now - index.checked_at >= self._check_every(index):
            index.checked_at = now
            stamp = fingerprint(repo)
            index.check_cost = time.monotonic() - now
            if index.fingerprint != stamp:
                busy = index.embedding is not None and index.embedding.is_alive()
                if not busy and index.saved_fingerprint() == stamp:
                    with self._lock:
                        cost, index = index.check_cost, self._open(repo.org_id, index.embedder)
                        self._indexes[repo.org_id] = index
                        index.checked_at, index.check_cost = now, cost
                else:
                    self.sync(repo, wait=False)  # looks at the images too
        if now - index.images_checked >= self.settings.images_recheck_s:
            with index.lock:
                if self._sync_images(repo, index):
                    index.save()
        return index

    def search(self, repo: Repo, request: SearchRequest) -> Hits:
        index = self.ready(repo)
        allowed = allowed_ids(repo, request)
        terms = query_terms(request.query, request.lang)
        semantic = request.mode in ("semantic", "hybrid")
        # the query's vectors outside the lock: other searches go on
        query_vector = self.query_vector(request.query) if semantic else None
        clip = self.image_text if semantic and index.clip is not None else None
        clip_vector = clip.embed_query(request.query) if clip is not None else None
        rankings, spaces = [], []
        with index.lock:  # fused under the lock: the lexical hits are read through the index as it is now
            if request.mode in ("lexical", "hybrid"):
                rankings.append(index.lexical.search(terms, allowed))
                spaces.append("lexical")
            if semantic:
                depth = self.settings.semantic_depth
                rankings.append(Ordered(index.vectors.search(query_vector, depth, allowed)))
                spaces.append(f"text:{index.embedder.name}")
                images = index.images.search(query_vector, depth, allowed)
                images = [(rid, score) for rid, score in images if score >= MIN_QUERY_SCORE]
                if images:  # photos of what the query names
                    rankings.append(Ordered(images))
                    spaces.append("image:conse")
            if clip is not None and index.clip is not None:
                found = index.clip.search(clip_vector, self.settings.semantic_depth, allowed)
                pictured = [(rid, s) for rid, s in found if s >= self.settings.clip_min_score]
                if pictured:  # images the CLIP sees the query in
                    rankings.append(Ordered(pictured))
                    spaces.append(f"image:{clip.version}")
            return Hits(fuse(rankings), terms, spaces)

    def similar(self, repo: Repo, record_id: int, rows: int, by: str = "text") -> Hits:
        """Records nearest to one record, the record itself left out: in meaning (by "text"), or by what their
        images show (by "image": ConSE image vectors; none when the record has no tagged image)."""
        repo.record(record_id)  # NotFound when it is not this organisation's
        index = self.ready(repo)
        with index.lock:
            vectors = index.images if by == "image" else index.vectors
            vector = vectors.vector(record_id)
            found = [] if vector is None else vectors.search(vector, rows + 1)
        space = "image:conse" if by == "image" else f"text:{index.embedder.name}"
        return Hits(Ordered([(rid, score) for rid, score in found if rid != record_id][:rows]), spaces=[space])


def allowed_ids(repo: Repo, request: SearchRequest) -> set[int] | None:
    """Ids of the organisation's records that pass every qf filter (None when there are none)."""
    allowed: set[int] | None = None
    for flt in request.filters:
        ids = repo.record_ids(flt)
        allowed = ids if allowed is None else allowed & ids
    return allowed


def facet_counts(repo: Repo, record_ids: np.ndarray, names: list[str], limit: int = 50) -> list[dict]:
    """Counts per value of each facet over all hits, most frequent first (counted by the database)."""
    ids = record_ids.tolist()
    slugs = repo.collection_slugs() if "collection" in names else {}
    facets = []
    for name in names:
        counts: Counter[str] = Counter()
        for value, n in (repo.value_counts(ids, FACET_COLUMNS.get(name, name)) if ids else {}).items():
            for label in facet_labels(name, value, slugs):
                counts[label] += n
        fields = sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:limit]
        facets.append({"name": name, "fields": [{"label": label, "count": n} for label, n in fields]})
    return facets


FACET_COLUMNS = {"collection": "collection_id", "century": "date_from"}  # facets counted from another column


def facet_labels(name: str, value, slugs: dict[int, str]) -> list[str]:
    """The facet label(s) one column value counts under."""
    if name in LIST_FIELDS:
        return [value]
    if name == "collection":
        return [slugs[value]]
    if name == "century":
        return [f"{value // 100 * 100}-{value // 100 * 100 + 99}"]
    return [value] if value else []

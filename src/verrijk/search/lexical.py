"""BM25 over record text with Dutch, French and English analysis, on compact postings arrays: incremental (added
postings merged now and then, removals as a mask), scored with numpy, saved as memory-mappable .npy files."""

from __future__ import annotations

import bisect
import gzip
import json
import math
import os
import re
import uuid
from array import array
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import Stemmer

from verrijk.folding import fold_letters
from verrijk.search.bm25 import Context, Pruned, Term, bound, rank
from verrijk.search.ranking import Scored

LANGUAGES = {"nl": "dutch", "fr": "french", "en": "english"}
STOP_WORDS = {
    "nl": set(
        "de het een en van in op te met voor aan door bij uit als of is zijn was werd wordt naar over om tot "
        "die dat dit deze er ook niet maar dan nog wel al hun haar hij zij ze zich".split()
    ),
    "fr": set(
        "le la les un une des du de d l et en au aux a à dans par pour sur avec ou ce cet cette ces qui que "
        "est sont se sa son ses leur leurs il elle ils elles ne pas".split()
    ),
    "en": set(
        "the a an and of in on at to for with by from as or is are was were be been this that these those "
        "it its his her their he she they not but".split()
    ),
}
WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=3)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGES[lang])


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str | None:
    """The index term of one word in a language, or None for a stop word (remembered: a collection's words repeat,
    and every search's snippets stem the words of the hits it shows)."""
    folded = fold_letters(word)  # 'Église' and 'eglise' are one word
    if folded in STOP_WORDS[lang] or not folded:
        return None
    return _stemmer(lang).stemWord(folded)


def analyse(text: str, lang: str) -> list[str]:
    return [t for t in (stem(w, lang) for w in WORD.findall(text)) if t]


def query_terms(query: str, lang: str | None) -> set[str]:
    """A query's terms in its language; without one, in each of nl/fr/en, leaving out every language's stop words."""
    if lang:
        return set(analyse(query, lang))
    words = [w for w in WORD.findall(query) if not any(fold_letters(w) in stops for stops in STOP_WORDS.values())]
    return {t for language in LANGUAGES for t in analyse(" ".join(words), language)}


def matched_words(text: str, terms: set[str], lang: str) -> list[tuple[int, int]]:
    """(start, end) of every word in text whose term is one of terms: what a snippet highlights."""
    return [(m.start(), m.end()) for m in WORD.finditer(text) if stem(m.group(), lang) in terms]


MERGE_MIN = 1_000_000  # postings added (or dead slots) before a merge, or a quarter of the merged ones if more
MANIFEST = "lexical.json"  # names the files of the saved index; written last, so a reader sees a whole set
FORMAT = 4  # the saved layout's version: 3 (no per-term bounds, slots unordered) is read and upgraded, others rebuilt


class UnreadableIndex(Exception):
    """A saved index this code cannot read (another layout, a missing or damaged file): rebuild it from the records."""


MAX_TF = np.iinfo(np.uint16).max  # an added posting packs its slot and term frequency into one int64: slot << 16 | tf


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slots and term frequencies of packed added postings."""
    return (packed >> 16).astype(np.int32), (packed & MAX_TF).astype(np.uint16)


class TermTable:
    """Index terms in sorted order as one UTF-8 blob and start offsets: a million terms in a few MB, found by
    binary search."""

    def __init__(self, blob: bytes = b"", starts: np.ndarray | None = None):
        self.blob = blob
        self.starts = np.zeros(1, dtype=np.int64) if starts is None else starts

    @classmethod
    def of(cls, terms: list[bytes]) -> TermTable:
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in terms], out=starts[1:])
        return cls(b"".join(terms), starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.starts[i] : self.starts[i + 1]]

    def find(self, term: bytes) -> int:
        """The term's position, or -1."""
        i = bisect.bisect_left(self, term)
        return i if i < len(self) and self[i] == term else -1

    def all(self) -> list[bytes]:
        bounds = self.starts.tolist()
        return [self.blob[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class LexicalIndex:
    """Okapi BM25 over postings held as arrays.

    Documents live in slots (record id, length, alive). Merged postings are CSR: term i of the sorted term table
    holds the slots docs[offsets[i]:offsets[i + 1]] with their term frequencies; postings of documents added since
    the last merge wait in small per-term arrays. Replacing or removing a document marks its slot dead; a merge
    (when enough was added or died) drops dead postings and renumbers the live slots in id order."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._ids = np.zeros(0, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.int32)
        self._alive = np.zeros(0, dtype=bool)
        self._slots = 0  # slots in use
        self._merged_slots = 0  # slots before this one hold ascending ids (a merge numbers them so)
        self._recent: dict[int, int] = {}  # record id -> slot, for the slots after the merged ones
        self._recent_order: np.ndarray | None = None  # those slots in id order, made when a search needs it
        self._live = 0
        self.total_length = 0
        self._terms = TermTable()
        self._offsets = np.zeros(1, dtype=np.int64)
        self._docs = np.zeros(0, dtype=np.int32)
        self._tfs = np.zeros(0, dtype=np.uint16)
        self._max_tf = np.zeros(0, dtype=np.uint16)  # per merged term: its highest frequency, its shortest document
        self._min_length = np.zeros(0, dtype=np.int32)
        self._added: dict[str, array] = {}  # term -> its packed postings added since the last merge
        self._added_count = 0
        self._stored: str | None = None  # the name of the saved files holding the merged postings, if still current
        self._norms, self._norms_at = np.zeros(0), (0, 0, 0)  # length normalisation per slot, and for which state

    def __len__(self) -> int:
        return self._live

    def upsert(self, doc_id: int, text: str, lang: str) -> None:
        self.remove(doc_id)
        self._add_counts(doc_id, Counter(analyse(text, lang if lang in LANGUAGES else "nl")))

    def _add_counts(self, doc_id: int, counts: Counter[str]) -> None:
        if self._slots == len(self._ids):
            grown = max(1024, 2 * self._slots)
            self._ids = np.concatenate([self._ids, np.zeros(grown - self._slots, dtype=np.int64)])
            self._lengths = np.concatenate([self._lengths, np.zeros(grown - self._slots, dtype=np.int32)])
            self._alive = np.concatenate([self._alive, np.zeros(grown - self._slots, dtype=bool)])
        slot, length = self._slots, sum(counts.values())
        self._ids[slot], self._lengths[slot], self._alive[slot] = doc_id, length, True
        self._recent[doc_id] = slot
        self._recent_order = None
        self._slots += 1
        self._live += 1
        self.total_length += length
        packed, added = slot << 16, self._added
        for term, tf in counts.items():
            posting = added.get(term)
            if posting is None:
                posting = added[term] = array("q")
            posting.append(packed | (tf if tf < MAX_TF else MAX_TF))
        self._added_count += len(counts)
        if self._added_count > max(MERGE_MIN, len(self._docs) // 4):
            self.merge()

    def remove(self, doc_id: int) -> None:
        slot = self._recent.get(doc_id)
        if slot is None and self._merged_slots:
            i = int(np.searchsorted(self._ids[: self._merged_slots], doc_id))
            slot = i if i < self._merged_slots and self._ids[i] == doc_id else None
        if slot is None or not self._alive[slot]:
            return
        self._alive[slot] = False
        self._recent.pop(doc_id, None)
        self._recent_order = None
        self._live -= 1
        self.total_length -= int(self._lengths[slot])
        if self._slots - self._live > max(MERGE_MIN, self._slots // 4):
            self.merge()

    def _slots_of(self, ids: np.ndarray) -> np.ndarray:
        """The live slot of each record id, -1 where the index does not hold it."""
        merged = self._ids[: self._merged_slots]
        slots = np.full(len(ids), -1, dtype=np.int64)
        if len(merged):
            pos = np.minimum(np.searchsorted(merged, ids), len(merged) - 1)
            slots = np.where((merged[pos] == ids) & self._alive[pos], pos, -1)
        if self._slots > self._merged_slots:
            recent, order = self._ids[self._merged_slots : self._slots], self._sorted_recent()
            found = order[np.minimum(np.searchsorted(recent, ids, sorter=order), len(order) - 1)]
            hit = (recent[found] == ids) & self._alive[found + self._merged_slots]
            slots = np.where(hit, found + self._merged_slots, slots)
        return slots

    def _sorted_recent(self) -> np.ndarray:
        """The slots after the merged ones in id order, of one id's slots the live one first (kept until a change)."""
        if self._recent_order is None:
            start, end = self._merged_slots, self._slots
            self._recent_order = np.lexsort((~self._alive[start:end], self._ids[start:end]))
        return self._recent_order

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray, int, int] | None:
        """A term's slots and term frequencies, merged and added ones, with its highest frequency and the length of
        its shortest document (dead ones included)."""
        parts, highest, shortest = [], 0, np.iinfo(np.int32).max
        i = self._terms.find(term.encode())
        if i >= 0:
            start, end = self._offsets[i], self._offsets[i + 1]
            parts.append((self._docs[start:end], self._tfs[start:end]))
            highest, shortest = int(self._max_tf[i]), int(self._min_length[i])
        added = self._added.get(term)
        if added is not None:
            slots, tfs = unpack(np.array(added, dtype=np.int64))  # a copy: an array exporting its buffer cannot grow
            parts.append((slots, tfs))
            highest, shortest = max(highest, int(tfs.max())), min(shortest, int(self._lengths[slots].min()))
        if not parts:
            return None
        if len(parts) == 1:
            return *parts[0], highest, shortest
        return np.concatenate([parts[0][0], parts[1][0]]), np.concatenate([parts[0][1], parts[1][1]]), highest, shortest

    def search(self, terms: Iterable[str], allowed: set[int] | None = None) -> Scored | Pruned:
        """Every document that holds a term, with its BM25 score (best first through `top`, ties by id). Its
        `score_of` holds until the index changes."""
        n = self._live
        usable = self._alive[: self._slots] if n != self._slots else None
        if allowed is not None:
            slots = self._slots_of(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            usable = np.zeros(self._slots, dtype=bool)
            usable[slots[slots >= 0]] = True
        norms = self._length_norms() if n else np.zeros(0)
        found = []
        for term in sorted(set(terms)) if n else []:
            posting = self._postings(term)
            if posting is None:
                continue
            docs, tfs, highest, shortest = posting
            df = len(docs) if n == self._slots else np.count_nonzero(self._alive[docs])
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            least_norm = self.k1 * (1 - self.b + self.b * shortest / (self.total_length / n))
            found.append(Term(docs, tfs, idf, bound(idf, self.k1, highest, least_norm)))
        return rank(found, Context(self.k1, norms, self._ids, usable, self._slots_of))

    def _length_norms(self) -> np.ndarray:
        """k1 (1 - b + b length / average length) of every slot: BM25's length normalisation, made again only when
        the average moved."""
        state = (self.total_length, self._live, self._slots)
        if self._norms_at != state:
            average = self.total_length / self._live
            self._norms = self.k1 * (1 - self.b + self.b * self._lengths[: self._slots] / average)
            self._norms_at = state
        return self._norms

    def merge(self) -> None:
        """Fold the added postings into the merged arrays, drop the dead slots' postings and number the live slots
        in id order."""
        live = np.flatnonzero(self._alive[: self._slots])
        live = live[np.argsort(self._ids[live], kind="stable")]
        renumber = np.full(self._slots, -1, dtype=np.int32)
        renumber[live] = np.arange(len(live), dtype=np.int32)
        base = self._terms.all()
        added = sorted((term.encode(), posting) for term, posting in self._added.items())
        known = [bisect.bisect_left(base, term) for term, _ in added]
        fresh = [term for (term, _), i in zip(added, known, strict=True) if i == len(base) or base[i] != term]
        # the new vocabulary interleaves the fresh terms with the merged ones: count the fresh ones before each
        before = np.cumsum(np.bincount([bisect.bisect_left(base, t) for t in fresh], minlength=len(base) + 1))
        base_at = np.arange(len(base)) + before[: len(base)]
        vocabulary = sorted(base + fresh)  # two sorted runs: merged in one pass
        added_at = [bisect.bisect_left(vocabulary, term) for term, _ in added]
        term_of = np.concatenate(
            [
                np.repeat(base_at.astype(np.int32), np.diff(self._offsets)),
                np.repeat(np.array(added_at, dtype=np.int32), [len(p) for _, p in added]),
            ]
        )
        added_docs, added_tfs = unpack(np.concatenate([np.zeros(0, dtype=np.int64), *(p for _, p in added)]))
        docs = renumber[np.concatenate([self._docs, added_docs])]
        tfs = np.concatenate([self._tfs, added_tfs])
        keep = docs >= 0
        term_of, docs, tfs = term_of[keep], docs[keep], tfs[keep]
        order = np.lexsort((docs, term_of))  # by term, and within a term by slot (pruning looks slots up)
        counts = np.bincount(term_of, minlength=len(vocabulary))
        used = counts > 0
        self._terms = TermTable.of([t for t, u in zip(vocabulary, used.tolist(), strict=True) if u])
        self._offsets = np.concatenate([[0], np.cumsum(counts[used])]).astype(np.int64)
        self._docs, self._tfs = docs[order], tfs[order]
        self._ids, self._lengths = self._ids[live], self._lengths[live]
        self._bound_terms()
        self._alive = np.ones(len(live), dtype=bool)
        self._slots = self._merged_slots = len(live)
        self._recent, self._recent_order, self._added, self._added_count, self._stored = {}, None, {}, 0, None
        self._norms_at = (0, 0, 0)  # the slots were numbered again

    def _bound_terms(self) -> None:
        """Each merged term's highest frequency and shortest document: what max-score pruning bounds its
        contributions by."""
        starts = self._offsets[:-1]
        if not len(starts):
            self._max_tf, self._min_length = np.zeros(0, dtype=np.uint16), np.zeros(0, dtype=np.int32)
            return
        self._max_tf = np.maximum.reduceat(self._tfs, starts)
        self._min_length = np.minimum.reduceat(self._lengths[self._docs], starts)

    def save(self, directory: Path) -> None:
        """Write the index into a directory and remove the files of earlier saves."""
        self._write(directory)
        names = json.loads((directory / MANIFEST).read_text())
        for path in directory.iterdir():
            if path.name != MANIFEST and not path.name.startswith((names["postings"], names["table"])):
                path.unlink(missing_ok=True)

    def _write(self, directory: Path) -> None:
        """The merged postings (unless the files already hold them), the slots and the added postings, then the
        manifest naming them."""
        directory.mkdir(parents=True, exist_ok=True)
        if self._stored is None:
            name = f"postings-{uuid.uuid4().hex[:12]}"
            arrays = {
                "terms": np.frombuffer(self._terms.blob, dtype=np.uint8),
                "starts": self._terms.starts,
                "offsets": self._offsets,
                "docs": self._docs,
                "tfs": self._tfs,
                "max_tf": self._max_tf,
                "min_length": self._min_length,
            }
            for key, values in arrays.items():
                np.save(directory / f"{name}.{key}.npy", values)
            self._stored = name
        added = sorted(self._added.items())
        terms = TermTable.of([term.encode() for term, _ in added])
        table = f"table-{uuid.uuid4().hex[:12]}"
        with (directory / f"{table}.npz").open("wb") as fh:
            np.savez(
                fh,
                ids=self._ids[: self._slots],
                lengths=self._lengths[: self._slots],
                alive=self._alive[: self._slots],
                merged_slots=np.array(self._merged_slots),
                added_terms=np.frombuffer(terms.blob, dtype=np.uint8),
                added_starts=terms.starts,
                added_counts=np.array([len(p) for _, p in added], dtype=np.int64),
                added=np.concatenate([np.zeros(0, dtype=np.int64), *(p for _, p in added)]),
            )
        manifest = {"format": FORMAT, "k1": self.k1, "b": self.b, "postings": self._stored, "table": table}
        (directory / f"{MANIFEST}.tmp").write_text(json.dumps(manifest))
        os.replace(directory / f"{MANIFEST}.tmp", directory / MANIFEST)

    @classmethod
    def load(cls, directory: Path, legacy: Path | None = None) -> LexicalIndex:
        """The index saved in a directory; one saved in the old format (gzipped JSON of each document's term counts)
        at `legacy` is read, written in the new format and its file removed."""
        if (directory / MANIFEST).exists():
            try:
                manifest = json.loads((directory / MANIFEST).read_text())
                if manifest.get("format") not in (3, FORMAT):
                    raise UnreadableIndex(f"saved in layout {manifest.get('format')}, this version reads {FORMAT}")
                return cls._read(directory, manifest)
            except (OSError, KeyError, ValueError) as exc:
                raise UnreadableIndex(f"{directory}: {exc}") from exc
        index = cls()
        if legacy is None or not legacy.exists():
            return index
        try:
            with gzip.open(legacy, "rt", encoding="utf-8") as fh:
                for doc_id, counts in json.load(fh).items():
                    index._add_counts(int(doc_id), Counter(counts))
        except FileNotFoundError:  # another worker process migrated it meanwhile
            return cls.load(directory)
        index.merge()
        index._write(directory)
        legacy.unlink(missing_ok=True)
        return index

    @classmethod
    def _read(cls, directory: Path, manifest: dict) -> LexicalIndex:
        index = cls(manifest["k1"], manifest["b"])
        name = manifest["postings"]

        def postings(key: str) -> np.ndarray:
            return np.load(directory / f"{name}.{key}.npy", mmap_mode="r")

        index._terms = TermTable(postings("terms").tobytes(), np.array(postings("starts")))
        index._offsets, index._docs, index._tfs = postings("offsets"), postings("docs"), postings("tfs")
        index._stored = name
        with np.load(directory / f"{manifest['table']}.npz") as table:
            index._ids, index._lengths, index._alive = table["ids"], table["lengths"], table["alive"]
            index._slots, index._merged_slots = len(index._ids), int(table["merged_slots"])
            terms = TermTable(table["added_terms"].tobytes(), table["added_starts"])
            ends = np.cumsum(table["added_counts"]).tolist()
            packed = table["added"]
        for i, (term, end) in enumerate(zip(terms.all(), ends, strict=True)):
            index._added[term.decode()] = array("q", packed[ends[i - 1] if i else 0 : end].tobytes())
        index._added_count = len(packed)
        index._recent = {int(index._ids[s]): s for s in range(index._merged_slots, index._slots) if index._alive[s]}
        index._live = int(np.count_nonzero(index._alive))
        index.total_length = int(index._lengths[index._alive].sum())
        if manifest["format"] == 3:  # saved before the bounds, and a term's slots were in no order: both done now
            term_of = np.repeat(np.arange(len(index._offsets) - 1), np.diff(index._offsets))
            order = np.lexsort((index._docs, term_of))
            index._docs, index._tfs = index._docs[order], index._tfs[order]
            index._bound_terms()
            index._stored = None  # written by the next save
        else:
            index._max_tf, index._min_length = postings("max_tf"), postings("min_length")
        return index

"""BM25 over record text with Dutch, French and English analysis; incremental, persisted as gzipped JSON."""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import Stemmer

from verrijk.folding import fold_letters

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


class LexicalIndex:
    """Okapi BM25 with postings held in memory, documents added, replaced and removed one at a time."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.docs: dict[int, Counter[str]] = {}
        self.lengths: dict[int, int] = {}
        self.postings: dict[str, dict[int, int]] = {}
        self.total_length = 0

    def __len__(self) -> int:
        return len(self.docs)

    def upsert(self, doc_id: int, text: str, lang: str) -> None:
        self.remove(doc_id)
        counts = Counter(analyse(text, lang if lang in LANGUAGES else "nl"))
        self._add_counts(doc_id, counts)

    def _add_counts(self, doc_id: int, counts: Counter[str]) -> None:
        self.docs[doc_id] = counts
        self.lengths[doc_id] = sum(counts.values())
        self.total_length += self.lengths[doc_id]
        for term, tf in counts.items():
            self.postings.setdefault(term, {})[doc_id] = tf

    def remove(self, doc_id: int) -> None:
        counts = self.docs.pop(doc_id, None)
        if counts is None:
            return
        self.total_length -= self.lengths.pop(doc_id)
        for term in counts:
            posting = self.postings[term]
            del posting[doc_id]
            if not posting:
                del self.postings[term]

    def search(self, terms: Iterable[str], allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Every document that holds a term, best first (ties by id), with its BM25 score."""
        n = len(self.docs)
        if not n:
            return []
        average = self.total_length / n
        scores: dict[int, float] = {}
        for term in set(terms):
            posting = self.postings.get(term, {})
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id, tf in posting.items():
                if allowed is not None and doc_id not in allowed:
                    continue
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[doc_id] / average)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * tf * (self.k1 + 1) / norm
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump({str(k): v for k, v in self.docs.items()}, fh)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        index = cls()
        if path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for doc_id, counts in json.load(fh).items():
                    index._add_counts(int(doc_id), Counter(counts))
        return index

"""The one interface every subject backend has, and the embedding memo the trained backends share."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from verrijk.enrich.text.subjects.vocab import Vocabulary

Scores = dict[str, float]  # concept URI -> score in 0..1


class Suggestion(NamedTuple):
    uri: str
    label: str
    score: float


class Backend(ABC):
    """Scores concepts of one vocabulary for texts; `suggest` ranks, labels and cuts the list.

    `name` and `version` are the provenance a suggestion carries; a backend whose behaviour or artefacts change
    gets a new version.
    """

    name: str
    version: str

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    @property
    def provenance(self) -> str:
        return f"{self.name}-{self.version}"

    def suggest(self, texts: Sequence[str], limit: int = 10, language: str | None = None) -> list[list[Suggestion]]:
        """The `limit` best concepts per text, best first, with a label in `language` where the vocabulary has one."""
        return [self.ranked(s, limit, language) for s in self.scores(texts, language)]

    def ranked(self, scores: Scores, limit: int, language: str | None = None) -> list[Suggestion]:
        best = sorted(((s, uri) for uri, s in scores.items() if s > 0), key=lambda x: (-x[0], x[1]))[:limit]
        return [Suggestion(uri, self.vocabulary.label(uri, language), round(min(s, 1.0), 4)) for s, uri in best]

    @abstractmethod
    def scores(self, texts: Sequence[str], language: str | None = None) -> list[Scores]:
        """Every concept the backend gives a score above 0, per text."""


class Encoder:
    """Embeds texts through a function, remembering recent vectors so an ensemble embeds each text once.

    Thread-safe: enrichment jobs in several threads share one encoder.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], name: str, dim: int, memo: int = 4096):
        self._embed, self.name, self.dim, self._memo_size = embed, name, dim, memo
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            known = {t: self._memo[t] for t in texts if t in self._memo}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, np.asarray(self._embed(missing), dtype=np.float32), strict=True))
        with self._lock:
            for text in texts:
                self._memo[text] = known[text]
                self._memo.move_to_end(text)
            while len(self._memo) > self._memo_size:
                self._memo.popitem(last=False)
        return np.stack([known[t] for t in texts])


def use_encoder() -> Encoder:
    """The multilingual sentence encoder verrijk's search uses (USE-m3, 512-d, packaged, no download)."""
    from verrijk.search.embed import UseEmbedder

    embedder = UseEmbedder()
    return Encoder(lambda texts: embedder.embed(texts), embedder.version, embedder.dim)

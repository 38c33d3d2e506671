"""Backends learned from labelled records: nearest neighbours and one-vs-rest logistic regression over sentence
embeddings, and the most-frequent-subjects baseline every figure is compared with.

Run time needs numpy only: training writes plain arrays (see bundle.py), and fitting is numpy too.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Sequence

import numpy as np

from verrijk.enrich.text.subjects.base import Backend, Encoder, Scores
from verrijk.enrich.text.subjects.vocab import Vocabulary


def label_matrix(labels: Sequence[Sequence[str]], concepts: list[str]) -> np.ndarray:
    """Records x concepts, 1.0 where a record carries a concept (concepts outside `concepts` are dropped)."""
    position = {uri: j for j, uri in enumerate(concepts)}
    y = np.zeros((len(labels), len(concepts)), dtype=np.float32)
    for i, uris in enumerate(labels):
        for uri in uris:
            if uri in position:
                y[i, position[uri]] = 1.0
    return y


class EmbeddingBackend(Backend):
    """A backend that reads texts as sentence embeddings."""

    def __init__(self, vocabulary: Vocabulary, encoder: Encoder):
        super().__init__(vocabulary)
        self.encoder = encoder

    def scores(self, texts: Sequence[str], language: str | None = None) -> list[Scores]:
        return self.scores_for(self.encoder(list(texts)))

    @abstractmethod
    def scores_for(self, vectors: np.ndarray) -> list[Scores]: ...


class KnnBackend(EmbeddingBackend):
    """The subjects of the k most similar labelled records, each vote weighted by similarity ** power.

    A concept's score is its share of the weighted vote: 1.0 when every neighbour carries it.
    """

    name = "knn"
    version = "1"

    def __init__(
        self,
        vocabulary: Vocabulary,
        encoder: Encoder,
        vectors: np.ndarray,
        labels: Sequence[Sequence[str]],
        k: int = 20,
        power: float = 3.0,
    ):
        super().__init__(vocabulary, encoder)
        keep = [i for i, uris in enumerate(labels) if uris]
        self.vectors = np.asarray(vectors, dtype=np.float32)[keep]
        self.labels = [list(labels[i]) for i in keep]
        self.concepts = sorted({uri for uris in self.labels for uri in uris})
        self._y = label_matrix(self.labels, self.concepts)
        self.k, self.power = k, power

    def scores_for(self, vectors: np.ndarray) -> list[Scores]:
        if not len(self.vectors):
            return [{} for _ in vectors]
        k = min(self.k, len(self.vectors))
        similarity = np.asarray(vectors, dtype=np.float32) @ self.vectors.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        weight = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0, None) ** self.power
        votes = np.einsum("mk,mkl->ml", weight, self._y[nearest])
        total = weight.sum(axis=1, keepdims=True)
        shares = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
        return [{self.concepts[j]: float(row[j]) for j in np.flatnonzero(row > 0)} for row in shares]


class LinearBackend(EmbeddingBackend):
    """One logistic regression per concept over the embedding (concepts with at least `min_count` examples)."""

    name = "linear"
    version = "1"
    floor = 0.005  # probabilities below this are not reported

    def __init__(
        self, vocabulary: Vocabulary, encoder: Encoder, concepts: list[str], weights: np.ndarray, bias: np.ndarray
    ):
        super().__init__(vocabulary, encoder)
        self.concepts = concepts
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def scores_for(self, vectors: np.ndarray) -> list[Scores]:
        p = 1 / (1 + np.exp(-np.clip(np.asarray(vectors, np.float32) @ self.weights + self.bias, -30, 30)))
        return [{self.concepts[j]: float(row[j]) for j in np.flatnonzero(row >= self.floor)} for row in p]

    @classmethod
    def fit(
        cls,
        vocabulary: Vocabulary,
        encoder: Encoder,
        vectors: np.ndarray,
        labels: Sequence[Sequence[str]],
        min_count: int = 2,
        l2: float = 1e-5,  # chosen on the dev split, as were epochs and learning rate
        epochs: int = 400,
        learning_rate: float = 0.02,
        seed: int = 0,
    ) -> LinearBackend:
        """Full-batch Adam on the mean binary cross-entropy plus an L2 penalty; deterministic for a seed."""
        counts = Counter(uri for uris in labels for uri in set(uris))
        concepts = sorted(uri for uri, n in counts.items() if n >= min_count)
        x = np.asarray(vectors, dtype=np.float32)
        y = label_matrix(labels, concepts)
        rng = np.random.default_rng(seed)
        w = rng.normal(0, 0.01, (x.shape[1], len(concepts))).astype(np.float32)
        prior = np.clip(y.mean(axis=0), 1e-4, 1 - 1e-4)
        b = np.log(prior / (1 - prior)).astype(np.float32)
        moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
        beta1, beta2 = 0.9, 0.999
        for step in range(1, epochs + 1):
            p = 1 / (1 + np.exp(-np.clip(x @ w + b, -30, 30)))
            error = (p - y) / len(x)
            grads = (x.T @ error + l2 * w, error.sum(axis=0))
            for param, grad, m, v in ((w, grads[0], moments[0], moments[1]), (b, grads[1], moments[2], moments[3])):
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad**2
                param -= learning_rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
        return cls(vocabulary, encoder, concepts, w, b)


class FrequencyBackend(Backend):
    """The baseline: the same most frequent concepts for every text, scored by the share of records carrying them."""

    name = "frequency"
    version = "1"

    def __init__(self, vocabulary: Vocabulary, frequencies: dict[str, float]):
        super().__init__(vocabulary)
        self.frequencies = frequencies

    def scores(self, texts: Sequence[str], language: str | None = None) -> list[Scores]:
        return [dict(self.frequencies) for _ in texts]

    @classmethod
    def fit(cls, vocabulary: Vocabulary, labels: Sequence[Sequence[str]]) -> FrequencyBackend:
        labelled = [set(uris) for uris in labels if uris]
        counts = Counter(uri for uris in labelled for uri in uris)
        return cls(vocabulary, {uri: n / len(labelled) for uri, n in counts.items()})

"""Lexical backend: concept labels found in the text, each match weighed by a small learned model.

The idea is Annif's MLLM (written anew here): find every preferred and alternative label in the stemmed text,
describe each candidate concept by a few features (how often and how early it occurs, how specific the label
is, how often the concept is matched in other texts, and, once trained, how often a match of this concept was
right), and turn the features into a probability with logistic regression. Dutch compounds are matched on
their head ("koffieplantage" -> "plantage"), flagged so the model can trust them less.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from verrijk.enrich.text.subjects.analyze import analyzer, is_stop_word
from verrijk.enrich.text.subjects.base import Backend, Scores
from verrijk.enrich.text.subjects.vocab import Vocabulary
from verrijk.folding import fold_words

FEATURES = ("count", "early", "preferred", "length", "compound", "same_language", "unambiguous", "prior", "idf")
# Before training: labels that occur, early, preferred, multi-word and unambiguous score higher.
DEFAULT_WEIGHTS = (-1.5, 1.0, 0.5, 0.5, 1.0, -0.8, 0.5, 1.0, 0.0, 0.5)  # intercept first
MAX_LABEL_WORDS = 6  # longer labels (full Iconclass sentences) are never written verbatim in a description
MIN_HEAD = 5  # shortest one-word label (before stemming) matched as the head of a compound


class _Entry(NamedTuple):
    concept: int
    preferred: bool
    language: str


@dataclass
class _Index:
    phrases: dict[tuple[str, ...], dict[int, _Entry]] = field(default_factory=dict)  # concept -> entry
    longest: int = 1
    heads: dict[str, dict[int, _Entry]] = field(default_factory=dict)  # one-word labels a compound may end in


@dataclass
class _Candidate:
    count: int = 0
    first: int = 0
    preferred: bool = False
    words: int = 0
    compound_only: bool = True
    same_language: bool = False
    ambiguity: int = 1_000_000


@dataclass
class Priors:
    """What training saw: per concept, in how many texts it was matched and how often it was then right."""

    documents: int = 0
    matched: dict[int, int] = field(default_factory=dict)
    correct: dict[int, int] = field(default_factory=dict)

    def base_rate(self) -> float:
        total = sum(self.matched.values())
        return (sum(self.correct.values()) + 1) / (total + 2)

    def logit(self, concept: int, base: float) -> float:
        """Smoothed log-odds that a match of this concept is right (2 pseudo-observations at the base rate)."""
        n, k = self.matched.get(concept, 0), self.correct.get(concept, 0)
        p = (k + 2 * base) / (n + 2)
        return math.log(p / (1 - p)) if self.documents else 0.0

    def idf(self, concept: int) -> float:
        if not self.documents:
            return 1.0
        return math.log((self.documents + 1) / (self.matched.get(concept, 0) + 1)) / math.log(self.documents + 1)


class LexicalBackend(Backend):
    name = "lexical"
    version = "1"

    def __init__(
        self,
        vocabulary: Vocabulary,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        priors: Priors | None = None,
        default_language: str = "nl",
        languages: Sequence[str] | None = None,
    ):
        super().__init__(vocabulary)
        self.uris = [c.uri for c in vocabulary]
        self.weights = np.asarray(weights, dtype=np.float64)
        self.priors = priors or Priors()
        self.default_language = default_language
        self.languages = set(languages) if languages is not None else None  # label languages indexed; None: all
        self._split: list[tuple[list[str], list[_Entry]]] | None = None
        self._indexes: dict[str, _Index] = {}

    # --- matching ------------------------------------------------------------------------------------------------

    def _labels(self) -> list[tuple[list[str], list[_Entry]]]:
        """Each distinct label of the indexed languages as folded words, with the concepts it names; split once
        for all text languages (Iconclass has 600,000 labels)."""
        if self._split is None:
            by_text: dict[str, list[_Entry]] = {}
            for i, concept in enumerate(self.vocabulary):
                for lang, text, preferred in concept.all_labels():
                    if self.languages is None or lang in self.languages:
                        by_text.setdefault(text, []).append(_Entry(i, preferred, lang))
            self._split = [(ws, entries) for text, entries in by_text.items() if _indexable(ws := fold_words(text))]
        return self._split

    def _index(self, language: str) -> _Index:
        """All labels stemmed the way text in `language` is stemmed; built once per language, on first use."""
        if language not in self._indexes:
            labels = self._labels()
            distinct = sorted({w for ws, _ in labels for w in ws})
            stem = dict(zip(distinct, analyzer(language).stems(distinct), strict=True))
            index = _Index()
            for ws, named in labels:
                key = tuple(stem[w] for w in ws)
                entries = index.phrases.setdefault(key, {})
                for e in named:
                    if e.concept not in entries or (e.preferred and not entries[e.concept].preferred):
                        entries[e.concept] = e
                if len(ws) == 1 and len(ws[0]) >= MIN_HEAD:
                    index.heads[key[0]] = entries
            index.longest = max((len(key) for key in index.phrases), default=1)
            self._indexes[language] = index
        return self._indexes[language]

    def candidates(self, text: str, language: str | None = None) -> dict[int, _Candidate]:
        """Concepts whose labels occur in the text, with what the features need."""
        language = language or self.default_language
        index, stem = self._index(language), analyzer(language)
        tokens = stem.tokens(text)
        found: dict[int, _Candidate] = {}

        def hit(entries: dict[int, _Entry], position: int, length: int, compound: bool) -> None:
            for e in entries.values():
                c = found.get(e.concept)
                if c is None:
                    c = found[e.concept] = _Candidate(first=position)
                c.count += 1
                c.preferred |= e.preferred
                c.words = max(c.words, length)
                c.compound_only &= compound
                c.same_language |= e.language == language
                c.ambiguity = min(c.ambiguity, len(entries))

        i = 0
        while i < len(tokens):
            length = 0
            for n in range(min(index.longest, len(tokens) - i), 0, -1):
                entries = index.phrases.get(tuple(tokens[i : i + n]))
                if entries:
                    hit(entries, i, n, compound=False)
                    length = n
                    break  # the longest label at a position wins ("sociale geschiedenis" over "geschiedenis")
            if not length:
                entries = _compound_head(tokens[i], index)
                if entries:
                    hit(entries, i, 1, compound=True)
            i += max(length, 1)  # words inside a matched label start no other label
        for c in found.values():
            c.first = c.first * 1_000 // max(len(tokens), 1)  # per mille of the text
        return found

    def features(self, candidates: dict[int, _Candidate]) -> tuple[list[int], np.ndarray]:
        base = self.priors.base_rate()
        concepts = sorted(candidates)
        rows = [
            (
                math.log1p(c.count),
                1 - c.first / 1_000,
                float(c.preferred),
                min(c.words, 4) / 4,
                float(c.compound_only),
                float(c.same_language),
                1 / c.ambiguity,
                self.priors.logit(i, base),
                self.priors.idf(i),
            )
            for i, c in ((i, candidates[i]) for i in concepts)
        ]
        return concepts, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))

    def scores(self, texts: Sequence[str], language: str | None = None) -> list[Scores]:
        out = []
        for text in texts:
            concepts, x = self.features(self.candidates(text, language))
            p = _sigmoid(self.weights[0] + x @ self.weights[1:]) if concepts else []
            out.append({self.uris[i]: float(s) for i, s in zip(concepts, p, strict=True)})
        return out

    # --- training ------------------------------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], golds: Sequence[Sequence[str]], language: str | None = None) -> LexicalBackend:
        """Learn priors and feature weights from labelled texts (those without any gold concept are skipped).

        The priors a text's features use are counted on the other half of the data, so the weights learn how
        far a prior can be trusted on unseen text; the priors kept are then counted on all of it.
        """
        position = {uri: i for i, uri in enumerate(self.uris)}
        labelled = [(t, {position[u] for u in g if u in position}) for t, g in zip(texts, golds, strict=True) if g]
        matches = [(self.candidates(t, language), gold) for t, gold in labelled]
        halves = [matches[0::2], matches[1::2]]
        rows, ys = [], []
        for part, other in ((halves[0], halves[1]), (halves[1], halves[0])):
            self.priors = _count(other)
            for candidates, gold in part:
                concepts, x = self.features(candidates)
                rows.append(x)
                ys += [i in gold for i in concepts]
        self.priors = _count(matches)
        if rows and len(set(ys)) == 2:
            self.weights = fit_logistic(np.vstack(rows), np.asarray(ys, dtype=np.float64))
        return self

    def state(self) -> dict:
        return {
            "languages": sorted(self.languages) if self.languages is not None else None,
            "weights": [round(float(w), 6) for w in self.weights],
            "documents": self.priors.documents,
            "matched": {self.uris[i]: n for i, n in sorted(self.priors.matched.items())},
            "correct": {self.uris[i]: n for i, n in sorted(self.priors.correct.items())},
        }

    @classmethod
    def from_state(cls, vocabulary: Vocabulary, state: dict, default_language: str = "nl") -> LexicalBackend:
        backend = cls(vocabulary, state["weights"], default_language=default_language, languages=state["languages"])
        position = {uri: i for i, uri in enumerate(backend.uris)}
        backend.priors = Priors(
            state["documents"],
            {position[u]: n for u, n in state["matched"].items() if u in position},
            {position[u]: n for u, n in state["correct"].items() if u in position},
        )
        return backend


def _compound_head(token: str, index: _Index) -> dict[int, _Entry] | None:
    """Dutch compounds end in their head ("koffiehaven" -> "haven"): the longest head label the token ends with,
    leaving at least 3 letters in front."""
    for start in range(3, len(token) - 2):
        entries = index.heads.get(token[start:])
        if entries:
            return entries
    return None


def _indexable(label_words: list[str]) -> bool:
    return 0 < len(label_words) <= MAX_LABEL_WORDS and not (len(label_words) == 1 and is_stop_word(label_words[0]))


def _count(matches: Sequence[tuple[dict[int, _Candidate], set[int]]]) -> Priors:
    priors = Priors(len(matches))
    for candidates, gold in matches:
        for i in candidates:
            priors.matched[i] = priors.matched.get(i, 0) + 1
            if i in gold:
                priors.correct[i] = priors.correct.get(i, 0) + 1
    return priors


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (few features, so exact and fast); intercept first, not penalised."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = _sigmoid(design @ w)
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w

"""BM25 answers from a query's postings arrays: every hit scored when the postings are few, otherwise only the hits
that could reach the asked depth, found by max-score pruning (Turtle & Flood): a record holding only terms whose
best possible contributions add up to less than a score already reached cannot be among the best.

Both give the same scores to the last bit: each hit's score is the sum of its terms' contributions in the same
order, computed by the same expression."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from verrijk.search.ranking import Scored, places

PRUNE_ABOVE = 65_536  # a query with at most this many postings scores every hit
SEED = 4096  # postings of the query's strongest term scored first: their k-th best score is a floor for the k best
SLACK = 1 + 1e-9  # bounds raised past any rounding of the contributions they bound


@dataclass
class Term:
    """One query term's postings (slots ascending) with its idf and the most any of its postings can contribute."""

    docs: np.ndarray
    tfs: np.ndarray
    idf: float
    bound: float


@dataclass
class Context:
    """What scoring needs of the index: k1, per-slot length normalisation, slot -> record id, the usable slots (None:
    every slot of a posting is a live hit) and the live slot of record ids (-1 where none)."""

    k1: float
    norms: np.ndarray
    ids: np.ndarray
    usable: np.ndarray | None
    slots_of: Callable[[np.ndarray], np.ndarray]

    def contribution(self, term: Term, tf: np.ndarray, slots: np.ndarray) -> np.ndarray:
        tf = tf.astype(np.float64)
        return term.idf * tf * (self.k1 + 1) / (tf + self.norms[slots])


def bound(idf: float, k1: float, max_tf: int, least_norm: float) -> float:
    """The most a posting can contribute: the term's highest frequency in its shortest document (both monotone)."""
    return SLACK * idf * max_tf * (k1 + 1) / (max_tf + least_norm)


def rank(terms: list[Term], context: Context) -> Scored | Pruned:
    """The hits of a query's terms (in the order their contributions are added) as a ranking."""
    if len(terms) > 1 and sum(len(t.docs) for t in terms) > PRUNE_ABOVE:  # one term leaves nothing out
        return Pruned(terms, context)
    return exhaustive(terms, context)


def exhaustive(terms: list[Term], context: Context) -> Scored:
    """Every hit scored."""
    found = []
    for term in terms:
        docs, tfs = term.docs, term.tfs
        if context.usable is not None:
            keep = context.usable[docs]
            docs, tfs = docs[keep], tfs[keep]
        found.append((docs, context.contribution(term, tfs, docs)))
    slots_count = len(context.norms)
    if not found:
        slots, scores = np.zeros(0, dtype=np.int64), np.zeros(0)
    elif len(found) == 1:
        slots, scores = found[0]
    elif sum(len(d) for d, _ in found) > slots_count // 16:  # many postings: add them up in one array
        dense = np.zeros(slots_count)
        for docs, part in found:
            dense[docs] += part  # a term holds a slot once
        slots = np.flatnonzero(dense)
        scores = dense[slots]
    else:
        slots, where = np.unique(np.concatenate([d for d, _ in found]), return_inverse=True)
        scores = np.bincount(where, weights=np.concatenate([s for _, s in found]), minlength=len(slots))
    return Scored(context.ids[slots], scores, score_reader(slots, scores, context))


def score_reader(slots: np.ndarray, scores: np.ndarray, context: Context) -> Callable[[np.ndarray], np.ndarray]:
    def score_of(ids: np.ndarray) -> np.ndarray:
        dense = np.zeros(len(context.norms) + 1)
        dense[slots] = scores
        return dense[context.slots_of(ids)]  # slot -1 reads the last cell, left 0

    return score_of


class Pruned:
    """A broad query's hits, ordered only as deep as asked: `top(k)` scores the records that could reach the k best,
    `ranks` those that could rank above the records asked about; the count and the ids need no score at all."""

    def __init__(self, terms: list[Term], context: Context):
        self.terms, self.context = terms, context
        self._hits: np.ndarray | None = None
        # slots scored so far, with their exact scores: every usable slot scoring `floor` or more is among them
        self._scored = (np.zeros(0, np.int64), np.zeros(0))
        self._floor_scored = np.inf
        self._steps: tuple[np.ndarray, np.ndarray] | None = None  # places 1, 2, 4, ... and the scores there

    def _hit_mask(self) -> np.ndarray:
        if self._hits is None:
            hit = np.zeros(len(self.context.norms), dtype=bool)
            for term in self.terms:
                hit[term.docs] = True
            self._hits = hit if self.context.usable is None else hit & self.context.usable
        return self._hits

    def __len__(self) -> int:
        return int(np.count_nonzero(self._hit_mask()))

    def ids(self) -> np.ndarray:
        return self.context.ids[np.flatnonzero(self._hit_mask())]

    def _exact(self, slots: np.ndarray) -> np.ndarray:
        """The scores of usable slots: each term's contribution (0 where it is absent) added in the terms' order."""
        scores = np.zeros(len(slots))
        for term in self.terms:
            if len(slots) * 16 < len(term.docs):  # few slots: find them in the term's sorted postings
                at = np.minimum(np.searchsorted(term.docs, slots), len(term.docs) - 1)
                tf = np.where(term.docs[at] == slots, term.tfs[at], 0)
            else:  # many: lay the term's frequencies out by slot
                dense = np.zeros(len(self.context.norms), dtype=term.tfs.dtype)
                dense[term.docs] = term.tfs
                tf = dense[slots]
            scores += self.context.contribution(term, tf, slots)
        return scores

    def score_of(self, ids: np.ndarray) -> np.ndarray:
        """The scores of record ids, 0 where an id is no hit."""
        slots = self.context.slots_of(ids)
        held = slots >= 0
        if self.context.usable is not None:
            held[held] = self.context.usable[slots[held]]
        scores = np.zeros(len(ids))
        scores[held] = self._exact(slots[held])
        return scores

    def _reaching(self, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Every usable slot whose score could be `floor` or more, with its exact score: the records holding a term
        outside the weakest terms whose bounds add up to less than the floor (those of an earlier call when they
        reach as low)."""
        if self._floor_scored <= floor:
            return self._scored
        by_bound = sorted(self.terms, key=lambda t: t.bound)
        weak = np.cumsum([t.bound for t in by_bound]) < floor
        mask = np.zeros(len(self.context.norms), dtype=bool)
        for term, left_out in zip(by_bound, weak, strict=True):
            if not left_out:
                mask[term.docs] = True
        if self.context.usable is not None:
            mask &= self.context.usable
        slots = np.flatnonzero(mask)
        self._scored, self._floor_scored, self._steps = (slots, self._exact(slots)), floor, None
        return self._scored

    def _floor(self, k: int) -> float:
        """A score the k-th best hit reaches at least: the k-th best of some postings of the strongest term (0 when
        they hold fewer than k usable hits)."""
        strongest = max(self.terms, key=lambda t: t.bound)
        docs = strongest.docs[:: max(1, len(strongest.docs) // SEED)]
        if self.context.usable is not None:
            docs = docs[self.context.usable[docs]]
        if len(docs) < k:
            return 0.0
        return float(np.partition(self._exact(docs), len(docs) - k)[len(docs) - k])

    def top(self, k: int) -> list[tuple[int, float]]:
        if k <= 0:
            return []
        slots, scores = self._reaching(self._floor(k))
        return Scored(self.context.ids[slots], scores, self.score_of).top(k)

    def rank_floor(self, ids: np.ndarray) -> np.ndarray:
        """A place (1 = best) each of some hits takes at least: past the largest power of two of records already
        scored above it (the scores at those places found by one partition, not a sort)."""
        scored = self._scored[1]
        if not len(scored):
            return np.ones(len(ids), dtype=np.int64)
        if self._steps is None:
            steps = 2 ** np.arange(int(np.log2(len(scored))) + 1)
            self._steps = (steps, np.partition(scored, len(scored) - steps)[len(scored) - steps])
        steps, scores = self._steps
        above = np.count_nonzero(scores[None, :] > self.score_of(ids)[:, None], axis=1)  # scores fall as places grow
        return np.where(above > 0, steps[np.maximum(above - 1, 0)] + 1, 1)

    def ranks(self, ids: np.ndarray) -> np.ndarray:
        """The place (1 = best, ties by id) of each of some hits in the whole order."""
        wanted = self.score_of(ids)
        slots, scores = self._reaching(float(wanted.min()))
        return places(self.context.ids[slots], scores, ids, wanted)

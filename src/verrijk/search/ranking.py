"""Result lists held as arrays: read best first only as deep as a page needs, and fused by reciprocal rank without
ordering every hit of a broad query."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

RRF_K = 60
FIRST_DEPTH = 64  # how deep the fusion reads the big ranking before placing the hits that could still climb
RANKED_ONE_BY_ONE = 32  # up to this many hits are placed by a pass over all hits each, more by one full ordering


class Ranked(Protocol):
    """A result list: how many hits, the first k of them best first, and all their ids in any order."""

    def __len__(self) -> int: ...

    def top(self, k: int) -> list[tuple[int, float]]: ...

    def ids(self) -> np.ndarray: ...


class Scoring(Ranked, Protocol):
    """A ranking by score of any length (BM25's): also the scores and places of some of its ids."""

    def score_of(self, ids: np.ndarray) -> np.ndarray: ...

    def ranks(self, ids: np.ndarray) -> np.ndarray: ...

    def rank_floor(self, ids: np.ndarray) -> np.ndarray: ...


class Ordered:
    """A short ranking already in its order (the vector indexes' answers)."""

    def __init__(self, pairs: Sequence[tuple[int, float]]):
        self.pairs = list(pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def top(self, k: int) -> list[tuple[int, float]]:
        return self.pairs[:k]

    def ids(self) -> np.ndarray:
        return np.array([rid for rid, _ in self.pairs], dtype=np.int64)


class Scored:
    """Hits in any order with their scores, ranked by score, ties by id (smaller first): BM25's answer.
    `score_of` gives the scores of some ids, 0 where an id is no hit (the index answers it without a search)."""

    def __init__(self, ids: np.ndarray, scores: np.ndarray, score_of: Callable[[np.ndarray], np.ndarray]):
        self._ids, self.scores = ids.astype(np.int64, copy=False), scores.astype(np.float64, copy=False)
        self.score_of = score_of

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        return self._ids

    def best(self, k: int) -> np.ndarray:
        """Positions of the first k hits, best first: a partition finds them, only they are sorted."""
        n = len(self._ids)
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        if k >= n:
            chosen = np.arange(n)
        else:
            kth = np.partition(self.scores, n - k)[n - k]  # the k-th best score
            above = np.flatnonzero(self.scores > kth)
            tied = np.flatnonzero(self.scores == kth)
            need = k - len(above)
            if need < len(tied):  # of the hits tied at the edge, the smallest ids
                tied = tied[np.argpartition(self._ids[tied], need - 1)[:need]]
            chosen = np.concatenate([above, tied])
        return chosen[np.lexsort((self._ids[chosen], -self.scores[chosen]))]

    def ranks(self, ids: np.ndarray) -> np.ndarray:
        """The place (1 = best) of each of some hits in the whole order: a pass over the hits for each, or one
        ordering of them all when there are many."""
        where = np.flatnonzero(np.isin(self._ids, ids))
        score = dict(zip(self._ids[where].tolist(), self.scores[where].tolist(), strict=True))
        if len(ids) > RANKED_ONE_BY_ONE:
            return places(self._ids, self.scores, ids, np.array([score[rid] for rid in ids.tolist()]))
        scores, hits = self.scores, self._ids
        ahead = [  # better scores, and equal ones with smaller ids
            np.count_nonzero(scores > score[rid]) + np.count_nonzero((scores == score[rid]) & (hits < rid))
            for rid in ids.tolist()
        ]
        return 1 + np.array(ahead)

    def top(self, k: int) -> list[tuple[int, float]]:
        best = self.best(k)
        return list(zip(self._ids[best].tolist(), self.scores[best].tolist(), strict=True))

    def rank_floor(self, ids: np.ndarray) -> np.ndarray:
        """A place each of some hits takes at least: known only by `ranks` here."""
        return np.ones(len(ids), dtype=np.int64)


def places(hits: np.ndarray, scores: np.ndarray, ids: np.ndarray, id_scores: np.ndarray) -> np.ndarray:
    """The place (1 = best, ties by id) of some hits with their scores, given every hit that scores as much as the
    lowest of them or more: counted in the sorted scores (the hits themselves are never ordered), ties apart."""
    near = scores >= id_scores.min()
    hits, scores = hits[near], scores[near]
    ordered = np.sort(scores)
    above, upto = np.searchsorted(ordered, id_scores, side="right"), np.searchsorted(ordered, id_scores, side="left")
    ahead = len(ordered) - above
    for i in np.flatnonzero(above - upto > 1).tolist():  # tied with other hits: the smaller ids go first
        ahead[i] += np.count_nonzero((scores == id_scores[i]) & (hits < ids[i]))
    return 1 + ahead


class Fused:
    """Reciprocal rank fusion of one big ranking (BM25, any length; may be None) and short ordered ones: each id
    scores the sum of 1 / (k + rank) over the rankings that hold it, best first, ties by id.

    Only the first k are ever ordered: the big ranking is read to a depth, and a hit of a short ranking below that
    depth is placed exactly in it only when its fused score could still reach the first k."""

    def __init__(self, big: Scoring | None, short: Sequence[Ordered], k: int = RRF_K):
        self.big, self.short, self.k = big, list(short), k
        self.short_ids = np.unique(np.concatenate([o.ids() for o in self.short])) if self.short else np.zeros(0, int)
        self.in_big = big.score_of(self.short_ids) > 0 if big is not None else np.zeros(len(self.short_ids), dtype=bool)

    def __len__(self) -> int:
        return (len(self.big) if self.big is not None else 0) + int(np.count_nonzero(~self.in_big))

    def ids(self) -> np.ndarray:
        only_short = self.short_ids[~self.in_big]
        return only_short if self.big is None else np.concatenate([self.big.ids(), only_short])

    def _add_short(self, ids: np.ndarray, fused: np.ndarray) -> None:
        """Add each short ranking's 1 / (k + rank) to the fused scores of ids (in the rankings' order, as a sum
        over the rankings one after another would)."""
        for ranking in self.short:
            order = ranking.ids()
            if not len(order):
                continue
            sorter = np.argsort(order, kind="stable")
            pos = np.minimum(np.searchsorted(order, ids, sorter=sorter), len(order) - 1)
            where = sorter[pos]
            held = order[where] == ids
            fused += np.where(held, 1.0 / (self.k + where + 1), 0.0)

    def top(self, k: int) -> list[tuple[int, float]]:
        n_big = len(self.big) if self.big is not None else 0
        depth = min(max(k, FIRST_DEPTH), n_big)
        head = np.array([rid for rid, _ in self.big.top(depth)] if depth else [], dtype=np.int64)
        rank = {rid: r for r, rid in enumerate(head.tolist(), start=1)}
        below = np.array(
            [held and rid not in rank for rid, held in zip(self.short_ids.tolist(), self.in_big, strict=True)],
            dtype=bool,
        )
        candidates = np.concatenate([head, self.short_ids[~below & ~np.isin(self.short_ids, head)]])
        fused = np.array([1.0 / (self.k + rank[rid]) if rid in rank else 0.0 for rid in candidates.tolist()])
        self._add_short(candidates, fused)
        if below.any():
            # a hit of a short ranking below the depth adds at most 1 / (k + depth + 1) from the big one (less when
            # the big ranking knows it lies deeper): those that could still reach the first k get their exact place
            deep = self.short_ids[below]
            ceiling = 1.0 / (self.k + np.maximum(depth + 1, self.big.rank_floor(deep)))
            self._add_short(deep, ceiling)
            edge = np.sort(fused)[-k] if len(fused) >= k else -np.inf
            climbing = deep[ceiling >= edge]
            if len(climbing):
                exact = 1.0 / (self.k + self.big.ranks(climbing))
                self._add_short(climbing, exact)
                candidates, fused = np.concatenate([candidates, climbing]), np.concatenate([fused, exact])
        order = np.lexsort((candidates, -fused))[:k]
        return list(zip(candidates[order].tolist(), fused[order].tolist(), strict=True))


def fuse(rankings: Sequence[Scoring | Ordered], k: int = RRF_K) -> Ranked:
    """One ranking from several (reciprocal rank fusion); a single ranking as it is, with its own scores."""
    if len(rankings) == 1:
        return rankings[0]
    big = [r for r in rankings if not isinstance(r, Ordered)]
    return Fused(big[0] if big else None, [r for r in rankings if isinstance(r, Ordered)], k)

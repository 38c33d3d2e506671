"""The ensemble: a weighted average of backends' scores, the weights tuned on held-out records."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from verrijk.enrich.text.subjects.base import Backend, Scores


def combine(member_scores: Sequence[Scores], weights: Sequence[float]) -> Scores:
    """Sum of weight x score over members, divided by the sum of weights: stays in 0..1."""
    total = sum(weights)
    out: Scores = {}
    if total <= 0:
        return out
    for scores, weight in zip(member_scores, weights, strict=True):
        if weight:
            for uri, score in scores.items():
                out[uri] = out.get(uri, 0.0) + weight * score
    return {uri: s / total for uri, s in out.items()}


class EnsembleBackend(Backend):
    name = "ensemble"

    def __init__(self, members: Sequence[Backend], weights: Sequence[float]):
        if not members or len(members) != len(weights) or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("an ensemble needs members and as many non-negative weights, not all zero")
        super().__init__(members[0].vocabulary)
        self.members, self.weights = list(members), [float(w) for w in weights]

    @property
    def version(self) -> str:  # type: ignore[override]
        """ "1" plus each member's provenance and weight, so a re-weighted ensemble is a new version."""
        return "1[" + ",".join(f"{m.provenance}:{w:g}" for m, w in zip(self.members, self.weights, strict=True)) + "]"

    def scores(self, texts: Sequence[str], language: str | None = None) -> list[Scores]:
        return [combined for combined, _ in self.explained_scores(texts, language)]

    def explained_scores(self, texts: Sequence[str], language: str | None = None) -> list[tuple[Scores, list[Scores]]]:
        """Per text: the combined scores and each member's own, so a suggestion can say where it came from."""
        per_member = [
            m.scores(texts, language) if w else [{} for _ in texts]  # a member weighted 0 is never run (nor loaded)
            for m, w in zip(self.members, self.weights, strict=True)
        ]
        return [(combine(row, self.weights), list(row)) for row in zip(*per_member, strict=True)]


def tune_weights(
    member_scores: Sequence[Sequence[Scores]],
    objective: Callable[[list[Scores]], float],
    step: float = 0.1,
) -> tuple[list[float], float]:
    """The weights on a grid over the simplex (multiples of `step`, summing to 1) that maximise `objective`.

    `member_scores[m][d]` is member m's scores for document d, computed once; ties keep the earlier grid point.
    """
    n = round(1 / step)
    best: tuple[list[float], float] = ([], float("-inf"))
    for combo in itertools.product(range(n + 1), repeat=len(member_scores)):
        if sum(combo) != n:
            continue
        weights = [c / n for c in combo]
        value = objective([combine(row, weights) for row in zip(*member_scores, strict=True)])
        if value > best[1]:
            best = (weights, value)
    return best

"""Ranking metrics for subject suggestion, as Annif reports them: F1@k, NDCG@k and precision@1.

Each is computed per document that has at least one gold concept and averaged over those documents. The top k
suggestions count whatever their score; fewer than k suggestions lower recall, never precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def f1_at_k(ranked: Sequence[str], gold: Sequence[str] | set[str], k: int = 5) -> float:
    """Harmonic mean of precision (hits / suggestions made, at most k) and recall (hits / gold concepts)."""
    top, gold = list(ranked)[:k], set(gold)
    hits = len(set(top) & gold)
    if not hits:
        return 0.0
    precision, recall = hits / len(top), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def ndcg_at_k(ranked: Sequence[str], gold: Sequence[str] | set[str], k: int = 5) -> float:
    """Discounted cumulative gain of the top k (binary relevance), over the best gain the gold set allows."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1 / math.log2(i + 2) for i, uri in enumerate(list(ranked)[:k]) if uri in gold)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(gold))))
    return dcg / ideal


def precision_at_1(ranked: Sequence[str], gold: Sequence[str] | set[str]) -> float:
    return 1.0 if ranked and ranked[0] in set(gold) else 0.0


def score_rankings(rankings: Sequence[Sequence[str]], golds: Sequence[Sequence[str]], k: int = 5) -> dict[str, float]:
    """Mean F1@k, NDCG@k and precision@1 over documents with gold concepts."""
    pairs = [(r, g) for r, g in zip(rankings, golds, strict=True) if g]
    if not pairs:
        raise ValueError("no document has a gold concept to score against")
    n = len(pairs)
    return {
        f"f1@{k}": round(sum(f1_at_k(r, g, k) for r, g in pairs) / n, 4),
        f"ndcg@{k}": round(sum(ndcg_at_k(r, g, k) for r, g in pairs) / n, 4),
        "precision@1": round(sum(precision_at_1(r, g) for r, g in pairs) / n, 4),
        "documents": n,
    }

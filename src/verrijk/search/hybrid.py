"""Search modes and the fusion of lexical and semantic rankings (reciprocal rank fusion)."""

from __future__ import annotations

from collections.abc import Sequence

MODES = ("lexical", "semantic", "hybrid")
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[tuple[int, float]]], k: int = RRF_K) -> list[tuple[int, float]]:
    """One ranking from several: each id scores the sum of 1 / (k + rank) over the rankings that hold it."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

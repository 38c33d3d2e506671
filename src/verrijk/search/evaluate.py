"""Retrieval quality against relevance judgements: nDCG@10 and recall@10 per search mode."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import mean

from verrijk.search.hybrid import MODES
from verrijk.search.query import SearchRequest
from verrijk.search.service import SearchService
from verrijk.store.repo import Repo

QUERY_SET = Path(__file__).parents[3] / "tests" / "data" / "search_queries.json"


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    gain = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """Share of the relevant records in the top k, out of as many as fit there (min(k, |relevant|))."""
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant)) if relevant else 0.0


def evaluate(service: SearchService, repo: Repo, queries: list[dict], modes=MODES) -> dict:
    """Mean nDCG@10 and recall@10 per mode, overall and per query language and kind."""
    source_ids = repo.source_ids()
    results: dict[str, dict] = {}
    for mode in modes:
        per_query = []
        for q in queries:
            hits = service.search(repo, SearchRequest(q["query"], mode=mode))
            ranked = [source_ids[rid] for rid, _ in hits.top(10)]
            relevant = set(q["relevant"])
            per_query.append((q, ndcg_at(ranked, relevant), recall_at(ranked, relevant)))
        groups = {"all": per_query}
        for key in ("lang", "kind"):
            for value in sorted({q[key] for q in queries}):
                groups[value] = [row for row in per_query if row[0][key] == value]
        results[mode] = {
            name: {"ndcg@10": round(mean(r[1] for r in rows), 4), "recall@10": round(mean(r[2] for r in rows), 4)}
            for name, rows in groups.items()
        }
    return results


def load_queries(path: Path = QUERY_SET) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["queries"]

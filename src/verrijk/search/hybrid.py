"""Search modes: lexical (BM25), semantic (vectors) and hybrid (both, fused by reciprocal rank: search/ranking.py)."""

from __future__ import annotations

MODES = ("lexical", "semantic", "hybrid")

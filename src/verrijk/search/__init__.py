"""Semantic, lexical and hybrid search over an organisation's records (FAISS + BM25, fused by rank)."""

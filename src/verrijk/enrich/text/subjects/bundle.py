"""A trained subject model for one vocabulary: its backends, ensemble weights and thresholds, saved as plain
arrays (<name>.npz) and JSON (<name>.json) under models/subjects/, loaded with numpy alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verrijk.enrich.text.subjects.base import Backend, Encoder
from verrijk.enrich.text.subjects.ensemble import EnsembleBackend
from verrijk.enrich.text.subjects.lexical import LexicalBackend
from verrijk.enrich.text.subjects.trained import KnnBackend, LinearBackend
from verrijk.enrich.text.subjects.vocab import MODELS_DIR, Vocabulary
from verrijk.errors import ModelError  # noqa: F401  (raised here; importers may take it from this module)

FORMAT = 1
# Bumped whenever the shipped models are retrained; the enrichers' version strings carry it.
MODEL_VERSION = "1"


@dataclass
class SubjectModel:
    vocabulary: Vocabulary
    lexical: LexicalBackend
    knn: KnnBackend
    linear: LinearBackend
    weights: dict[str, float]  # member name -> ensemble weight
    thresholds: dict[str, float] = field(default_factory=dict)  # backend name -> minimum score tuned for F1@5
    about: dict = field(default_factory=dict)  # what it was trained on, for the model card

    @property
    def members(self) -> list[Backend]:
        return [self.lexical, self.knn, self.linear]

    def ensemble(self) -> EnsembleBackend:
        return EnsembleBackend(self.members, [self.weights[m.name] for m in self.members])

    def save(self, directory: Path, name: str) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        labels = self.knn.labels
        position = {uri: j for j, uri in enumerate(self.knn.concepts)}
        arrays = {
            "knn_vectors": self.knn.vectors.astype(np.float16),
            "knn_indptr": np.cumsum([0] + [len(x) for x in labels]).astype(np.int32),
            "knn_indices": np.array([position[u] for x in labels for u in x], dtype=np.int32),
            "knn_concepts": np.array(self.knn.concepts, dtype=str),
            "linear_weights": self.linear.weights.astype(np.float16),
            "linear_bias": self.linear.bias.astype(np.float32),
            "linear_concepts": np.array(self.linear.concepts, dtype=str),
        }
        npz, meta = directory / f"{name}.npz", directory / f"{name}.json"
        np.savez_compressed(npz, **arrays)
        state = {
            "format": FORMAT,
            "model_version": MODEL_VERSION,
            "vocabulary": self.vocabulary.name,
            "vocabulary_version": self.vocabulary.version,
            "embedder": self.knn.encoder.name,
            "knn": {"k": self.knn.k, "power": self.knn.power},
            "weights": self.weights,
            "thresholds": self.thresholds,
            "about": self.about,
            "lexical": self.lexical.state(),
        }
        meta.write_text(json.dumps(state, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return [npz, meta]


def load_model(name: str, vocabulary: Vocabulary, encoder: Encoder, directory: Path = MODELS_DIR) -> SubjectModel:
    """A saved model; refuses one written for another format, model version, vocabulary or embedder."""
    npz, meta = directory / f"{name}.npz", directory / f"{name}.json"
    if not npz.is_file() or not meta.is_file():
        raise ModelError(f"no subject model {name!r} in {directory} (run training/train_subjects.py)")
    state = json.loads(meta.read_text(encoding="utf-8"))
    expected = {
        "format": FORMAT,
        "model_version": MODEL_VERSION,
        "vocabulary": vocabulary.name,
        "embedder": encoder.name,
    }
    wrong = {k: state.get(k) for k, v in expected.items() if state.get(k) != v}
    if wrong:
        raise ModelError(f"{meta} was written for {wrong}, this code expects { ({k: expected[k] for k in wrong}) }")
    with np.load(npz) as data:
        concepts = data["knn_concepts"].tolist()
        indptr, indices = data["knn_indptr"], data["knn_indices"]
        labels = [[concepts[j] for j in indices[indptr[i] : indptr[i + 1]]] for i in range(len(indptr) - 1)]
        knn = KnnBackend(vocabulary, encoder, data["knn_vectors"], labels, **state["knn"])
        linear = LinearBackend(
            vocabulary, encoder, data["linear_concepts"].tolist(), data["linear_weights"], data["linear_bias"]
        )
    lexical = LexicalBackend.from_state(vocabulary, state["lexical"])
    return SubjectModel(vocabulary, lexical, knn, linear, state["weights"], state["thresholds"], state["about"])

"""Training the subject model from decisions: reviewed records join the nearest-neighbour memory with the
concepts reviewers accepted (rejected ones leave a record's labels), the logistic regression is fine-tuned from its
current weights on the judged (record, concept) pairs while replaying the memory's labels, and the ensemble
threshold is retuned on the training decisions. numpy only; seconds on a CPU."""

from __future__ import annotations

import shutil
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from verrijk.config import Settings
from verrijk.enrich.models import active_trained, get_model
from verrijk.enrich.text.subjects.bundle import SubjectModel
from verrijk.enrich.text.subjects.data import LabelledRecord
from verrijk.enrich.text.subjects.enricher import open_model
from verrijk.enrich.text.subjects.metrics import score_rankings
from verrijk.enrich.text.subjects.trained import KnnBackend, LinearBackend, label_matrix
from verrijk.enrich.text.subjects.vocab import DEMO_TTL
from verrijk.learning.examples import Example, agreement

VOCABULARY = "demo"  # the organisation's decisions are on subjects.demo suggestions
SAME_RECORD = 0.9999  # cosine above which a reviewed text is a record the memory already holds
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]
Progress = Callable[[str], None]


def predictions(model: SubjectModel, examples: Sequence[Example], limit: int = 5) -> list[bool]:
    """Whether the model proposes each example's concept for its record, as the enricher would (among its `limit`
    best, at or above the ensemble threshold)."""
    return _proposes(_ranked(model, examples), examples, model.thresholds.get("ensemble", 0.0), limit)


def ranked_concepts(model: SubjectModel, texts: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
    """Per text, every concept the ensemble scores, best first."""
    unique = list(dict.fromkeys(texts))
    scores = model.ensemble().scores(unique)
    return {t: sorted(s.items(), key=lambda x: (-x[1], x[0])) for t, s in zip(unique, scores, strict=True)}


def _ranked(model: SubjectModel, examples: Sequence[Example]) -> dict[str, list[tuple[str, float]]]:
    return ranked_concepts(model, [e.text for e in examples])


def _proposes(ranked: dict[str, list[tuple[str, float]]], examples: Sequence[Example], threshold: float, limit: int):
    proposed = {t: {uri for uri, s in r[:limit] if s >= threshold} for t, r in ranked.items()}
    return [e.uri in proposed[e.text] for e in examples]


def judged_by_text(examples: Sequence[Example]) -> dict[str, tuple[set[str], set[str]]]:
    """text -> (accepted concepts, rejected concepts)."""
    out: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for e in examples:
        if e.uri:
            out[e.text][0 if e.right else 1].add(e.uri)
    return dict(out)


def _memory(knn: KnnBackend, judged: dict[str, tuple[set[str], set[str]]], vectors: np.ndarray) -> KnnBackend:
    """The memory with reviewed records added (or corrected, when it holds them already)."""
    memory, labels = list(knn.vectors), [set(x) for x in knn.labels]
    known = np.asarray(vectors) @ knn.vectors.T if len(knn.vectors) else np.zeros((len(vectors), 0))
    for i, (accepted, rejected) in enumerate(judged.values()):
        accepted = {uri for uri in accepted if uri in knn.vocabulary}  # an edit may name a concept it lacks
        j = int(known[i].argmax()) if known.shape[1] else -1
        if j >= 0 and known[i, j] >= SAME_RECORD:
            labels[j] = (labels[j] | accepted) - rejected
        elif accepted:
            memory.append(vectors[i])
            labels.append(set(accepted))
    return KnnBackend(
        knn.vocabulary, knn.encoder, np.stack(memory), [sorted(x) for x in labels], k=knn.k, power=knn.power
    )


def _fine_tune(
    linear: LinearBackend,
    memory: KnnBackend,
    judged: dict[str, tuple[set[str], set[str]]],
    vectors: np.ndarray,
    steps: int = 60,
    learning_rate: float = 0.01,
    judged_weight: float = 5.0,
) -> LinearBackend:
    """Adam from the current weights on the mean binary cross-entropy of the memory's labels (replay, so the
    concepts nobody reviewed are not forgotten) plus, weighted, that of the judged pairs alone."""
    concepts = linear.concepts
    x_replay = memory.vectors.astype(np.float32)
    y_replay = label_matrix(memory.labels, concepts)
    column = {uri: j for j, uri in enumerate(concepts)}
    x_judged = np.asarray(vectors, np.float32)
    y_judged = np.zeros((len(judged), len(concepts)), np.float32)
    mask = np.zeros_like(y_judged)
    for i, (accepted, rejected) in enumerate(judged.values()):
        for uri in accepted | rejected:
            if uri in column:
                mask[i, column[uri]] = 1.0
                y_judged[i, column[uri]] = float(uri in accepted)
    w, b = linear.weights.astype(np.float32).copy(), linear.bias.astype(np.float32).copy()
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    beta1, beta2, judged_n = 0.9, 0.999, max(mask.sum(), 1.0)
    for step in range(1, steps + 1):
        error = (_sigmoid(x_replay @ w + b) - y_replay) / len(x_replay)
        grad_w, grad_b = x_replay.T @ error, error.sum(axis=0)
        if len(x_judged):
            error = judged_weight * mask * (_sigmoid(x_judged @ w + b) - y_judged) / judged_n
            grad_w, grad_b = grad_w + x_judged.T @ error, grad_b + error.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, moments[0], moments[1]), (b, grad_b, moments[2], moments[3])):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad**2
            param -= learning_rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return LinearBackend(linear.vocabulary, linear.encoder, concepts, w, b)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def fit(model: SubjectModel, train: Sequence[Example], progress: Progress = lambda _: None) -> SubjectModel:
    """A new model learned from the training decisions (the given one is left as it is). The ensemble threshold is
    chosen on half of the records' decisions by a model fitted on the other half, then everything is fitted."""
    if train:
        first = [e for e in train if _half(e)]
        second = [e for e in train if not _half(e)]
        ranked = _ranked(_learn(model, first, progress), second)
        best = max(THRESHOLDS, key=lambda t: agreement(second, lambda ex, t=t: _proposes(ranked, ex, t, 5))["f1"])
        progress(f"subjects: ensemble threshold {model.thresholds.get('ensemble')} -> {best}")
    candidate = _learn(model, train, progress)
    if train:
        candidate.thresholds["ensemble"] = best
    candidate.about = {**model.about, "fine_tuned_on_decisions": len(train)}
    return candidate


def _half(example: Example) -> bool:
    return zlib.crc32(example.text.encode()) % 2 == 0


def _learn(model: SubjectModel, train: Sequence[Example], progress: Progress) -> SubjectModel:
    judged = judged_by_text(train)
    vectors = model.knn.encoder(list(judged)) if judged else np.zeros((0, model.knn.encoder.dim), np.float32)
    progress(f"subjects: {len(train)} decisions on {len(judged)} records; updating the neighbour memory")
    knn = _memory(model.knn, judged, vectors)
    progress(f"subjects: fine-tuning the logistic regression ({len(model.linear.concepts)} concepts)")
    linear = _fine_tune(model.linear, knn, judged, vectors)
    return replace(model, knn=knn, linear=linear, thresholds=dict(model.thresholds))


def current(settings: Settings) -> tuple[str, Path]:
    """The version of the demo subject model serving now (the active one trained from decisions, else the shipped
    one) and its folder."""
    trained = active_trained(settings.trained_dir, "subjects")
    if trained:
        return trained
    return get_model(settings.models_dir, "subjects").active or "shipped", settings.models_dir / "subjects"


def load(folder: Path) -> SubjectModel:
    return open_model(VOCABULARY, folder)


def save(model: SubjectModel, folder: Path, source: Path) -> None:
    """The model's arrays and state with the vocabulary file of the version it came from: a version folder stands
    alone."""
    model.save(folder, VOCABULARY)
    shutil.copyfile(source / DEMO_TTL.name, folder / DEMO_TTL.name)


def evaluate_records(
    model: SubjectModel, records: Sequence[LabelledRecord], limit: int = 5, scored: list | None = None
) -> dict[str, Any]:
    """Metrics of the model's `limit` best concepts against labelled records: F1@k of those at or above the ensemble
    threshold (what the enricher suggests), NDCG@k and precision@1 of the ranking, and precision, recall and F1 of
    its suggestions for the eight most common gold concepts; `scored` collects (score, in gold) of every ranked
    concept for plots."""
    golds = [r.gold(model.vocabulary) for r in records]
    ranked = ranked_concepts(model, [r.text for r in records])
    threshold = model.thresholds.get("ensemble", 0.0)
    rankings = [[uri for uri, _ in ranked[r.text][:limit]] for r in records]
    metrics: dict[str, Any] = score_rankings(rankings, golds, limit)
    metrics[f"f1@{limit}_no_threshold"] = metrics[f"f1@{limit}"]
    suggested = [[uri for uri, s in ranked[r.text][:limit] if s >= threshold] for r in records]
    metrics[f"f1@{limit}"] = score_rankings(suggested, golds, limit)[f"f1@{limit}"]  # what the enricher suggests
    common = Counter(uri for gold in golds for uri in gold).most_common(8)
    per_type = {}
    for uri, _ in common:
        suggested = [uri in {u for u, s in ranked[r.text][:limit] if s >= threshold} for r in records]
        relevant = [uri in gold for gold in golds]
        tp = sum(s and g for s, g in zip(suggested, relevant, strict=True))
        precision, recall = tp / max(sum(suggested), 1), tp / max(sum(relevant), 1)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        per_type[model.vocabulary.label(uri)] = {
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": sum(relevant)
        }  # fmt: skip
    metrics["per_type"] = per_type
    metrics["threshold"] = threshold
    if scored is not None:
        for record, gold in zip(records, golds, strict=True):
            scored.extend((s, uri in gold) for uri, s in ranked[record.text][:limit])
    return metrics

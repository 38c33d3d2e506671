"""Training and measuring subject suggestion on the demo collection, for the model card and the CLI.

The records' own subject terms and Iconclass codes are the answers. Backends are fitted on the train split;
the ensemble weights (for NDCG@5 + F1@5) and each backend's score threshold (for F1@5) are tuned on the dev
split; everything is then refitted on train + dev and scored on the test split, next to the most-frequent-subjects
baseline fitted the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from verrijk.enrich.text.subjects.base import Encoder, Scores, use_encoder
from verrijk.enrich.text.subjects.bundle import SubjectModel
from verrijk.enrich.text.subjects.data import LabelledRecord, load_demo_records
from verrijk.enrich.text.subjects.ensemble import combine, tune_weights
from verrijk.enrich.text.subjects.lexical import LexicalBackend
from verrijk.enrich.text.subjects.metrics import f1_at_k, ndcg_at_k, score_rankings
from verrijk.enrich.text.subjects.trained import FrequencyBackend, KnnBackend, LinearBackend
from verrijk.enrich.text.subjects.vocab import Vocabulary, demo_vocabulary, iconclass_vocabulary

KNN = {"k": 10, "power": 4.0}  # chosen on the dev split
# Label languages the lexical backend indexes besides the text's own: for Iconclass (no Dutch), German and French
# labels find as much in Dutch text as all five languages, in half the indexing time.
LEXICAL_LANGUAGES = {"iconclass": ("en", "de", "fr")}
THRESHOLDS = [i / 20 for i in range(19)]  # 0.0 .. 0.9


@dataclass
class SubjectEvaluation:
    metrics: dict = field(default_factory=dict)
    models: dict[str, SubjectModel] = field(default_factory=dict)  # fitted on train + dev


def ranking(scores: Scores, k: int, threshold: float = 0.0) -> list[str]:
    best = sorted(((s, uri) for uri, s in scores.items() if s > 0 and s >= threshold), key=lambda x: (-x[0], x[1]))
    return [uri for _, uri in best[:k]]


def _f1_sum(scores: Sequence[Scores], golds: Sequence[Sequence[str]], k: int, threshold: float) -> float:
    return sum(f1_at_k(ranking(s, k, threshold), g, k) for s, g in zip(scores, golds, strict=True))


def best_threshold(scores: Sequence[Scores], golds: Sequence[Sequence[str]], k: int = 5) -> float:
    """The minimum score that maximises mean F1@k (the lowest such, when several tie)."""
    return max(THRESHOLDS, key=lambda t: (_f1_sum(scores, golds, k, t), -t))


def _objective(scores: Sequence[Scores], golds: Sequence[Sequence[str]], k: int) -> float:
    """What ensemble weights are tuned for: the ranking (NDCG@k) and the list a cataloguer sees (F1@k at the
    best threshold), equally."""
    ndcg = sum(ndcg_at_k(ranking(s, k), g, k) for s, g in zip(scores, golds, strict=True))
    return ndcg + max(_f1_sum(scores, golds, k, t) for t in THRESHOLDS)


def fit_model(vocabulary: Vocabulary, encoder: Encoder, texts: list[str], labels: list[list[str]]) -> SubjectModel:
    vectors = encoder(texts)
    return SubjectModel(
        vocabulary,
        LexicalBackend(vocabulary, languages=LEXICAL_LANGUAGES.get(vocabulary.name)).fit(texts, labels),
        KnnBackend(vocabulary, encoder, vectors, labels, **KNN),
        LinearBackend.fit(vocabulary, encoder, vectors, labels),
        weights={"lexical": 1.0, "knn": 1.0, "linear": 1.0},
    )


def _scores(model: SubjectModel, baseline: FrequencyBackend, texts: list[str]) -> dict[str, list[Scores]]:
    out = {b.name: b.scores(texts) for b in [baseline, *model.members]}
    weights = [model.weights[m.name] for m in model.members]
    out["ensemble"] = [combine(row, weights) for row in zip(*(out[m.name] for m in model.members), strict=True)]
    return out


def evaluate_vocabulary(
    vocabulary: Vocabulary,
    records: Sequence[LabelledRecord],
    encoder: Encoder,
    k: int = 5,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict, SubjectModel]:
    """Metrics per backend on the test split, and the model fitted on train + dev with the tuned settings."""
    split: dict[str, tuple[list[str], list[list[str]]]] = {"train": ([], []), "dev": ([], []), "test": ([], [])}
    for record in records:
        gold = record.gold(vocabulary)
        if gold:  # records without any concept of this vocabulary are unlabelled, not negative examples
            split[record.split][0].append(record.text)
            split[record.split][1].append(gold)
    (train_x, train_y), (dev_x, dev_y), (test_x, test_y) = split["train"], split["dev"], split["test"]

    log(f"{vocabulary.name}: fitting on {len(train_x)} train records, tuning on {len(dev_x)} dev records")
    model = fit_model(vocabulary, encoder, train_x, train_y)
    dev = _scores(model, FrequencyBackend.fit(vocabulary, train_y), dev_x)
    weights, _ = tune_weights([dev[m.name] for m in model.members], lambda rows: _objective(rows, dev_y, k))
    model.weights = {m.name: w for m, w in zip(model.members, weights, strict=True)}
    dev["ensemble"] = _scores(model, FrequencyBackend(vocabulary, {}), dev_x)["ensemble"]
    thresholds = {name: best_threshold(scores, dev_y, k) for name, scores in dev.items()}

    log(f"{vocabulary.name}: refitting on train + dev, scoring {len(test_x)} test records")
    final = fit_model(vocabulary, encoder, train_x + dev_x, train_y + dev_y)
    final.weights, final.thresholds = model.weights, thresholds
    test = _scores(final, FrequencyBackend.fit(vocabulary, train_y + dev_y), test_x)
    seen = {uri for gold in train_y + dev_y for uri in gold}
    gold_total = sum(len(g) for g in test_y)
    metrics: dict = {
        "vocabulary": vocabulary.name,
        "vocabulary_version": vocabulary.version,
        "records": {"train": len(train_x), "dev": len(dev_x), "test": len(test_x)},
        "concepts_in_training": len(seen),
        "test_gold_seen_in_training": round(sum(u in seen for g in test_y for u in g) / gold_total, 4),
        "ensemble_weights": model.weights,
        "backends": {},
    }
    for name, scores in test.items():
        ranked = score_rankings([ranking(s, k) for s in scores], test_y, k)
        cut = score_rankings([ranking(s, k, thresholds[name]) for s in scores], test_y, k)
        metrics["backends"][name] = {
            f"f1@{k}": cut[f"f1@{k}"],
            f"ndcg@{k}": ranked[f"ndcg@{k}"],
            "precision@1": ranked["precision@1"],
            "threshold": thresholds[name],
            f"f1@{k}_no_threshold": ranked[f"f1@{k}"],
        }
    final.about = {"records": len(train_x) + len(dev_x), "source": "rijksmuseum_suriname.csv (train + dev splits)"}
    return metrics, final


def evaluate_subjects(
    vocabularies: Mapping[str, Vocabulary] | None = None,
    records: Sequence[LabelledRecord] | None = None,
    encoder: Encoder | None = None,
    k: int = 5,
    log: Callable[[str], None] = lambda _: None,
) -> SubjectEvaluation:
    """Fit, tune and score every backend for each vocabulary ("demo" subject terms and "iconclass" by default)."""
    vocabularies = vocabularies or {"demo": demo_vocabulary(), "iconclass": iconclass_vocabulary()}
    records = list(records) if records is not None else load_demo_records()
    encoder = encoder or use_encoder()
    result = SubjectEvaluation()
    for name, vocabulary in vocabularies.items():
        result.metrics[name], result.models[name] = evaluate_vocabulary(vocabulary, records, encoder, k, log)
    return result

"""Fitting the linking model (training/build_link_set.py): logistic weights on candidate features, stage by stage,
Platt calibration and the NIL thresholds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from verrijk.enrich.text.linking.evaluate import calibration, context_of
from verrijk.enrich.text.linking.index import AuthorityIndex
from verrijk.enrich.text.linking.linker import FEATURES, UNTYPED, Linker, Model

L2 = 1.0
MIN_MISSED = 20  # development mentions of a type whose top candidate is not the gold, for a threshold of its own


def design(linker: Linker, items: list[dict[str, Any]]):
    """Candidate feature rows, labels (candidate is the gold), and the mention each row belongs to."""
    rows, labels, groups = [], [], []
    for n, item in enumerate(items):
        for c in linker.candidates(item["mention"], item.get("type"), context_of(item)):
            rows.append([c.features.get(f, 0.0) for f in FEATURES])
            labels.append(float(c.entry.uri == item["gold"]))
            groups.append(n)
    return np.array(rows), np.array(labels), np.array(groups)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = L2,
    iterations: int = 50,
    offset: np.ndarray | None = None,
    own_bias: np.ndarray | None = None,
) -> np.ndarray:
    """Newton's method on the L2-penalised log loss; column 0 is the bias, unpenalised. With an `offset` (the rest
    of a model's score per row) there is no bias column, unless `own_bias` (1 for the rows it applies to): then one
    is fitted for those rows of this set alone and left out of what is returned (it absorbs the set's own base
    rate, such as two or three namesakes per mention)."""
    if own_bias is not None:
        x = np.column_stack([own_bias, x])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0 if offset is None or own_bias is not None else l2
    base = np.zeros(len(y)) if offset is None else offset
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(base + x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[1:] if own_bias is not None else w


def fit_platt(raw: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Platt scaling on the logit of the raw probability: calibrated = sigmoid(a * logit(p) + b)."""
    z = np.log(np.clip(raw, 1e-6, 1 - 1e-6) / np.clip(1 - raw, 1e-6, 1))
    x = np.column_stack([z, np.ones_like(z)])
    w = np.array([1.0, 0.0])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - correct) + 1e-3 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(w[0]), float(w[1])


def top_raw(linker: Linker, items: list[dict[str, Any]]) -> list[tuple[float, bool, bool, str | None]]:
    """(raw probability of the top candidate, is it the gold, is the gold NIL, the mention's type or "untyped", None
    when there is no candidate to link) per mention."""
    out = []
    for item in items:
        found = linker.candidates(item["mention"], item.get("type"), context_of(item))
        if found:
            raw = linker.model.raw(found[0].features)
            out.append((raw, found[0].entry.uri == item["gold"], item["gold"] is None, item.get("type") or UNTYPED))
        else:
            out.append((0.0, False, item["gold"] is None, None))
    return out


def bayes_threshold(scored: list[tuple[float, bool, bool, str | None]]) -> float:
    """The calibrated score from which linking the top candidate is right at least as often as saying NIL.

    A calibrated score s is the chance that the top candidate is the gold; otherwise the mention is NIL with the
    chance r that a mention whose top candidate is not the gold is NIL (for the others, another entry or none
    listed, neither answer is right). Linking is the better answer when s >= (1 - s) r, that is from
    s = r / (1 + r): one half when every miss is a NIL, less when misses are often another entry. The threshold
    follows from the calibration and one ratio of the development split, not from its accuracy curve, which is
    flat from 0.30 to 0.60 (within two of 1,069 mentions) so that its best point wanders with noise: version 4
    took the median of that curve's best points, 0.56, and lost people's spelling variants scored 0.5-0.56."""
    missed = [nil for _, correct, nil, kind in scored if kind is not None and not correct]
    r = sum(missed) / len(missed) if missed else 1.0
    return r / (1 + r)


def choose_thresholds(scored: list[tuple[float, bool, bool, str | None]]) -> tuple[float, dict[str, float]]:
    """The NIL threshold (bayes_threshold) over the development split, and one per entity type ("untyped" for
    mentions without one) with at least MIN_MISSED mentions whose top candidate is not the gold: how often such a
    miss is a NIL differs by type (a person's look-alike is often another person, a place's hardly ever)."""
    per_type = {}
    for kind in sorted({k for *_, k in scored if k is not None}):
        chosen = [s for s in scored if s[3] == kind]
        if sum(not correct for _, correct, _, _ in chosen) >= MIN_MISSED:
            per_type[kind] = round(bayes_threshold(chosen), 3)
    return round(bayes_threshold(scored), 3), per_type


def fit(
    items: list[dict[str, Any]],
    indexes: list[AuthorityIndex],
    stages: list[tuple[list[AuthorityIndex], list[dict[str, Any]], tuple[str, ...], bool]],
) -> dict[str, Any]:
    """Weights from the training split of the demo set (against `indexes`), then each stage's features from its
    own set (against its own authorities) with the other weights held: a set made to teach one thing (namesakes
    told apart by context, unseen spellings of places) would otherwise pull the weights of name matching away
    from what the demo data teaches. A stage with its own bias fits one for its mentions with namesakes alone (not
    kept).
    Calibration and the NIL thresholds (choose_thresholds) from the demo set's development split."""
    train = [i for i in items if i["split"] == "train"]
    dev = [i for i in items if i["split"] == "dev"]
    zero = Model({f: 0.0 for f in FEATURES})
    x, y, _ = design(Linker(indexes, zero, limit=50), train)
    later = [FEATURES.index(f) for _, _, features, _ in stages for f in features]
    first = np.delete(np.arange(len(FEATURES)), later)
    weights = np.zeros(len(FEATURES))
    weights[first] = fit_logistic(x[:, first], y)
    for stage_indexes, stage_items, features, own_bias in stages:
        sx, sy, _ = design(Linker(stage_indexes, zero, limit=50), [i for i in stage_items if i["split"] == "train"])
        columns = [FEATURES.index(f) for f in features]
        held = np.delete(np.arange(len(FEATURES)), columns)
        # the bias of its own applies to mentions with namesakes only: a lone exact name is as sure in this set as
        # in the demo data, so what a date conflict does to it is learnt against the demo's bias, which run time uses
        own = (sx[:, FEATURES.index("ambiguity")] > 0).astype(float) if own_bias else None
        weights[columns] = fit_logistic(sx[:, columns], sy, offset=sx[:, held] @ weights[held], own_bias=own)
    raw_model = Model(dict(zip(FEATURES, weights.tolist(), strict=True)))
    scored = top_raw(Linker(indexes, raw_model, limit=50), dev)
    raw = np.array([s for s, *_ in scored])
    a, b = fit_platt(raw, np.array([float(c) for _, c, *_ in scored]))
    xs = [round(float(v), 4) for v in np.linspace(0, 1, 101)]
    ys = [round(1 / (1 + math.exp(-(a * math.log(max(v, 1e-6) / max(1 - v, 1e-6)) + b))), 4) for v in xs]
    calibrated = Model(raw_model.weights, tuple(xs), tuple(ys))
    dev_scored = [(calibrated.calibrate(s), c, n, k) for s, c, n, k in scored]
    threshold, thresholds = choose_thresholds(dev_scored)
    return {
        "description": "verrijk entity-linking model: logistic regression over candidate features, Platt-calibrated",
        "features": list(FEATURES),
        "weights": {f: round(float(w), 5) for f, w in zip(FEATURES, weights, strict=True)},
        "calibration": {"method": "platt", "a": round(a, 5), "b": round(b, 5), "x": xs, "y": ys},
        "threshold": threshold,
        "thresholds": thresholds,
        "training": {
            "train_mentions": len(train),
            "stages": {", ".join(f): sum(i["split"] == "train" for i in chosen) for _, chosen, f, _ in stages},
            "train_candidates": int(len(y)),
            "train_positives": int(y.sum()),
            "dev_mentions": len(dev),
            "dev_calibration_before": calibration((s, c) for s, c, *_ in scored),
            "dev_calibration_after": calibration((s, c) for s, c, *_ in dev_scored),
        },
    }

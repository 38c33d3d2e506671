"""An evaluation people can look at: an HTML page with PNG plots (matplotlib, Agg) beside the JSON metrics —
per-type precision/recall/F1, the precision–recall curve and reliability diagram of scored predictions,
acceptance by score bucket from review decisions, and this version against the previous one in the registry."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verrijk.enrich.models import Model

PER_TYPE_KEYS = ("precision", "recall", "f1", "accuracy_linkable", "accuracy", "ndcg@10", "recall@10")
BUCKETS = 10


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    _pyplot().close(figure)
    return path.name


def per_type_plot(per_type: dict[str, dict[str, Any]], path: Path) -> str | None:
    keys = [k for k in PER_TYPE_KEYS if any(isinstance(v.get(k), int | float) for v in per_type.values())][:3]
    if not per_type or not keys:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 3.6))
    types, width = sorted(per_type), 0.8 / len(keys)
    for i, key in enumerate(keys):
        xs = [j + i * width for j in range(len(types))]
        axes.bar(xs, [per_type[t].get(key) or 0 for t in types], width, label=key)
    axes.set_xticks([j + width * (len(keys) - 1) / 2 for j in range(len(types))], types, rotation=25, ha="right")
    axes.set(ylim=(0, 1), ylabel="score", title="Per type")
    axes.legend(loc="lower right")
    return _save(figure, path)


def pr_points(scored: Sequence[tuple[float, bool]]) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) at each distinct score, highest first; recall over all correct items."""
    ordered = sorted(scored, key=lambda x: -x[0])
    positives, hits, out = sum(ok for _, ok in scored), 0, []
    for i, (score, ok) in enumerate(ordered, 1):
        hits += ok
        if i == len(ordered) or ordered[i][0] != score:
            out.append((score, hits / i, hits / positives if positives else 0.0))
    return out


def pr_plot(scored: Sequence[tuple[float, bool]], path: Path) -> str | None:
    if not scored:
        return None
    points = pr_points(scored)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(4.6, 4))
    axes.plot([r for _, _, r in points], [p for _, p, _ in points], drawstyle="steps-post")
    axes.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title="Precision–recall")
    return _save(figure, path)


def reliability(scored: Sequence[tuple[float, bool]]) -> list[tuple[float, float, int]]:
    """(mean score, share correct, count) per non-empty equal-width score bucket."""
    groups: dict[int, list[tuple[float, bool]]] = {}
    for score, ok in scored:
        groups.setdefault(min(int(score * BUCKETS), BUCKETS - 1), []).append((score, ok))
    return [(sum(s for s, _ in g) / len(g), sum(ok for _, ok in g) / len(g), len(g)) for _, g in sorted(groups.items())]


def reliability_plot(scored: Sequence[tuple[float, bool]], path: Path) -> str | None:
    if not scored:
        return None
    rows = reliability(scored)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(4.6, 4))
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    axes.plot([m for m, _, _ in rows], [a for _, a, _ in rows], marker="o", label="observed")
    axes.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="mean score", ylabel="share correct", title="Calibration")
    axes.legend(loc="upper left")
    return _save(figure, path)


def acceptance_plot(enrichers: dict[str, dict[str, Any]], path: Path) -> str | None:
    """Acceptance by score bucket per enricher (review_stats' buckets)."""
    lines = {
        name: [
            (float(b), row["acceptance_rate"]) for b, row in e["buckets"].items() if row["acceptance_rate"] is not None
        ]
        for name, e in enrichers.items()
    }
    lines = {name: points for name, points in lines.items() if points}
    if not lines:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.6))
    for name, points in sorted(lines.items()):
        axes.plot([b + 0.05 for b, _ in points], [a for _, a in points], marker="o", label=name)
    axes.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="score bucket", ylabel="accepted among judged")
    axes.set_title("Acceptance by score bucket (review decisions)")
    axes.legend(fontsize="small")
    return _save(figure, path)


def versions_compared(model: Model) -> tuple[Any, Any] | None:
    """(previous, active) versions of a registry model; None when it has fewer than two."""
    active = model.active_version
    others = [v for v in model.versions if v is not active and v.status != "rejected"]
    return (others[-1], active) if active and others else None


def versions_plot(model: Model, path: Path) -> str | None:
    pair = versions_compared(model)
    if pair is None:
        return None
    previous, active = pair
    shared = [
        k for k, v in active.metrics.items() if isinstance(previous.metrics.get(k), float) and isinstance(v, float)
    ]
    shared = [k for k in shared if 0 <= active.metrics[k] <= 1][:8]
    if not shared:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 3.6))
    for i, version in enumerate((previous, active)):
        xs = [j + i * 0.4 for j in range(len(shared))]
        axes.bar(xs, [version.metrics[k] for k in shared], 0.4, label=f"{version.version}")
    axes.set_xticks([j + 0.2 for j in range(len(shared))], shared, rotation=25, ha="right")
    axes.set(ylim=(0, 1), title=f"{model.name}: previous version against the active one")
    axes.legend(loc="lower right")
    return _save(figure, path)


def write_report(
    directory: Path,
    title: str,
    metrics: dict[str, Any],
    scored: Sequence[tuple[float, bool]] = (),
    model: Model | None = None,
    acceptance: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """index.html and its PNGs in `directory`; a section without data says why it is missing."""
    directory.mkdir(parents=True, exist_ok=True)
    sections = [
        ("Precision, recall and F1 per type", per_type_plot(metrics.get("per_type") or {}, directory / "per-type.png"),
         "the evaluation reports no types"),
        ("Precision–recall curve", pr_plot(scored, directory / "precision-recall.png"),
         "the model gives its predictions no scores"),
        ("Calibration (reliability diagram)", reliability_plot(scored, directory / "calibration.png"),
         "the model gives its predictions no scores"),
        ("Acceptance by score bucket", acceptance_plot(acceptance or {}, directory / "acceptance.png"),
         "no review decisions (pass --org to read an organisation's)"),
        ("This version against the previous one", versions_plot(model, directory / "versions.png") if model else None,
         "the registry holds one version of this model"),
    ]  # fmt: skip
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}img{max-width:100%}"
        "pre{background:#f4f4f4;padding:1em;overflow:auto;font-size:small}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, image, missing in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(
            f"<img src='{image}' alt='{html.escape(heading)}'>"
            if image
            else f"<p class='missing'>Not shown: {missing}.</p>"
        )
    parts += ["<h2>Metrics</h2>", f"<pre>{html.escape(json.dumps(metrics, indent=1, ensure_ascii=False))}</pre>"]
    parts.append("</body></html>")
    index = directory / "index.html"
    index.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return index

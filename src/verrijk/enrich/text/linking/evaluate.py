"""Scoring a linker on labelled mentions: accuracy on linkable mentions, NIL precision and recall, calibration
(expected calibration error and reliability bins), per entity type, and speed.

A labelled mention is one JSON object per line (training/build_link_set.py writes them):
{"mention": "Paramaribo", "type": "LOC", "gold": "https://sws.geonames.org/3383330/" or null (NIL),
 "text": "...", "mentions": [["Suriname", "LOC"], ...], "year_from": 1900, "year_to": 1910,
 "country": "SR", "language": "nl", "split": "train" | "dev" | "test", ...}
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from verrijk.enrich.text.linking.linker import Linker
from verrijk.enrich.text.linking.model import AuthorityFormatError, LinkContext

BINS = 10
REQUIRED = ("mention", "gold")


def read_mentions(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    """Labelled mentions of one split ("all" or None: every one)."""
    mentions = []
    with path.open(encoding="utf-8") as fh:
        for line, text in enumerate(fh, 1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except ValueError as exc:
                raise AuthorityFormatError(f"{path}: line {line}: not JSON ({exc})") from None
            missing = [k for k in REQUIRED if k not in item]
            if missing or not isinstance(item, dict):
                raise AuthorityFormatError(f"{path}: line {line}: no {' or '.join(missing or REQUIRED)}")
            if split in (None, "all") or item.get("split") == split:
                mentions.append(item)
    return mentions


def context_of(item: dict[str, Any], country: str | None | bool = True) -> LinkContext:
    """The mention's context; `country` False leaves the collection's country out, a string overrides it."""
    return LinkContext(
        text=item.get("text", ""),
        mentions=tuple((m[0], m[1]) for m in item.get("mentions", [])),
        year_from=item.get("year_from"),
        year_to=item.get("year_to"),
        country=(item.get("country") if country is True else (country or None)),
        language=item.get("language"),
    )


def evaluate(
    linker: Linker,
    items: Sequence[dict[str, Any]],
    country: str | None | bool = True,
    scored: list[tuple[float, bool]] | None = None,
) -> dict[str, Any]:
    """Metrics of `linker` over labelled mentions; `scored` collects (top candidate's score, it is the gold) for
    plots."""
    outcomes = []
    started = time.perf_counter()
    for item in items:
        result = linker.link(item["mention"], item.get("type"), context_of(item, country))
        top = result.candidates[0] if result.candidates else None
        outcomes.append(
            {
                "type": item.get("type") or "?",
                "gold": item["gold"],
                "link": result.link.entry.uri if result.link else None,
                "top": top.entry.uri if top else None,
                "score": top.score if top else 0.0,
                "candidates": [c.entry.uri for c in result.candidates],
            }
        )
    elapsed = time.perf_counter() - started
    metrics = summary(outcomes)
    metrics["per_type"] = {
        kind: summary([o for o in outcomes if o["type"] == kind]) for kind in sorted({o["type"] for o in outcomes})
    }
    pairs = [(o["score"], o["top"] is not None and o["top"] == o["gold"]) for o in outcomes]
    metrics["calibration"] = calibration(pairs)
    if scored is not None:
        scored.extend(pairs)
    metrics["mentions_per_s"] = round(len(items) / elapsed, 1) if elapsed else None
    metrics["threshold"] = linker.model.threshold
    metrics["thresholds"] = linker.model.thresholds
    return metrics


def summary(outcomes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    linkable = [o for o in outcomes if o["gold"]]
    nil_gold = [o for o in outcomes if not o["gold"]]
    nil_said = [o for o in outcomes if not o["link"]]
    right = [o for o in outcomes if o["link"] == o["gold"]]
    return {
        "mentions": len(outcomes),
        "linkable": len(linkable),
        "nil": len(nil_gold),
        "accuracy_linkable": _ratio(sum(o["link"] == o["gold"] for o in linkable), len(linkable)),
        "candidate_recall": _ratio(sum(o["gold"] in o["candidates"] for o in linkable), len(linkable)),
        "nil_precision": _ratio(sum(not o["gold"] for o in nil_said), len(nil_said)),
        "nil_recall": _ratio(sum(not o["link"] for o in nil_gold), len(nil_gold)),
        "accuracy": _ratio(len(right), len(outcomes)),
    }


def calibration(pairs: Iterable[tuple[float, bool]], bins: int = BINS) -> dict[str, Any]:
    """Expected calibration error of the top candidates' scores, and the reliability table behind it."""
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    total = 0
    for score, correct in pairs:
        buckets[min(bins - 1, int(score * bins))].append((score, correct))
        total += 1
    table, ece = [], 0.0
    for b in sorted(buckets):
        rows = buckets[b]
        mean = sum(s for s, _ in rows) / len(rows)
        accuracy = sum(c for _, c in rows) / len(rows)
        ece += len(rows) / total * abs(mean - accuracy)
        table.append(
            {"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "count": len(rows), "mean_score": round(mean, 3),
             "accuracy": round(accuracy, 3)}
        )  # fmt: skip
    return {"ece": round(ece, 4) if total else None, "bins": table}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None

"""Charts for the web pages as inline SVG drawn on the server (no script, no plotting library at run time):
horizontal bars for counts and rates, and a reliability diagram (observed acceptance against score)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from verrijk.review.calibration import Bucket, Calibration

WIDTH, LABEL_W, VALUE_W, ROW_H = 640, 170, 60, 22
BAR_COLOUR, IDEAL_COLOUR, POINT_COLOUR = "#2f6f8f", "#999999", "#b8461b"


def _svg(kind: str, title: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" data-chart="{escape(kind)}" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="sans-serif" font-size="12"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def bar_chart(kind: str, title: str, bars: Sequence[tuple[str, float]], percent: bool = False) -> Markup:
    """One horizontal bar per (label, value), scaled to the largest value (to 1 for rates)."""
    most = 1.0 if percent else max((v for _, v in bars), default=0) or 1.0
    area = WIDTH - LABEL_W - VALUE_W
    body = []
    for i, (label, value) in enumerate(bars):
        y = i * ROW_H
        shown = f"{value * 100:.0f} %" if percent else f"{value:g}"
        length = max(value / most * area, 1)
        body.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL_W}" y="{y + 3}" width="{length:.1f}" height="{ROW_H - 6}" '
            f'fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{LABEL_W + length + 6:.1f}" y="{y + 15}">{shown}</text>'
        )
    return _svg(kind, title, WIDTH, max(len(bars), 1) * ROW_H, body)


def reliability_chart(kind: str, title: str, buckets: Sequence[Bucket], x_label: str, y_label: str) -> Markup:
    """Per non-empty score bucket a bar of the observed acceptance and a point at the bucket's mean score; the
    dashed diagonal is a perfectly calibrated score."""
    left, top, size = 50, 10, 260
    body = [
        f'<line x1="{left}" y1="{top + size}" x2="{left + size}" y2="{top + size}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + size}" stroke="black"/>',
        f'<line class="ideal" x1="{left}" y1="{top + size}" x2="{left + size}" y2="{top}" stroke="{IDEAL_COLOUR}" '
        'stroke-dasharray="4 3"/>',
    ]
    for tick in (0, 0.5, 1):
        body.append(f'<text x="{left + tick * size:.0f}" y="{top + size + 16}" text-anchor="middle">{tick:g}</text>')
        body.append(f'<text x="{left - 6}" y="{top + size - tick * size + 4:.0f}" text-anchor="end">{tick:g}</text>')
    for b in buckets:
        if not b.count or b.acceptance is None or b.mean_score is None:
            continue
        x, w, h = left + b.lower * size, (b.upper - b.lower) * size, b.acceptance * size
        tip = f"{b.lower:g}–{b.upper:g}: {b.count}, {b.acceptance * 100:.0f} %"
        body.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{top + size - h:.1f}" width="{w - 2:.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}" fill-opacity="0.7"><title>{escape(tip)}</title></rect>'
            f'<circle cx="{left + b.mean_score * size:.1f}" cy="{top + size - b.acceptance * size:.1f}" r="3" '
            f'fill="{POINT_COLOUR}"/>'
        )
    body.append(f'<text x="{left + size / 2}" y="{top + size + 32}" text-anchor="middle">{escape(x_label)}</text>')
    body.append(
        f'<text x="12" y="{top + size / 2}" text-anchor="middle" transform="rotate(-90 12 {top + size / 2})">'
        f"{escape(y_label)}</text>"
    )
    return _svg(kind, title, left + size + 20, top + size + 40, body)


def dashboard_charts(stats: dict[str, Any], calibrations: Sequence[Calibration], t: dict[str, str]) -> dict[str, Any]:
    """The dashboard's charts: decisions per day, acceptance per enricher, a reliability diagram per enricher."""
    rates = [(name, e["acceptance_rate"]) for name, e in stats["enrichers"].items() if e["acceptance_rate"] is not None]
    return {
        "per_day": bar_chart("per-day", t["decisions_per_day"], list(stats["decisions_per_day"].items())),
        "per_enricher": bar_chart("per-enricher", t["acceptance_per_enricher"], rates, percent=True),
        "reliability": {
            c.enricher: reliability_chart(
                "reliability",
                f"{t['score_calibration']}: {c.enricher}",
                c.reliability,
                t["score"],
                t["observed_acceptance"],
            )
            for c in calibrations
        },
    }

"""The evaluation report (`verrijk eval ... --report DIR`) in Debian's chromium: every plot is a PNG that loads,
the sections are there, and a section without data says why."""

from __future__ import annotations

import random

import pytest
from test_pages import browser, shot  # noqa: F401  (the browser fixture)

from verrijk.enrich.models import Model, ModelVersion
from verrijk.learning.report import pr_points, write_report

pytestmark = pytest.mark.browser


def test_report_plots_load(browser, tmp_path):  # noqa: F811
    draw = random.Random(14)
    scored = [(s, draw.random() < s) for s in (draw.random() for _ in range(400))]
    metrics = {
        "overall": {"precision": 0.7, "recall": 0.6, "f1": 0.65},
        "per_type": {t: {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)} for t, p, r in
                     (("PER", 0.8, 0.7), ("LOC", 0.75, 0.8), ("ORG", 0.5, 0.4))},
    }  # fmt: skip
    versions = [
        ModelVersion("1", "2026-11-25", "shipped", "demo", {"f1": 0.61, "precision": 0.7}, status="shipped"),
        ModelVersion("m-t1", "2026-11-30", "train", "decisions", {"f1": 0.68, "precision": 0.74}, status="active"),
    ]
    model = Model("m", tmp_path, "f1", "m-t1", versions)
    buckets = {f"{b / 10:.1f}": {"acceptance_rate": b / 10} for b in range(10)}
    index = write_report(tmp_path / "report", "NER on test", metrics, scored, model, {"ner": {"buckets": buckets}})

    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(index.as_uri())
    images = page.locator("img")
    assert images.count() == 5
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert all(w and w > 100 for w in widths), widths
    assert page.get_by_role("heading", name="This version against the previous one").count() == 1
    shot(page, "eval-report")

    bare = write_report(tmp_path / "bare", "Bare", {"f1": 0.5})
    page.goto(bare.as_uri())
    assert page.locator("img").count() == 0
    assert page.locator("p.missing").count() == 5 and "no scores" in page.locator("p.missing").nth(1).inner_text()
    page.close()


def test_precision_recall_points():
    assert pr_points([(0.9, True), (0.8, False), (0.8, True), (0.1, False)]) == [
        (0.9, 1.0, 0.5),
        (0.8, 2 / 3, 1.0),
        (0.1, 0.5, 1.0),
    ]

# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Review analytics
#
# What review decisions say about a model's scores, on reviews simulated from gold labels: the demo subject
# model's suggestions for 100 records it never saw, judged against their catalogued subjects
# (`verrijk.learning.simulate`). Acceptance by score bucket, the isotonic calibration the review queue orders
# by, the auto-accept threshold each target precision needs (chosen on half the decisions, checked on the other
# half, as `GET /review/calibration` does), and the active-learning curve measured by
# `benchmarks/active_learning.py`.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt

from verrijk.config import Settings
from verrijk.enrich.text.subjects.data import load_demo_records
from verrijk.learning import subjects
from verrijk.learning.simulate import review_suggestions
from verrijk.review.calibration import figures, isotonic, lowest_threshold, reliability

model = subjects.load(Settings().models_dir / "subjects")
records = [r for r in load_demo_records() if r.split == "test" and r.gold(model.vocabulary)][:100]
reviewed = review_suggestions(model, records)
decisions = [(r.score, r.examples[0].right) for r in reviewed]
print(len(decisions), "decisions,", round(sum(ok for _, ok in decisions) / len(decisions), 3), "accepted")

# %%
buckets = reliability(decisions)
steps = isotonic(decisions)
figure, axes = plt.subplots(figsize=(6, 3.5))
axes.bar([b.lower + 0.05 for b in buckets], [b.acceptance or 0 for b in buckets], 0.09, label="accepted per bucket")
axes.step([0, *[u for u, _ in steps]], [steps[0][1], *[a for _, a in steps]], where="pre", label="isotonic fit")
axes.plot([0, 1], [0, 1], color="grey", linestyle=":")
axes.set(xlabel="score", ylabel="acceptance", title="Acceptance by score (subjects.demo)", ylim=(0, 1.02))
axes.legend()
plt.show()

# %%
fit = [d for i, d in enumerate(decisions) if i % 2 == 0]
held_out = [d for i, d in enumerate(decisions) if i % 2 == 1]
for target in (0.8, 0.9, 0.95):
    threshold = lowest_threshold(fit, target)
    print(target, "-> threshold", threshold, "held-out", figures(held_out, threshold))

# %%
curve_file = Path(Settings().models_dir) / "subjects" / "active-learning.json"
if curve_file.exists():
    curve = json.loads(curve_file.read_text())
    figure, axes = plt.subplots(figsize=(6, 3.5))
    for order, points in curve["f1"].items():
        xs = [0, *map(int, points)]
        axes.plot(xs, [curve["f1_before"], *points.values()], marker="o", label=order)
    axes.set(xlabel="reviewed decisions", ylabel="held-out F1", title="Active learning: review order vs gain")
    axes.legend()
    plt.show()
    print(curve["decisions_for_one_point"])

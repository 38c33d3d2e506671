"""Does the review queue's order pay? Reviewed decisions retrain the demo subject model (the learning loop of
`verrijk train subjects --from-decisions`); this measures how agreement with reviewers on held-out records grows
with the number of decisions when the queue offers suggestions least-confident-first (calibrated score nearest
0.5, as GET /review/next does) or at random.

    PYTHONPATH=src python benchmarks/active_learning.py [--budgets 20,40,...] [--seeds 3] [--no-practice] [--stem S]

Reviews are simulated from gold subjects (verrijk.learning.simulate) on the demo test split, which the shipped
model never saw: two thirds of the records are the queue, one third is held out and scored (F1 of agreement with
the reviewers: verrijk.learning.examples.agreement). Both orders start from the same 20 random decisions (the
queue calibrates scores once 20 are judged); the organisation files "overzeese geschiedenis" under "surinamers"
(--no-practice: reviewers only correct the model's errors). Writes STEM.json and STEM.png into --out (default
models/subjects/active-learning.*: the figures GET /review/next reports).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from verrijk.config import Settings  # noqa: E402
from verrijk.enrich.text.subjects.data import load_demo_records  # noqa: E402
from verrijk.learning import subjects  # noqa: E402
from verrijk.learning.examples import agreement, is_held_out  # noqa: E402
from verrijk.learning.simulate import Reviewed, examples_of, review_suggestions  # noqa: E402
from verrijk.review.calibration import isotonic  # noqa: E402

SEED_DECISIONS = 20  # the queue calibrates an enricher once 2 x MIN_SUPPORT = 20 suggestions are judged
PRACTICE = {"overzeese-geschiedenis": "surinamers"}


def calibrated(steps: list[tuple[float, float]], score: float) -> float:
    return next((acceptance for upper, acceptance in steps if score <= upper), score)


def uncertainty_order(pool: list[Reviewed], rng: random.Random) -> list[Reviewed]:
    """The seed decisions at random, then least-confident-first by the isotonic calibration fitted on them."""
    shuffled = pool[:]
    rng.shuffle(shuffled)
    seed, rest = shuffled[:SEED_DECISIONS], shuffled[SEED_DECISIONS:]
    steps = isotonic([(r.score, r.examples[0].right) for r in seed])
    return seed + sorted(rest, key=lambda r: (abs(calibrated(steps, r.score) - 0.5), abs(r.score - 0.5)))


def random_order(pool: list[Reviewed], rng: random.Random) -> list[Reviewed]:
    shuffled = pool[:]
    rng.shuffle(shuffled)
    return shuffled


def first_gain(curve: dict[int, float], baseline: float, points: float = 0.01) -> int | None:
    return next((n for n, f1 in sorted(curve.items()) if f1 >= baseline + points), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="20,40,80,160,320,640")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-practice", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("models/subjects"))
    parser.add_argument("--stem", default="active-learning", help="file names: STEM.json, STEM.png")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    model = subjects.load(Settings().models_dir / "subjects")
    records = [r for r in load_demo_records() if r.split == "test" and r.gold(model.vocabulary)]
    reviewed = review_suggestions(model, records, None if args.no_practice else PRACTICE)
    pool = [r for r in reviewed if not is_held_out(r.examples[0].record)]
    held_out = examples_of([r for r in reviewed if is_held_out(r.examples[0].record)])
    baseline = agreement(held_out, lambda ex: subjects.predictions(model, ex))["f1"]
    print(
        f"{len(pool)} suggestions in the queue, {len(held_out)} held-out decisions, F1 now {baseline}", file=sys.stderr
    )
    curves: dict[str, dict[int, float]] = {}
    seconds = []
    for order in ("uncertainty", "random"):
        runs = []
        for seed in range(args.seeds):
            ranked = (uncertainty_order if order == "uncertainty" else random_order)(pool, random.Random(seed))
            run = {}
            for n in budgets:
                started = time.perf_counter()
                candidate = subjects.fit(model, examples_of(ranked[:n]))
                seconds.append(time.perf_counter() - started)
                run[n] = agreement(held_out, lambda ex, c=candidate: subjects.predictions(c, ex))["f1"]
                print(f"{order} seed {seed}: {n} decisions -> F1 {run[n]}", file=sys.stderr)
            runs.append(run)
        curves[order] = {n: round(sum(r[n] for r in runs) / len(runs), 4) for n in budgets}
    result = {
        "command": "PYTHONPATH=src python benchmarks/active_learning.py"
        + (" --no-practice" if args.no_practice else ""),
        "model": "subjects (demo), retrained as verrijk train subjects --from-decisions does",
        "scenario": "reviewers correct errors" + ("" if args.no_practice else " and file one concept under another"),
        "queue": len(pool),
        "held_out_decisions": len(held_out),
        "seeds": args.seeds,
        "f1_before": baseline,
        "f1": curves,
        "decisions_for_one_point": {order: first_gain(c, baseline) for order, c in curves.items()},
        "f1_gain_over_random": {n: round(curves["uncertainty"][n] - curves["random"][n], 4) for n in budgets},
        "median_retrain_seconds": round(sorted(seconds)[len(seconds) // 2], 2),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.stem}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for order, curve in curves.items():
        axes.plot([0, *curve], [baseline, *curve.values()], marker="o", label=order)
    axes.axhline(baseline + 0.01, color="grey", linestyle=":", label="one point of F1")
    axes.set(xlabel="reviewed decisions", ylabel="held-out F1 (agreement)", title="Subjects: review order vs gain")
    axes.legend()
    figure.tight_layout()
    figure.savefig(args.out / f"{args.stem}.png")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

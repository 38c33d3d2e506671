"""image.detect's box precision and recall at IoU 0.5 on generated composites, per score threshold and per class.

Each composite is a 1200x900 grey canvas with two to four of scikit-image's sample photos (astronaut, motorcycle,
coffee, chelsea) pasted side by side at random places and widths (200 to 560 px), never overlapping. The objects
checked by eye in each photo (tests/image_samples.py OBJECTS: the person, the motorcycle, the cup, the cat) are the
truth; a box of the same class with IoU >= 0.5 with one is right (each truth matched once, best score first),
every other box is wrong, except boxes of objects that are there but not asked for (the table under the coffee).
Small pasted photos are the hard part: the model sees the canvas at 416 px, so a 200 px photo is 70 px there.

    PYTHONPATH=src python training/eval_detect.py [--composites 60] [--write]

`--write` puts the figures into models/image.detect/metrics.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from image_samples import OBJECTS, composite  # noqa: E402

from verrijk.config import Settings  # noqa: E402
from verrijk.enrich.image.base import iou  # noqa: E402
from verrijk.enrich.image.detect import DetectEnricher  # noqa: E402

THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.5)
SIZE = (1200, 900)


def layouts(count: int, seed: int = 0) -> list[list[tuple[str, tuple[int, int], int]]]:
    """Random non-overlapping placements of 2-4 distinct sample photos per canvas."""
    from image_samples import sample

    shapes = {name: sample(name).size for name in OBJECTS}
    rng = random.Random(seed)
    found = []
    while len(found) < count:
        placed, taken = [], []
        for name in rng.sample(sorted(OBJECTS), rng.randint(2, 4)):
            width = rng.randint(200, 560)
            height = round(shapes[name][1] * width / shapes[name][0])
            for _ in range(50):
                left, top = rng.randint(0, SIZE[0] - width), rng.randint(0, SIZE[1] - height)
                box = (left, top, left + width, top + height)
                if all(box[2] <= o[0] or o[2] <= box[0] or box[3] <= o[1] or o[3] <= box[1] for o in taken):
                    placed.append((name, (left, top), width))
                    taken.append(box)
                    break
        if len(placed) >= 2:
            found.append(placed)
    return found


def match(found: list[tuple[str, float, tuple]], wanted: list, also: list) -> list[tuple[str, float, bool]]:
    """(class, score, right) for each box that counts, best first: greedy by score, each truth matched once (a box
    matched at one threshold stays matched at any lower one)."""
    used = [False] * len(wanted)
    judged = []
    for coco, score, box in sorted(found, key=lambda f: -f[1]):
        b = np.array(box, dtype=np.float64)
        overlaps = [
            float(iou(b, np.array([t]))[0]) if c == coco and not used[i] else 0.0 for i, (c, t) in enumerate(wanted)
        ]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best >= 0 and overlaps[best] >= 0.5:
            used[best] = True
            judged.append((coco, score, True))
        elif not any(c == coco and iou(b, np.array([t]))[0] >= 0.5 for c, t in also):
            judged.append((coco, score, False))
    return judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composites", type=int, default=60)
    parser.add_argument("--write", action="store_true", help="write the figures into models/image.detect/metrics.json")
    args = parser.parse_args()
    enricher = DetectEnricher(Settings(), min_score=min(THRESHOLDS), max_boxes=100)
    judged: list[tuple[str, float, bool]] = []
    truths: dict[str, int] = {}
    started = time.perf_counter()
    for placed in layouts(args.composites):
        canvas, wanted, also = composite(placed, SIZE)
        found = [
            (p.extra["coco_class"], p.score, (x, y, x + w, y + h))
            for p in enricher.propose(canvas, "en")
            if p.region
            for x, y, w, h in [p.region]
        ]
        for coco, _ in wanted:
            truths[coco] = truths.get(coco, 0) + 1
        judged += match(found, wanted, also)
    seconds = time.perf_counter() - started
    total = sum(truths.values())
    print(f"{args.composites} composites {SIZE[0]}x{SIZE[1]}, {total} objects {truths}; {seconds:.1f} s")
    figures = {}
    for threshold in THRESHOLDS:
        kept = [(c, ok) for c, s, ok in judged if s >= threshold]
        right = sum(ok for _, ok in kept)
        precision = right / len(kept) if kept else 1.0
        per_class = {c: round(sum(ok for k, ok in kept if k == c) / truths[c], 3) for c in sorted(truths)}
        wrong = {}
        for c, ok in kept:
            if not ok:
                wrong[c] = wrong.get(c, 0) + 1
        print(
            f"min_score {threshold:.2f}: precision {precision:.3f} ({right}/{len(kept)} boxes), "
            f"recall {right / total:.3f} ({right}/{total}); recall per class {per_class}; wrong boxes {wrong}"
        )
        figures[f"{threshold:.2f}"] = {
            "precision": round(precision, 3),
            "recall": round(right / total, 3),
            "boxes": len(kept),
            "recall_per_class": per_class,
            "wrong_boxes_by_class": wrong,
        }
    if args.write:
        path = ROOT / "models" / "image.detect" / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics["composites"] = {
            "command": f"PYTHONPATH=src python training/eval_detect.py --composites {args.composites} --write",
            "composites": args.composites,
            "objects": truths,
            "iou": 0.5,
            "by_min_score": figures,
        }
        path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

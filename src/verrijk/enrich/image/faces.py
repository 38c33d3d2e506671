"""image.faces: where faces are in a photo and how many, never whose they are.

MediaPipe's BlazeFace detectors (Apache-2.0), rebuilt as ONNX by training/build_blazeface_onnx.py into
models/image.faces/: the full-range model (the default: faces up to about 5 m from the camera) sees the image
letterboxed into 192x192 with 2304 anchors (48x48 cells, stride 4); the short-range one (faces within about 2 m,
twice as fast) 128x128 with 896 anchors (16x16 cells with 2 at stride 8, 8x8 with 6 at stride 16); values in
[-1, 1], anchors of size 1. Outputs are decoded as MediaPipe does (offsets in input pixels around the anchor,
sigmoid scores), overlapping boxes merged by weighted non-maximum suppression (IoU 0.3: the merged box is the
score-weighted mean of its cluster) and mapped back to the image's pixels. Each
face at `threshold` or more and `min_size` pixels or wider becomes a `tag` ("gezicht" / "visage" / "face" in the
record's language) with its region; one more `tag` for the whole image counts them ("3 personen"). No face
embedding, landmark or attribute is kept: nothing here can tell who someone is. Off unless an organisation
enables it (models/image.faces/card.md says what it misses).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.base import ImageEnricher, fit, iou, usable_cores
from verrijk.errors import Unavailable

IOU = 0.3
FACE = {"nl": "gezicht", "fr": "visage", "en": "face"}
ONE = {"nl": "1 persoon", "fr": "1 personne", "en": "1 person"}
MANY = {"nl": "{n} personen", "fr": "{n} personnes", "en": "{n} people"}


@dataclass(frozen=True)
class Model:
    """One of the two BlazeFace models: its ONNX file, input side and anchor layers."""

    file: str
    size: int
    layers: tuple[tuple[int, int], ...]  # (cells per side, anchors per cell), in the order of the model's outputs

    @cached_property
    def anchors(self) -> np.ndarray:
        """[n, 2] anchor centres (x, y) in [0, 1], in the model's output order (row, column, anchor)."""
        found = []
        for cells, per_cell in self.layers:
            centres = (np.arange(cells) + 0.5) / cells
            ys, xs = np.meshgrid(centres, centres, indexing="ij")
            found.append(np.repeat(np.stack([xs.ravel(), ys.ravel()], axis=1), per_cell, axis=0))
        return np.concatenate(found).astype(np.float32)


MODELS = {
    "short": Model("image.faces/blazeface_short_range.onnx", 128, ((16, 2), (8, 6))),
    "full": Model("image.faces/blazeface_full_range.onnx", 192, ((48, 1),)),
}


def letterbox(image: Image.Image, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """[size, size, 3] in [-1, 1] with the image scaled to fit and centred on black; the scale and the padding
    (pixels of the square) to map boxes back."""
    square, scale, padding = fit(image, size)
    return np.asarray(square, dtype=np.float32) / 127.5 - 1.0, scale, padding


def weighted_nms(boxes: np.ndarray, scores: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted suppression: take the best box, merge every box overlapping it by more than IOU into
    their score-weighted mean, repeat on the rest. (box, best score) per cluster, best first."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    kept = []
    while len(scores):
        cluster = iou(boxes[0], boxes) > IOU
        cluster[0] = True
        weights = scores[cluster]
        kept.append(((boxes[cluster] * weights[:, None]).sum(0) / weights.sum(), float(scores[0])))
        boxes, scores = boxes[~cluster], scores[~cluster]
    return kept


class Detector:
    """BlazeFace in ONNX Runtime: face boxes [x, y, w, h] in image pixels with their scores."""

    def __init__(self, models_dir: Path, model: str = "full", threads: int = 1):
        import onnxruntime

        self.model = MODELS[model]
        path = models_dir / self.model.file
        if not path.exists():
            raise Unavailable(
                f"image.faces needs {path}: build it with training/build_blazeface_onnx.py (models/image.faces/card.md)"
            )
        self.version = f"blazeface-{model}-range-0.10.14"
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def detect(self, image: Image.Image, threshold: float) -> list[tuple[list[int], float]]:
        size, anchors = self.model.size, self.model.anchors
        pixels, scale, (pad_x, pad_y) = letterbox(image, size)
        regressors, logits = self.session.run(["regressors", "classificators"], {"image": pixels[None]})
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits[0, :, 0].astype(np.float64), -100, 100)))
        keep = scores >= threshold
        offsets, centres = regressors[0, keep, :4], anchors[keep] * size
        cx, cy = offsets[:, 0] + centres[:, 0], offsets[:, 1] + centres[:, 1]
        half_w, half_h = offsets[:, 2] / 2, offsets[:, 3] / 2
        # from the square's pixels to the image's: undo the padding and the scaling
        boxes = (np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], 1) - [pad_x, pad_y] * 2) / scale
        found = []
        for (x0, y0, x1, y1), score in weighted_nms(boxes, scores[keep]):
            x0, y0 = max(0.0, x0), max(0.0, y0)
            x1, y1 = min(float(image.width), x1), min(float(image.height), y1)
            if x1 > x0 and y1 > y0:
                found.append(([round(x0), round(y0), round(x1 - x0), round(y1 - y0)], score))
        return found


@cache
def detector(models_dir: Path, model: str, threads: int = 1) -> Detector:
    """One detector per process (per models directory, model and thread count)."""
    return Detector(models_dir, model, threads)


def count_label(count: int) -> dict[str, str]:
    """The count's label in nl/fr/en ("1 persoon", "3 personnes", "2 people")."""
    return {lang: (ONE[lang] if count == 1 else MANY[lang].format(n=count)) for lang in FACE}


class FacesEnricher(ImageEnricher):
    """Faces in a photo: a region per face and how many there are (never who); off by default."""

    name: ClassVar[str] = "image.faces"

    def __init__(self, settings: Settings, threshold: float = 0.5, min_size: int = 16, model: str = "full"):
        super().__init__(settings)
        self.threshold, self.min_size = threshold, min_size
        self.detector = detector(settings.models_dir, model, usable_cores())
        self.version = f"image.faces-1+{self.detector.version}"

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        language = language if language in FACE else "nl"
        faces = [
            (region, score)
            for region, score in self.detector.detect(image, self.threshold)
            if min(region[2], region[3]) >= self.min_size
        ]
        found = [
            Proposal(SuggestionKind.tag, FACE[language], round(score, 4), region=region, extra={"names": FACE})
            for region, score in faces
        ]
        if faces:
            names = count_label(len(faces))
            score = round(min(score for _, score in faces), 4)
            extra = {"count": len(faces), "names": names}
            found.append(Proposal(SuggestionKind.tag, names[language], score, extra=extra))
        return found


create = FacesEnricher.create

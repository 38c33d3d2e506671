"""What every image enricher shares: read each item's medium, decode it within the caps, propose per image.

All media of a batch are read and decoded before any model runs, so a bad file fails the batch early (the
pipeline then runs the items one by one and records the bad one as failed) without redoing model work.
"""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.enrich.base import Enricher, Item, Proposal
from verrijk.enrich.media import Medium, open_image, read


class ImageEnricher(Enricher):
    accepts: ClassVar[frozenset[str]] = frozenset({"image"})

    def __init__(self, settings: Settings):
        self.settings = settings

    @classmethod
    def create(cls, params: dict[str, Any], context: Any) -> ImageEnricher:
        return cls(context.settings, **params)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        media = [read(item.url or "", self.settings) for item in items]
        images = [open_image(medium, self.settings) for medium in media]
        return [
            scale_regions(self.propose(image, item.language), image, medium)
            for item, medium, image in zip(items, media, images, strict=True)
        ]

    @abstractmethod
    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        """Proposals for one decoded RGB image; regions in its pixels, [x, y, w, h]."""


def scale_regions(proposals: list[Proposal], image: Image.Image, medium: Medium) -> list[Proposal]:
    """Regions found on a smaller IIIF rendering, in the original image's pixels."""
    if medium.full_size is None or medium.full_size == image.size:
        return proposals
    fx, fy = medium.full_size[0] / image.width, medium.full_size[1] / image.height
    for p in proposals:
        if p.region:
            x, y, w, h = p.region
            p.region = [round(x * fx), round(y * fy), round(w * fx), round(h * fy)]
    return proposals


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system says, else all): a model's threads."""
    return (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()) or 1


def fit(image: Image.Image, size: int) -> tuple[Image.Image, float, tuple[int, int]]:
    """The image scaled to fit a size x size square and centred on black (RGB); the scale and the padding (pixels
    of the square left and above) to map boxes back."""
    rgb = image.convert("RGB")
    scale = size / max(rgb.size)
    width, height = max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))
    square = Image.new("RGB", (size, size))
    left, top = (size - width) // 2, (size - height) // 2
    square.paste(rgb.resize((width, height), Image.Resampling.BILINEAR), (left, top))
    return square, scale, (left, top)


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of one [x0, y0, x1, y1] box with each of others."""
    x0, y0 = np.maximum(box[0], others[:, 0]), np.maximum(box[1], others[:, 1])
    x1, y1 = np.minimum(box[2], others[:, 2]), np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)

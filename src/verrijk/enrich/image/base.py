"""What every image enricher shares: read each item's medium, decode it within the caps, propose per image.

All media of a batch are read and decoded before any model runs, so a bad file fails the batch early (the
pipeline then runs the items one by one and records the bad one as failed) without redoing model work.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

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

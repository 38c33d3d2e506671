"""image.hash: a 64-bit perceptual hash (pHash) of every image, stored so a collection's near-duplicates can be
found; and the grouping of a collection's images by Hamming distance between their hashes.

pHash: greyscale, 32x32, 2-D DCT-II, the 8x8 lowest frequencies, each bit set when its coefficient is above the
median of the 64. Resizing, recompression and greyscale move few bits; a crop of a few per cent moves some more.
The enricher proposes nothing for review: it stores hashes (MediaHashes in the store) and the duplicates call reads
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import numpy as np
from PIL import Image, ImageOps

from verrijk.config import Settings
from verrijk.enrich.base import Item, Proposal
from verrijk.enrich.image.base import ImageEnricher
from verrijk.enrich.media import open_image, read
from verrijk.store.repo import Repo

SIDE = 32
BITS = 8
DEFAULT_DISTANCE = 10  # of 64 bits: altered copies stay well under it, unrelated images are ~32 apart


@cache
def _dct_matrix(n: int = SIDE) -> np.ndarray:
    k = np.arange(n)[:, None]
    m = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m


def phash(image: Image.Image) -> str:
    """The image's 64-bit perceptual hash as 16 hex digits."""
    grey = ImageOps.grayscale(image).resize((SIDE, SIDE), Image.Resampling.LANCZOS)
    m = _dct_matrix()
    low = (m @ np.asarray(grey, dtype=np.float64) @ m.T)[:BITS, :BITS].ravel()
    bits = low > np.median(low[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class HashedImage:
    record_id: int
    field: str
    hash: str


def duplicate_groups(hashes: Sequence[tuple[int, str, str]], max_distance: int) -> list[list[HashedImage]]:
    """Groups of images whose hashes are within max_distance bits of another in the group (single linkage),
    largest first; images of one record count once per image."""
    n = len(hashes)
    if n < 2:
        return []
    values = np.array([int(h, 16) for _, _, h in hashes], dtype=np.uint64)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n - 1):
        near = np.nonzero(np.bitwise_count(values[i + 1 :] ^ values[i]) <= max_distance)[0] + i + 1
        for j in near:
            parent[root(int(j))] = root(i)
    groups: dict[int, list[HashedImage]] = {}
    for i, (record_id, field, value) in enumerate(hashes):
        groups.setdefault(root(i), []).append(HashedImage(record_id, field, value))
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0].record_id))


class HashEnricher(ImageEnricher):
    """Perceptual hashes of images, stored for finding near-duplicates in a collection (no suggestions)."""

    name: ClassVar[str] = "image.hash"
    version = "image.hash-1+phash64"

    def __init__(self, settings: Settings, repo: Repo):
        super().__init__(settings)
        self.repo = repo

    @classmethod
    def create(cls, params: dict[str, Any], context: Any) -> HashEnricher:
        return cls(context.settings, context.repo, **params)

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        images = [open_image(read(item.url or "", self.settings), self.settings) for item in items]
        rows = [(item.record_id, item.field, phash(image)) for item, image in zip(items, images, strict=True)]
        self.repo.put_image_hashes(rows, self.version)
        return [[] for _ in items]

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        return []


create = HashEnricher.create


def collection_duplicates(repo: Repo, slug: str, max_distance: int = DEFAULT_DISTANCE) -> list[list[HashedImage]]:
    """Near-duplicate groups among a collection's hashed images (run image.hash over it first)."""
    return duplicate_groups(repo.image_hashes(repo.collection(slug).id), max_distance)

"""image.colours: an image's dominant colours, named in Dutch, French and English.

Median cut (Pillow's quantiser) on a 96-pixel thumbnail gives a small palette with each colour's share of the
pixels; each palette colour takes the name of the nearest colour of NAMES in CIELAB, shares of one name add up,
and every name covering at least `min_share` of the image becomes a `tag` suggestion in the record's language
(Dutch when it has none), scored by the square root of its share (a quarter of the image scores 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.base import ImageEnricher

THUMBNAIL = 96
LANGUAGES = ("nl", "fr", "en")
# name per language -> a typical sRGB value; written for heritage photographs and prints
NAMES: dict[tuple[str, str, str], tuple[int, int, int]] = {
    ("zwart", "noir", "black"): (20, 20, 20),
    ("wit", "blanc", "white"): (245, 245, 245),
    ("grijs", "gris", "grey"): (128, 128, 128),
    ("lichtgrijs", "gris clair", "light grey"): (195, 195, 195),
    ("donkergrijs", "gris foncé", "dark grey"): (70, 70, 70),
    ("rood", "rouge", "red"): (200, 30, 30),
    ("donkerrood", "rouge foncé", "dark red"): (120, 15, 20),
    ("oranje", "orange", "orange"): (240, 130, 30),
    ("geel", "jaune", "yellow"): (240, 220, 40),
    ("groen", "vert", "green"): (40, 150, 50),
    ("donkergroen", "vert foncé", "dark green"): (20, 80, 30),
    ("lichtgroen", "vert clair", "light green"): (150, 220, 120),
    ("blauw", "bleu", "blue"): (30, 70, 200),
    ("donkerblauw", "bleu foncé", "dark blue"): (20, 30, 100),
    ("lichtblauw", "bleu clair", "light blue"): (140, 190, 235),
    ("paars", "violet", "purple"): (120, 50, 150),
    ("roze", "rose", "pink"): (240, 150, 180),
    ("bruin", "brun", "brown"): (120, 75, 35),
    ("beige", "beige", "beige"): (215, 195, 160),
    ("sepia", "sépia", "sepia"): (160, 125, 85),
}


@dataclass(frozen=True)
class Colour:
    names: dict[str, str]  # language -> name
    hex: str  # the palette colour that weighs most under this name
    share: float  # of the image's pixels


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB values in 0..255, shape (..., 3)."""
    c = rgb.astype(np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


_NAMES = list(NAMES)
_LAB = srgb_to_lab(np.array(list(NAMES.values())))


def dominant_colours(image: Image.Image, palette: int = 8) -> list[Colour]:
    """The image's colours by share, largest first, each with its names."""
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMBNAIL, THUMBNAIL))
    quantised = thumb.quantize(colors=palette, method=Image.Quantize.MEDIANCUT)
    colours = np.array(quantised.getpalette()).reshape(-1, 3)
    counts = np.bincount(np.asarray(quantised).ravel(), minlength=len(colours))[: len(colours)]
    nearest = np.argmin(((srgb_to_lab(colours)[:, None, :] - _LAB[None, :, :]) ** 2).sum(-1), axis=1)
    total = counts.sum()
    found: dict[int, tuple[float, int]] = {}  # name index -> (share, heaviest palette entry)
    for entry, (name, count) in enumerate(zip(nearest, counts, strict=True)):
        if count == 0:
            continue
        share, heaviest = found.get(int(name), (0.0, entry))
        if count > counts[heaviest]:
            heaviest = entry
        found[int(name)] = (share + int(count) / total, heaviest)
    return [
        Colour(
            dict(zip(LANGUAGES, _NAMES[name], strict=True)),
            "#{:02x}{:02x}{:02x}".format(*colours[entry]),
            float(share),
        )
        for name, (share, entry) in sorted(found.items(), key=lambda kv: -kv[1][0])
    ]


class ColoursEnricher(ImageEnricher):
    """Dominant colours of an image, named in Dutch, French and English."""

    name: ClassVar[str] = "image.colours"
    version = "image.colours-1"

    def __init__(self, settings: Settings, min_share: float = 0.1, limit: int = 4):
        super().__init__(settings)
        self.min_share, self.limit = min_share, limit

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        language = language if language in LANGUAGES else "nl"
        return [
            Proposal(
                SuggestionKind.tag,
                colour.names[language],
                round(float(np.sqrt(colour.share)), 4),
                extra={"hex": colour.hex, "share": round(colour.share, 4), "names": colour.names},
            )
            for colour in dominant_colours(image)[: self.limit]
            if colour.share >= self.min_share
        ]


create = ColoursEnricher.create

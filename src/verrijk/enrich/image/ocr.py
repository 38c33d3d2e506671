"""image.ocr: the text in an image, line by line with its box, read by Debian's Tesseract (nld, fra, eng).

Each line becomes a `transcript` suggestion whose region is the line's box [x, y, w, h] in image pixels and whose
score is Tesseract's mean word confidence over the line. OCR copies the content itself, so the rights gate keeps
in-copyright images from it unless the organisation allows it by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from PIL import Image, ImageOps

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.base import ImageEnricher
from verrijk.errors import Unavailable

INSTALL = "apt-get install tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-eng"
MIN_SIDE = 200  # smaller images are scaled up, a little: Tesseract reads best near 20-30 px x-height


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[int, int, int, int]  # x, y, w, h
    confidence: float  # 0..1


@cache
def tesseract() -> tuple[str, frozenset[str]]:
    """Tesseract's version and installed languages; Unavailable saying how to install it when it is missing."""
    try:
        import pytesseract

        return str(pytesseract.get_tesseract_version()), frozenset(pytesseract.get_languages(config=""))
    except (ImportError, OSError, RuntimeError) as exc:
        raise Unavailable(f"image.ocr needs Tesseract, which is not installed ({exc}): {INSTALL}") from None


def check_languages(language: str) -> str:
    """The Tesseract language string, after checking every language in it is installed."""
    _, installed = tesseract()
    missing = [code for code in language.split("+") if code not in installed]
    if missing:
        raise Unavailable(
            f"image.ocr: Tesseract has no data for {', '.join(missing)} (installed: {', '.join(sorted(installed))}): "
            f"{INSTALL}"
        )
    return language


def read_lines(image: Image.Image, language: str, psm: int = 3) -> list[Line]:
    """The lines Tesseract reads in an image, in reading order, boxes in the image's own pixels."""
    import pytesseract

    scale = max(1.0, MIN_SIDE / min(image.size))
    grey = ImageOps.grayscale(image)
    if scale > 1:
        grey = grey.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    try:
        data = pytesseract.image_to_data(
            grey, lang=language, config=f"--psm {psm}", output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractNotFoundError:
        raise Unavailable(f"image.ocr needs Tesseract, which is not installed: {INSTALL}") from None
    return list(_lines(data, scale))


def _lines(data: dict[str, list], scale: float) -> Iterator[Line]:
    words: dict[tuple[int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if text.strip() and float(data["conf"][i]) >= 0:
            words.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    for indices in words.values():
        left = min(data["left"][i] for i in indices)
        top = min(data["top"][i] for i in indices)
        right = max(data["left"][i] + data["width"][i] for i in indices)
        bottom = max(data["top"][i] + data["height"][i] for i in indices)
        box = tuple(round(v / scale) for v in (left, top, right - left, bottom - top))
        confidence = sum(float(data["conf"][i]) for i in indices) / len(indices) / 100
        yield Line(" ".join(data["text"][i].strip() for i in indices), box, min(1.0, max(0.0, confidence)))


class OcrEnricher(ImageEnricher):
    """Text in images, line by line with boxes (Tesseract, Dutch, French, English)."""

    name: ClassVar[str] = "image.ocr"
    reads_protected_content: ClassVar[bool] = True

    def __init__(self, settings: Settings, language: str = "nld+fra+eng", min_confidence: float = 0.3):
        super().__init__(settings)
        self.language = check_languages(language)
        self.min_confidence = min_confidence
        self.version = f"image.ocr-1+tesseract-{tesseract()[0]}+{language}"

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        return [
            Proposal(SuggestionKind.transcript, line.text, round(line.confidence, 4), region=list(line.box))
            for line in read_lines(image, self.language)
            if line.confidence >= self.min_confidence
        ]


create = OcrEnricher.create

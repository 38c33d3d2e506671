"""image.ocr: the text in an image, line by line with its box, read by Debian's Tesseract (nld, fra, eng).

Each line becomes a `transcript` suggestion whose region is the line's box [x, y, w, h] in image pixels and whose
score is Tesseract's mean word confidence over the line. With `entities` on, the lines read, as one text, then go
through the organisation's text pipeline (language, NER, linking): each entity or link is placed at the union of
the boxes of the words its mention spans, its character offsets in that text kept in extra. OCR copies the content
itself, so the rights gate keeps in-copyright images from it unless the organisation allows it by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from PIL import Image, ImageOps

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Proposal
from verrijk.enrich.image.base import ImageEnricher
from verrijk.enrich.text.media import MediaText, media_text
from verrijk.errors import Unavailable

INSTALL = "apt-get install tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-eng"
MIN_SIDE = 200  # smaller images are scaled up, a little: Tesseract reads best near 20-30 px x-height


Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class Line:
    text: str
    box: Box
    confidence: float  # 0..1
    words: tuple[tuple[str, Box], ...] = ()  # each word with its own box


def union(boxes: Sequence[Box]) -> Box:
    """The smallest box around all the boxes."""
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top


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
        boxes = [tuple(round(data[key][i] / scale) for key in ("left", "top", "width", "height")) for i in indices]
        texts = [data["text"][i].strip() for i in indices]
        confidence = sum(float(data["conf"][i]) for i in indices) / len(indices) / 100
        yield Line(" ".join(texts), union(boxes), min(1.0, max(0.0, confidence)), tuple(zip(texts, boxes, strict=True)))


def text_with_boxes(lines: Sequence[Line]) -> tuple[str, list[tuple[int, int, Box]]]:
    """The lines as one text (a line break between lines), and each word's character span in it with its box."""
    text, spans = "", []
    for line in lines:
        if text:
            text += "\n"
        for j, (word, box) in enumerate(line.words):
            if j:
                text += " "
            spans.append((len(text), len(text) + len(word), box))
            text += word
    return text, spans


def entity_proposals(lines: Sequence[Line], text: MediaText, language: str | None) -> list[Proposal]:
    """Entities and links in the text read, each placed at the union of the boxes of the words its mention spans."""
    content, words = text_with_boxes(lines)
    proposals = []
    for p, boxes in text.entities(content, language, words):
        p.region = list(union(boxes))
        proposals.append(p)
    return proposals


class OcrEnricher(ImageEnricher):
    """Text in images, line by line with boxes (Tesseract, Dutch, French, English)."""

    name: ClassVar[str] = "image.ocr"
    reads_protected_content: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        text: MediaText = MediaText(),
        language: str = "nld+fra+eng",
        min_confidence: float = 0.3,
    ):
        super().__init__(settings)
        self.language = check_languages(language)
        self.min_confidence = min_confidence
        self.text = text
        self.version = f"image.ocr-1+tesseract-{tesseract()[0]}+{language}"

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        lines = [line for line in read_lines(image, self.language) if line.confidence >= self.min_confidence]
        proposals = [
            Proposal(SuggestionKind.transcript, line.text, round(line.confidence, 4), region=list(line.box))
            for line in lines
        ]
        return proposals + entity_proposals(lines, self.text, language)


def create(params: dict[str, Any], context: Any) -> OcrEnricher:
    """The registry's factory: the organisation's text pipeline (its `ner` models and authorities) for entities."""
    return OcrEnricher(context.settings, media_text(params, context), **params)

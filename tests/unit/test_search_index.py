"""The vector and lexical indexes on their own: incremental changes equal a fresh build, filters, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from verrijk.errors import BadInput
from verrijk.search.lexical import LexicalIndex, analyse, query_terms
from verrijk.search.query import parse_qf
from verrijk.search.ranking import Ordered, fuse
from verrijk.search.sync_state import SyncState
from verrijk.search.vector import EF_LADDER, NPROBE_LADDER, VectorIndex


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    x = centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact(vectors: dict[int, np.ndarray], query: np.ndarray, k: int, allowed=None) -> list[int]:
    ids = [i for i in vectors if allowed is None or i in allowed]
    scores = {i: float(vectors[i] @ query) for i in ids}
    return sorted(ids, key=lambda i: (-scores[i], i))[:k]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_adds_updates_and_deletes_match_an_exact_search(kind, tmp_path):
    data = clustered(3000)
    index = VectorIndex(32, kind=kind)
    truth = {}
    for start in range(0, 2000, 500):  # added in batches
        ids = np.arange(start, start + 500) + 10_000
        index.upsert(ids, data[start : start + 500])
        truth.update(zip(ids.tolist(), data[start : start + 500], strict=True))
    moved = np.arange(10_000, 10_300)  # updated: new vectors under the same ids
    index.upsert(moved, data[2000:2300])
    truth.update(zip(moved.tolist(), data[2000:2300], strict=True))
    gone = np.arange(10_500, 11_000)
    index.remove(gone)
    for i in gone.tolist():
        del truth[i]
    assert len(index) == len(truth) == 1500 and index.kind == kind
    index.save(tmp_path)
    reloaded = VectorIndex.load(tmp_path, 32, kind)
    allowed = set(list(truth)[::7])
    for idx in (index, reloaded):
        found = recall = 0
        for q in data[2500:2550]:
            want = exact(truth, q, 10)
            got = [i for i, _ in idx.search(q, 10)]
            assert not set(got) - set(truth)  # never a deleted or replaced vector
            recall += len(set(got) & set(want))
            found += len(want)
            narrow = [i for i, _ in idx.search(q, 10, allowed)]
            want_narrow = exact(truth, q, 10, allowed)
            if kind == "flat":
                assert narrow == want_narrow
            else:  # 8-bit codes: the order of near ties may differ, the records hardly
                assert set(narrow) <= allowed and len(set(narrow) & set(want_narrow)) >= 8
        assert recall / found >= (1.0 if kind == "flat" else 0.9)


def test_auto_switches_from_exact_to_hnsw_past_the_threshold():
    index = VectorIndex(32, kind="auto", exact_below=1000)
    data = clustered(1500)
    index.upsert(np.arange(900), data[:900])
    assert index.kind == "flat"
    index.upsert(np.arange(900, 1500), data[900:])
    assert index.kind == "hnsw" and len(index) == 1500
    assert index.search(data[1200], 1)[0][0] == 1200


def test_hnsw_chooses_its_ef_search_again_as_it_doubles_and_keeps_it(tmp_path):
    data = clustered(3000)
    index = VectorIndex(32, kind="hnsw")
    index.upsert(np.arange(1000), data[:1000])
    assert index.tuned_at == 1000 and index.ef_search in EF_LADDER
    index.upsert(np.arange(1000, 1500), data[1000:1500])
    assert index.tuned_at == 1000  # not yet doubled
    index.upsert(np.arange(1500, 2500), data[1500:2500])
    assert index.tuned_at == 2500
    index.save(tmp_path)
    reloaded = VectorIndex.load(tmp_path, 32, "hnsw")
    assert (reloaded.ef_search, reloaded.tuned_at) == (index.ef_search, 2500)
    fixed = VectorIndex(32, kind="hnsw", ef_search=40)
    fixed.upsert(np.arange(2500), data[:2500])
    assert fixed.ef_search == 40


def test_ivf_past_its_threshold_finds_what_exact_search_finds_through_changes(tmp_path):
    data = clustered(6000)
    index = VectorIndex(32, kind="auto", exact_below=500, ivf_above=2000)
    index.expect(6000)  # a sync that will reach 6,000: IVF from its first vectors on
    index.upsert(np.arange(3000), data[:3000])
    assert index.kind == "ivf" and index.trained_for == 6000 and index.nprobe in (*NPROBE_LADDER, index.index.nlist)
    index.upsert(np.arange(3000, 6000), data[3000:])
    index.upsert(np.arange(0, 300), data[5700:6000])  # updated
    index.remove(np.arange(300, 600))
    truth = {i: data[i] for i in range(600, 6000)} | {i: data[5700 + i] for i in range(300)}
    assert len(index) == len(truth) == 5700 and index.kind == "ivf"
    assert np.allclose(index.vector(5), data[5705], atol=0.02)  # 8-bit codes
    index.save(tmp_path)
    reloaded = VectorIndex.load(tmp_path, 32, ivf_above=2000, exact_below=500)
    assert reloaded.kind == "ivf" and (reloaded.nprobe, reloaded.trained_for) == (index.nprobe, 6000)
    for idx in (index, reloaded):
        found = recall = 0
        for q in data[:60]:
            want = exact(truth, q, 10)
            got = [i for i, _ in idx.search(q, 10)]
            assert not set(got) & set(range(300, 600))
            recall, found = recall + len(set(got) & set(want)), found + len(want)
        assert recall / found >= 0.95
    index.expect(0)
    index.upsert(np.arange(6000, 12_500), clustered(6500, seed=1))  # past twice what its lists were made for
    assert index.trained_for == len(index) == 12_200


def test_sync_state_arrays_follow_puts_and_removals():
    state = SyncState()
    state.put(np.array([5, 1, 3]), np.array([50, 10, 30]), np.array([1, 1, 2]), np.array([b"e", b"a", b"c"], "S40"))
    state.put(np.array([3, 9]), np.array([31, 90]), np.array([2, 2]), np.array([b"c2", b"i"], "S40"))
    assert state.ids.tolist() == [1, 3, 5, 9] and state.markers.tolist() == [10, 31, 50, 90]
    assert state.keys_of(np.array([9, 4, 3])).tolist() == [b"i", b"", b"c2"]
    assert state.changed(np.array([1, 3, 7]), np.array([10, 30, 70])).tolist() == [False, True, True]
    assert state.gone(np.array([1, 9])).tolist() == [3, 5]
    assert state.gone(np.array([1, 9]), collection=2).tolist() == [3]
    state.remove(np.array([1, 5]))
    assert state.ids.tolist() == [3, 9] and state.collections.tolist() == [2, 2]


def test_filters_narrow_broad_and_naming_records_the_index_does_not_have():
    data = clustered(5000)
    index = VectorIndex(32, kind="hnsw")
    index.upsert(np.arange(5000), data)
    index.remove(np.arange(100))  # dead slots, not yet compacted
    truth = {i: data[i] for i in range(100, 5000)}
    assert index.search(data[5], 3, allowed={5, 99_999}) == []  # deleted and unknown: nothing to find
    assert [i for i, _ in index.search(data[150], 1, allowed={150, 151, 99_999})] == [150]  # scored exactly
    broad = set(range(0, 5000, 2)) | {99_999}  # 2,450 live records: a graph search through the bitmap selector
    found = recall = 0
    for q in data[4000:4040]:
        got = [i for i, _ in index.search(q, 10, broad)]
        assert set(got) <= broad - set(range(100))
        want = exact(truth, q, 10, broad)
        recall, found = recall + len(set(got) & set(want)), found + len(want)
    assert recall / found >= 0.9
    assert not {i for i, _ in index.search(data[5], 50)} & set(range(100))


def test_bm25_after_changes_equals_a_fresh_build(tmp_path):
    texts = {
        1: "Plantage Accaribo met suikerriet",
        2: "Gezicht op de plantage",
        3: "Kaart van Suriname",
        4: "Slavernij",
    }
    changed = LexicalIndex()
    for doc_id, text in texts.items():
        changed.upsert(doc_id, text, "nl")
    changed.upsert(3, "Kaart van de plantages", "nl")
    changed.remove(4)
    changed.save(tmp_path / "lex")
    fresh = LexicalIndex()
    for doc_id, text in {1: texts[1], 2: texts[2], 3: "Kaart van de plantages"}.items():
        fresh.upsert(doc_id, text, "nl")
    terms = query_terms("plantages", "nl")
    reloaded = LexicalIndex.load(tmp_path / "lex")
    assert changed.search(terms).top(10) == fresh.search(terms).top(10) == reloaded.search(terms).top(10)
    assert [d for d, _ in fresh.search(terms, allowed={2, 3}).top(10)] == [2, 3]


def test_analysis_folds_accents_stems_and_drops_stop_words():
    assert analyse("De Église van het Hôpital", "fr") == analyse("de eglise van het hopital", "fr")
    assert analyse("de plantages en het fort", "nl") == ["plantag", "fort"]
    assert query_terms("portrait of a woman", None) >= {"portrait", "woman"} and "of" not in query_terms("of", None)


def test_rank_fusion_rewards_agreement():
    fused = fuse([Ordered([(1, 9.0), (2, 8.0)]), Ordered([(2, 0.9), (3, 0.8)])])
    assert [doc for doc, _ in fused.top(10)] == [2, 1, 3] and len(fused) == 3


def test_qf_parsing():
    assert parse_qf("date:[1700 TO 1800]").date_from == 1700
    assert parse_qf("date:[* TO 1800]").date_from is None
    assert parse_qf("creator:Schouten, Gerrit").creator == "Schouten, Gerrit"
    with pytest.raises(BadInput, match="unknown field"):
        parse_qf("colour:red")

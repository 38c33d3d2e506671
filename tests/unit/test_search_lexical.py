"""BM25 on arrays against the dictionary BM25 it replaced: the same scores and order through adds, replacements,
removals, merges, saving and loading; the old gzipped JSON migrated; rank fusion read only as deep as a page needs
equal to fusing every hit."""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from verrijk.search import bm25, lexical, ranking
from verrijk.search.bm25 import Pruned
from verrijk.search.lexical import MANIFEST, LexicalIndex, analyse, query_terms
from verrijk.search.ranking import Ordered, Scored, fuse

DEMO = Path(lexical.__file__).parents[1] / "demo" / "rijksmuseum_suriname.csv"
QUERIES = (
    "plantage",
    "kaart van Suriname",
    "portret van een vrouw",
    "Paramaribo fort Zeelandia",
    "slaven op een plantage",
    "gezicht op de rivier",
    "portrait of a woman",
    "église",
    "nergens te vinden",
)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    with DEMO.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))[:1500]
    return [f"{r['titel']}\n{r['beschrijving']}\n{r['vervaardiger']}" for r in rows]


def reference(docs: dict[int, Counter], terms: set[str], allowed=None, k1=1.2, b=0.75) -> list[tuple[int, float]]:
    """The BM25 of the dictionary index this one replaced, as it was."""
    n = len(docs)
    average = sum(sum(c.values()) for c in docs.values()) / n
    scores: dict[int, float] = {}
    for term in terms:
        posting = {d: c[term] for d, c in docs.items() if term in c}
        idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
        for doc_id, tf in posting.items():
            if allowed is not None and doc_id not in allowed:
                continue
            norm = tf + k1 * (1 - b + b * sum(docs[doc_id].values()) / average)
            scores[doc_id] = scores.get(doc_id, 0.0) + idf * tf * (k1 + 1) / norm
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def assert_same(index: LexicalIndex, docs: dict[int, Counter], allowed=None) -> None:
    assert len(index) == len(docs)
    for query in QUERIES:
        terms = query_terms(query, None)
        want = reference(docs, terms, allowed)
        got = index.search(terms, allowed)
        assert len(got) == len(want)
        top = got.top(len(want) + 5)
        assert [d for d, _ in top] == [d for d, _ in want], query
        assert np.allclose([s for _, s in top], [s for _, s in want], rtol=1e-12, atol=0)
        assert got.top(7) == top[:7]  # a page is the head of the whole order
        probe = [*list(docs)[::7], 99_999]  # hits, records without the terms, an id never indexed
        assert np.allclose(got.score_of(np.array(probe)), [dict(want).get(d, 0.0) for d in probe], rtol=1e-12, atol=0)


@pytest.fixture(params=["every hit", "pruned"])
def pruning(request, monkeypatch) -> bool:
    """Each ranking test twice: every hit scored, and every query of two or more terms pruned (seeded by a few
    postings, so that the floor is sometimes 0 and sometimes leaves terms out)."""
    if request.param == "pruned":
        monkeypatch.setattr(bm25, "PRUNE_ABOVE", 0)
        monkeypatch.setattr(bm25, "SEED", 40)
    return request.param == "pruned"


def test_scores_and_order_equal_the_dictionary_bm25_through_changes_merges_and_saves(
    texts, tmp_path, monkeypatch, pruning
):
    monkeypatch.setattr(lexical, "MERGE_MIN", 400)  # merge often: merged and added postings mixed
    rng = random.Random(3)
    ids = [10 * i + 7 for i in range(len(texts))]
    order = list(range(len(texts)))
    rng.shuffle(order)
    index, docs = LexicalIndex(), {}
    for i in order[:1000]:
        index.upsert(ids[i], texts[i], "nl")
        docs[ids[i]] = Counter(analyse(texts[i], "nl"))
    for i in rng.sample(order[:1000], 200):  # replaced by another record's text
        other = texts[rng.randrange(len(texts))]
        index.upsert(ids[i], other, "nl")
        docs[ids[i]] = Counter(analyse(other, "nl"))
    for i in rng.sample(order[:1000], 150):
        index.remove(ids[i])
        docs.pop(ids[i], None)
    index.remove(99_999)  # unknown: nothing happens
    assert index._added and index._merged_slots  # some postings merged, some still added
    assert_same(index, docs)
    allowed = set(rng.sample(sorted(docs), 300)) | {123_456}
    assert_same(index, docs, allowed)

    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert_same(loaded, docs)
    for i in order[1000:]:  # the loaded index goes on changing (its merged postings are memory-mapped)
        loaded.upsert(ids[i], texts[i], "nl")
        docs[ids[i]] = Counter(analyse(texts[i], "nl"))
    for doc_id in rng.sample(sorted(docs), 100):
        loaded.remove(doc_id)
        del docs[doc_id]
    assert_same(loaded, docs)
    loaded.merge()
    assert not loaded._added and loaded._merged_slots == len(docs)
    assert_same(loaded, docs, allowed)
    loaded.save(tmp_path / "lex")
    assert_same(LexicalIndex.load(tmp_path / "lex"), docs)
    names = json.loads((tmp_path / "lex" / MANIFEST).read_text())
    left = {p.name.split(".")[0] for p in (tmp_path / "lex").iterdir()} - {MANIFEST.split(".")[0]}
    assert left == {names["postings"], names["table"]}  # the earlier saves' files are gone


def test_a_merge_numbering_the_slots_anew_keeps_every_score(texts, pruning):
    index, docs = LexicalIndex(), {}
    for i in range(300, 0, -1):  # ids falling: the merge reverses the slots' order
        index.upsert(i, texts[i], "nl")
        docs[i] = Counter(analyse(texts[i], "nl"))
    assert_same(index, docs)
    index.merge()
    assert_same(index, docs)


def test_pruning_leaves_weak_terms_out_and_keeps_the_exhaustive_order(texts, monkeypatch):
    """A common term with a rare one: the best hits, places and scores are those of scoring every hit, while the
    records holding only the common term are never scored for the first page."""
    index = LexicalIndex()
    for i, text in enumerate(texts):
        index.upsert(i, text, "nl")
    index.merge()
    index.remove(3)  # a dead slot: bounds still hold
    terms, narrow = query_terms("kaart van Suriname plantage", "nl"), set(range(0, len(texts), 3))
    whole, narrow_whole = index.search(terms), index.search(terms, narrow)
    assert isinstance(whole, Scored)  # few postings: every hit scored
    monkeypatch.setattr(bm25, "PRUNE_ABOVE", 0)
    pruned = index.search(terms)
    assert isinstance(pruned, Pruned) and len(pruned) == len(whole) == 1236
    assert sorted(pruned.ids().tolist()) == sorted(whole.ids().tolist())
    for k in (1, 12, 64, 300):
        assert pruned.top(k) == whole.top(k)
    first_page = index.search(terms)
    first_page.top(12)
    assert len(first_page._scored[0]) < len(whole) / 3  # most hits never scored
    some = np.array([d for d, _ in whole.top(len(whole))][::37])
    assert pruned.ranks(some).tolist() == whole.ranks(some).tolist()
    assert (pruned.rank_floor(some) <= whole.ranks(some)).all() and pruned.rank_floor(some).max() > 12
    assert index.search(terms, narrow).top(20) == narrow_whole.top(20)


def test_an_index_saved_in_layout_3_is_upgraded_on_reading(texts, tmp_path, pruning):
    """Layout 3 had no per-term bounds and a term's slots in no particular order: read, both are made."""
    index, docs = LexicalIndex(), {}
    for i, text in enumerate(texts[:600], start=1):
        index.upsert(i, text, "nl")
        docs[i] = Counter(analyse(text, "nl"))
    index.merge()
    index.save(tmp_path)
    names = json.loads((tmp_path / MANIFEST).read_text())
    stem, rng = tmp_path / names["postings"], np.random.default_rng(1)
    offsets = np.load(f"{stem}.offsets.npy")
    bounds = zip(offsets[:-1], offsets[1:], strict=True)
    shuffled = np.concatenate([rng.permutation(np.arange(a, b)) for a, b in bounds])
    for key in ("docs", "tfs"):
        np.save(f"{stem}.{key}.npy", np.load(f"{stem}.{key}.npy")[shuffled])
    for key in ("max_tf", "min_length"):
        Path(f"{stem}.{key}.npy").unlink()
    (tmp_path / MANIFEST).write_text(json.dumps({**names, "format": 3}))
    upgraded = LexicalIndex.load(tmp_path)
    assert_same(upgraded, docs)
    upgraded.save(tmp_path)
    assert json.loads((tmp_path / MANIFEST).read_text())["format"] == 4
    assert_same(LexicalIndex.load(tmp_path), docs)


def test_the_old_gzipped_json_is_migrated_once(texts, tmp_path):
    docs = {i: Counter(analyse(text, "nl")) for i, text in enumerate(texts[:400], start=1)}
    legacy = tmp_path / "lexical.json.gz"
    with gzip.open(legacy, "wt", encoding="utf-8") as fh:  # what LexicalIndex.save wrote before
        json.dump({str(k): v for k, v in docs.items()}, fh)
    migrated = LexicalIndex.load(tmp_path / "lexical", legacy=legacy)
    assert_same(migrated, docs)
    assert not legacy.exists() and (tmp_path / "lexical" / MANIFEST).exists()
    assert_same(LexicalIndex.load(tmp_path / "lexical", legacy=legacy), docs)
    assert len(LexicalIndex.load(tmp_path / "nothing", legacy=tmp_path / "nothing.json.gz")) == 0


def reference_fusion(rankings: list[list[tuple[int, float]]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion over every hit of every ranking, as hybrid search did before."""
    fused: dict[int, float] = {}
    for ranked in rankings:
        for rank, (doc_id, _) in enumerate(ranked, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.parametrize("one_by_one", [0, 32])  # deep hits placed by one full ordering, or each by a pass
def test_fusion_read_as_deep_as_a_page_needs_equals_fusing_every_hit(texts, monkeypatch, one_by_one, pruning):
    monkeypatch.setattr(ranking, "RANKED_ONE_BY_ONE", one_by_one)
    placed, ranks = [], (Pruned if pruning else Scored).ranks
    monkeypatch.setattr(Pruned if pruning else Scored, "ranks", lambda s, ids: placed.append(len(ids)) or ranks(s, ids))
    index = LexicalIndex()
    for i, text in enumerate(texts):
        index.upsert(i, text, "nl")
    rng = random.Random(5)
    for query in ("plantage suriname", "portret", "kaart van Suriname"):
        big = index.search(query_terms(query, "nl"))
        whole = big.top(len(big))
        # short rankings that agree, disagree and reach deep into the BM25 order and past its hits
        first = [(whole[-1][0], 0.9), *[(d, 0.5) for d in rng.sample(range(len(texts) + 50), 300)]]
        second = [(d, 0.3) for d, _ in whole[200:230]] + [(whole[5][0], 0.2)]
        short = [list(dict(first).items()), second]
        want = reference_fusion([whole, *short])
        fused = fuse([big, *(Ordered(s) for s in short)])
        assert len(fused) == len(want) and set(fused.ids().tolist()) == {d for d, _ in want}
        for k in (1, 12, 100, len(want)):
            assert fused.top(k) == want[:k]
    assert placed and max(placed) > 0  # some deep hits could climb and were placed
    assert fuse([index.search({"plantag"})]).top(3) == index.search({"plantag"}).top(3)  # one ranking: as it is

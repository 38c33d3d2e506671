"""image.hash: altered copies of a photo (resized, recompressed, slightly cropped, greyscale) fall in one group,
unrelated photos do not; precision and recall measured over 30 photos and their 120 copies."""

from __future__ import annotations

import itertools

from media_material import altered, photo

from verrijk.enrich.image.hash import DEFAULT_DISTANCE, distance, duplicate_groups, phash


def test_hash_is_64_bits_and_stable():
    image = photo(4)
    assert len(phash(image)) == 16 and phash(image) == phash(image.copy())
    assert distance("ffffffffffffffff", "0000000000000000") == 64 and distance("00ff", "00fe") == 1


def test_altered_copies_are_found_and_unrelated_photos_are_not():
    rows = []
    for seed in range(30):
        original = photo(seed)
        rows.append((seed, "media.0", phash(original)))
        rows += [(seed, f"media.{kind}", phash(copy)) for kind, copy in altered(original).items()]
    groups = duplicate_groups(rows, DEFAULT_DISTANCE)
    found = {frozenset(p) for g in groups for p in itertools.combinations([(i.record_id, i.field) for i in g], 2)}
    truth = {
        frozenset(p) for seed in range(30) for p in itertools.combinations([(r, f) for r, f, _ in rows if r == seed], 2)
    }
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision == 1.0 and recall >= 0.95, (precision, recall)
    assert all(len({i.record_id for i in g}) == 1 for g in groups)


def test_threshold_zero_keeps_only_identical_hashes():
    a, b = photo(1), photo(2)
    rows = [(1, "media.0", phash(a)), (2, "media.0", phash(a)), (3, "media.0", phash(b))]
    assert [[i.record_id for i in g] for g in duplicate_groups(rows, 0)] == [[1, 2]]
    assert duplicate_groups(rows[:1], 10) == []

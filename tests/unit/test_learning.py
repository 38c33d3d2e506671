"""The learning loop on the shipped demo subject model: reviewers' corrections on records the model never saw are
simulated from the records' gold subjects, a version is trained on two thirds of the records and scored against
the shipped one on the other third; a better one is registered and activated, a worse one refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from verrijk.config import Settings
from verrijk.enrich.models import get_model
from verrijk.enrich.text.subjects.data import load_demo_records
from verrijk.enrich.text.subjects.enricher import DemoSubjects
from verrijk.learning import subjects
from verrijk.learning.examples import Example, is_held_out
from verrijk.learning.train import learn, trainers

RECORDS = 240  # of the demo test split, which the shipped model was not trained on


@pytest.fixture(scope="module")
def model():
    return subjects.load(Settings().models_dir / "subjects")


@pytest.fixture(scope="module")
def reviewed(model) -> list[Example]:
    """What reviewers decide on the model's suggestions for unseen records: a suggestion in the record's gold
    subjects is accepted, another is edited into a gold subject the model missed (rejected when none is left); and
    this organisation files what the model calls its most common subject under another term, always."""
    records = [r for r in load_demo_records() if r.split == "test" and r.gold(model.vocabulary)][:RECORDS]
    ranked = subjects._ranked(model, [_example(i, r.text, "", True) for i, r in enumerate(records)])
    threshold = model.thresholds["ensemble"]
    out = []
    for i, record in enumerate(records):
        gold = set(record.gold(model.vocabulary))
        proposed = [uri for uri, score in ranked[record.text][:5] if score >= threshold]
        missing = sorted(gold - set(proposed))
        for uri in proposed:
            out.append(_example(i, record.text, uri, uri in gold))
            if uri not in gold and missing:
                out.append(_example(i, record.text, missing.pop(), True))
    common, renamed = "overzeese-geschiedenis", "surinamers"
    policy = []
    for e in out:
        if e.uri.endswith(common):
            policy += [replace(e, right=False), replace(e, uri=e.uri.replace(common, renamed), right=True)]
        else:
            policy.append(e)
    return policy


def _example(record: int, text: str, uri: str, right: bool) -> Example:
    return Example(record, "subject", text, None, None, None, "", uri, "subjects.demo", right)


def test_a_version_trained_on_corrections_scores_higher_on_records_it_did_not_see(reviewed, tmp_path):
    settings = Settings(data_dir=tmp_path)
    entry = learn(trainers()["subjects"], reviewed, settings)
    before, after = entry["compared_with"]["metrics"], entry["metrics"]
    assert entry["status"] == "active" and entry["version"] == "subjects-t1"
    assert after["decisions"] == before["decisions"] == sum(is_held_out(e.record) for e in reviewed)
    assert after["f1"] >= before["f1"] + 0.05 and after["accuracy"] > before["accuracy"], (before, after)

    registry = get_model(settings.models_dir, "subjects", settings.trained_dir)
    assert registry.active == "subjects-t1"
    versions = {v.version: v for v in registry.versions}
    assert versions["1"].status is None and versions["1"].metrics["f1@5"] > 0.8  # the shipped version, as shipped
    assert versions["subjects-t1"].metrics["f1"] == after["f1"]
    assert registry.metrics()["compared_with"] == {"version": "1", "metrics": before}
    shipped_entry = json.loads((settings.trained_dir / "subjects" / "versions.json").read_text())["versions"][0]
    assert shipped_entry == {**shipped_entry, "version": "1", "status": "shipped", "metrics": before}

    enricher = DemoSubjects(settings.models_dir, trained_dir=settings.trained_dir)
    assert enricher.directory == settings.trained_dir / "subjects" / "subjects-t1"
    assert enricher.version.endswith("+subjects-t1") and enricher.model.thresholds["ensemble"] > 0


def test_a_worse_candidate_is_recorded_and_refused(reviewed, tmp_path):
    """Decisions recorded the wrong way round on the records trained on: the candidate learns nonsense."""
    settings = Settings(data_dir=tmp_path)
    flipped = [e if is_held_out(e.record) else replace(e, right=not e.right) for e in reviewed]
    entry = learn(trainers()["subjects"], flipped, settings)
    assert entry["status"] == "rejected" and entry["metrics"]["f1"] < entry["compared_with"]["metrics"]["f1"]
    registry = get_model(settings.models_dir, "subjects", settings.trained_dir)
    assert registry.active == "1"  # the shipped version still serves
    assert {v.version: v.status for v in registry.versions} == {"1": None, "subjects-t1": "rejected"}
    assert not (settings.trained_dir / "subjects" / "subjects-t1").exists()
    shipped = DemoSubjects(settings.models_dir, trained_dir=settings.trained_dir)
    assert shipped.directory == settings.models_dir / "subjects"

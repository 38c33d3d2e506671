"""The learning loop on the shipped demo subject model: reviewers' corrections on records the model never saw are
simulated from the records' gold subjects, a version is trained on two thirds of the records and scored against
the shipped one on the other third; a better one is registered and activated, a worse one refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from verrijk.config import Settings
from verrijk.enrich.models import get_model
from verrijk.enrich.text.subjects.data import load_demo_records
from verrijk.enrich.text.subjects.enricher import DemoSubjects
from verrijk.ingest.service import ingest
from verrijk.learning import subjects
from verrijk.learning.examples import Example, is_held_out
from verrijk.learning.simulate import examples_of, review_suggestions
from verrijk.learning.train import learn, subjects_trainer
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import RecordFilter, Repo, Scope
from verrijk.store.tables import Decision, Organisation, Suggestion

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
    return examples_of(review_suggestions(model, records, {"overzeese-geschiedenis": "surinamers"}))


def test_a_version_trained_on_corrections_scores_higher_on_records_it_did_not_see(reviewed, tmp_path):
    settings = Settings(data_dir=tmp_path)
    entry = learn(subjects_trainer(), reviewed, settings)
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
    entry = learn(subjects_trainer(), flipped, settings)
    assert entry["status"] == "rejected" and entry["metrics"]["f1"] < entry["compared_with"]["metrics"]["f1"]
    registry = get_model(settings.models_dir, "subjects", settings.trained_dir)
    assert registry.active == "1"  # the shipped version still serves
    assert {v.version: v.status for v in registry.versions} == {"1": None, "subjects-t1": "rejected"}
    assert not (settings.trained_dir / "subjects" / "subjects-t1").exists()
    shipped = DemoSubjects(settings.models_dir, trained_dir=settings.trained_dir)
    assert shipped.directory == settings.models_dir / "subjects"


def test_cli_trains_from_the_organisations_decisions_and_reports(cli, db_url, model, tmp_path):
    """Decisions stored as reviewers leave them (accepted, rejected, edited with the suggestion's before) go
    through `verrijk train subjects --from-decisions`; `verrijk models show` lists the version with its status;
    `verrijk eval subjects --report` writes the report with the organisation's acceptance by score bucket."""
    records = [r for r in load_demo_records() if r.split == "test" and r.gold(model.vocabulary)][:30]
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == "museum"))
        repo = Repo(session, Scope(org.id))
        lines = [json.dumps({"source_id": f"t{i}", "title": "", "description": r.text}) for i, r in enumerate(records)]
        ingest(session, repo, "c", "c.jsonl", data="\n".join(lines).encode())
        stored = {r.source_id: r.id for r in repo.records(RecordFilter(), limit=100).items}
        for n, done in enumerate(review_suggestions(model, records)):
            said = done.examples[0]
            final = done.examples[-1]
            status = "edited" if len(done.examples) == 2 else ("accepted" if said.right else "rejected")
            suggestion = Suggestion(
                organisation_id=org.id, record_id=stored[f"t{said.record}"], key=f"k{n}", field="description",
                kind="subject", label=final.uri.rsplit("/", 1)[-1], authority_uri=final.uri, score=done.score,
                enricher="subjects.demo", enricher_version="1", status=status,
            )  # fmt: skip
            session.add(suggestion)
            session.flush()
            before = {"label": said.uri.rsplit("/", 1)[-1], "authority_uri": said.uri, "status": "suggested"}
            session.add(
                Decision(organisation_id=org.id, suggestion_id=suggestion.id, action=status, before=before,
                         after={"status": status})
            )  # fmt: skip
        session.commit()
    engine.dispose()

    trained = cli("train", "subjects", "--from-decisions")
    assert trained.exit_code == 0, trained.output
    entry = json.loads(trained.output.splitlines()[-1])
    assert entry["version"] == "subjects-t1" and entry["status"] in ("active", "rejected")
    assert entry["metrics"]["decisions"] == entry["compared_with"]["metrics"]["decisions"] > 0
    assert "held out" in trained.output and "scoring both versions" in trained.output  # progress
    shown = cli("models", "show", "subjects")
    assert f"subjects-t1  [{entry['status']}]" in shown.output, shown.output

    report = tmp_path / "report"
    evaluated = cli("eval", "subjects", "--split", "dev", "--report", report, "--org", "museum")
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output[: evaluated.output.rindex("}") + 1])["f1@5"] > 0.5
    assert {p.name for p in report.iterdir()} >= {"index.html", "acceptance.png", "precision-recall.png"}


SURNAMES = ["Aalbers", "Bakhuizen", "Coster", "Dekker", "Everdingen", "Flinck", "Goltzius", "Hals", "Israels",
            "Jordaens", "Kessel", "Lairesse", "Maes", "Neer", "Ostade", "Post", "Quast", "Ruisdael", "Saenredam",
            "Terborch", "Uyl", "Velde", "Weenix", "Ykens", "Zeeman", "Backer", "Cuyp", "Dou", "Eeckhout"]  # fmt: skip
SHARED = 6  # the first six surnames belong to two people each


def test_the_linker_learns_that_this_catalogue_names_makers_by_surname(tmp_path, monkeypatch):
    """The shipped linker leaves a surname alone below its NIL threshold; this organisation's reviewers accept
    such links where one person bears the surname and reject them where two do. The version trained on two
    thirds of the records links the held-out surnames as the reviewers would, and serves once activated."""
    from verrijk.enrich.text.linking.index import AuthorityIndex
    from verrijk.enrich.text.linking.linker import Model
    from verrijk.enrich.text.linking.model import Entry, LinkContext
    from verrijk.learning import linking
    from verrijk.learning.train import link_trainer

    firsts = ["Jan", "Pieter", "Cornelis", "Hendrik", "Willem", "Maria", "Anna", "Johannes", "Gerrit", "Dirk"]
    people = [
        Entry(f"https://example.org/p/{i}", f"{firsts[i % 10]} {s}", (), ("PER",)) for i, s in enumerate(SURNAMES)
    ]
    people += [Entry(f"https://example.org/q/{i}", f"{firsts[(i + 3) % 10]} {s}", (), ("PER",))
               for i, s in enumerate(SURNAMES[:SHARED])]  # fmt: skip
    index = AuthorityIndex("people", people)
    settings = Settings(data_dir=tmp_path)
    shipped = linking.loader([index])(settings.models_dir / "linking")
    decided = []
    for record, (i, surname) in enumerate(list(enumerate(SURNAMES)) * 3):
        text = f"Studie naar {surname}, blad {record}"
        top = shipped.candidates(surname, "PER", LinkContext(text=text))[0]
        assert top.score < shipped.model.threshold  # not linked today
        start = text.index(surname)
        right = i >= SHARED and top.entry.uri.endswith(f"/p/{i}")
        decided.append(
            Example(record, "link", text, start, start + len(surname), "PER", "", top.entry.uri, "ner", right)
        )

    entry = learn(link_trainer([index]), decided, settings)
    assert entry["status"] == "active" and entry["version"] == "linking-t1"
    assert entry["compared_with"]["metrics"]["f1"] == 0.0 and entry["metrics"]["f1"] >= 0.9
    registry = get_model(settings.models_dir, "linking", settings.trained_dir)
    shipped_versions = [v.version for v in get_model(settings.models_dir, "linking").versions]
    assert registry.active == "linking-t1" and [v.version for v in registry.versions] == [
        *shipped_versions,
        "linking-t1",
    ]

    monkeypatch.setenv("VERRIJK_DATA_DIR", str(tmp_path))
    served = Model.load()  # what a new process's linker loads
    assert served.weights["surname"] > shipped.model.weights["surname"]
    assert served.threshold == shipped.model.threshold


ADJECTIVES = ["Javaanse", "Creoolse", "Hindostaanse", "Chinese", "Saramaccaanse", "Surinaamse", "Nederlandse",
              "Indonesische", "Braziliaanse", "Franse", "Engelse", "Libanese"]  # fmt: skip
NOUNS = ["vrouw", "arbeiders", "familie", "bruiloft", "kinderen", "winkel", "school", "markt"]
PLACES = ["Paramaribo", "Nickerie", "Albina", "Moengo", "Coronie", "Marowijne", "Commewijne", "Saramacca"]


def test_the_ner_model_learns_what_this_catalogue_does_not_call_an_entity(tmp_path, monkeypatch):
    """The shipped Dutch model tags adjectives of origin ("Javaanse vrouw") as MISC, as CoNLL does; this
    organisation's reviewers reject those and accept the places. A few passes over the judged sentences teach the
    model, and on held-out records it agrees with the reviewers more; the trained version serves once active."""
    from verrijk.enrich.text.ner.backends import load_recogniser
    from verrijk.learning import ner
    from verrijk.learning.train import ner_trainer

    settings = Settings(data_dir=tmp_path)
    nlp = ner.load(settings.models_dir / "ner-nl")
    texts = [f"{ADJECTIVES[i % 12]} {NOUNS[i % 8]} in {PLACES[(i // 3) % 8]}, omstreeks {1900 + i}." for i in range(42)]
    decided = []
    for record, (text, doc) in enumerate(zip(texts, nlp.pipe(texts), strict=True)):
        for e in doc.ents:
            decided.append(Example(record, "entity", text, e.start_char, e.end_char, e.label_, e.text, None, "ner",
                                   e.text in PLACES))  # fmt: skip
    assert sum(e.entity_type == "MISC" and not e.right for e in decided) >= 30

    entry = learn(ner_trainer(settings), decided, settings)
    before, after = entry["compared_with"]["metrics"], entry["metrics"]
    assert entry["status"] == "active" and entry["version"] == "ner-nl-t1"
    assert after["accuracy"] >= before["accuracy"] + 0.2 and after["f1"] > before["f1"], (before, after)
    assert [v.version for v in get_model(settings.models_dir, "ner-nl", settings.trained_dir).versions] == [
        "1.0.0",
        "ner-nl-t1",
    ]
    monkeypatch.setenv("VERRIJK_DATA_DIR", str(tmp_path))
    assert load_recogniser("ner-nl", settings.models_dir).version == "1.0.0+ner-nl-t1"

"""The model registry: every shipped model with its versions and headline metric (API and CLI), one model's card,
metrics and versions, and each suggestion linking to the card of its enricher's model."""

from __future__ import annotations

import json

from seeding import seed
from sqlalchemy import select

from verrijk.enrich.models import list_models
from verrijk.store.tables import Suggestion

SHIPPED = {"link.creators", "linking", "ner", "ner-nl", "search", "subjects"}


def test_every_shipped_model_has_an_active_version_with_its_headline_metric(settings):
    models = {m.name: m for m in list_models(settings.models_dir)}
    assert SHIPPED <= set(models)
    for name in SHIPPED:
        m = models[name]
        assert m.active_version is not None and m.card(), name
        assert 0 < m.headline_value <= 1, name
        v = m.active_version
        assert v.date and v.command and v.data and m.metrics(), name
    assert models["ner"].enrichers == ["ner"]
    assert models["subjects"].enrichers == ["subjects.demo", "subjects.iconclass"]


def test_models_api(client, org):
    r = client.get("/models", headers=org.headers("client"))
    assert r.status_code == 200
    listed = {m["name"]: m for m in r.json()["items"]}
    assert SHIPPED <= set(listed)
    assert listed["ner-nl"]["active_version"] == "1.0.0" and listed["ner-nl"]["headline_metric"] == "f1"
    assert listed["ner-nl"]["card"] is None  # the card comes with GET /models/{name}
    one = client.get("/models/link.creators", headers=org.headers("volunteer")).json()
    assert one["card"].startswith("#") and one["metrics"]["precision"] == one["headline_value"] == 0.9051
    assert [v["active"] for v in one["versions"]] == [True]
    assert one["versions"][0]["command"] == "python training/eval_creators.py"
    missing = client.get("/models/nothing", headers=org.headers())
    assert missing.status_code == 404 and "known: " in missing.json()["detail"] and "ner-nl" in missing.json()["detail"]
    assert "/" not in missing.json()["detail"]  # the server's folders stay on the server
    assert client.get("/models/%2E%2E", headers=org.headers()).status_code == 404  # no way out of the folder


def test_each_suggestion_links_to_its_model_card(client, session, org):
    ids = seed(session, org, n=2)
    session.get(Suggestion, ids[0]).enricher = "ner"
    session.commit()
    items = {s["id"]: s for s in client.get("/suggestions", headers=org.headers()).json()["items"]}
    assert items[ids[0]]["model_card"] == "/models/ner"
    assert items[ids[1]]["model_card"] is None  # link.places is no enricher this installation has
    assert client.get(items[ids[0]]["model_card"], headers=org.headers()).json()["name"] == "ner"
    queue = client.get("/review/next", headers=org.headers()).json()["items"]
    assert {i["model_card"] for i in queue} == {"/models/ner", None}
    assert session.scalar(select(Suggestion.enricher).where(Suggestion.id == ids[0])) == "ner"


def test_models_cli(cli):
    listed = cli("models", "list", "--json")
    assert listed.exit_code == 0
    rows = {r["name"]: r for r in map(json.loads, listed.output.splitlines())}
    assert SHIPPED <= set(rows) and rows["linking"]["accuracy_linkable"] == 0.9728
    table = cli("models", "list")
    assert "subjects" in table.output and "0.8845" in table.output
    shown = cli("models", "show", "ner-nl")
    assert shown.exit_code == 0 and "* 1.0.0  2026-11-25" in shown.output and "train_ner_nl.py" in shown.output
    assert cli("models", "show", "nothing").exit_code == 2

"""The enricher registry as an integrator meets it: GET /enrichers, per-organisation configuration by an admin,
and a third-party enricher installed as a package with a `verrijk.enrichers` entry point."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest
from sqlalchemy import select

from verrijk.enrich.config import read_file
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import BadInput, Invalid
from verrijk.store.tables import Suggestion

PLUGIN = '''
"""A tiny third-party enricher: the longest word of a record's title as a tag."""

from verrijk.domain import SuggestionKind
from verrijk.enrich.base import Enricher, Proposal
from verrijk.enrich.registry import Param


class LongestWord(Enricher):
    """Tags a record with the longest word of its title."""

    name = "example.longest-word"
    version = "0.1"
    accepts = frozenset({"text"})
    params = {"min_length": Param(int, 3, "shorter words are never suggested", ge=1)}

    def __init__(self, min_length: int):
        self.min_length = min_length

    def _enrich(self, items):
        out = []
        for item in items:
            words = [w for w in (item.text or "").split() if len(w) >= self.min_length] if item.field == "title" else []
            best = max(words, key=len) if words else None
            out.append([Proposal(SuggestionKind.tag, best.lower(), 0.5)] if best else [])
        return out
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Install the plug-in the way an installer does: its module and a dist-info with the entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "verrijk_longest_word.py").write_text(PLUGIN)
    info = site / "verrijk_longest_word-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: verrijk-longest-word\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[verrijk.enrichers]\nexample.longest-word = verrijk_longest_word:LongestWord\n"
    )
    monkeypatch.syspath_prepend(str(site))
    REGISTRY.refresh()
    yield "example.longest-word"
    sys.modules.pop("verrijk_longest_word", None)
    monkeypatch.undo()
    REGISTRY.refresh()


def enrichers(client, org, role="cataloger"):
    r = client.get("/enrichers", headers=org.headers(role))
    assert r.status_code == 200, r.text
    return {e["name"]: e for e in r.json()["items"]}


def test_list_says_what_each_enricher_reads_its_parameters_and_what_runs_here(client, org):
    found = enrichers(client, org)
    assert {"ner", "link.creators", "subjects.demo", "subjects.iconclass"} <= set(found)
    ner = found["ner"]
    assert ner["accepts"] == ["text"] and ner["source"] == "verrijk"
    assert ner["parameters"]["fields"]["default"] == ["title", "description"]
    assert found["subjects.demo"]["parameters"]["limit"] == {
        "default": 5,
        "maximum": 50,
        "minimum": 1,
        "type": "integer",
        "description": "most subjects suggested per record",
    }
    # the test deployment turns on link.creators only (conftest: VERRIJK_ENRICHERS)
    assert [n for n, e in found.items() if e["enabled"]] == ["link.creators"]
    one = client.get("/enrichers/ner", headers=org.headers()).json()
    assert "Dutch" in one["model_card"] and one["metrics"]
    missing = client.get("/enrichers/nope", headers=org.headers())
    assert missing.status_code == 404 and "no enricher 'nope'" in missing.json()["detail"]
    patched = client.patch("/enrichers/nope", json={"enabled": True}, headers=org.headers("admin"))
    assert patched.status_code == 404 and "link.creators" in patched.json()["detail"]


def test_an_admin_configures_the_organisation_and_jobs_follow(client, org, other_org, session, shipped_creators):
    r = client.patch("/enrichers/subjects.demo", json={"enabled": True, "params": {"limit": 2}}, headers=org.headers())
    assert r.status_code == 403  # a cataloger may not
    r = client.patch(
        "/enrichers/subjects.demo", json={"enabled": True, "params": {"limit": 2}}, headers=org.headers("admin")
    )
    assert r.status_code == 200 and r.json()["enabled"] and r.json()["params"] == {"limit": 2}
    config = client.get("/config/enrichers", headers=org.headers()).json()
    assert config == {
        "enabled": ["link.creators", "subjects.demo"],
        "params": {"subjects.demo": {"limit": 2}},
        "source": "organisation",
    }
    assert enrichers(client, other_org)["subjects.demo"]["enabled"] is False  # another organisation is untouched

    bad = client.patch("/enrichers/subjects.demo", json={"params": {"limit": 0}}, headers=org.headers("admin"))
    assert (
        bad.status_code == 422
        and "limit" in bad.json()["detail"]
        and "greater than or equal to 1" in bad.json()["detail"]
    )
    bad = client.patch("/enrichers/subjects.demo", json={"params": {"limt": 3}}, headers=org.headers("admin"))
    assert bad.status_code == 422 and "limt" in bad.json()["detail"]
    bad = client.put("/config/enrichers", json={"enabled": ["ner", "magic"]}, headers=org.headers("admin"))
    assert bad.status_code == 422 and "unknown enricher 'magic'" in bad.json()["detail"]
    assert client.get("/config/enrichers", headers=org.headers()).json()["enabled"] == [
        "link.creators",
        "subjects.demo",
    ]

    client.post(
        "/collections/c/ingest",
        headers=org.headers(),
        files={"file": ("r.jsonl", b'{"source_id": "1", "title": "Suikerplantage aan de Commewijne"}\n')},
    )
    job = client.post("/jobs", json={"collection": "c"}, headers=org.headers()).json()
    assert job["params"]["enrichers"] == ["link.creators", "subjects.demo"]
    assert job["params"]["params"]["subjects.demo"] == {"limit": 2}
    job = wait(client, org, job["id"])
    assert job["status"] == "done", job
    subjects = session.scalars(select(Suggestion).where(Suggestion.enricher == "subjects.demo")).all()
    assert 1 <= len(subjects) <= 2

    reset = client.delete("/config/enrichers", headers=org.headers("admin"))
    assert reset.status_code == 200 and reset.json() == {
        "enabled": ["link.creators"],
        "params": {},
        "source": "deployment",
    }


def test_a_plugin_is_listed_configured_and_run_without_code_changes(client, org, session, plugin):
    listed = enrichers(client, org)[plugin]
    assert listed["source"] == "verrijk-longest-word" and listed["version"] == "0.1"
    assert listed["description"] == "Tags a record with the longest word of its title."
    assert listed["parameters"]["min_length"]["default"] == 3 and not listed["enabled"]

    r = client.patch(
        f"/enrichers/{plugin}", json={"enabled": True, "params": {"min_length": 6}}, headers=org.headers("admin")
    )
    assert r.status_code == 200 and r.json()["enabled"]
    client.post(
        "/collections/c/ingest",
        headers=org.headers(),
        files={
            "file": (
                "r.jsonl",
                b'{"source_id": "1", "title": "Gezicht op de Waterkant te Paramaribo"}\n'
                b'{"source_id": "2", "title": "Het fort"}\n',
            )
        },
    )
    job = client.post("/jobs", json={"collection": "c", "enrichers": [plugin]}, headers=org.headers()).json()
    assert wait(client, org, job["id"])["status"] == "done"
    tags = session.scalars(select(Suggestion).where(Suggestion.enricher == plugin)).all()
    assert [(t.label, t.enricher_version, t.field) for t in tags] == [
        ("paramaribo", "0.1", "title")
    ]  # "Het fort": none ≥ 6


def test_deployment_file(tmp_path):
    path = tmp_path / "enrichers.toml"
    path.write_text(
        textwrap.dedent("""
        enabled = ["ner", "subjects.iconclass"]
        [params."subjects.iconclass"]
        limit = 3
    """)
    )
    config = read_file(path)
    assert config.enabled == ["ner", "subjects.iconclass"] and config.params_for("subjects.iconclass") == {"limit": 3}
    assert config.params_for("ner")["fields"] == ["title", "description"]
    path.write_text('enabled = ["ner"]\n[params.ner]\nfields = "title"\n')
    with pytest.raises(
        Invalid, match=r"enrichers.toml: parameters of enricher 'ner': fields: Input should be a valid list"
    ):
        read_file(path)
    path.write_text("enabled = [ner]\n")
    with pytest.raises(BadInput, match="enrichers.toml"):
        read_file(path)


def wait(client, org, job_id):
    for _ in range(100):
        job = client.get(f"/jobs/{job_id}", headers=org.headers()).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    return job


def test_the_public_account_lists_what_the_organisation_runs(client, org):
    """The transparency report follows the organisation's configuration, not the deployment's default."""

    def listed():
        body = client.get(f"/organisations/{org.slug}/transparency").json()
        return {e["name"]: e for e in body["enrichers"]}

    assert set(listed()) == {"link.creators"}
    client.patch("/enrichers/subjects.demo", json={"enabled": True}, headers=org.headers("admin"))
    shown = listed()
    assert set(shown) == {"link.creators", "subjects.demo"} and "Iconclass" in shown["subjects.demo"]["model_card"]

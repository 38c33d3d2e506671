"""/search and /records/{id}/similar as a client sees them: results, filters, facets, paging, errors, isolation."""

from __future__ import annotations

import json
import shutil
import zlib

import numpy as np
import pytest
from conftest import make_org

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.demo import ingest_demo
from verrijk.folding import fold_letters
from verrijk.search import service as search_service
from verrijk.search.embed import Embedder
from verrijk.search.evaluate import evaluate, load_queries
from verrijk.search.query import SearchRequest
from verrijk.search.service import SearchService, SearchSettings, page_of
from verrijk.search.sync_state import SyncState
from verrijk.store.db import make_engine, migrate
from verrijk.store.repo import RECORD_COLUMNS, Repo, Scope
from verrijk.store.tables import Record

PROBLEM = "application/problem+json"


class HashEmbedder(Embedder):
    """A tiny bag-of-words model the tests build themselves: instant, deterministic, shares words → near."""

    name, version, dim = "hash", "test", 256

    def __init__(self):
        self.calls = 0

    def _encode(self, texts, is_query):
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in fold_letters(text).split():
                out[row, zlib.crc32(word.encode()) % self.dim] += 1
        return out


@pytest.fixture
def search_app(app):
    everything_inline = SearchSettings(embed_inline_max=10**6)
    app.state.search = SearchService(app.state.settings.data_dir, HashEmbedder(), everything_inline)
    return app


@pytest.fixture
def demo(session, org, search_app):
    repo = Repo(session, Scope(org.id))
    assert ingest_demo(session, repo, "suriname").created == 3668
    return org


def add_records(session, org_id: int, collection: str, rows: list[dict]) -> list[int]:
    repo = Repo(session, Scope(org_id))
    items = [
        {k: row.get(k) for k in RECORD_COLUMNS}
        | {"creator": [], "place": [], "subject": [], "type": [], "extra": {}, "date": "", "description": ""}
        | row
        for row in rows
    ]
    ids = repo.upsert_records(repo.ensure_collection(collection), items).ids
    session.commit()
    return ids


def all_pages(client, headers, **params):
    seen, cursor = [], None
    while True:
        body = client.get("/search", params=params | ({"cursor": cursor} if cursor else {}), headers=headers).json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            return seen, body


def test_search_finds_matches_and_marks_them(client, demo):
    body = client.get("/search", params={"query": "plantages", "mode": "lexical"}, headers=demo.headers()).json()
    assert body["total"] > 100 and len(body["items"]) == 12
    for item in body["items"]:
        assert "<em>" in item["snippet"] and "plantage" in fold_letters(item["title"] + item["description"])
    assert [i["score"] for i in body["items"]] == sorted((i["score"] for i in body["items"]), reverse=True)


def test_filters_and_facets_match_a_brute_force_check(client, demo):
    headers = demo.headers("client")
    everything, _ = all_pages(client, headers, query="plantage", mode="lexical", rows=100)
    filters = ["type:foto", "date:[1900 TO 1930]"]
    got, body = all_pages(
        client, headers, query="plantage", mode="lexical", rows=100, qf=filters, facet=["type", "place", "century"]
    )
    want = [
        i
        for i in everything
        if "foto" in i["type"]
        and i["date_from"] is not None
        and i["date_from"] <= 1930
        and (i["date_to"] or i["date_from"]) >= 1900
    ]
    assert [i["id"] for i in got] == [i["id"] for i in want] and body["total"] == len(want) > 10
    facets = {f["name"]: {v["label"]: v["count"] for v in f["fields"]} for f in body["facets"]}
    assert facets["type"]["foto"] == len(want)
    for place, count in facets["place"].items():
        assert count == sum(place in i["place"] for i in want)
    assert sum(facets["century"].values()) == len(want)


def test_cursor_paging_never_repeats_or_skips(client, demo):
    headers = demo.headers()
    whole, _ = all_pages(client, headers, query="portret van een vrouw", rows=100)
    paged, body = all_pages(client, headers, query="portret van een vrouw", rows=23)
    ids = [i["id"] for i in paged]
    assert len(ids) == len(set(ids)) == body["total"] and ids == [i["id"] for i in whole]


@pytest.mark.parametrize(
    "params, where",
    [
        ({"query": "kaart", "rows": 10000}, "'rows'"),
        ({"query": "kaart", "qf": "colour:red"}, "unknown field 'colour'"),
        ({"query": "kaart", "mode": "fuzzy"}, "'mode'"),
        ({"query": "kaart", "lang": "de"}, "'lang'"),
        ({"query": "kaart", "facet": "colour"}, "'facet'"),
        ({"query": "kaart", "qf": "date:[1800 TO 1700]"}, "ends before it starts"),
        ({"query": "kaart", "qf": "date:long ago"}, "neither a year nor a range"),
        ({"query": "kaart", "cursor": "garbage!"}, "'cursor'"),
    ],
)
def test_bad_parameters_are_clear_400s(client, org, search_app, params, where):
    r = client.get("/search", params=params, headers=org.headers())
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert where in r.json()["detail"]


@pytest.mark.parametrize("params", [{}, {"query": "  "}, {"query": ""}])
def test_a_missing_or_blank_query_is_refused_as_the_schema_says(client, org, params):
    r = client.get("/search", params=params, headers=org.headers())
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "query parameter 'query'" in r.json()["detail"]


def test_a_cursor_only_follows_its_own_query(client, demo):
    first = client.get("/search", params={"query": "kaart"}, headers=demo.headers()).json()
    r = client.get("/search", params={"query": "plantage", "cursor": first["next_cursor"]}, headers=demo.headers())
    assert r.status_code == 400 and "another query" in r.json()["detail"]


@pytest.mark.parametrize("mode", ["lexical", "semantic", "hybrid"])
def test_add_update_delete_keep_results_right(client, session, org, search_app, mode):
    headers = org.headers()
    ids = add_records(
        session,
        org.id,
        "objects",
        [
            {"source_id": "a", "title": "zilveren theepot", "description": "theepot met deksel"},
            {"source_id": "b", "title": "houten stoel", "description": "stoel van mahonie"},
        ],
    )

    def found(query):
        body = client.get("/search", params={"query": query, "mode": mode, "rows": 1}, headers=headers).json()
        return [i["id"] for i in body["items"]]

    assert found("theepot") == [ids[0]]
    add_records(
        session, org.id, "objects", [{"source_id": "c", "title": "koperen kandelaar", "description": "kandelaar"}]
    )
    new_id = session.query(Record.id).filter_by(source_id="c").scalar()
    assert found("kandelaar") == [new_id]
    add_records(session, org.id, "objects", [{"source_id": "a", "title": "porseleinen vaas", "description": "vaas"}])
    assert found("vaas") == [ids[0]]
    if mode == "lexical":  # meaning always has a nearest record; words do not
        assert found("theepot") == []
    session.delete(session.get(Record, ids[1]))
    session.commit()
    assert ids[1] not in found("stoel mahonie")
    stats = search_app.state.search.index_for(org.id)
    assert len(stats.vectors) == len(stats.lexical) == 2


def test_organisations_never_see_each_others_hits(client, session, org, other_org, search_app):
    mine = add_records(session, org.id, "objects", [{"source_id": "x", "title": "zeldzame vlinder"}])
    theirs = add_records(
        session, other_org.id, "objects", [{"source_id": "x", "title": "zeldzame vlinder uit Brazilië"}]
    )
    for who, ids in ((org, mine), (other_org, theirs)):
        for mode in ("lexical", "semantic", "hybrid"):
            body = client.get(
                "/search", params={"query": "zeldzame vlinder", "mode": mode}, headers=who.headers()
            ).json()
            assert [i["id"] for i in body["items"]] == ids
    r = client.get(f"/records/{mine[0]}/similar", headers=other_org.headers())
    assert r.status_code == 404


def test_similar_records_leave_the_record_out(client, demo):
    record = client.get(
        "/search", params={"query": "Portret van een Surinaams meisje", "rows": 1}, headers=demo.headers()
    )
    record_id = record.json()["items"][0]["id"]
    body = client.get(f"/records/{record_id}/similar", params={"rows": 5}, headers=demo.headers()).json()
    assert len(body["items"]) == 5 and record_id not in [i["id"] for i in body["items"]]
    assert client.get(f"/records/{record_id}/similar", params={"rows": 500}, headers=demo.headers()).status_code == 422


def test_every_role_may_search_but_not_anonymously(client, org, search_app):
    for role in ("admin", "cataloger", "volunteer", "client"):
        assert client.get("/search", params={"query": "x"}, headers=org.headers(role)).status_code == 200
    assert client.get("/search", params={"query": "x"}).status_code == 401


def test_unchanged_records_are_never_embedded_again(session, org, settings):
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"voorwerp {i}"} for i in range(30)])
    embedder = HashEmbedder()
    repo = Repo(session, Scope(org.id))
    SearchService(settings.data_dir, embedder=embedder).sync(repo)
    assert embedder.calls == 30
    fresh = SearchService(settings.data_dir, embedder=embedder)  # a restarted server: state read from disk
    assert fresh.sync(repo).added == 0 and fresh.sync(repo, rebuild=True).added == 30
    assert embedder.calls == 30


def test_an_index_saved_in_another_layout_is_rebuilt_not_a_server_error(session, org, settings):
    """A saved lexical index this version cannot read (an older layout, a damaged file) is derived data: the next
    search rebuilds the index from the records, reusing the cached embeddings, instead of failing every search."""
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"voorwerp {i}"} for i in range(30)])
    add_records(session, org.id, "objects", [{"source_id": "x", "title": "een gouden schaal"}])
    embedder, repo = HashEmbedder(), Repo(session, Scope(org.id))
    SearchService(settings.data_dir, embedder=embedder).sync(repo)
    manifest = next(settings.data_dir.rglob("lexical/lexical.json"))
    manifest.write_text(manifest.read_text().replace('"format": 4', '"format": 2'))
    fresh = SearchService(settings.data_dir, embedder=embedder)
    hits = fresh.search(repo, SearchRequest("schaal", mode="lexical"))
    assert [record.title for record, _ in page_of(repo, hits, 0, 5)] == ["een gouden schaal"]
    assert embedder.calls == 31  # rebuilt from the embedding cache, nothing embedded again
    assert '"format": 4' in manifest.read_text()


@pytest.mark.parametrize("large", [True, False])
def test_a_slow_look_at_the_database_is_taken_less_often_when_the_index_is_large(
    session, org, settings, monkeypatch, large
):
    """The fingerprint scans every record (most of a second at a million): a search of a large index takes it at most
    a twentieth of the time, so records written past this process show once the longer interval has passed. A slow
    look at a small index is a busy machine, not its size: it is still taken every `check_seconds`."""
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"voorwerp {i}"} for i in range(3)])
    repo = Repo(session, Scope(org.id))
    monkeypatch.setattr(search_service, "LARGE_INDEX", 3 if large else 4)
    service = SearchService(settings.data_dir, HashEmbedder(), SearchSettings(check_seconds=0))
    assert service.search(repo, SearchRequest("voorwerp", mode="lexical")).total == 3
    index = service.index_for(org.id)
    index.check_cost = 10.0  # as if the last look had taken ten seconds
    add_records(session, org.id, "objects", [{"source_id": "x", "title": "een gouden schaal"}])
    assert service.search(repo, SearchRequest("schaal", mode="lexical")).total == (0 if large else 1)
    index.checked_at -= 201  # twenty times ten seconds later
    assert service.search(repo, SearchRequest("schaal", mode="lexical")).total == 1


def test_a_sync_state_saved_as_a_dictionary_is_read_and_one_of_an_unknown_layout_rebuilt(session, org, settings):
    """state.json as verrijk kept it before the arrays (every record's [marker, collection, text key]) is read as it
    is: nothing indexed or embedded again; a layout this version does not know is rebuilt from the records."""
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"voorwerp {i}"} for i in range(30)])
    embedder, repo = HashEmbedder(), Repo(session, Scope(org.id))
    SearchService(settings.data_dir, embedder=embedder).sync(repo)
    directory = next(settings.data_dir.rglob("records.npz")).parent
    saved = SyncState.load(directory / "records.npz")
    state = json.loads((directory / "state.json").read_text())
    versions = sorted(repo.record_versions())
    assert saved.ids.tolist() == [rid for rid, *_ in versions]
    state.pop("format")
    state["records"] = {
        str(rid): [f"{digest}|{updated.isoformat()}", cid, key.decode()]
        for (rid, cid, digest, updated), key in zip(versions, saved.keys.tolist(), strict=True)
    }
    (directory / "state.json").write_text(json.dumps(state))
    (directory / "records.npz").unlink()
    report = SearchService(settings.data_dir, embedder=embedder).sync(repo)
    assert (report.added, report.updated, report.removed, report.total) == (0, 0, 0, 30)
    (directory / "state.json").write_text(json.dumps({"fingerprint": state["fingerprint"], "format": 99}))
    fresh = SearchService(settings.data_dir, embedder=embedder)
    assert fresh.sync(repo).added == 30 and embedder.calls == 30  # from the embedding cache
    assert json.loads((directory / "state.json").read_text())["format"] == 2


@pytest.fixture(scope="session")
def demo_with_use(tmp_path_factory):
    """The demo collection embedded once per test session with the default model (USE multilingual)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("use"), secret_key="test")
    engine = make_engine(settings.db_url)
    migrate(engine)
    app = create_app(settings)
    session = app.state.sessions()
    org = make_org(session, "demo")
    repo = Repo(session, Scope(org.id))
    ingest_demo(session, repo, "suriname")
    session.commit()
    service = SearchService(settings.data_dir)
    service.sync(repo)
    yield service, repo
    session.close()
    app.state.engine.dispose()
    engine.dispose()
    shutil.rmtree(settings.data_dir, ignore_errors=True)


def test_hybrid_beats_bm25_on_the_query_set(demo_with_use):
    service, repo = demo_with_use
    scores = evaluate(service, repo, load_queries())
    assert scores["hybrid"]["all"]["ndcg@10"] > scores["lexical"]["all"]["ndcg@10"] + 0.1
    # a Dutch collection found with French and English queries: the point of multilingual embeddings
    assert scores["hybrid"]["fr"]["ndcg@10"] > 1.5 * scores["lexical"]["fr"]["ndcg@10"]
    assert scores["hybrid"]["en"]["ndcg@10"] > 1.5 * scores["lexical"]["en"]["ndcg@10"]


def test_a_search_after_a_big_ingest_embeds_in_the_background(client, session, org, app):
    app.state.search = SearchService(app.state.settings.data_dir, HashEmbedder(), SearchSettings(embed_inline_max=10))
    add_records(session, org.id, "objects", [{"source_id": str(i), "title": f"voorwerp {i}"} for i in range(30)])
    body = client.get("/search", params={"query": "voorwerp", "mode": "lexical"}, headers=org.headers()).json()
    assert body["total"] == 30
    index = app.state.search.index_for(org.id)
    index.embedding.join()
    assert len(index.vectors) == 30

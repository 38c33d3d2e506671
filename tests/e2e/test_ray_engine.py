"""`verrijk enrich --engine ray` on a local Ray with 2 CPUs: the same suggestions as the local engine, stored
through the same idempotent path (a repeated run adds none), the job row kept as the local engine keeps it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import ray
from sqlalchemy import select

import verrijk
from verrijk.enrich.distributed import RAY_MISSING, connect
from verrijk.errors import Unavailable
from verrijk.store.db import make_engine, session_factory
from verrijk.store.tables import Collection, Job, Record, Suggestion

ENRICHERS = ("-e", "link.creators", "-e", "dates.edtf")
CREATORS = ("Valck, Gerard", "Eckhout, Albert", "Niemand, Onbekend")
DATES = ("ca. 1890", "17de eeuw", "1763", "circa 1700-1720")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One Ray for the module: 2 CPUs, workers importing this checkout's verrijk."""
    package_root = str(Path(verrijk.__file__).resolve().parents[1])
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": package_root}})
    yield
    ray.shutdown()


def suggestions_of(db_url: str, collection: str) -> list[tuple]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(
                Record.source_id,
                Suggestion.field,
                Suggestion.kind,
                Suggestion.label,
                Suggestion.authority_uri,
                Suggestion.score,
                Suggestion.enricher,
                Suggestion.enricher_version,
                Suggestion.status,
            )
            .join(Record, Record.id == Suggestion.record_id)
            .join(Collection, Collection.id == Record.collection_id)
            .where(Collection.slug == collection)
        ).all()
    engine.dispose()
    return sorted(tuple(r) for r in rows)


def records_of(db_url: str, collection: str) -> list[Record]:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        rows = session.scalars(
            select(Record).join(Collection, Collection.id == Record.collection_id).where(Collection.slug == collection)
        ).all()
    engine.dispose()
    return list(rows)


def last_job(db_url: str) -> Job:
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        job = session.scalars(select(Job).order_by(Job.id.desc()).limit(1)).one()
    engine.dispose()
    return job


def ingest_prints(cli, tmp_path, *slugs: str) -> None:
    path = tmp_path / "prenten.csv"
    lines = ["source_id,title,creator,date"]
    lines += [f'p{i},Prent {i},"{CREATORS[i % 3]}",{DATES[i % 4]}' for i in range(24)]
    path.write_text("\n".join(lines) + "\n")
    for slug in slugs:
        assert cli("ingest", str(path), "-c", slug).exit_code == 0


def test_ray_engine_stores_what_the_local_engine_stores(cli, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VERRIJK_ENRICH_BATCH_SIZE", "5")  # 5 batches over the 2 workers, stored in order
    ingest_prints(cli, tmp_path, "here", "there")
    local = cli("enrich", "-c", "here", *ENRICHERS)
    assert local.exit_code == 0, local.output
    distributed = cli("enrich", "-c", "there", *ENRICHERS, "--engine", "ray")
    assert distributed.exit_code == 0, distributed.output
    expected = suggestions_of(db_url, "here")
    assert len(expected) > 24 and {s[6] for s in expected} == {"link.creators", "dates.edtf"}
    assert suggestions_of(db_url, "there") == expected
    job = last_job(db_url)
    assert (job.status, job.done, job.total, job.result["created"]) == ("done", 24, 24, len(expected))
    assert job.result["after_record_id"] == max(s.id for s in records_of(db_url, "there"))
    assert f"job {job.id} done: {len(expected)} new suggestions" in distributed.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the store path is the one tested on both above
def test_a_repeated_ray_run_adds_nothing(cli, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VERRIJK_ENRICH_BATCH_SIZE", "7")
    ingest_prints(cli, tmp_path, "there")
    first = cli("enrich", "-c", "there", "-e", "dates.edtf", "--engine", "ray")
    stored = suggestions_of(db_url, "there")
    assert first.exit_code == 0 and f"{len(stored)} new suggestions" in first.stdout and len(stored) >= 18
    again = cli("enrich", "-c", "there", "-e", "dates.edtf", "--engine", "ray")
    assert again.exit_code == 0 and "0 new suggestions" in again.stdout
    assert suggestions_of(db_url, "there") == stored


def test_without_ray_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as it does where Ray is not installed
    with pytest.raises(Unavailable) as refused:
        connect(None)
    assert str(refused.value) == RAY_MISSING and "pip install 'verrijk[ray]'" in RAY_MISSING


def test_address_without_the_ray_engine_and_ray_client_are_bad_input(cli):
    r = cli("enrich", "-c", "x", "--address", "auto")
    assert r.exit_code == 2 and "--address is for --engine ray" in r.stderr
    client = cli("enrich", "-c", "x", "--engine", "ray", "--address", "ray://head:10001")
    assert client.exit_code == 2 and "Ray Data does not run through Ray Client" in client.stderr

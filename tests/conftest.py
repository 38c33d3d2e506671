"""Shared fixtures: every store-backed test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from VERRIJK_TEST_DATABASE_URL (set by .ci/run, which starts a server). Without it the
PostgreSQL half is skipped locally, and fails under CI=true so that CI can never pass on SQLite alone.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from verrijk.app import create_app
from verrijk.config import Settings
from verrijk.store.accounts import create_api_key, ensure_organisation
from verrijk.store.counters import PG_TABLES
from verrijk.store.db import make_engine, migrate
from verrijk.store.tables import Base

FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = ("audio_material",)  # session fixtures: generated speech, the Whisper model
PG_URL = os.environ.get("VERRIJK_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "verrijk.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but VERRIJK_TEST_DATABASE_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("VERRIJK_TEST_DATABASE_URL not set: PostgreSQL half skipped (it runs in .ci/run)")
    name = f"verrijk_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_psycopg(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "verrijk.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text(f"DROP TABLE IF EXISTS {', '.join(PG_TABLES)}"))  # shared counters: a test's own
    engine.dispose()
    return url


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key="test-secret",
        base_url="http://testserver",
        enrichers=["link.creators"],  # cheap: tests that need the text pipeline ask for it by name
    )


@pytest.fixture
def app(settings):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def session(app):
    s = app.state.sessions()
    yield s
    s.close()


@dataclass
class Org:
    id: int
    slug: str
    keys: dict[str, str]

    def headers(self, role: str = "cataloger") -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


def make_org(session, slug: str) -> Org:
    org = ensure_organisation(session, slug, slug.title())
    keys = {
        role: create_api_key(session, org, role, f"{slug}-{role}")[0]
        for role in ("admin", "cataloger", "volunteer", "client")
    }
    session.commit()
    return Org(org.id, org.slug, keys)


@pytest.fixture
def org(session) -> Org:
    return make_org(session, "museum-a")


@pytest.fixture
def other_org(session) -> Org:
    return make_org(session, "archive-b")


@pytest.fixture
def client(app) -> TestClient:
    with TestClient(app) as c:
        yield c


DEMO_DIR = Path(__file__).parents[1] / "src" / "verrijk" / "demo"


def snapshot(session, org_id: int) -> dict[str, str]:
    """source_id -> content hash of every record of an organisation: what 'the store' holds."""
    from sqlalchemy import select

    from verrijk.store.tables import Record

    session.expire_all()
    rows = session.execute(select(Record.source_id, Record.content_hash).where(Record.organisation_id == org_id))
    return {source_id: digest for source_id, digest in rows}


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """The verrijk command line against this test's database, after `verrijk init --org museum` (no GeoNames)."""
    from typer.testing import CliRunner

    from verrijk.cli import app

    monkeypatch.setenv("VERRIJK_DATABASE_URL", db_url)
    monkeypatch.setenv("VERRIJK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VERRIJK_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    assert invoke("init", "--org", "museum", "--no-geonames").exit_code == 0
    return invoke


@pytest.fixture
def shipped_creators(session) -> None:
    """The shipped VKC creators authority in the store, as `verrijk init` loads it: link.creators reads it."""
    from verrijk.enrich.text.linking.shipped import register_shared

    register_shared(session, geonames=False)
    session.commit()

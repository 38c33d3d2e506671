"""Commands that set verrijk up and run it: version, init, serve, and demo (all of it in one go)."""

from __future__ import annotations

import os
import socket
import sys

import typer
from sqlalchemy.orm import Session

from verrijk import __version__, logs
from verrijk.cli.common import open_session, out, progress_bar
from verrijk.cli.enrich import Engine, enrich_cmd
from verrijk.cli.ingest import print_report
from verrijk.cli.search import index_cmd
from verrijk.config import Settings
from verrijk.demo import MEDIA_COLLECTIONS, ingest_demo, ingest_media_demo, runnable
from verrijk.domain import CC0, COPYRIGHT_NOT_EVALUATED
from verrijk.errors import Conflict
from verrijk.store.accounts import (
    create_api_key,
    ensure_organisation,
    list_api_keys,
    organisation_by_slug,
    revoke_api_key,
)
from verrijk.store.repo import Repo, Scope
from verrijk.store.tables import Organisation

DEMO_ORG = "demo"
DEMO_COLLECTION = "rijksmuseum-suriname"
HOST_HELP = "address to listen on (0.0.0.0: every interface)"
DEMO_KEY_USER, DEMO_KEY_NAME = "demo-cataloger", "make demo"  # who holds the key the demo prints, and its name
# How long uvicorn waits for a worker to answer its health check before killing it as hung (its default, 5 s, kills
# a worker whose garbage collector or OS scheduling stalls that long, e.g. building the GeoNames index under load)
WORKER_HEALTHCHECK_S = 60


def version() -> None:
    """Print verrijk's version."""
    out.print(__version__)


def init(
    org: str = typer.Option(DEMO_ORG, "--org", help="organisation to create"),
    name: str = typer.Option("", help="organisation's display name"),
    geonames: bool = typer.Option(True, "--geonames/--no-geonames", help="load the shipped GeoNames places (~20 s)"),
) -> None:
    """Create or upgrade the database in the data directory and make sure an organisation exists."""
    from verrijk.enrich.text.linking.shipped import register_shared

    with open_session(create=True) as session:
        organisation = ensure_organisation(session, org, name or None)
        register_shared(session, geonames=geonames)
        session.commit()
        out.print(f"database ready: {Settings().db_url}; organisation [bold]{organisation.slug}[/]")


def serve(
    host: str = typer.Option("127.0.0.1", help=HOST_HELP),
    port: int = typer.Option(8000, help="port to listen on"),
    reload: bool = typer.Option(False, help="restart when the code changes (development)"),
    workers: int = typer.Option(
        1, min=1, help="worker processes (PostgreSQL, or SQLite in WAL mode with one writer at a time)"
    ),
) -> None:
    """Serve the API and web pages (on http://HOST:PORT unless VERRIJK_BASE_URL says where the public reaches it)."""
    import uvicorn

    if "VERRIJK_BASE_URL" not in os.environ:  # records' persistent URIs name this server, not the default port
        public = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["VERRIJK_BASE_URL"] = f"http://{f'[{public}]' if ':' in public else public}:{port}"
    with open_session(create=True):
        pass
    if not Settings().session_secret:  # made once here, before the workers start, so that they all sign cookies alike
        raise typer.Exit(1)
    uvicorn.run(
        "verrijk.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        **logs.UVICORN,
    )


def media_demo() -> None:
    """The demo's media collections (open photos, rendered index cards), each enriched by its image enrichers."""
    settings = Settings()
    for slug, records_file, attrs, enrichers in MEDIA_COLLECTIONS:
        with open_session() as session:
            repo = Repo(session, Scope(organisation_by_slug(session, DEMO_ORG).id))
            report = ingest_media_demo(
                session, repo, slug, records_file, default_rights=CC0, metadata_license=CC0, public=True, **attrs
            )
            print_report(report, False)
            names, problems = runnable(repo, settings, enrichers)
        for problem in problems:
            out.print(f"[yellow]skipped: {problem}[/]", highlight=False)
        if names:
            demo_enrich(slug, names)


def demo_key(session: Session, organisation: Organisation) -> str:
    """A new cataloger key for the demo to print; the keys earlier runs printed are revoked (a key is stored only as
    its hash, so none can be printed again), so that reruns do not pile up keys that work."""
    for key in list_api_keys(session, organisation.id):
        if (key.username, key.name, key.revoked_at) == (DEMO_KEY_USER, DEMO_KEY_NAME, None):
            revoke_api_key(session, organisation.id, key.id)
    raw, _ = create_api_key(session, organisation, "cataloger", DEMO_KEY_USER, DEMO_KEY_NAME)
    return raw


def demo_enrich(collection: str, enrichers: list[str] | None) -> None:
    """Enrich a demo collection in this process, skipping what an earlier run enriched the same way."""
    enrich_cmd(
        collection=collection,
        enricher=enrichers,
        resume=None,
        engine=Engine.local,
        address=None,
        skip_enriched=True,
        org=DEMO_ORG,
    )


def port_free(host: str, port: int) -> None:
    """Conflict unless a server could listen on host:port (bound as uvicorn binds, then let go)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Conflict(
                f"cannot serve on {host}:{port} ({exc.strerror}): stop what uses it, or pass --port "
                "(make demo PORT=8123)"
            ) from exc


def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="serve the API and web UI afterwards"),
    host: str = typer.Option("127.0.0.1", help=HOST_HELP),
    port: int = typer.Option(8000, help="port to serve on (checked before the setting up starts)"),
) -> None:
    """Set up the demo: organisation, the Rijksmuseum Suriname collection, enrichers, a cataloger key; then serve."""
    if serve_after:
        port_free(host, port)  # now, not after minutes of setting up
    init(org=DEMO_ORG, name="verrijk demo", geonames=True)
    with open_session() as session:
        organisation = organisation_by_slug(session, DEMO_ORG)
        repo = Repo(session, Scope(organisation.id))
        with progress_bar() as progress:
            task = progress.add_task("ingest demo collection", total=None)
            report = ingest_demo(
                session,
                repo,
                DEMO_COLLECTION,
                lambda done, total: progress.update(task, completed=done, total=total),
                name="Rijksmuseum – Suriname",
                default_rights=COPYRIGHT_NOT_EVALUATED,
                metadata_license=CC0,
                description="Objecten uit het Rijksmuseum die met Suriname verbonden zijn.",
                attribution="Metadata: Rijksmuseum, Amsterdam (CC0), via the Suriname Time Machine project.",
                public=True,
            )
        print_report(report, False)
        raw = demo_key(session, organisation)
        session.commit()
    demo_enrich(DEMO_COLLECTION, None)
    media_demo()
    index_cmd(rebuild=False, collection=None, org=DEMO_ORG)
    out.print(f"\n[bold]verrijk demo[/] on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    out.print(f"cataloger API key: [bold]{raw}[/]", soft_wrap=True)
    out.print(
        f"try: curl -H 'X-API-Key: {raw}' 'http://{host}:{port}/records?limit=5'", soft_wrap=True, highlight=False
    )
    sys.stdout.flush()
    if serve_after:
        serve(host=host, port=port, reload=False, workers=1)

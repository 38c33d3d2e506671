"""The composition root: one FastAPI application with the API routers, the web pages, each side's error rendering,
the database and the middleware, made from Settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from verrijk import __version__, logs
from verrijk.api import errors as api_errors
from verrijk.api import openapi as api_openapi
from verrijk.api.balance import SpreadConnections
from verrijk.api.cache import ResultCache
from verrijk.api.lanes import Lane
from verrijk.api.limits import BodySizeLimit, JsonDepthLimit
from verrijk.api.routers import (
    annotations,
    authorities,
    calibration,
    collections,
    docs,
    enrich,
    enrichers,
    health,
    jobs,
    keys,
    ldes,
    media,
    models,
    oai,
    organisations,
    previews,
    privacy,
    reconcile,
    records,
    review,
    search,
    suggestions,
    tasks,
)
from verrijk.config import Settings
from verrijk.enrich.jobs import Recovery
from verrijk.enrich.text.service import TextProcesses
from verrijk.store.accounts import AUTH_TABLES, KeyCache
from verrijk.store.counters import CACHED_TABLES, SharedWindow, announce_changes, open_counters
from verrijk.store.db import make_engine, session_factory, watch_writes
from verrijk.web import errors as web_errors
from verrijk.web import routes as web_routes
from verrijk.web.routes import STATIC_DIR
from verrijk.web.security import SecurityHeaders

DESCRIPTION = """Metadata enrichment for heritage collections. Authenticate with an `X-API-Key` header
(`verrijk keys create --role cataloger`). Errors are RFC 9457 problem details."""


KEY_USAGE_SECONDS = 60  # how often the server writes when keys were last used
log = logging.getLogger(__name__)


def _write_key_usage(app: FastAPI) -> None:
    with app.state.sessions() as session:
        app.state.keys.flush(session)
        session.commit()


async def _key_usage_writer(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(KEY_USAGE_SECONDS)
        try:
            await run_in_threadpool(_write_key_usage, app)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the loop; the next round retries
            log.exception("writing when API keys were last used failed")


def _records_changed(app: FastAPI) -> None:
    """This process wrote records: its search indexes check their fingerprints on the next search."""
    search = getattr(app.state, "search", None)
    if search is not None:
        search.changed()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, enrichment jobs a crashed process left behind are resumed (enrich.jobs.Recovery) and
    when API keys were last used is written every minute (and at the end) instead of on the request path; at the end
    the text pipeline's processes (POST /enrich) stop."""
    recovery = Recovery(app.state.sessions, app.state.settings).start()
    writer = asyncio.create_task(_key_usage_writer(app))
    yield
    writer.cancel()
    with suppress(asyncio.CancelledError):
        await writer
    await run_in_threadpool(_write_key_usage, app)
    recovery.stop()
    if app.state.text_processes is not None:
        app.state.text_processes.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.ensure_data_dir()
    app = FastAPI(
        title="verrijk", version=__version__, description=DESCRIPTION, lifespan=_lifespan, docs_url=None, redoc_url=None
    )  # api/routers/docs.py serves /docs and /redoc without a CDN
    app.state.settings = settings
    app.state.engine = make_engine(settings.db_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.keys = KeyCache(settings.key_cache_seconds)
    watch_writes(app.state.engine, AUTH_TABLES, app.state.keys.clear)
    watch_writes(app.state.engine, {"records"}, lambda: _records_changed(app))
    # shared by the server's worker processes (on PostgreSQL: by every machine's)
    counters = open_counters(app.state.engine, settings.data_dir)
    app.state.rate_limiter = SharedWindow(counters, "requests", 60)
    app.state.login_failures = SharedWindow(counters, "logins", settings.login_window_minutes * 60)
    # processor-heavy work in lanes of bounded concurrency (api/lanes.py): searches and listings, synchronous enrichment
    searching = Lane("search", settings.lane_search_threads, settings.lane_search_queue, "VERRIJK_LANE_SEARCH_QUEUE")
    processes = settings.lane_enrich_processes
    app.state.text_processes = TextProcesses(processes) if processes > 0 else None
    app.state.enriching = Lane(
        "enrichment", processes or settings.lane_enrich_threads, settings.lane_enrich_queue, "VERRIJK_LANE_ENRICH_QUEUE"
    )
    app.state.results = ResultCache(
        counters, int(settings.result_cache_mb * 1e6), settings.result_cache_seconds, searching
    )
    watch_writes(app.state.engine, set(CACHED_TABLES), app.state.results.changed, by_organisation=True)
    announce_changes(app.state.engine, counters)
    api_errors.install(app)
    web_errors.install(app)  # after the API's: it hands every error but a browser's missing sign-in back to it
    for router in (
        health.router,
        collections.router,
        records.router,
        jobs.router,
        suggestions.router,
        oai.router,
        organisations.router,
        annotations.router,
        ldes.router,
        authorities.router,
        review.router,
        calibration.router,
        tasks.router,
        search.router,
        enrich.router,
        media.router,
        previews.router,
        enrichers.router,
        models.router,
        reconcile.router,
        keys.router,
        privacy.router,
        docs.router,
    ):
        app.include_router(router, responses=api_errors.PROBLEM_RESPONSES)
    api_openapi.install(app)
    app.include_router(web_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="verrijk_session",
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["*"],
        )
    app.add_middleware(JsonDepthLimit, max_depth=settings.max_json_depth)
    app.add_middleware(
        BodySizeLimit, max_upload=int(settings.max_upload_mb * 1e6), max_other=int(settings.max_json_mb * 1e6)
    )
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))
    app.add_middleware(SpreadConnections, every=settings.keepalive_requests)
    logs.install(app, settings)
    return app

"""Batch enrichment on Ray (`verrijk enrich --engine ray`): the same enrichers and store path, on many processes.

The driver splits the job's remaining records into batches of ids; a `ray.data` pipeline hands them to a pool of
actors. Each actor opens the store once, builds the job's enrichers once (exactly as the local engine does, from
the plan fixed on the job with the organisation's configuration), then reads each batch's records and proposes
their suggestions. The results come back in record order and the driver stores them through the same
idempotent path as the local engine (pipeline.drive), committing the job's position with every batch: one
writer (SQLite allows no other), a resumed or repeated run adds nothing already stored, and a cancel stops it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import verrijk
from verrijk.config import Settings
from verrijk.enrich.config import build
from verrijk.enrich.pipeline import Batch, Batches, items_of, propose
from verrijk.errors import BadInput, Unavailable
from verrijk.store.db import make_engine, session_factory
from verrijk.store.repo import Repo, Scope

RAY_MISSING = "the Ray engine needs Ray: pip install 'verrijk[ray]' (ray[data]==2.60.0), or use --engine local"
NO_CLIENT = (
    "Ray Data does not run through Ray Client (ray://): start the command on a node of the cluster "
    "(`ray start --address=HEAD:6379 --num-cpus=0`, then --address auto)"
)


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the pipeline below; a Ray without its data library cannot run it
    except ImportError:
        raise Unavailable(RAY_MISSING) from None
    return ray


def connect(address: str | None) -> Any:
    """Ray, connected: to the cluster this machine is a node of (`address` auto, or the head's host:6379), or
    without an address to the Ray `ray start` runs here, else to a local one started here. Returns the ray module;
    BadInput for a ray:// address (Ray Client), under which Ray Data's executor cannot run."""
    if address and address.startswith("ray://"):
        raise BadInput(NO_CLIENT)
    ray = _ray()
    if not ray.is_initialized():
        if address:
            ray.init(address=address, logging_level="WARNING")
        else:  # local workers import the same verrijk as this process, an installed one or a checkout
            package_root = str(Path(verrijk.__file__).resolve().parents[1])
            ray.init(
                include_dashboard=False,
                logging_level="WARNING",
                runtime_env={"env_vars": {"PYTHONPATH": package_root}},
            )
    return ray


class EnrichActor:
    """One Ray worker: a store session and the job's enrichers, built once, proposing for batch after batch."""

    def __init__(self, settings: dict[str, Any], organisation_id: int, plan: dict[str, dict[str, Any]]):
        self.settings = Settings(**settings)
        self.engine = make_engine(self.settings.db_url)
        self.session = session_factory(self.engine)()
        self.repo = Repo(self.session, Scope(organisation_id))
        self.enrichers = build(self.repo, self.settings, plan)
        self.org_settings = self.repo.organisation().settings or {}
        self.session.rollback()  # no read transaction held open between batches

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        last, payloads = [], []
        for ids in batch["ids"]:
            found = self.repo.records_by_id([int(i) for i in ids], media=True)
            items = [item for record_id in sorted(found) for item in items_of(found[record_id])]
            rows, outcome = propose(items, self.enrichers, self.org_settings, self.settings.enrich_timeout_s)
            self.session.rollback()
            last.append(int(max(ids)))
            payloads.append(pickle.dumps((rows, outcome)))
        return {"last_record_id": last, "payload": payloads}


def ray_batches(
    repo: Repo,
    collection_id: int,
    plan: dict[str, dict[str, Any]],
    settings: Settings,
    batch_size: int,
    address: str | None = None,
    workers: int | None = None,
) -> Batches:
    """A job's batches enriched by `workers` Ray actors (default: one per CPU of the cluster), in record order."""
    ray = connect(address)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # the job's position moves over whole batches, in order
    context.enable_progress_bars = False  # the caller shows the job's progress
    # the actors' store is this one; a relative SQLite path or data dir would mean another one in a worker
    actor_settings = settings.model_dump(mode="json") | {
        "database_url": settings.db_url,
        "data_dir": str(settings.data_dir.resolve()),
    }
    pool = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))

    def batches(after: int) -> Iterator[Batch]:
        ids = repo.record_ids_after(collection_id, after)
        repo.session.commit()  # nothing held open while the workers read
        if not ids:
            return
        chunks = [{"ids": ids[i : i + batch_size]} for i in range(0, len(ids), batch_size)]
        enriched = ray.data.from_items(chunks, override_num_blocks=len(chunks)).map_batches(
            EnrichActor,
            fn_constructor_kwargs={"settings": actor_settings, "organisation_id": repo.org_id, "plan": plan},
            batch_size=1,
            concurrency=min(pool, len(chunks)),
            num_cpus=1,
        )
        for row in enriched.iter_rows():
            rows, outcome = pickle.loads(row["payload"])
            yield Batch(int(row["last_record_id"]), rows, outcome)

    return batches

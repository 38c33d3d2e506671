"""The verrijk command line: thin wrappers over the same store and service functions the API uses."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from verrijk import __version__
from verrijk.config import Settings
from verrijk.demo import ingest_demo
from verrijk.domain import CC0, COPYRIGHT_NOT_EVALUATED
from verrijk.enrich.jobs import create_enrich_job, execute, resume_job
from verrijk.export.annotations import collection_page, feedback, import_annotations, iter_annotations, to_csv
from verrijk.ingest.base import IngestError, Mapping
from verrijk.ingest.service import FORMATS, ingest
from verrijk.store.accounts import (
    AccountError,
    create_api_key,
    ensure_organisation,
    organisation_by_slug,
    set_membership,
    set_password,
)
from verrijk.store.db import make_engine, migrate, session_factory
from verrijk.store.repo import RECORD_COLUMNS, NotFound, RecordFilter, Repo, Scope, authority_load
from verrijk.store.tables import Organisation

app = typer.Typer(
    help="verrijk: metadata enrichment for heritage collections.", no_args_is_help=True, pretty_exceptions_enable=False
)
records_app = typer.Typer(help="List and show records.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
orgs_app = typer.Typer(help="Manage organisations.", no_args_is_help=True)
users_app = typer.Typer(help="Manage people who sign in to the web pages.", no_args_is_help=True)
app.add_typer(users_app, name="users")
jobs_app = typer.Typer(help="List jobs.", no_args_is_help=True)
authorities_app = typer.Typer(help="Load and list vocabularies to link to.", no_args_is_help=True)
export_app = typer.Typer(help="Export decided suggestions.", no_args_is_help=True)
import_app = typer.Typer(help="Import suggestions made elsewhere.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate models on labelled data; prints JSON metrics.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
app.add_typer(authorities_app, name="authority")
app.add_typer(records_app, name="records")
app.add_typer(keys_app, name="keys")
app.add_typer(orgs_app, name="orgs")
app.add_typer(jobs_app, name="jobs")

out = Console()
err = Console(stderr=True)
DEMO_ORG = "demo"
DEMO_COLLECTION = "rijksmuseum-suriname"

OrgOption = typer.Option(None, "--org", envvar="VERRIJK_ORG", help="organisation slug (default: the only one)")


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def open_session(create: bool = False) -> Iterator[Session]:
    settings = Settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.db_url)
    if create:
        migrate(engine)
    session = session_factory(engine)()
    try:
        yield session
    except (AccountError, NotFound, IngestError) as exc:
        session.rollback()
        fail(str(exc))
    finally:
        session.close()
        engine.dispose()


def resolve_org(session: Session, slug: str | None) -> Organisation:
    if slug:
        return organisation_by_slug(session, slug)
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.slug)))
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        fail("no organisation exists yet: run `verrijk init` first")
    fail(f"there are several organisations ({', '.join(o.slug for o in orgs)}): pass --org")
    raise AssertionError  # unreachable: fail exits


@app.command()
def version() -> None:
    """Print verrijk's version."""
    out.print(__version__)


@app.command()
def init(
    org: str = typer.Option(DEMO_ORG, "--org", help="organisation to create"),
    name: str = typer.Option("", help="organisation's display name"),
    geonames: bool = typer.Option(True, "--geonames/--no-geonames", help="load the shipped GeoNames places (~20 s)"),
) -> None:
    """Create or upgrade the database in the data directory and make sure an organisation exists."""
    with open_session(create=True) as session:
        organisation = ensure_organisation(session, org, name or None)
        register_shared_authorities(session, geonames=geonames)
        session.commit()
        out.print(f"database ready: {Settings().db_url}; organisation [bold]{organisation.slug}[/]")


def register_shared_authorities(session: Session, geonames: bool = False) -> dict[str, int]:
    """The authorities every organisation may read, shipped with verrijk: vkc-creators always, GeoNames places
    (235,000 entries, ~20 s) when asked. Loads entries only when missing or changed; the caller commits."""
    from verrijk.enrich.text.linking.shipped import register_shared

    return register_shared(session, geonames=geonames)


@authorities_app.command("add")
def authorities_add(
    name: str,
    file: Path,
    format: str | None = typer.Option(
        None, "--format", "-f", help="turtle, xml, json-ld, nt, csv, tsv, geonames or wikidata; told by the suffix"
    ),
    label: str = typer.Option("", help="display name"),
    license: str | None = typer.Option(None, help="licence URI of the vocabulary"),
    shared: bool = typer.Option(False, "--shared", help="let every organisation read it"),
    org: str | None = OrgOption,
) -> None:
    """Load a vocabulary file (SKOS, CSV/TSV, GeoNames dump, Wikidata JSON lines) as an authority to link to;
    private unless --shared. Adding a name again replaces its entries."""
    import hashlib

    from verrijk.enrich.text.linking.loaders import FORMATS, detect_format, load
    from verrijk.enrich.text.linking.model import AuthorityFormatError
    from verrijk.enrich.text.linking.shipped import SHIPPED_VERSION

    if not file.is_file():
        fail(f"{file} is not a file")
    if format and format not in FORMATS:
        fail(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        try:
            fmt = format or detect_format(file)
            digest = hashlib.sha256(f"{SHIPPED_VERSION}|{fmt}|".encode() + file.read_bytes()).hexdigest()
            _, count = repo.load_authority(
                name, load(file, fmt), digest, fmt, label or name, str(file.resolve()), license, shared
            )
        except AuthorityFormatError as exc:
            session.rollback()
            fail(str(exc))
        session.commit()
        visibility = "shared" if shared else "private"
        out.print(f"authority {name} registered ({visibility}): {count} entries", highlight=False)
        if not count:
            err.print(f"warning: {file} holds no entries", highlight=False)


@authorities_app.command("list")
def authorities_list(org: str | None = OrgOption) -> None:
    """List the authorities an organisation may link to, with their entry counts."""
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        table = Table("name", "label", "owner", "entries", "licence")
        for a in repo.authorities():
            load = authority_load(session, a)
            owner = "shared" if a.organisation_id is None else ("own" if a.organisation_id == repo.org_id else "other")
            table.add_row(a.name, a.label, owner, str(load.entries if load else 0), a.license or "–")
        out.print(table)


@orgs_app.command("create")
def orgs_create(
    slug: str,
    name: str = typer.Option("", help="display name"),
    quota_records: int | None = typer.Option(None, help="most records it may store"),
    quota_jobs: int | None = typer.Option(None, help="most jobs queued or running at once"),
    quota_rpm: int | None = typer.Option(None, help="most API requests a minute"),
) -> None:
    """Create an organisation (or update its quotas)."""
    with open_session(create=True) as session:
        org = ensure_organisation(session, slug, name or None)
        org.quota_records, org.quota_jobs, org.quota_requests_per_minute = quota_records, quota_jobs, quota_rpm
        session.commit()
        out.print(f"organisation {org.slug} ready")


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations."""
    with open_session() as session:
        table = Table("slug", "name", "quota records", "quota jobs", "quota rpm")
        for o in session.scalars(select(Organisation).order_by(Organisation.slug)):
            table.add_row(
                o.slug,
                o.name,
                *(
                    str(v) if v is not None else "–"
                    for v in (o.quota_records, o.quota_jobs, o.quota_requests_per_minute)
                ),
            )
        out.print(table)


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(..., help="admin, cataloger, volunteer or client"),
    org: str | None = OrgOption,
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="at least 10 characters (asked when left out)"
    ),
) -> None:
    """Add a person who signs in to the web pages with name and password, with a role in an organisation."""
    with open_session() as session:
        organisation = resolve_org(session, org)
        user = set_password(session, username, password)
        set_membership(session, user, organisation, role)
        session.commit()
        out.print(f"{username} can sign in as {role} at {organisation.slug}")


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="admin, cataloger, volunteer or client"),
    org: str | None = OrgOption,
    user: str | None = typer.Option(None, help="user name (created when new)"),
    name: str = typer.Option("", help="what the key is for"),
) -> None:
    """Create an API key and print it (it is shown once; only its hash is stored)."""
    with open_session() as session:
        raw, _ = create_api_key(session, resolve_org(session, org), role, user, name)
        session.commit()
        print(raw)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@app.command("ingest")
def ingest_cmd(
    path: str = typer.Argument(..., help="a file (CSV/TSV, JSONL, OAI-PMH XML, IIIF manifest) or an OAI-PMH base URL"),
    collection: str = typer.Option(..., "--collection", "-c", help="collection slug (created when new)"),
    format: str | None = typer.Option(
        None, "--format", "-f", help=f"one of {', '.join(FORMATS)}; sniffed when left out"
    ),
    mapping: Path | None = typer.Option(None, help="CSV mapping of columns to fields (field,column,separator,default)"),
    encoding: str = typer.Option("utf-8", help="text encoding of CSV/JSONL input"),
    dry_run: bool = typer.Option(False, "--dry-run", help="read and check everything, store nothing"),
    name: str = typer.Option("", help="collection display name when it is created"),
    default_rights: str | None = typer.Option(None, help="rights statement URI for records that carry none"),
    org: str | None = OrgOption,
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Ingest records into a collection: idempotent, batched, bad records reported and skipped."""
    if format and format not in FORMATS:
        fail(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    with open_session() as session:
        organisation = resolve_org(session, org)
        repo = Repo(session, Scope(organisation.id))
        rules = Mapping.load(mapping) if mapping else None
        attrs = {"default_rights": default_rights} if default_rights else {}
        if name:
            attrs["name"] = name
        with _progress() as progress:
            task = progress.add_task(f"ingest {Path(path).name}", total=None)
            report = ingest(
                session,
                repo,
                collection,
                path,
                fmt=format,
                mapping=rules,
                encoding=encoding,
                dry_run=dry_run,
                batch_size=Settings().ingest_batch_size,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                collection_attrs=attrs,
            )
    print_report(report, json_out)
    if not report.ok:
        raise typer.Exit(1)


def print_report(report, json_out: bool) -> None:
    if json_out:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for reject in report.rejected[:50]:
        err.print(f"rejected {reject}", highlight=False, soft_wrap=True)
    if report.rejected_count > 50:
        err.print(f"… and {report.rejected_count - 50} more rejected (use --json for all)")
    (err if not report.ok else out).print(report.summary(), highlight=False, soft_wrap=True)


@app.command("enrich")
def enrich_cmd(
    collection: str | None = typer.Option(None, "--collection", "-c", help="collection slug"),
    enricher: list[str] | None = typer.Option(None, "--enricher", "-e", help="enricher name (repeatable)"),
    resume: int | None = typer.Option(None, help="job id to resume where it stopped"),
    org: str | None = OrgOption,
) -> None:
    """Run enrichers over a collection as a resumable job (re-running adds nothing already suggested)."""
    if (collection is None) == (resume is None):
        fail("give --collection to start a job, or --resume JOB to continue one")
    settings = Settings()
    with open_session() as session:
        organisation = resolve_org(session, org)
        repo = Repo(session, Scope(organisation.id))
        job = resume_job(repo, resume) if resume else create_enrich_job(repo, collection, enricher, settings)
        with _progress() as progress:
            task = progress.add_task(f"enrich ({', '.join(job.params['enrichers'])})", total=None)
            job = execute(
                session,
                repo.scope,
                job.id,
                settings.enrich_batch_size,
                lambda done, total: progress.update(task, completed=done, total=total),
                settings,
            )
        out.print(
            f"job {job.id} {job.status}: {job.result.get('created', 0)} new suggestions"
            + (
                f", skipped by rights policy: {job.result['skipped_by_rights']}"
                if job.result.get("skipped_by_rights")
                else ""
            ),
            highlight=False,
        )


@export_app.command("annotations")
def export_annotations(
    format: str = typer.Option("jsonld", "--format", "-f", help="jsonld (AnnotationPage), csv, or feedback (JSONL)"),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="file to write (default: standard output)"),
    org: str | None = OrgOption,
) -> None:
    """Export decided suggestions as W3C Web Annotations, CSV, or training feedback."""
    if format not in ("jsonld", "csv", "feedback"):
        fail(f"--format {format!r} is not one of jsonld, csv, feedback")
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        base = Settings().base_url
        if format == "csv":
            text = to_csv(iter_annotations(repo, base))
        elif format == "feedback":
            text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in feedback(repo))
        else:
            page = collection_page(repo, base, 0, 10**9)
            text = json.dumps(page | {"partOf": page["partOf"]}, ensure_ascii=False, indent=2) + "\n"
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"wrote {out_file}")
    else:
        sys.stdout.write(text)


@import_app.command("annotations")
def import_annotations_cmd(file: Path, org: str | None = OrgOption) -> None:
    """Import Web Annotations (an AnnotationPage or a list, as `verrijk export annotations` writes them)."""
    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read annotations from {file}: {exc}")
    items = body.get("items", [body]) if isinstance(body, dict) else body
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        created, present, problems = import_annotations(repo, items)
        session.commit()
    for problem in problems[:20]:
        err.print(f"skipped {problem}", highlight=False)
    out.print(f"{created} imported, {present} already present, {len(problems)} skipped", highlight=False)
    if problems:
        raise typer.Exit(1)


@records_app.command("list")
def records_list(
    collection: str | None = typer.Option(None, "--collection", "-c"),
    q: str | None = typer.Option(None, help="words in title or description"),
    limit: int = typer.Option(20, min=1, max=1000),
    cursor: str | None = None,
    org: str | None = OrgOption,
    json_out: bool = typer.Option(False, "--json", help="print JSON lines"),
) -> None:
    """List records, newest id last, with a cursor for the next page."""
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        try:
            page = repo.records(RecordFilter(collection=collection, q=q), limit=limit, cursor=cursor)
        except ValueError as exc:
            fail(str(exc))
        if json_out:
            for r in page.items:
                print(json.dumps(_record_dict(r), ensure_ascii=False))
        else:
            table = Table("id", "source id", "title", "creator", "date", title=f"{page.total} records")
            for r in page.items:
                table.add_row(str(r.id), r.source_id, r.title[:70], ", ".join(r.creator)[:40], r.date)
            out.print(table)
        if page.next_cursor:
            err.print(f"next page: --cursor {page.next_cursor}")


@records_app.command("show")
def records_show(record_id: int, org: str | None = OrgOption) -> None:
    """Show one record as JSON."""
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        print(json.dumps(_record_dict(repo.record(record_id)), ensure_ascii=False, indent=2))


def _record_dict(r) -> dict:
    keys = ("id", "source_id", *RECORD_COLUMNS)
    return {k: getattr(r, k) for k in keys} | {"media": [m.url for m in r.media]}


@app.command("index")
def index_cmd(
    rebuild: bool = typer.Option(
        False, "--rebuild", help="drop the indexes and build them anew (cached vectors are kept)"
    ),
    collection: str | None = typer.Option(None, "--collection", "-c", help="only this collection's records"),
    org: str | None = OrgOption,
) -> None:
    """Bring the search indexes in step with the records, embedding only text not embedded before."""
    from verrijk.search.service import SearchService

    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        with _progress() as progress:
            task = progress.add_task("embed records", total=None)
            report = SearchService(Settings().data_dir).sync(
                repo, rebuild, collection, lambda done, total: progress.update(task, completed=done, total=total)
            )
        out.print(
            f"search index: {report.total} records ({report.added} added, {report.updated} updated, "
            f"{report.removed} removed)"
        )


@app.command("search")
def search_cmd(
    query: str,
    mode: str = typer.Option("hybrid", help="lexical, semantic or hybrid"),
    qf: list[str] | None = typer.Option(None, "--qf", help="filter field:value (repeatable), e.g. date:[1700 TO 1800]"),
    lang: str | None = typer.Option(None, help="language of the query: nl, fr or en"),
    rows: int = typer.Option(10, min=1, max=100),
    org: str | None = OrgOption,
    json_out: bool = typer.Option(False, "--json", help="print JSON lines"),
) -> None:
    """Search records by words and meaning, in Dutch, French or English."""
    from verrijk.search.query import BadRequest, parse_request
    from verrijk.search.service import SearchService

    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        try:
            request = parse_request(query, qf, None, mode, lang, rows)
        except BadRequest as exc:
            fail(str(exc))
        ranking = SearchService(Settings().data_dir).search(repo, request).ranking
        top = ranking[:rows]
        records = repo.records_by_id([rid for rid, _ in top], media=True)
        if json_out:
            for rid, score in top:
                print(json.dumps(_record_dict(records[rid]) | {"score": score}, ensure_ascii=False))
            return
        table = Table("id", "score", "title", "creator", "date", title=f"{len(ranking)} hits ({mode})")
        for rid, score in top:
            r = records[rid]
            table.add_row(str(r.id), f"{score:.3f}", r.title[:70], ", ".join(r.creator)[:40], r.date)
        out.print(table)


@jobs_app.command("list")
def jobs_list(org: str | None = OrgOption, limit: int = 20) -> None:
    """List recent jobs."""
    with open_session() as session:
        repo = Repo(session, Scope(resolve_org(session, org).id))
        table = Table("id", "kind", "status", "done", "total", "updated")
        for j in repo.jobs(limit=limit).items:
            table.add_row(
                str(j.id), j.kind, j.status, str(j.done), str(j.total), j.updated_at.isoformat(timespec="seconds")
            )
        out.print(table)


@eval_app.command("ner")
def eval_ner(
    data: Path = typer.Option(..., "--data", help="CoNLL/BIO file (tag in the last column) or HIPE TSV"),
    lang: str = typer.Option(..., "--lang", help="language whose configured model is scored (nl, fr, en)"),
    model: str | None = typer.Option(None, help="score this model (directory or spaCy package) instead"),
) -> None:
    """Entity-level precision, recall and F1 per type (seqeval, strict IOB2) of a NER model on a labelled file."""
    from verrijk.enrich.text.ner.backends import (
        TYPE_OF_LABEL,
        ModelError,
        SpacyRecogniser,
        load_recogniser,
        word_tagger,
    )
    from verrijk.enrich.text.ner.conll import ConllError, read_conll
    from verrijk.enrich.text.ner.evaluate import evaluate_ner
    from verrijk.enrich.text.ner.hipe import is_hipe, read_hipe

    settings = Settings()
    spec = model or settings.ner_models.get(lang)
    if not spec:
        fail(f"no NER model is configured for language {lang!r} (VERRIJK_NER_MODELS); pass --model")
    if not data.is_file():
        fail(f"{data} is not a file")
    try:
        sentences = read_hipe(data) if is_hipe(data) else read_conll(data)
        recogniser = load_recogniser(spec, settings.models_dir)
    except (ConllError, ModelError) as exc:
        fail(str(exc))
    # the model's own labels (PERSON, GPE, ...) scored as verrijk's types; DATE is not in CoNLL-style sets
    label_map = {label: (kind if kind != "DATE" else None) for label, kind in TYPE_OF_LABEL.items()}
    if isinstance(recogniser, SpacyRecogniser):
        target = recogniser.nlp
    else:
        tag = word_tagger(recogniser)
        target = lambda words: tag([words])[0]  # noqa: E731
    metrics = evaluate_ner(target, sentences, label_map)
    metrics.update(model=f"{recogniser.name}@{recogniser.version}", data=str(data), language=lang)
    out.print_json(json.dumps(metrics))


@eval_app.command("link")
def eval_link(
    data: Path = typer.Option(..., "--data", help="labelled mentions, JSON lines (training/build_link_set.py)"),
    split: str = typer.Option("test", help="train, dev, test or all"),
    country: str | None = typer.Option(
        None, help="collection country (ISO code) for every mention; 'none' leaves it out; default: the file's"
    ),
    authority: list[Path] | None = typer.Option(
        None, "--authority", "-a", help="link against this vocabulary file (repeatable) instead of the shipped ones"
    ),
    min_population: int = typer.Option(500, help="smallest GeoNames place indexed"),
) -> None:
    """Entity linking against the shipped authorities (vkc-creators, geonames) or given files: accuracy on
    linkable mentions, NIL precision/recall, calibration, per type, mentions/s."""
    from verrijk.enrich.text.linking.evaluate import evaluate, read_mentions
    from verrijk.enrich.text.linking.index import AuthorityIndex
    from verrijk.enrich.text.linking.linker import Linker
    from verrijk.enrich.text.linking.loaders import load
    from verrijk.enrich.text.linking.model import AuthorityFormatError
    from verrijk.enrich.text.linking.shipped import geonames_entries, vkc_creator_entries

    if not data.is_file():
        fail(f"{data} is not a file")
    if split not in ("train", "dev", "test", "all"):
        fail(f"--split {split!r} is not one of train, dev, test, all")
    try:
        items = read_mentions(data, split)
        if authority:
            indexes = [AuthorityIndex(path.stem, load(path)) for path in authority]
        else:
            indexes = [
                AuthorityIndex("vkc-creators", vkc_creator_entries()),
                AuthorityIndex("geonames", geonames_entries(min_population)),
            ]
    except AuthorityFormatError as exc:
        fail(str(exc))
    if not items:
        fail(f"{data} has no mentions in split {split!r}")
    override: str | bool = True if country is None else (False if country.lower() == "none" else country.upper())
    metrics = evaluate(Linker(indexes), items, override)
    metrics.update(data=str(data), split=split)
    out.print_json(json.dumps(metrics))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Serve the API and web pages."""
    import uvicorn

    with open_session(create=True):
        pass
    uvicorn.run("verrijk.api.app:create_app", factory=True, host=host, port=port, reload=reload)


@app.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="serve the API and web UI afterwards"),
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Set up the demo: organisation, the Rijksmuseum Suriname collection, enrichers, a cataloger key; then serve."""
    init(org=DEMO_ORG, name="verrijk demo", geonames=True)
    with open_session() as session:
        organisation = organisation_by_slug(session, DEMO_ORG)
        repo = Repo(session, Scope(organisation.id))
        with _progress() as progress:
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
        raw, _ = create_api_key(session, organisation, "cataloger", "demo-cataloger", "make demo")
        session.commit()
    enrich_cmd(collection=DEMO_COLLECTION, enricher=None, resume=None, org=DEMO_ORG)
    index_cmd(rebuild=False, collection=None, org=DEMO_ORG)
    out.print(f"\n[bold]verrijk demo[/] on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    out.print(f"cataloger API key: [bold]{raw}[/]", soft_wrap=True)
    out.print(
        f"try: curl -H 'X-API-Key: {raw}' 'http://{host}:{port}/records?limit=5'", soft_wrap=True, highlight=False
    )
    sys.stdout.flush()
    if serve_after:
        serve(host=host, port=port, reload=False)


if __name__ == "__main__":
    app()

"""`verrijk ingest`: read a collection file or OAI-PMH endpoint into the store, with a report of what was rejected."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from verrijk.cli.common import OrgOption, err, open_repo, out, progress_bar
from verrijk.config import Settings
from verrijk.errors import BadInput
from verrijk.ingest.base import Mapping
from verrijk.ingest.service import FORMATS, IngestReport, ingest


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
        raise BadInput(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    settings = Settings()
    with open_repo(org) as repo:
        rules = Mapping.load(mapping) if mapping else None
        attrs = {"default_rights": default_rights} if default_rights else {}
        if name:
            attrs["name"] = name
        with progress_bar() as progress:
            task = progress.add_task(f"ingest {Path(path).name}", total=None)
            report = ingest(
                repo.session,
                repo,
                collection,
                path,
                fmt=format,
                mapping=rules,
                encoding=encoding,
                dry_run=dry_run,
                batch_size=settings.ingest_batch_size,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                collection_attrs=attrs,
                settings=settings,
            )
    print_report(report, json_out)
    if not report.ok:
        raise typer.Exit(1)  # some records were rejected: the others are stored, the report says which and why


def print_report(report: IngestReport, json_out: bool) -> None:
    """The ingest report: JSON on stdout, or the rejected records and a summary line."""
    if json_out:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for reject in report.rejected[:50]:
        err.print(f"rejected {reject}", highlight=False, soft_wrap=True)
    if report.rejected_count > 50:
        err.print(f"… and {report.rejected_count - 50} more rejected (use --json for all)")
    (err if not report.ok else out).print(report.summary(), highlight=False, soft_wrap=True)

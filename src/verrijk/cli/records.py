"""`verrijk records`: list and show an organisation's records."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from verrijk.cli.common import OrgOption, err, open_repo, out
from verrijk.errors import BadInput
from verrijk.store.repo import RECORD_COLUMNS, RecordFilter
from verrijk.store.tables import Record

app = typer.Typer(help="List and show records.", no_args_is_help=True)


def record_dict(r: Record) -> dict[str, Any]:
    """A record as one JSON object: its fields and the URLs of its media."""
    keys = ("id", "source_id", *RECORD_COLUMNS)
    return {k: getattr(r, k) for k in keys} | {"media": [m.url for m in r.media]}


@app.command("list")
def records_list(
    collection: str | None = typer.Option(None, "--collection", "-c", help="only this collection's records"),
    q: str | None = typer.Option(None, help="words in title or description"),
    limit: int = typer.Option(20, min=1, max=1000, help="how many records to list"),
    cursor: str | None = typer.Option(None, help="where the next page starts, as the page before printed it"),
    org: str | None = OrgOption,
    json_out: bool = typer.Option(False, "--json", help="print JSON lines"),
) -> None:
    """List records, newest id last, with a cursor for the next page."""
    with open_repo(org) as repo:
        try:
            page = repo.records(RecordFilter(collection=collection, q=q), limit=limit, cursor=cursor)
        except ValueError as exc:  # a cursor that is not one
            raise BadInput(str(exc)) from exc
        if json_out:
            for r in page.items:
                print(json.dumps(record_dict(r), ensure_ascii=False))
        else:
            table = Table("id", "source id", "title", "creator", "date", title=f"{page.total} records")
            for r in page.items:
                table.add_row(str(r.id), r.source_id, r.title[:70], ", ".join(r.creator)[:40], r.date)
            out.print(table)
        if page.next_cursor:
            err.print(f"next page: --cursor {page.next_cursor}")


@app.command("show")
def records_show(record_id: int = typer.Argument(..., help="the record's id"), org: str | None = OrgOption) -> None:
    """Show one record as JSON."""
    with open_repo(org) as repo:
        print(json.dumps(record_dict(repo.record(record_id)), ensure_ascii=False, indent=2))

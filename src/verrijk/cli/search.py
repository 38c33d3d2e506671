"""`verrijk index` and `verrijk search`: keep the search indexes in step with the records, and query them."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from verrijk.cli.common import OrgOption, open_repo, out, progress_bar
from verrijk.cli.records import record_dict
from verrijk.config import Settings


def index_cmd(
    rebuild: bool = typer.Option(
        False, "--rebuild", help="drop the indexes and build them anew (cached vectors are kept)"
    ),
    collection: str | None = typer.Option(None, "--collection", "-c", help="only this collection's records"),
    org: str | None = OrgOption,
) -> None:
    """Bring the search indexes in step with the records, embedding only text not embedded before."""
    from verrijk.search.service import SearchService

    with open_repo(org) as repo:
        with progress_bar() as progress:
            task = progress.add_task("embed records", total=None)
            report = SearchService(Settings().data_dir).sync(
                repo, rebuild, collection, lambda done, total: progress.update(task, completed=done, total=total)
            )
        out.print(
            f"search index: {report.total} records ({report.added} added, {report.updated} updated, "
            f"{report.removed} removed)"
        )


def search_cmd(
    query: str = typer.Argument(..., help="the words to search for"),
    mode: str = typer.Option("hybrid", help="lexical, semantic or hybrid"),
    qf: list[str] | None = typer.Option(None, "--qf", help="filter field:value (repeatable), e.g. date:[1700 TO 1800]"),
    lang: str | None = typer.Option(None, help="language of the query: nl, fr or en"),
    rows: int = typer.Option(10, min=1, max=100, help="how many records to show"),
    org: str | None = OrgOption,
    json_out: bool = typer.Option(False, "--json", help="print JSON lines"),
) -> None:
    """Search records by words and meaning, in Dutch, French or English."""
    from verrijk.deps import new_search_service
    from verrijk.search.query import parse_request

    request = parse_request(query, qf, None, mode, lang, rows)
    with open_repo(org) as repo:
        hits = new_search_service(Settings()).search(repo, request)
        top = hits.top(rows)
        records = repo.records_by_id([rid for rid, _ in top], media=True)
        if json_out:
            for rid, score in top:
                print(json.dumps(record_dict(records[rid]) | {"score": score}, ensure_ascii=False))
            return
        table = Table("id", "score", "title", "creator", "date", title=f"{hits.total} hits ({mode})")
        for rid, score in top:
            r = records[rid]
            table.add_row(str(r.id), f"{score:.3f}", r.title[:70], ", ".join(r.creator)[:40], r.date)
        out.print(table)

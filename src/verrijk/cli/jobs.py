"""`verrijk jobs`: list an organisation's ingest and enrichment jobs."""

from __future__ import annotations

import typer
from rich.table import Table

from verrijk.cli.common import OrgOption, open_repo, out

app = typer.Typer(help="List jobs.", no_args_is_help=True)


@app.command("list")
def jobs_list(
    org: str | None = OrgOption, limit: int = typer.Option(20, help="how many of the latest jobs to list")
) -> None:
    """List recent jobs."""
    with open_repo(org) as repo:
        table = Table("id", "kind", "status", "done", "total", "updated")
        for j in repo.jobs(limit=limit).items:
            table.add_row(
                str(j.id), j.kind, j.status, str(j.done), str(j.total), j.updated_at.isoformat(timespec="seconds")
            )
        out.print(table)

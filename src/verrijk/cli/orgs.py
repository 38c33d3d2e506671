"""`verrijk orgs`: create organisations, set their quotas, list them."""

from __future__ import annotations

import typer
from rich.table import Table

from verrijk.cli.common import open_session, out
from verrijk.store.accounts import ensure_organisation, organisations

app = typer.Typer(help="Manage organisations.", no_args_is_help=True)


@app.command("create")
def orgs_create(
    slug: str = typer.Argument(..., help="short name in URLs and --org (letters, digits, - and _)"),
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


@app.command("list")
def orgs_list() -> None:
    """List organisations."""
    with open_session() as session:
        table = Table("slug", "name", "quota records", "quota jobs", "quota rpm")
        for o in organisations(session):
            table.add_row(
                o.slug,
                o.name,
                *(
                    str(v) if v is not None else "–"
                    for v in (o.quota_records, o.quota_jobs, o.quota_requests_per_minute)
                ),
            )
        out.print(table)

"""The verrijk command line: one typer app whose sub-command groups are thin adapters over the services the API
uses; a service's error ends any command with one red line and the error's exit code."""

import typer

from verrijk import logs
from verrijk.cli import (
    annotations,
    audit,
    authorities,
    enrichers,
    evaluate,
    jobs,
    keys,
    models,
    orgs,
    records,
    review,
    setup,
    users,
)
from verrijk.cli.backup import backup_cmd, restore_cmd
from verrijk.cli.common import RendersErrors
from verrijk.cli.enrich import enrich_cmd
from verrijk.cli.ingest import ingest_cmd
from verrijk.cli.search import index_cmd, search_cmd
from verrijk.config import Settings

app = typer.Typer(
    cls=RendersErrors,
    help="verrijk: metadata enrichment for heritage collections.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="log progress and model loads (INFO)")) -> None:
    """verrijk: metadata enrichment for heritage collections."""
    logs.configure(Settings(), default_level="INFO" if verbose else "WARNING")


app.command()(setup.version)
app.command()(setup.init)
app.command("ingest")(ingest_cmd)
app.command("enrich")(enrich_cmd)
app.command("index")(index_cmd)
app.command("search")(search_cmd)
app.command()(setup.serve)
app.command()(setup.demo)
app.command("backup")(backup_cmd)
app.command("restore")(restore_cmd)
app.add_typer(users.app, name="users")
app.add_typer(evaluate.app, name="eval")
app.add_typer(annotations.export_app, name="export")
app.add_typer(annotations.import_app, name="import")
app.add_typer(authorities.app, name="authority")
app.add_typer(records.app, name="records")
app.add_typer(keys.app, name="keys")
app.add_typer(orgs.app, name="orgs")
app.add_typer(jobs.app, name="jobs")
app.add_typer(enrichers.app, name="enrichers")
app.add_typer(audit.app, name="audit")
app.add_typer(models.app, name="models")
app.add_typer(review.app, name="review")

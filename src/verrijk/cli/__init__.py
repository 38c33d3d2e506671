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
    train,
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
for group, name in (
    (users.app, "users"),
    (evaluate.app, "eval"),
    (annotations.export_app, "export"),
    (annotations.import_app, "import"),
    (authorities.app, "authority"),
    (records.app, "records"),
    (keys.app, "keys"),
    (orgs.app, "orgs"),
    (jobs.app, "jobs"),
    (enrichers.app, "enrichers"),
    (audit.app, "audit"),
    (models.app, "models"),
    (review.app, "review"),
    (train.app, "train"),
):
    app.add_typer(group, name=name)

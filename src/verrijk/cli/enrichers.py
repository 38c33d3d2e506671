"""`verrijk enrichers`: the enrichers this installation has (list, show with model card), and which run for an
organisation with which parameters (enable, disable, set, config, reset) — the same calls as /enrichers."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from verrijk.cli.common import OrgOption, folded, open_repo, out, whole
from verrijk.config import Settings
from verrijk.enrich import config
from verrijk.enrich.registry import REGISTRY
from verrijk.errors import BadInput

app = typer.Typer(help="List enrichers and configure which run for an organisation.", no_args_is_help=True)
NameArgument = typer.Argument(..., help="the enricher's name, as `verrijk enrichers list` shows it")


@app.command("list")
def enrichers_list(
    org: str | None = OrgOption, json_out: bool = typer.Option(False, "--json", help="print JSON lines")
) -> None:
    """Every enricher: what it reads, its version, and whether it runs for the organisation."""
    with open_repo(org) as repo:
        cfg = config.organisation_config(repo, Settings())
    specs = REGISTRY.specs().values()
    if json_out:
        for s in specs:
            row = {"name": s.name, "version": s.version, "accepts": sorted(s.accepts), "source": s.source}
            print(json.dumps({**row, "enabled": s.name in cfg.enabled, "params": cfg.params_for(s.name)}))
        return
    table = Table(*whole("name"), "on", *folded("reads", "version", "source", "description"), title=f"({cfg.source})")
    for s in specs:
        on = "yes" if s.name in cfg.enabled else ""
        table.add_row(s.name, on, ",".join(sorted(s.accepts)), s.version, s.source, s.description)
    out.print(table)


@app.command("show")
def enrichers_show(name: str = NameArgument, org: str | None = OrgOption) -> None:
    """One enricher: its parameters (default and in effect), then its model card and metrics."""
    settings = Settings()
    spec = REGISTRY.get(name)
    with open_repo(org) as repo:
        cfg = config.organisation_config(repo, settings)
    out.print(f"[bold]{spec.name}[/] {spec.version} ({spec.source}) reads {', '.join(sorted(spec.accepts))}")
    out.print(spec.description, highlight=False)
    out.print(f"enabled: {'yes' if spec.name in cfg.enabled else 'no'} ({cfg.source})")
    params = cfg.params_for(spec.name)
    for key, schema in spec.schema().items():
        out.print(f"  {key} = {json.dumps(params[key])}  (default {json.dumps(schema.get('default'))}): "
                  f"{schema['description']}", highlight=False, soft_wrap=True)  # fmt: skip
    card, metrics = spec.model_card(settings.models_dir)
    if card:
        out.print()
        out.print(card, markup=False, highlight=False)
    if metrics:
        out.print(json.dumps(metrics, indent=2, ensure_ascii=False), markup=False, highlight=False)


def _save(org: str | None, name: str, enabled: bool | None = None, params: dict | None = None) -> None:
    with open_repo(org) as repo:
        cfg = config.configure(repo, Settings(), name, enabled, params)
        repo.session.commit()
    out.print(f"enabled for this organisation: {', '.join(cfg.enabled) or 'none'}", highlight=False)


@app.command("enable")
def enrichers_enable(name: str = NameArgument, org: str | None = OrgOption) -> None:
    """Run this enricher for the organisation when a job names none."""
    _save(org, name, enabled=True)


@app.command("disable")
def enrichers_disable(name: str = NameArgument, org: str | None = OrgOption) -> None:
    """Stop running this enricher for the organisation unless a job names it."""
    _save(org, name, enabled=False)


@app.command("set")
def enrichers_set(
    name: str = NameArgument,
    values: list[str] = typer.Argument(..., metavar="KEY=VALUE...", help="values are JSON; a bare word is text"),
    org: str | None = OrgOption,
) -> None:
    """Set parameters of an enricher for the organisation, e.g. `verrijk enrichers set subjects.demo limit=3`."""
    params = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep or not key:
            raise BadInput(f"{value!r}: give parameters as KEY=VALUE")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    with open_repo(org) as repo:
        current = config.organisation_config(repo, Settings()).params.get(name, {})
    _save(org, name, params={**current, **params})


@app.command("config")
def enrichers_config(
    file: Path | None = typer.Option(None, "--file", help="replace the configuration with this TOML/JSON file"),
    org: str | None = OrgOption,
) -> None:
    """Print the organisation's configuration (as TOML-ready JSON), or replace it with a file's."""
    with open_repo(org) as repo:
        if file is not None:
            config.save(repo, config.read_file(file))
            repo.session.commit()
        cfg = config.organisation_config(repo, Settings())
    print(json.dumps({**cfg.as_dict(), "source": cfg.source}, indent=2, ensure_ascii=False))


@app.command("reset")
def enrichers_reset(org: str | None = OrgOption) -> None:
    """Forget the organisation's own configuration: the deployment's applies again."""
    with open_repo(org) as repo:
        config.reset(repo)
        repo.session.commit()
    out.print("the deployment's enricher configuration applies again")

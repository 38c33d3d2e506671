"""`verrijk models`: the model registry (list every shipped model with its active version and headline metric;
show one with its card, full metrics and versions) — the same calls as GET /models."""

from __future__ import annotations

import json

import typer
from rich.table import Column, Table

from verrijk.cli.common import folded, out, whole
from verrijk.config import Settings
from verrijk.enrich.models import get_model, list_models

app = typer.Typer(help="The model registry: shipped models, their versions and measurements.", no_args_is_help=True)


@app.command("list")
def models_list(json_out: bool = typer.Option(False, "--json", help="print JSON lines")) -> None:
    """Every shipped model: its active version, headline metric and the enrichers that run it."""
    settings = Settings()
    found = list_models(settings.models_dir, settings.trained_dir)
    if json_out:
        for m in found:
            row = {"name": m.name, "active_version": m.active, "versions": [v.version for v in m.versions]}
            print(json.dumps({**row, m.headline or "headline": m.headline_value, "enrichers": m.enrichers}))
        return
    table = Table(
        *whole("model"), *folded("active version", "headline"), Column("value", justify="right"), *whole("date"),
        *folded("enrichers"),
    )  # fmt: skip
    for m in found:
        active = m.active_version
        value = f"{m.headline_value:.4f}" if m.headline_value is not None else "–"
        date = active.date if active else ""
        table.add_row(m.name, m.active or "–", m.headline or "–", value, date, "\n".join(m.enrichers))
    out.print(table)


@app.command("show")
def models_show(name: str = typer.Argument(..., help="the model's name, as `verrijk models list` shows it")) -> None:
    """One model: its versions (the active one marked), its card, and the active version's full metrics."""
    settings = Settings()
    model = get_model(settings.models_dir, name, settings.trained_dir)
    enrichers = ", ".join(model.enrichers) or "–"
    out.print(f"[bold]{model.name}[/] active version {model.active or '–'}; enrichers: {enrichers}")
    for v in model.versions:
        mark = "*" if v.version == model.active else " "
        status = f"  [{v.status}]" if v.status else ""
        line = f" {mark} {v.version}{status}  {v.date}  {json.dumps(v.metrics)}"
        out.print(line, markup=False, highlight=False, soft_wrap=True)
        out.print(f"     trained/measured by: {v.command}", markup=False, highlight=False, soft_wrap=True)
        out.print(f"     data: {v.data}", markup=False, highlight=False, soft_wrap=True)
    card = model.card()
    if card:
        out.print()
        out.print(card, markup=False, highlight=False)
    out.print(json.dumps(model.metrics(), indent=2, ensure_ascii=False), markup=False, highlight=False)

"""`verrijk review calibrate`: auto-accept thresholds calibrated from the organisation's review decisions for a
target precision, with their held-out figures; --apply sets those that hold (GET/POST /review/calibration)."""

from __future__ import annotations

import json

import typer
from rich.table import Column, Table

from verrijk.cli.common import OrgOption, open_repo, out
from verrijk.review.calibration import apply_calibration, calibrate

app = typer.Typer(help="Review data: calibrated auto-accept thresholds.", no_args_is_help=True)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


@app.command("calibrate")
def review_calibrate(
    target: float = typer.Option(0.95, min=0.01, max=1.0, help="precision auto-accepted suggestions must reach"),
    enricher: str | None = typer.Option(None, help="only this enricher"),
    apply: bool = typer.Option(False, "--apply", help="set the thresholds that reach the target on held-out data"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON line per enricher"),
    org: str | None = OrgOption,
) -> None:
    """Per enricher: the lowest threshold reaching the target precision, and the precision it gives on held-out
    decisions (with support and Wilson lower bound)."""
    with open_repo(org) as repo:
        if apply:
            rows = apply_calibration(repo, target, enricher)
            repo.session.commit()
        else:
            rows = [c.as_dict() for c in calibrate(repo, target, enricher)]
    if json_out:
        for row in rows:
            print(json.dumps(row))
        return
    columns = ["enricher", *(Column(c, justify="right") for c in ("judged", "threshold", "held-out P", "n", "Wilson"))]
    table = Table(*columns, "meets", title=f"target precision {target}; held-out: the half not used to choose")
    if apply:
        table.add_column("auto-accepted", justify="right")
    for row in rows:
        h = row["held_out"]
        cells = [row["enricher"], str(row["decisions"]), _num(row["threshold"]), _num(h["precision"])]
        cells += [str(h["support"]), _num(h["wilson_lower"]), "yes" if row["meets_target"] else "no"]
        if apply:
            cells.append(str(row["auto_accepted"]) if row["applied"] else "not applied")
        table.add_row(*cells)
    out.print(table)

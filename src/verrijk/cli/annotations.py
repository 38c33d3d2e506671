"""`verrijk export annotations` and `verrijk import annotations`: decided suggestions out as W3C Web Annotations,
CSV or training feedback, and annotations made elsewhere in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from verrijk.cli.common import OrgOption, err, open_repo, out
from verrijk.config import Settings
from verrijk.errors import BadInput
from verrijk.export.annotations import collection_page, feedback, import_annotations, iter_annotations, to_csv

export_app = typer.Typer(help="Export decided suggestions.", no_args_is_help=True)
import_app = typer.Typer(help="Import suggestions made elsewhere.", no_args_is_help=True)


@export_app.command("annotations")
def export_annotations(
    format: str = typer.Option("jsonld", "--format", "-f", help="jsonld (AnnotationPage), csv, or feedback (JSONL)"),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="file to write (default: standard output)"),
    org: str | None = OrgOption,
) -> None:
    """Export decided suggestions as W3C Web Annotations, CSV, or training feedback."""
    if format not in ("jsonld", "csv", "feedback"):
        raise BadInput(f"--format {format!r} is not one of jsonld, csv, feedback")
    with open_repo(org) as repo:
        base = Settings().base_url
        if format == "csv":
            text = to_csv(iter_annotations(repo, base))
        elif format == "feedback":
            text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in feedback(repo))
        else:
            page = collection_page(repo, base, 0, 10**9)
            text = json.dumps(page | {"partOf": page["partOf"]}, ensure_ascii=False, indent=2) + "\n"
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        err.print(f"wrote {out_file}")
    else:
        sys.stdout.write(text)


@import_app.command("annotations")
def import_annotations_cmd(
    file: Path = typer.Argument(..., help="a JSON-LD AnnotationPage or a list of annotations"),
    org: str | None = OrgOption,
) -> None:
    """Import Web Annotations (an AnnotationPage or a list, as `verrijk export annotations` writes them)."""
    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"cannot read annotations from {file}: {exc}") from exc
    items = body.get("items", [body]) if isinstance(body, dict) else body
    with open_repo(org) as repo:
        created, present, problems = import_annotations(repo, items)
        repo.session.commit()
    for problem in problems[:20]:
        err.print(f"skipped {problem}", highlight=False)
    out.print(f"{created} imported, {present} already present, {len(problems)} skipped", highlight=False)
    if problems:
        raise typer.Exit(1)

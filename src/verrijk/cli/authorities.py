"""`verrijk authority`: load vocabularies (SKOS, CSV/TSV, GeoNames, Wikidata) to link to, and list them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import typer
from rich.table import Table

from verrijk.cli.common import OrgOption, err, folded, open_repo, out, whole
from verrijk.errors import BadInput
from verrijk.store.repo import authority_load

app = typer.Typer(help="Load and list vocabularies to link to.", no_args_is_help=True)


@app.command("add")
def authorities_add(
    name: str = typer.Argument(..., help="the authority's name, as enrichers' parameters name it"),
    file: Path = typer.Argument(..., help="the vocabulary: SKOS, CSV/TSV, a GeoNames dump or Wikidata JSONL"),
    format: str | None = typer.Option(
        None, "--format", "-f", help="turtle, xml, json-ld, nt, csv, tsv, geonames or wikidata; told by the suffix"
    ),
    label: str = typer.Option("", help="display name"),
    license: str | None = typer.Option(None, help="licence URI of the vocabulary"),
    shared: bool = typer.Option(False, "--shared", help="let every organisation read it"),
    org: str | None = OrgOption,
) -> None:
    """Load a vocabulary file (SKOS, CSV/TSV, GeoNames dump, Wikidata JSON lines) as an authority to link to;
    private unless --shared. Adding a name again replaces its entries."""
    from verrijk.enrich.text.linking.aliases import clean_aliases, merge_same
    from verrijk.enrich.text.linking.loaders import FORMATS, detect_format, load
    from verrijk.enrich.text.linking.shipped import SHIPPED_VERSION

    if not file.is_file():
        raise BadInput(f"{file} is not a file")
    if format and format not in FORMATS:
        raise BadInput(f"--format {format!r} is not one of {', '.join(FORMATS)}")
    with open_repo(org) as repo:
        fmt = format or detect_format(file)
        digest = hashlib.sha256(f"{SHIPPED_VERSION}|{fmt}|".encode() + file.read_bytes()).hexdigest()
        entries, merged = merge_same(load(file, fmt))
        entries, dropped = clean_aliases(entries)
        _, count = repo.load_authority(name, entries, digest, fmt, label or name, str(file.resolve()), license, shared)
        repo.session.commit()
    visibility = "shared" if shared else "private"
    out.print(f"authority {name} registered ({visibility}): {count} entries", highlight=False)
    if merged:
        examples = "; ".join(f"{other!r} into {kept} ({identifier})" for kept, other, identifier in merged[:5])
        out.print(f"merged {len(merged)} entries that share an identifier: {examples}", highlight=False, soft_wrap=True)
    if dropped:
        examples = "; ".join(f"{alias!r} of {label} ({why})" for label, alias, why in dropped[:5])
        out.print(
            f"dropped {len(dropped)} alternative labels that are not the entry's own: {examples}",
            highlight=False,
            soft_wrap=True,  # one line per report, whatever the terminal's width
        )
    if not count:
        err.print(f"warning: {file} holds no entries", highlight=False)


@app.command("list")
def authorities_list(org: str | None = OrgOption) -> None:
    """List the authorities an organisation may link to, with their entry counts."""
    with open_repo(org) as repo:
        table = Table(*whole("name"), "label", "owner", "entries", *folded("licence"))
        for a in repo.authorities():
            load = authority_load(repo.session, a)
            owner = "shared" if a.organisation_id is None else ("own" if a.organisation_id == repo.org_id else "other")
            table.add_row(a.name, a.label, owner, str(load.entries if load else 0), a.license or "–")
        out.print(table)

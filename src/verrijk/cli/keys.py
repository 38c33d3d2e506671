"""`verrijk keys`: create, list and revoke API keys (a key is shown once; only its hash is stored)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

import typer
from rich.table import Column, Table

from verrijk.cli.common import OrgOption, open_session, out, resolve_org
from verrijk.store.accounts import create_api_key, list_api_keys, revoke_api_key

app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@app.command("create")
def keys_create(
    role: str = typer.Option(..., help="admin, cataloger, volunteer or client"),
    org: str | None = OrgOption,
    user: str | None = typer.Option(None, help="user name (created when new)"),
    name: str = typer.Option("", help="what the key is for"),
) -> None:
    """Create an API key and print it (it is shown once; only its hash is stored)."""
    with open_session() as session:
        raw, _ = create_api_key(session, resolve_org(session, org), role, user, name)
        session.commit()
        print(raw)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "–"


@app.command("list")
def keys_list(
    org: str | None = OrgOption, json_out: bool = typer.Option(False, "--json", help="print JSON lines")
) -> None:
    """List an organisation's API keys, revoked ones too; the keys themselves cannot be shown again."""
    with open_session() as session:
        keys = list_api_keys(session, resolve_org(session, org).id)
    if json_out:
        for key in keys:
            print(json.dumps(asdict(key), default=datetime.isoformat, ensure_ascii=False))
        return
    folded = (Column(c, overflow="fold") for c in ("role", "user", "created", "last used", "revoked", "name"))
    table = Table(Column("id", no_wrap=True), Column("prefix", no_wrap=True, min_width=10), *folded)
    for key in keys:
        when = (_when(key.created_at), _when(key.last_used_at), _when(key.revoked_at))
        table.add_row(str(key.id), key.prefix, key.role, key.username, *when, key.name)
    out.print(table)


@app.command("revoke")
def keys_revoke(
    key_id: int = typer.Argument(..., metavar="ID", help="the key's id, as `verrijk keys list` shows it"),
    org: str | None = OrgOption,
) -> None:
    """Revoke an API key (see `verrijk keys list` for its id): its next use is refused."""
    with open_session() as session:
        key = revoke_api_key(session, resolve_org(session, org).id, key_id)
        session.commit()
        out.print(f"API key {key.id} ({key.prefix}…, {key.role}, {key.username}) revoked", highlight=False)

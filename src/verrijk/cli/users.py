"""`verrijk users`: people who sign in to the web pages with a name and password."""

from __future__ import annotations

import typer

from verrijk.cli.common import OrgOption, open_session, out, resolve_org
from verrijk.store.accounts import set_membership, set_password

app = typer.Typer(help="Manage people who sign in to the web pages.", no_args_is_help=True)


@app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(..., help="admin, cataloger, volunteer or client"),
    org: str | None = OrgOption,
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="at least 10 characters (asked when left out)"
    ),
) -> None:
    """Add a person who signs in to the web pages with name and password, with a role in an organisation."""
    with open_session() as session:
        organisation = resolve_org(session, org)
        user = set_password(session, username, password)
        set_membership(session, user, organisation, role)
        session.commit()
        out.print(f"{username} can sign in as {role} at {organisation.slug}")

"""`verrijk users`: people who sign in to the web pages with a name and password; their data exported and erased."""

from __future__ import annotations

import json

import typer

from verrijk.cli.common import OrgOption, open_session, out, resolve_org
from verrijk.store.accounts import organisation_by_slug, set_membership, set_password
from verrijk.store.privacy import erase_person, export_person, user_by_name

app = typer.Typer(help="Manage people who sign in to the web pages.", no_args_is_help=True)
USERNAME_HELP = "the name the person signs in with"


@app.command("add")
def users_add(
    username: str = typer.Argument(..., help=USERNAME_HELP),
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


@app.command("export")
def users_export(username: str = typer.Argument(..., help=USERNAME_HELP)) -> None:
    """Print everything verrijk holds about a person, in every organisation, as JSON (their right of access)."""
    with open_session() as session:
        data = export_person(session, user_by_name(session, username))
    print(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("erase")
def users_erase(
    username: str = typer.Argument(..., help=USERNAME_HELP),
    org: str | None = typer.Option(None, "--org", help="erase only in this organisation (default: everywhere)"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Erase a person: their decisions and votes stay under a pseudonym with reasons blanked; their memberships,
    keys and leases go, and their account when no organisation is left."""
    with open_session() as session:
        user = user_by_name(session, username)
        org_id = organisation_by_slug(session, org).id if org else None
        where = f"in {org}" if org else "in every organisation"
        if not yes and not typer.confirm(f"erase {username} {where}?"):
            raise typer.Abort()
        done = erase_person(session, user, org_id)
        session.commit()
    gone = "account deleted" if done.user_deleted else "account kept for other organisations"
    out.print(f"{username} erased {where}; their work now reads {done.pseudonym}; {gone}", highlight=False)

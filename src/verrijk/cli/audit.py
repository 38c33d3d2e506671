"""`verrijk audit prune`: delete audit entries older than the retention period (VERRIJK_AUDIT_RETENTION_DAYS)."""

from __future__ import annotations

import typer

from verrijk.cli.common import open_session, out
from verrijk.config import Settings
from verrijk.store.privacy import prune_audit

app = typer.Typer(help="Manage the audit log.", no_args_is_help=True)


@app.command("prune")
def audit_prune(
    days: int | None = typer.Option(None, min=1, help="keep this many days (default: VERRIJK_AUDIT_RETENTION_DAYS)"),
) -> None:
    """Delete audit entries older than the retention period; run it daily (cron, a systemd timer)."""
    keep = days or Settings().audit_retention_days
    with open_session() as session:
        pruned = prune_audit(session, keep)
        session.commit()
    out.print(f"deleted {pruned} audit entries older than {keep} days")

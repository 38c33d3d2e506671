"""The organisation's audit log: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from verrijk.store.repo.base import Scoped
from verrijk.store.tables import AuditEntry


class Audit(Scoped):
    def audit(self, action: str, target_type: str = "", target_id: Any = "", **detail: Any) -> None:
        self.session.add(
            AuditEntry(
                organisation_id=self.org_id,
                user_id=self.scope.user_id,
                action=action,
                target_type=target_type,
                target_id=str(target_id),
                detail=detail,
            )
        )

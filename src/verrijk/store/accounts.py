"""Organisations, users, memberships and API keys: the operator-level side of the store."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from verrijk.domain import Role
from verrijk.errors import BadInput, NotFound
from verrijk.store.tables import ApiKey, AuditEntry, Membership, Organisation, User, utcnow

KEY_PREFIX = "vk_"
KEY_TOUCH_INTERVAL = timedelta(minutes=5)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AccountError(BadInput):
    """An account operation that cannot be done as asked (unknown organisation, duplicate user, bad role)."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user acting in one organisation with one role."""

    user_id: int
    username: str
    organisation_id: int
    organisation_slug: str
    role: str
    key_id: int | None = None


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug):
        raise AccountError(f"{what} {slug!r} must be lower-case letters, digits and hyphens (at most 63)")
    return slug


def ensure_organisation(session: Session, slug: str, name: str | None = None) -> Organisation:
    check_slug(slug, "organisation")
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        org = Organisation(slug=slug, name=name or slug, settings={})
        session.add(org)
        session.flush()
        session.add(
            AuditEntry(
                organisation_id=org.id, action="organisation.create", target_type="organisation", target_id=str(org.id)
            )
        )
    return org


def organisations(session: Session) -> list[Organisation]:
    """Every organisation, by slug."""
    return list(session.scalars(select(Organisation).order_by(Organisation.slug)))


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(f"organisation {slug!r} does not exist", code="no_organisation", slug=slug)
    return org


def ensure_user(session: Session, username: str, display_name: str = "") -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=display_name or username)
        session.add(user)
        session.flush()
    return user


def set_membership(session: Session, user: User, org: Organisation, role: str) -> Membership:
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(f"role {role!r} is not one of {', '.join(r.value for r in Role)}") from None
    member = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    )
    if member is None:
        member = Membership(user_id=user.id, organisation_id=org.id, role=role)
        session.add(member)
    else:
        member.role = role
    session.flush()
    return member


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(password, salt).hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    return secrets.compare_digest(_scrypt(password, bytes.fromhex(salt)).hex(), digest)


def set_password(session: Session, username: str, password: str) -> User:
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")
    user = ensure_user(session, username)
    user.password_hash = hash_password(password)
    return user


def sign_in(session: Session, username: str, password: str, org_slug: str | None = None) -> Principal | None:
    """A person's principal from name and password, in the given organisation or their first one."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not check_password(password, user.password_hash):
        return None
    query = select(Membership, Organisation).join(Organisation, Organisation.id == Membership.organisation_id)
    query = query.where(Membership.user_id == user.id)
    if org_slug:
        query = query.where(Organisation.slug == org_slug)
    found = session.execute(query.order_by(Organisation.slug)).first()
    if found is None:
        return None
    member, org = found
    return Principal(user.id, user.username, org.id, org.slug, member.role)


def principal_for_member(session: Session, user_id: int, org_id: int) -> Principal | None:
    """A signed-in person's principal, read again on each request so a changed role takes effect."""
    found = session.execute(
        select(User, Membership, Organisation)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(User.id == user_id, Organisation.id == org_id)
    ).first()
    if found is None:
        return None
    user, member, org = found
    return Principal(user.id, user.username, org.id, org.slug, member.role)


def hash_key(raw: str) -> str:
    # API keys are 256-bit random tokens, so one SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(
    session: Session, org: Organisation, role: str, username: str | None = None, name: str = ""
) -> tuple[str, ApiKey]:
    """Make a key for a user (created when new) with a role in org; returns the raw key, shown once."""
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(f"role {role!r} is not one of {', '.join(r.value for r in Role)}") from None
    user = ensure_user(session, username or f"{org.slug}-{role}")
    set_membership(session, user, org, role)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(prefix=raw[:10], key_hash=hash_key(raw), name=name, user_id=user.id, organisation_id=org.id, role=role)
    session.add(key)
    session.flush()
    session.add(
        AuditEntry(
            organisation_id=org.id,
            user_id=user.id,
            action="api_key.create",
            target_type="api_key",
            target_id=str(key.id),
            detail={"role": role, "name": name},
        )
    )
    return raw, key


def authenticate_key(session: Session, raw: str) -> Principal | None:
    """The principal behind a raw API key, or None when it is unknown or revoked."""
    if not raw.startswith(KEY_PREFIX):
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None or key.revoked_at is not None:
        return None
    return principal_for_key(session, key)


def principal_for_key(session: Session, key: ApiKey) -> Principal | None:
    if key.revoked_at is not None:
        return None
    user = session.get(User, key.user_id)
    org = session.get(Organisation, key.organisation_id)
    if user is None or org is None:
        return None
    return Principal(user.id, user.username, org.id, org.slug, key.role, key.id)


# what a write to these tables may change about a key's principal (revocation, erasure, role, quota)
AUTH_TABLES = {"api_keys", "users", "memberships", "organisations"}


@dataclass(frozen=True)
class Caller:
    """A cached key's principal and its organisation's requests-per-minute quota (None: no quota)."""

    principal: Principal
    quota_per_minute: int | None


class KeyCache:
    """API keys' principals for `ttl` seconds, so that an authenticated request needs no database work of its own.

    In this process a write to AUTH_TABLES (a revocation, an erasure, a changed quota) empties the cache at once
    (store.db.watch_writes); another process's write (a second worker, the command line) is seen within `ttl`.
    When a key was last used is kept here and written by `flush` (every minute by the server, and before keys are
    listed), at most every KEY_TOUCH_INTERVAL per key: a read request never writes.
    """

    def __init__(self, ttl: float = 10.0):
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Caller | None]] = {}
        self._used: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by clear(): an entry read from the database before a clear is not kept

    def cached(self, raw: str) -> tuple[bool, Caller | None]:
        """(True, the caller) when the cache has a fresh answer for the key (the caller None: unknown or revoked);
        (False, None) when the database must be asked (`caller`)."""
        found = self._entries.get(hash_key(raw))
        if found is None or found[0] <= time.monotonic():
            return False, None
        if found[1] is not None:
            self.used(found[1].principal.key_id)
        return True, found[1]

    def caller(self, session: Session, raw: str) -> Caller | None:
        """The caller behind a raw key, from the cache when it is fresh; None when the key is unknown or revoked."""
        digest = hash_key(raw)
        now = time.monotonic()
        found = self._entries.get(digest)
        if found is None or found[0] <= now:
            generation = self._generation
            principal = authenticate_key(session, raw)
            caller = None
            if principal is not None:
                org = session.get(Organisation, principal.organisation_id)
                caller = Caller(principal, org.quota_requests_per_minute)
            found = (now + self.ttl, caller)
            with self._lock:
                if generation == self._generation:
                    self._entries[digest] = found
        caller = found[1]
        if caller is not None:
            self.used(caller.principal.key_id)
        return caller

    def used(self, key_id: int) -> None:
        """Note that a key was used now (written by `flush`)."""
        self._used[key_id] = utcnow()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def flush(self, session: Session) -> int:
        """Write when keys were last used (where the stored time is over KEY_TOUCH_INTERVAL older); the caller
        commits. Returns how many keys it touched."""
        with self._lock:
            used, self._used = self._used, {}
        touched = 0
        for key_id, at in used.items():
            touched += session.execute(
                update(ApiKey)
                .where(
                    ApiKey.id == key_id,
                    or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < at - KEY_TOUCH_INTERVAL),
                )
                .values(last_used_at=at)
            ).rowcount
        return touched


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown of an API key: never the key itself nor its hash."""

    id: int
    prefix: str
    name: str
    role: str
    username: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, username: str) -> ApiKeyInfo:
        return cls(key.id, key.prefix, key.name, key.role, username, key.created_at, key.last_used_at, key.revoked_at)


def _manages_all_keys(by: Principal | None) -> bool:
    """The operator (`by` None: the command line) and an organisation's admins manage all its keys; others their own."""
    return by is None or by.role == Role.admin


def list_api_keys(session: Session, org_id: int, by: Principal | None = None) -> list[ApiKeyInfo]:
    """The organisation's API keys that `by` may manage, oldest first, revoked ones included."""
    query = select(ApiKey, User.username).join(User, User.id == ApiKey.user_id).where(ApiKey.organisation_id == org_id)
    if not _manages_all_keys(by):
        query = query.where(ApiKey.user_id == by.user_id)
    return [ApiKeyInfo.of(key, username) for key, username in session.execute(query.order_by(ApiKey.id))]


def revoke_api_key(session: Session, org_id: int, key_id: int, by: Principal | None = None) -> ApiKeyInfo:
    """Revoke a key so that its next use is refused; NotFound when it is not one `by` may manage in the
    organisation. Revoking a revoked key changes nothing. The caller commits."""
    key = session.get(ApiKey, key_id)
    if key is None or key.organisation_id != org_id or not (_manages_all_keys(by) or key.user_id == by.user_id):
        raise NotFound(f"API key {key_id} does not exist in this organisation")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(
            AuditEntry(
                organisation_id=org_id,
                user_id=by.user_id if by else None,
                action="api_key.revoke",
                target_type="api_key",
                target_id=str(key.id),
                detail={"role": key.role, "name": key.name, "owner": key.user_id},
            )
        )
        session.flush()
    return ApiKeyInfo.of(key, session.get(User, key.user_id).username)

"""Who may use formgen serve: users of a unit or of the Ban Tổ chức, their logins, and who changed the register.

Everything lives in the register's database (three tables of their own beside the register's), so that
several workers and machines share it and nothing is kept in a process between requests.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import InvalidInput
from ..policy.profile import focus_key
from ..register import Register

ROLES = {"unit": "đơn vị", "province": "Ban Tổ chức Tỉnh ủy (xem mọi đơn vị)"}
# Failed logins of one name allowed within the window; the next waits until the oldest leaves it.
MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)

_META = sa.MetaData()
USERS = sa.Table(
    "web_users", _META,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("unit", sa.String(50), nullable=True),      # the issuer abbreviation; null for the province role
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
ATTEMPTS = sa.Table(
    "web_login_attempts", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
)
CHANGES = sa.Table(
    "web_register_changes", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("user", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

SECRETS = sa.Table(
    "web_secrets", _META,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None

    def may_see(self, unit: str | None) -> bool:
        """A unit's users see only that unit's delegations; the province role sees all."""
        return self.role == "province" or (unit is not None and focus_key(unit) == focus_key(self.unit or ""))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)  # SQLite drops the zone


class WebTables:
    """Tables of formgen serve's own in one register's database, made when missing; opened per request
    like the register itself."""

    metadata = _META

    def __init__(self, location: str | None):
        self.register = Register(location)
        self.engine = self.register.engine
        self.metadata.create_all(self.engine)

    def close(self) -> None:
        self.register.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Users(WebTables):
    """The users of one register's database."""

    def add(self, name: str, password: str, *, unit: str | None = None, role: str = "unit") -> User:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("Tên người dùng phải có từ 1 đến 100 ký tự.")
        if role not in ROLES:
            raise InvalidInput(f"Vai trò “{role}” không có; chọn: {', '.join(ROLES)}.")
        if (role == "unit") != bool(unit):
            raise InvalidInput("Người dùng của đơn vị cần mã đơn vị (--unit); vai trò Ban Tổ chức thì không.")
        if len(password) < 8:
            raise InvalidInput("Mật khẩu phải có ít nhất 8 ký tự.")
        with self.engine.begin() as conn:
            if conn.execute(sa.select(USERS.c.name).where(USERS.c.name == name)).first():
                raise InvalidInput(f"Người dùng “{name}” đã có.")
            conn.execute(USERS.insert().values(name=name, role=role, unit=unit, password_hash=_HASHER.hash(password),
                                               created_at=_now()))
        return User(name, role, unit)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(USERS)).scalar_one()

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            return [User(r.name, r.role, r.unit) for r in conn.execute(sa.select(USERS).order_by(USERS.c.name))]

    def wait(self, name: str, now: dt.datetime | None = None) -> int:
        """Seconds before `name` may try again (0: now), from the failures counted in the database."""
        now = now or _now()
        with self.engine.connect() as conn:
            failures = [_aware(r.at) for r in conn.execute(
                sa.select(ATTEMPTS.c.at).where(ATTEMPTS.c.name == name, ATTEMPTS.c.ok.is_(False),
                                               ATTEMPTS.c.at > now - WINDOW).order_by(ATTEMPTS.c.at))]
        if len(failures) < MAX_FAILURES:
            return 0
        return max(1, int((failures[-MAX_FAILURES] + WINDOW - now).total_seconds()) + 1)

    def login(self, name: str, password: str, address: str | None = None) -> User | None:
        """The user when the password is right, else None; every attempt is counted (call wait() first)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        ok = False
        if row is not None:
            try:
                ok = _HASHER.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _HASHER.hash(password)  # the same time whether the name exists or not
        with self.engine.begin() as conn:
            conn.execute(ATTEMPTS.insert().values(name=name[:100], address=(address or "")[:64], at=_now(), ok=ok))
        return User(row.name, row.role, row.unit) if ok else None

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        return User(row.name, row.role, row.unit) if row else None

    def secret_key(self) -> str:
        """The key that signs session cookies, made once and kept in the database: every worker shares it."""
        import secrets

        with self.engine.begin() as conn:
            row = conn.execute(sa.select(SECRETS.c.value).where(SECRETS.c.name == "session")).first()
            if row:
                return row.value
            conn.execute(SECRETS.insert().values(name="session", value=secrets.token_hex(32)))
        return self.secret_key()  # the row a concurrent first start may have written instead

    def record_change(self, record_id: int, action: str, user: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(CHANGES.insert().values(record_id=record_id, action=action, user=user, at=_now()))

    def changes(self, record_id: int | None = None) -> list[dict]:
        query = sa.select(CHANGES).order_by(CHANGES.c.id)
        if record_id is not None:
            query = query.where(CHANGES.c.record_id == record_id)
        with self.engine.connect() as conn:
            return [{"record_id": r.record_id, "action": r.action, "user": r.user, "at": _aware(r.at).isoformat()}
                    for r in conn.execute(query)]

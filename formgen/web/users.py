"""Who may use formgen serve: users of a unit or of the Ban Tổ chức, their logins, and who changed the register.

Everything lives in the register's database (tables of their own beside the register's, under its schema
versioning), so that several workers and machines share it and nothing is kept in a process between requests.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import InvalidInput
from ..policy.profile import focus_key
from ..register import Register
from ..register.storage import WEB_TABLES

ROLES = {"unit": "đơn vị", "province": "Ban Tổ chức Tỉnh ủy (xem mọi đơn vị)"}
# Failed logins of one name allowed within the window; the next waits until the oldest leaves it.
MAX_FAILURES = 5
# ... and the names that failed from one address (a client guessing many names is held up too). Names, not
# failures: an office behind one address is not held up because some of its people mistyped their passwords
# (their names wait; the others do not).
MAX_ADDRESS_NAMES = 20
# ... and the failures from one address whatever the names: a client trying the most each name allows on many
# names is held up well before MAX_ADDRESS_NAMES × MAX_FAILURES.
MAX_ADDRESS_FAILURES = 50
WINDOW = dt.timedelta(minutes=15)

# The tables live in the register's schema (formgen.register.storage: versioned and migrated with it).
USERS, ATTEMPTS, CHANGES, USER_CHANGES, SECRETS = (WEB_TABLES[n] for n in (
    "web_users", "web_login_attempts", "web_register_changes", "web_user_changes", "web_secrets"))

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None
    token: str | None = field(default=None, compare=False, repr=False)  # in the user's sessions; a new one ends them

    def may_see(self, unit: str | None) -> bool:
        """A unit's users see only that unit's delegations; the province role sees all."""
        return self.role == "province" or (unit is not None and focus_key(unit) == focus_key(self.unit or ""))

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "unit": self.unit}


def _user(row) -> User:
    return User(row.name, row.role, row.unit, row.session_token)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)  # SQLite drops the zone


def _token() -> str:
    return secrets.token_hex(32)


class WebTables:
    """formgen serve's tables in one register's database (made by its migrations): over a Register the
    caller keeps open (the server's, one a process), or over a location opened here and closed with it."""

    def __init__(self, where: Register | str | None):
        self.register = where if isinstance(where, Register) else Register(where)
        self._owned = not isinstance(where, Register)
        self.engine = self.register.engine

    def close(self) -> None:
        if self._owned:
            self.register.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _checked(name: str, password: str | None = None, *, unit: str | None, role: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Tên người dùng phải có từ 1 đến 100 ký tự.")
    if role not in ROLES:
        raise InvalidInput(f"Vai trò “{role}” không có; chọn: {', '.join(ROLES)}.")
    if (role == "unit") != bool(unit):
        raise InvalidInput("Người dùng của đơn vị cần mã đơn vị (--unit); vai trò Ban Tổ chức thì không.")
    if password is not None:
        _check_password(password)
    return name


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("Mật khẩu phải có ít nhất 8 ký tự.")


def _where(user: User) -> str:
    return f"đơn vị {user.unit}" if user.role == "unit" else "Ban Tổ chức"


class Users(WebTables):
    """The users of one register's database; every change to them is logged with who made it and when."""

    def add(self, name: str, password: str, *, unit: str | None = None, role: str = "unit", by: str = "local") -> User:
        name = _checked(name, password, unit=unit, role=role)
        user = User(name, role, unit, _token())
        with self.register.transaction(write=True) as conn:
            if conn.execute(sa.select(USERS.c.name).where(USERS.c.name == name)).first():
                raise InvalidInput(f"Người dùng “{name}” đã có.")
            conn.execute(USERS.insert().values(name=name, role=role, unit=unit, password_hash=_HASHER.hash(password),
                                               created_at=_now(), session_token=user.token))
            self._log(conn, name, "add", _where(user), by)
        return user

    def remove(self, name: str, *, by: str = "local") -> User:
        """Take a user out: their sessions end with them (a user added again later has new ones)."""
        with self.register.transaction(write=True) as conn:
            user = self._existing(conn, name)
            conn.execute(USERS.delete().where(USERS.c.name == name))
            self._log(conn, name, "remove", _where(user), by)
        return user

    def set_password(self, name: str, password: str, *, by: str = "local") -> User:
        """A new password, and a new session token: the user's open sessions end."""
        _check_password(password)
        with self.register.transaction(write=True) as conn:
            user = self._existing(conn, name)
            conn.execute(USERS.update().where(USERS.c.name == name).values(
                password_hash=_HASHER.hash(password), session_token=_token()))
            self._log(conn, name, "password", "đổi mật khẩu; các phiên đăng nhập cũ đã kết thúc", by)
        return user

    def set_role(self, name: str, *, unit: str | None = None, role: str = "unit", by: str = "local") -> User:
        """Move a user to another unit, or to the province role (or back): it holds from their next request."""
        _checked(name, unit=unit, role=role)
        with self.register.transaction(write=True) as conn:
            before = self._existing(conn, name)
            conn.execute(USERS.update().where(USERS.c.name == name).values(role=role, unit=unit))
            after = User(name, role, unit, before.token)
            self._log(conn, name, "role", f"{_where(before)} → {_where(after)}", by)
        return after

    def require(self, name: str) -> User:
        """The user of that name; InvalidInput (one line) when there is none."""
        with self.register.transaction() as conn:
            return self._existing(conn, name)

    def _existing(self, conn: sa.Connection, name: str) -> User:
        row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        if row is None:
            raise InvalidInput(f"Không có người dùng “{name}” trong sổ “{self.register.location}” (xem formgen users list).")
        return _user(row)

    @staticmethod
    def _log(conn: sa.Connection, name: str, action: str, detail: str, by: str) -> None:
        conn.execute(USER_CHANGES.insert().values(name=name, action=action, detail=detail, by=by[:100], at=_now()))

    def user_changes(self, name: str | None = None) -> list[dict]:
        """Who changed which user, when and how, oldest first."""
        query = sa.select(USER_CHANGES).order_by(USER_CHANGES.c.id)
        if name is not None:
            query = query.where(USER_CHANGES.c.name == name)
        with self.register.transaction() as conn:
            return [{"name": r.name, "action": r.action, "detail": r.detail, "by": r.by, "at": _aware(r.at).isoformat()}
                    for r in conn.execute(query)]

    def count(self) -> int:
        with self.register.transaction() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(USERS)).scalar_one()

    def list(self) -> list[User]:
        with self.register.transaction() as conn:
            return [_user(r) for r in conn.execute(sa.select(USERS).order_by(USERS.c.name))]

    def wait(self, name: str, address: str | None = None, now: dt.datetime | None = None) -> int:
        """Seconds before `name` may try again from `address` (0: now), from the failures counted in the
        database: of that name, of the names that failed from that address (each at its latest failure), and of
        that address whatever the names."""
        now = now or _now()
        since = now - WINDOW
        failed = (ATTEMPTS.c.ok.is_(False), ATTEMPTS.c.at > since)
        limits = [(sa.select(ATTEMPTS.c.at).where(*failed, ATTEMPTS.c.name == name), MAX_FAILURES)]
        if address:
            at_address = (*failed, ATTEMPTS.c.address == address[:64])
            latest = sa.func.max(ATTEMPTS.c.at).label("at")
            limits += [(sa.select(latest).where(*at_address).group_by(ATTEMPTS.c.name), MAX_ADDRESS_NAMES),
                       (sa.select(ATTEMPTS.c.at).where(*at_address), MAX_ADDRESS_FAILURES)]
        waits = [0]
        with self.register.transaction() as conn:
            for query, allowed in limits:
                failures = sorted(_aware(r.at) for r in conn.execute(query))
                if len(failures) >= allowed:
                    waits.append(max(1, int((failures[-allowed] + WINDOW - now).total_seconds()) + 1))
        return max(waits)

    def login(self, name: str, password: str, address: str | None = None) -> User | None:
        """The user when the password is right, else None; every attempt is counted (call wait() first)."""
        with self.register.transaction() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        ok = False
        if row is not None:
            try:
                ok = _HASHER.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _HASHER.hash(password)  # the same time whether the name exists or not
        with self.register.transaction() as conn:
            conn.execute(ATTEMPTS.insert().values(name=name[:100], address=(address or "")[:64], at=_now(), ok=ok))
        return _user(row) if ok else None

    def get(self, name: str) -> User | None:
        with self.register.transaction() as conn:
            row = conn.execute(sa.select(USERS).where(USERS.c.name == name)).first()
        return _user(row) if row else None

    def secret_key(self) -> str:
        """The key that signs session cookies, made once and kept in the database: every worker shares it."""
        with self.register.transaction(write=True) as conn:
            row = conn.execute(sa.select(SECRETS.c.value).where(SECRETS.c.name == "session")).first()
            if row:
                return row.value
            value = _token()
            conn.execute(SECRETS.insert().values(name="session", value=value))
        return value

    def record_change(self, record_id: int, action: str, user: str) -> None:
        with self.register.transaction() as conn:
            conn.execute(CHANGES.insert().values(record_id=record_id, action=action, user=user, at=_now()))

    def changes(self, record_id: int | None = None) -> list[dict]:
        query = sa.select(CHANGES).order_by(CHANGES.c.id)
        if record_id is not None:
            query = query.where(CHANGES.c.record_id == record_id)
        with self.register.transaction() as conn:
            return [{"record_id": r.record_id, "action": r.action, "user": r.user, "at": _aware(r.at).isoformat()}
                    for r in conn.execute(query)]

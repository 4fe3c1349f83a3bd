"""The register's storage: where it is (SQLite file or PostgreSQL URL), its schema and migrations,
its connections and the writers' lock on each backend. It knows nothing of documents or records."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from ..environment import ENV_REGISTER
from ..errors import EnvironmentFailed, InvalidInput
from .messages import MESSAGES

DEFAULT_FILE = "formgen-register.sqlite"
BUSY_TIMEOUT_SECONDS = 30           # how long a writer waits for another one before giving up
_PG_WRITERS_LOCK = 0x666F726D67656E  # "formgen": the advisory lock that serialises writers on PostgreSQL
_WRITE = "formgen_write"            # execution option marking a write transaction
_PG_WRITERS = sa.select(sa.func.pg_advisory_xact_lock(_PG_WRITERS_LOCK))  # built once: every write takes it


# --- the schema and its migrations ----------------------------------------------------------


def _schema_v1(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The tables as version 1 created them (a later change is a new migration, not an edit here)."""
    version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))
    delegations = sa.Table(
        "delegations", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.Text, nullable=False),       # issuer.abbreviation, as written
        sa.Column("unit_key", sa.Text, nullable=False),        # ... compared as a person would
        sa.Column("unit_name", sa.Text, nullable=False),
        sa.Column("depart_on", sa.Date, nullable=False),
        sa.Column("return_on", sa.Date),
        sa.Column("size", sa.Integer, nullable=False),         # the leader and the members
        sa.Column("leader_name", sa.Text, nullable=False),
        sa.Column("leader_key", sa.Text, nullable=False),
        sa.Column("leader_position", sa.Text, nullable=False),
        sa.Column("places", sa.JSON, nullable=False),          # the stops' provinces, in order
        sa.Column("focus_areas", sa.JSON, nullable=False),
        sa.Column("funding_source", sa.Text, nullable=False),
        sa.Column("funding_amount", sa.BigInteger),
        sa.Column("requested_on", sa.Date),
        sa.Column("escalated_on", sa.Date),
        sa.Column("approved_on", sa.Date),
        sa.Column("reported_on", sa.Date),
        sa.Column("report_on_time", sa.Boolean),               # computed when the report is recorded
        sa.Column("trip", sa.JSON, nullable=False),            # the validated trip, dates as ISO text
        sa.Column("origin", sa.Text, nullable=False),          # "file" (a delegation file) or "table" (a row)
        sa.Column("source", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("unit_key", "depart_on", "leader_key", name="delegations_natural_key"),
        sa.Index("delegations_depart_on", "depart_on"),        # a year's delegations, every unit
        sqlite_autoincrement=True,                             # a removed delegation's number is never reused
    )
    return version, delegations


def _create_v1(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    _schema_v1(metadata)
    metadata.create_all(conn)


def _schema_outgoing(metadata: sa.MetaData) -> sa.Table:
    """The outgoing documents (sổ đăng ký văn bản đi): one row per number given, issued or cancelled."""
    return sa.Table(
        "outgoing", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_key", sa.Text, nullable=False),        # the issuing unit, compared as a person would
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("unit_name", sa.Text, nullable=False),
        sa.Column("sequence", sa.Text, nullable=False),        # the numbering's scope: "2024", "nk-2020-10-16|TTr"
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("notation", sa.Text, nullable=False),        # as printed: "05/TTr-SNV"
        sa.Column("kind", sa.Text, nullable=False),            # request, escalation, report, annual
        sa.Column("type_abbr", sa.Text, nullable=False),
        sa.Column("document_key", sa.Text, nullable=False),    # which document: the kind and its delegation (or year)
        sa.Column("issued_on", sa.Date, nullable=False),       # the document's date
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),           # tên loại và trích yếu
        sa.Column("signer", sa.Text, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("keeper", sa.Text, nullable=False),          # đơn vị, người nhận bản lưu
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("typed", sa.Boolean, nullable=False),        # the number was written in the file
        sa.Column("source", sa.Text),
        sa.Column("status", sa.Text, nullable=False),          # "issued" or "cancelled"
        sa.Column("cancelled_at", sa.DateTime),                # UTC
        sa.Column("cancelled_by", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),  # UTC
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("unit_key", "sequence", "number", name="outgoing_one_number"),  # the database's own guard
        sa.Index("outgoing_year", "year", "unit_key"),
        sa.Index("outgoing_document", "unit_key", "document_key"),
        sqlite_autoincrement=True,
    )


def _create_outgoing(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    _schema_outgoing(metadata)
    metadata.create_all(conn)


def _web_schema(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """formgen serve's tables as the web-tables migration creates them: its users (a session token each:
    a new one ends the user's sessions), their logins, who changed a delegation and a user, the session
    key every worker shares, and the signed PDFs uploaded (a later change is a new migration)."""
    tables = [
        sa.Table("web_users", metadata,
                 sa.Column("name", sa.String(100), primary_key=True),
                 sa.Column("role", sa.String(20), nullable=False),
                 sa.Column("unit", sa.String(50), nullable=True),  # the issuer abbreviation; null for the province
                 sa.Column("password_hash", sa.String(200), nullable=False),
                 sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                 sa.Column("session_token", sa.String(64), nullable=True)),
        sa.Table("web_login_attempts", metadata,
                 sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("name", sa.String(100), nullable=False, index=True),
                 sa.Column("address", sa.String(64), nullable=True),
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False),
                 sa.Column("ok", sa.Boolean, nullable=False)),
        sa.Table("web_register_changes", metadata,
                 sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("record_id", sa.Integer, nullable=False),
                 sa.Column("action", sa.String(20), nullable=False),
                 sa.Column("user", sa.String(100), nullable=False),
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False)),
        sa.Table("web_user_changes", metadata,
                 sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("name", sa.String(100), nullable=False),   # the user changed
                 sa.Column("action", sa.String(20), nullable=False),  # add, remove, password, role
                 sa.Column("detail", sa.Text, nullable=False),
                 sa.Column("by", sa.String(100), nullable=False),     # who changed it
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False)),
        sa.Table("web_secrets", metadata,
                 sa.Column("name", sa.String(50), primary_key=True),
                 sa.Column("value", sa.String(200), nullable=False)),
        sa.Table("web_signed_pdfs", metadata,
                 sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                 sa.Column("record_id", sa.Integer, nullable=False, index=True),
                 sa.Column("kind", sa.String(20), nullable=False),
                 sa.Column("file_name", sa.String(120), nullable=False),
                 sa.Column("body", sa.LargeBinary, nullable=False),
                 sa.Column("sha256", sa.String(64), nullable=False),
                 sa.Column("summary", sa.Text, nullable=False),
                 sa.Column("user", sa.String(100), nullable=False),
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False)),
    ]
    return {t.name: t for t in tables}


def _add_web_tables(conn: sa.Connection) -> None:
    """formgen serve's tables join the register's versioning. The server used to make them itself, unversioned:
    a register that has them keeps them and their rows, its users gaining a session token (so their
    sessions from before end once) and the users' change log."""
    had_users = "web_users" in sa.inspect(conn).get_table_names()
    metadata = sa.MetaData()
    users = _web_schema(metadata)["web_users"]
    metadata.create_all(conn)  # the missing ones
    if had_users and "session_token" not in {c["name"] for c in sa.inspect(conn).get_columns("web_users")}:
        import secrets
        conn.exec_driver_sql("ALTER TABLE web_users ADD COLUMN session_token VARCHAR(64)")
        for (name,) in conn.execute(sa.select(users.c.name)).all():
            conn.execute(users.update().where(users.c.name == name).values(session_token=secrets.token_hex(32)))


def _schema_stored_forms(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    """Version 1's tables, and what reading 100,000 delegations fast needs: the validated trip's form version
    (read back without validating again), the columns a listing or a match reads instead of the trip, the
    keys the duplicate rule compares (delegation_topics), and the indexes the queries use."""
    version, delegations = _schema_v1(metadata)
    for column in _stored_forms_columns():
        delegations.append_column(column)
    sa.Index("delegations_unit_depart_on", delegations.c.unit_key, delegations.c.depart_on)
    c = delegations.c  # a listing's order, and the dates its state is computed from: a page is found in the index
    sa.Index("delegations_listing", c.depart_on, c.id, c.reported_on, c.return_on, c.approved_on, c.escalated_on)
    sa.Index("delegations_unit_request", delegations.c.unit_key, delegations.c.request_year,
             delegations.c.request_number)
    unreported = delegations.c.reported_on.is_(None)
    partial = sa.Index("delegations_unreported", delegations.c.return_on, sqlite_where=unreported)
    sa.event.listen(partial, "before_create", _partial_on_postgresql(unreported))
    topics = sa.Table(
        "delegation_topics", metadata,
        sa.Column("delegation_id", sa.Integer, nullable=False),  # removed with its delegation (records.py)
        sa.Column("place_key", sa.Text, nullable=False),          # a place it went to, compared as a person would
        sa.Column("area_key", sa.Text, nullable=False),           # ... and a focus area
        sa.Index("delegation_topics_key", "place_key", "area_key"),
        sa.Index("delegation_topics_delegation", "delegation_id"),
    )
    return version, delegations, topics


def _partial_on_postgresql(where):
    """An index's WHERE on PostgreSQL too, given when the index is created: a postgresql_where argument would
    load SQLAlchemy's PostgreSQL dialect (50 ms) into every command, on SQLite too."""
    def before_create(index: sa.Index, connection: sa.Connection, **_) -> None:
        if connection.dialect.name == "postgresql":
            index.dialect_options["postgresql"]["where"] = where
    return before_create


def _stored_forms_columns() -> list[sa.Column]:
    return [
        sa.Column("trip_form", sa.Integer),      # model.TRIP_FORM of `trip`; NULL: validated again when read
        sa.Column("policy", sa.Text),            # the trip's policy profile, NULL: the default
        sa.Column("request_year", sa.Integer),   # the request's year and number (a unit's identity of it)
        sa.Column("request_number", sa.Integer),
    ]


def add_stored_forms(conn: sa.Connection) -> None:
    """Version 4: the stored forms' columns, table and indexes (see _schema_stored_forms). Filling them is the
    records' business: Register.after_migrations validates every stored trip once more then."""
    metadata = sa.MetaData()
    _, delegations, topics = _schema_stored_forms(metadata)
    for column in _stored_forms_columns():
        conn.execute(sa.text(f"ALTER TABLE {delegations.name} ADD COLUMN {column.name} "
                             f"{column.type.compile(conn.dialect)}"))
    topics.create(conn)
    for index in delegations.indexes:
        if index.name != "delegations_depart_on":
            index.create(conn)


def _schema_topic_sets(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table, sa.Table]:
    """Version 4's tables, and what the duplicate rule (R10) needs to stay fast where thousands of delegations
    share a place and a focus area: each topic row carries its delegation's departure, so the latest few at a
    (place, area) are the last entries of one index, and delegation_topic_sets counts the delegations of each
    (place, set of focus area keys), so counting them reads a few rows, not thousands."""
    version, delegations, topics = _schema_stored_forms(metadata)
    topics.append_column(sa.Column("depart_on", sa.Date))  # the delegation's departure, as delegations has it
    topics.indexes.discard(next(i for i in topics.indexes if i.name == "delegation_topics_key"))
    sa.Index("delegation_topics_latest", topics.c.place_key, topics.c.area_key, topics.c.depart_on,
             topics.c.delegation_id)  # its first two columns serve what delegation_topics_key served
    sets = sa.Table(
        "delegation_topic_sets", metadata,
        sa.Column("place_key", sa.Text, primary_key=True),
        sa.Column("area_keys", sa.Text, primary_key=True),   # area_set(): the sorted area keys, as JSON text
        sa.Column("delegations", sa.Integer, nullable=False),  # how many delegations went there on exactly those
    )
    return version, delegations, topics, sets


def area_set(area_keys) -> str:
    """The key of a set of focus area keys in delegation_topic_sets: the same set, the same text."""
    return json.dumps(sorted(set(area_keys)), ensure_ascii=False)


def add_topic_sets(conn: sa.Connection) -> None:
    """Version 5: the topics' departure dates and their index, and the counted sets (see _schema_topic_sets),
    filled from what version 4 stored."""
    metadata = sa.MetaData()
    _, delegations, topics, sets = _schema_topic_sets(metadata)
    conn.execute(sa.text(f"ALTER TABLE {topics.name} ADD COLUMN depart_on {sa.Date().compile(conn.dialect)}"))
    conn.execute(sa.text("DROP INDEX delegation_topics_key"))
    conn.execute(topics.update().values(depart_on=sa.select(delegations.c.depart_on).where(
        delegations.c.id == topics.c.delegation_id).scalar_subquery()))
    for index in topics.indexes:
        if index.name == "delegation_topics_latest":
            index.create(conn)
    sets.create(conn, checkfirst=True)  # a database whose register tables were dropped may keep this one
    count_topic_sets(conn, sets, topics)


def count_topic_sets(conn: sa.Connection, sets: sa.Table | None = None, topics: sa.Table | None = None) -> None:
    """delegation_topic_sets counted again from delegation_topics (a delegation's rows: its place keys times
    its area keys)."""
    sets, topics = sets if sets is not None else SETS, topics if topics is not None else TOPICS
    conn.execute(sa.delete(sets))
    counts: dict[tuple[str, str], int] = {}
    delegation, places, areas = None, set(), set()
    rows = conn.execute(sa.select(topics.c.delegation_id, topics.c.place_key, topics.c.area_key)
                        .order_by(topics.c.delegation_id))
    for row in [*rows, None]:
        if row is None or row.delegation_id != delegation:
            key = area_set(areas)
            for place in places:
                counts[place, key] = counts.get((place, key), 0) + 1
            if row is None:
                break
            delegation, places, areas = row.delegation_id, set(), set()
        places.add(row.place_key)
        areas.add(row.area_key)
    if counts:
        conn.execute(sa.insert(sets), [{"place_key": p, "area_keys": a, "delegations": n}
                                       for (p, a), n in sorted(counts.items())])


# MIGRATIONS[n - 1] brings a register from version n - 1 to n; append, never edit a released one.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_create_v1, _create_outgoing, _add_web_tables, add_stored_forms,
                                                     add_topic_sets]

_METADATA = sa.MetaData()
VERSION, DELEGATIONS, TOPICS, SETS = _schema_topic_sets(_METADATA)  # the tables as the code reads them (latest)
OUTGOING = _schema_outgoing(_METADATA)
D = DELEGATIONS.c
OUT = OUTGOING.c
WEB_TABLES = _web_schema(_METADATA)  # formgen serve's, by name


def schema_version() -> int:
    """The version this code writes: the number of migrations."""
    return len(MIGRATIONS)


def default_location() -> str | Path:
    """Where the register is when no --register is given: $FORMGEN_REGISTER (a path or a database URL),
    else `formgen-register.sqlite` in the current folder (a committee keeps its register beside its files)."""
    return os.environ.get(ENV_REGISTER) or Path.cwd() / DEFAULT_FILE


class Storage:
    """One register's database: its engine, its transactions, its schema brought to the code's version.

    Opening creates a missing SQLite file and upgrades an older schema; `close()` (or `with`) ends it.
    """

    def __init__(self, location: str | os.PathLike | None = None):
        location = default_location() if location is None else location
        self.url = _url(location)
        self.location = (str(location) if self.url.get_backend_name() == "sqlite"
                         else self.url.render_as_string(hide_password=True))
        self.engine = _engine(self.url, self.location)
        try:
            self.migrate()
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sa.Connection]:
        """A connection in a transaction: committed when the block ends, rolled back on any error.

        A write transaction takes the writers' lock first, so a writer never reads a state that
        another one is about to change.
        """
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    if write and self.url.get_backend_name() == "postgresql":
                        conn.execute(_PG_WRITERS)
                    yield conn
        except sa.exc.DBAPIError as exc:
            raise _database_error(exc, self.location) from None

    def migrate(self) -> None:
        """Bring an older register (or an empty database) to the code's version, in one transaction."""
        with self.transaction() as conn:
            found = self._known_version(conn)
        if found == schema_version():
            return
        with self.transaction(write=True) as conn:
            found = self._known_version(conn)  # another process may have upgraded it meanwhile
            ran = [MIGRATIONS[number - 1] for number in range(found + 1, schema_version() + 1)]
            for migration in ran:
                migration(conn)
            self.after_migrations(conn, ran)
            if found != schema_version():
                conn.execute(sa.delete(VERSION))
                conn.execute(sa.insert(VERSION).values(version=schema_version()))

    def after_migrations(self, conn: sa.Connection, ran: list[Callable[[sa.Connection], None]]) -> None:
        """What a subclass does to the data once `ran` (the migrations just run) changed the tables, in the same
        transaction; the storage itself knows nothing of what the rows hold."""

    def _known_version(self, conn: sa.Connection) -> int:
        """The register's schema version; a register newer than this code is refused, never written."""
        found = _stored_version(conn, self.location)
        if found > schema_version():
            from .. import __version__  # here: the package imports the register
            raise InvalidInput(MESSAGES["newer"].format(where=self.location, found=found, known=schema_version(),
                                                        version=__version__))
        return found


def _url(location: str | os.PathLike) -> sa.URL:
    text = os.fspath(location)
    if "://" in text:
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError as exc:
            raise InvalidInput(MESSAGES["cannot_open"].format(where=text, reason=exc)) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise InvalidInput(MESSAGES["backend"].format(backend=url.get_backend_name()))
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # the driver the `postgres` extra installs
        if url.get_backend_name() == "sqlite" and _in_memory(url.database or "", url.query.get("mode")):
            raise InvalidInput(MESSAGES["memory"].format(where=text))
        return url
    if _in_memory(text, None):
        raise InvalidInput(MESSAGES["memory" if text.strip() else "no_location"].format(where=text))
    return sa.URL.create("sqlite", database=str(Path(text).expanduser().absolute()))


def _in_memory(database: str, mode) -> bool:
    """A SQLite database that lives only as long as its connection: none, :memory:, an URI's memory mode."""
    name = database.strip()
    return not name or name == ":memory:" or name.startswith("file::memory:") or "mode=memory" in name \
        or mode == "memory"


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # Vietnamese stays readable in the database


def _engine(url: sa.URL, where: str) -> sa.Engine:
    try:
        if url.get_backend_name() != "sqlite":
            return sa.create_engine(url, json_serializer=json_text, pool_pre_ping=True)
        engine = sa.create_engine(url, json_serializer=json_text,
                                  connect_args={"timeout": BUSY_TIMEOUT_SECONDS})  # sqlite3's busy timeout
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise EnvironmentFailed(MESSAGES["driver"].format(backend=url.get_backend_name(), reason=exc)) from None
    sa.event.listen(engine, "connect", _sqlite_connect)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, connection_record) -> None:
    # pysqlite's own transaction handling would begin late and commit before DDL; formgen issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock at once: two writers queue (busy timeout) instead of deadlocking.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _database_error(exc: sa.exc.DBAPIError, where: str) -> Exception:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lowered = reason.lower()
    if "database is locked" in lowered or "database is busy" in lowered:
        return EnvironmentFailed(MESSAGES["busy"].format(where=where, seconds=BUSY_TIMEOUT_SECONDS))
    if "file is not a database" in lowered:
        return InvalidInput(MESSAGES["not_database"].format(where=where))
    if "unable to open database file" in lowered:
        return InvalidInput(MESSAGES["cannot_open"].format(where=where, reason="thư mục không có hoặc không ghi được"))
    return EnvironmentFailed(MESSAGES["failed"].format(where=where, reason=reason))


def _stored_version(conn: sa.Connection, where: str) -> int:
    """The register's schema version: 0 for an empty database."""
    tables = set(sa.inspect(conn).get_table_names())
    if VERSION.name in tables:
        return conn.execute(sa.select(sa.func.max(VERSION.c.version))).scalar() or 0
    if DELEGATIONS.name in tables or (tables and conn.dialect.name == "sqlite"):
        raise InvalidInput(MESSAGES["foreign"].format(where=where, tables=", ".join(sorted(tables))))
    return 0

"""The register of delegations: one SQLite file by default, one shared PostgreSQL database for a province.

Each delegation is one record, found again by its identity, as a văn thư tells delegations apart:
the record number the user names (record_id), else the unit and its request's number and year
(a Tờ trình is numbered once a year by the unit's outgoing register), else the unit, departure
date and leader's name. Adding the same delegation file again as it grows, or after its departure
date moved, updates its record, never a second one. A file says what it says: what the record
knew and the file does not say (a later stage's section, a document number, a date) is kept, so
the life cycle only moves forward, unless the caller asks for a replacement (replace=True).
A number that another delegation of the unit already carries (both its departure and its leader
differ) is refused: it is far more often a copied file than the same delegation.

The register answers the rules that need the past (policy.HISTORY_RULES: delegations per year,
no duplicate) and applies them when a delegation is recorded: an add that would break one of
them anew is refused, writing nothing, unless forced. It lists the reports that are late or
due soon, gives the annual report its delegations, and reads and writes the spreadsheet a
committee already keeps (CSV, XLSX).

Every write is one transaction that takes the writers' lock first (SQLite: BEGIN IMMEDIATE, with a
busy timeout; PostgreSQL: a transaction-scoped advisory lock), so two processes adding at once lose
nothing and a failed command leaves the register as it was. The schema is versioned: opening an
older register upgrades it (MIGRATIONS, in one transaction); a newer one is refused.

A SQLite register belongs on the disk of the machine that uses it (WAL needs shared memory, which a
network folder does not give); units that share one register across machines use PostgreSQL.

The package, a module a job: storage (schema, migrations, connections, locking per backend),
records (a trip's columns, life cycle, identity), tables (the committee's spreadsheet), messages,
and book (the Register that joins them).
"""
from __future__ import annotations

from .book import Register
from .messages import MESSAGES
from .records import (SECTIONS, STATES, Added, Due, IdentityConflict, Record, life_cycle_state,
                      report_deadline)
from .storage import (BUSY_TIMEOUT_SECONDS, DEFAULT_FILE, DELEGATIONS, ENV_REGISTER, MIGRATIONS, VERSION,
                      default_location, schema_version)
from .tables import HEADERS, TABLE_COLUMNS, ImportResult

__all__ = [
    "Added", "BUSY_TIMEOUT_SECONDS", "DEFAULT_FILE", "DELEGATIONS", "Due", "ENV_REGISTER", "HEADERS", "IdentityConflict",
    "ImportResult", "MESSAGES", "MIGRATIONS", "Record", "Register", "SECTIONS", "STATES", "TABLE_COLUMNS", "VERSION",
    "default_location", "life_cycle_state", "report_deadline", "schema_version",
]

"""Failures formgen reports: one exception type per kind, each with its exit status."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in the same shape for schema errors and rule findings.

    `path` points into the data (``delegation.members[3].name``); `code`,
    `citation` and `severity` are set for rule findings.
    """

    path: str
    message: str
    code: str | None = None
    severity: str = "error"
    citation: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """One human line, Vietnamese, as the CLI prints it."""
        label = "CẢNH BÁO" if self.severity == "warning" else "LỖI"
        head = f"{label} {self.code}" if self.code else label
        where = f" [{self.path}]" if self.path else ""
        text = f"{head}{where}: {self.message}"
        if self.citation:
            text += f" (Căn cứ: “{self.citation}”)"
        return text


# Exit statuses of the failures that are no FormgenError: a bug of formgen's, a stop by Ctrl+C.
EXIT_INTERNAL = 70
EXIT_ABORTED = 130


class FormgenError(Exception):
    """Base of every failure formgen reports to its caller.

    Each class carries its exit status (`exit_code`), its name in --json (`kind`) and what a manifest
    row it ends is marked (`row_status`): the one table from failure to status.
    """

    exit_code = 2
    kind = "error"
    row_status = "invalid"

    def __init__(self, message: str, problems: list[Problem] | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.source = source

    def lines(self) -> list[str]:
        prefix = f"{self.source}: " if self.source else ""
        if not self.problems:
            return [prefix + self.message]
        return [prefix + p.line() for p in self.problems]

    def as_dict(self) -> dict:
        return {
            "error": self.kind,
            "message": self.message,
            "source": self.source,
            "problems": [p.as_dict() for p in self.problems],
        }


class InvalidInput(FormgenError):
    """The input (file, field, option) cannot be used: exit 2, nothing written."""

    exit_code = 2
    kind = "invalid_input"
    row_status = "invalid"


class Refused(FormgenError):
    """The regulation forbids the document: exit 1, nothing written."""

    exit_code = 1
    kind = "refused"
    row_status = "refused"


class EnvironmentFailed(FormgenError):
    """The machine failed (LibreOffice missing or hung, disk): exit 3."""

    exit_code = 3
    kind = "environment"
    row_status = "failed"

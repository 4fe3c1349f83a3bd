"""The one JSON shape of every `--json` output, built in one place and described by schemas/envelope.json."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .errors import EnvironmentFailed, FormgenError, InvalidInput, Problem, Refused

# An exit status's name in the envelope's `error`: the one each exception class carries.
ERROR_NAMES = {cls.exit_code: cls.kind for cls in (Refused, InvalidInput, EnvironmentFailed)}


def envelope(command: str | None, payload: dict | None = None, *, exit_code: int = 0, message: str | None = None,
             error: FormgenError | str | None = None) -> dict:
    """The envelope of one command's result: `payload` gives its parts (ok, kind, findings, outputs,
    deadlines, counts, message) and any extra key the command reports (records, rows, ...).

    A failure is said once: `exit_code` ≠ 0 or `error` makes ok false, with `error` (the kind of
    failure, as the exception classes name it) and `message` set. `counts` always carries the
    number of error and warning findings, besides the numbers the command gives. error is the
    exception that ended the command, or the name of a failure that is not one (usage, aborted).
    """
    extra = dict(payload or {})
    error = error or extra.pop("error", None)  # a command may name its own failure ("overdue")
    findings = [_finding(f) for f in extra.pop("findings", None) or []]
    if isinstance(error, FormgenError):
        findings = [_finding(p) for p in error.problems] or findings
        exit_code, message = error.exit_code, error.message
        if error.source:
            extra.setdefault("source", error.source)
        error = error.kind
    ok = bool(extra.pop("ok", True)) and not exit_code and error is None
    counts = {"errors": sum(f["severity"] == "error" for f in findings),
              "warnings": sum(f["severity"] != "error" for f in findings), **(extra.pop("counts", None) or {})}
    error_name = error or (None if ok else ERROR_NAMES.get(exit_code, FormgenError.kind))
    text = extra.pop("message", None)
    return {
        "ok": ok,
        "command": command,
        "kind": extra.pop("kind", None),
        "findings": findings,
        "outputs": [str(p) for p in extra.pop("outputs", None) or []],
        "deadlines": _plain(extra.pop("deadlines", None)),
        "counts": counts,
        "error": error_name,
        "message": None if ok else (text or message or error_name),
        **extra,
    }


def _finding(found: Problem | dict) -> dict:
    return found.as_dict() if isinstance(found, Problem) else dict(found)


def _plain(value):
    return value.as_dict() if hasattr(value, "as_dict") else value


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of the envelope (formgen/schemas/envelope.json, shipped in the package)."""
    return json.loads((resources.files("formgen") / "schemas" / "envelope.json").read_text(encoding="utf-8"))

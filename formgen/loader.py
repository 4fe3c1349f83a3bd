"""Reading a delegation file (YAML or JSON) into validated data."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from .errors import InvalidInput, Problem
from .model import Valid, validate_annual, validate_trip
from .yamlio import json_loads, load_yaml, read_text, unique_keys


def read_data(path: str | os.PathLike) -> object:
    """The file's content as plain data; one clear error for a missing, empty or broken file."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        data = load_yaml(p, literals=True)
    else:
        data = parse_json(read_text(p), f"tệp “{p}”")
    if data is None:
        raise InvalidInput(f"Không đọc được tệp “{p}”: tệp rỗng.")
    return data


def parse_json(text: str, name: str) -> object:
    """JSON text as read_data reads a .json file (a key written twice refused); None when it is blank.

    name says what the text is, as a message names it: “tệp “a.json””, “nội dung yêu cầu”.
    """
    if not text.strip():
        return None
    try:
        return json_loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Không đọc được {name}: lỗi cú pháp JSON ở dòng {exc.lineno}, "
                           f"cột {exc.colno} ({exc.msg}).") from None
    except ValueError as exc:
        raise InvalidInput(f"Không đọc được {name}: {exc}.") from None
    except RecursionError:
        raise InvalidInput(f"Không đọc được {name}: dữ liệu lồng nhau quá sâu.") from None


def is_annual(data: object) -> bool:
    """An annual summary file lists delegations; a delegation file describes one."""
    return isinstance(data, dict) and "delegations" in data


def load(path: str | os.PathLike, *, convert_legacy: bool = False) -> Valid:
    """Read and validate a delegation file or an annual file; InvalidInput lists every field error.

    Text pasted in the old TCVN3 or VNI encodings is refused, or converted with convert_legacy=True:
    the result's `notes` then hold a warning Problem naming each field converted.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInput(f"Tham số path phải là đường dẫn tệp (str hoặc Path), không phải {type(path).__name__}.")
    return validate(read_data(path), source=str(path), convert_legacy=convert_legacy)


def validate(data: object, *, source: str | None = None, convert_legacy: bool = False) -> Valid:
    """What load() does after reading: the same schema on data a program already has (a dict from a
    web form, another program: dates as ISO text or dd/mm/yyyy), every error at once (InvalidInput).

    An annual summary's delegations given as file names are read relative to source's folder
    (the current folder without a source).
    """
    if is_annual(data):
        return load_annual(data, Path(source or "annual"), convert_legacy=convert_legacy, named=source is not None)
    return validate_trip(data, source=source, convert_legacy=convert_legacy)


def load_annual(data: dict, path: Path, *, convert_legacy: bool = False, named: bool = True) -> Valid:
    """An annual file with each delegation loaded: from its file (relative to this one) or inline."""
    source = str(path) if named else None
    notes: list[Problem] = []
    annual = validate_annual(data, source=source, convert_legacy=convert_legacy, notes=notes)
    trips, problems = [], []
    files: dict[Path, int] = {}  # a file listed twice would count its delegation, people and money twice
    for i, entry in enumerate(annual["delegations"]):
        try:
            if isinstance(entry, str):
                first = files.setdefault((path.parent / entry).resolve(), i)
                if first != i:
                    problems.append(Problem(f"delegations[{i}]", f"Tệp “{entry}” đã có ở delegations[{first}]: "
                                                                 "mỗi đoàn chỉ ghi một lần."))
                    continue
                trip = load(path.parent / entry, convert_legacy=convert_legacy)
            else:
                trip = validate_trip({"issuer": annual["issuer"], **entry}, convert_legacy=convert_legacy)
            trips.append(trip)
            notes += [replace(p, path=f"delegations[{i}].{p.path}") for p in trip.notes]
        except InvalidInput as exc:
            file = f"{entry}: " if isinstance(entry, str) else ""
            problems += [Problem(f"delegations[{i}]" + (f".{p.path}" if p.path else ""), file + p.message)
                         for p in (exc.problems or [Problem("", exc.message)])]
    if problems:
        raise InvalidInput("Dữ liệu không hợp lệ.", problems=problems, source=source)
    annual["delegations"] = trips
    return Valid(annual, notes)

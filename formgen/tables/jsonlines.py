"""JSON Lines as batch reads it: UTF-8, one object a line, each read as a .json file is (a key twice refused)."""
from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Iterator

from ..yamlio import KeyTwice, json_loads, unique_keys
from .common import MESSAGES, refuse
from .vocabulary import Column, input_path, path_keys, resolve

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def jsonl_rows(p: Path, section: str) -> Iterator[tuple[int, dict]]:
    """The rows of a JSON Lines file (UTF-8, as JSON is): refused before any row when it is UTF-16; InvalidInput
    naming the line at the first bytes that are not UTF-8, once the rows before it are read (as a CSV's)."""
    with open(p, "rb") as f:
        start = f.read(4)
    if start.startswith(_UTF16) or (len(start) == 4 and start.count(0) == 2):
        raise refuse(p, MESSAGES["jsonl_utf16"])

    def rows():
        with open(p, encoding="utf-8-sig", errors="surrogateescape") as f:
            for number, line in enumerate(f, start=1):
                if _BAD_BYTE.search(line):
                    raise refuse(p, MESSAGES["jsonl_bytes"], f", dòng {number}")
                if not line.strip():
                    continue
                yield number, _jsonl_row(line.rstrip("\r\n"), section)
    return rows()


_BAD_BYTE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as surrogateescape decodes it


def _jsonl_row(line: str, section: str) -> dict:
    """One line of JSON Lines as a row, or {"__error__": why}: a key written twice, or two keys naming one field,
    are refused as in a .json file or a table's header (json, and unflatten, would keep the last)."""
    try:
        value = json_loads(line, object_pairs_hook=unique_keys)  # numbers as written; the error's column on this line
        if not isinstance(value, dict):
            return {"__error__": MESSAGES["jsonl_object"]}
        twice = _same_field(value, section)
    except json.JSONDecodeError as exc:
        return {"__error__": MESSAGES["jsonl_syntax"].format(column=exc.colno, reason=exc.msg)}
    except KeyTwice as exc:
        return {"__error__": MESSAGES["jsonl_twice"].format(key=exc.key)}
    except ValueError:  # int() of a number past Python's limit on digits
        return {"__error__": MESSAGES["jsonl_digits"]}
    except RecursionError:
        return {"__error__": MESSAGES["jsonl_deep"]}
    return {"__error__": twice} if twice else value


def _same_field(row: dict, section: str) -> str | None:
    """Why two keys of a row name one field (“Trưởng đoàn” and “trưởng đoàn”; “delegation.leader.name” and
    “delegation”: {"leader": {"name": ...}}; “Thành viên” and “delegation.members[0].name”), or None."""
    owners: dict[tuple, str] = {}   # each field a key fills, and each object above it: the first key to fill it
    fields: set[tuple] = set()
    for key, value in row.items():
        meaning = resolve(str(key))
        if meaning == "":
            continue
        path = input_path(str(key), section)
        if path is None:  # a column that is no input (“Số người”): itself
            leaves = [("", meaning.header)] if isinstance(meaning, Column) else []
        else:
            leaves = list(_leaves(path_keys(path), value))
        for leaf in leaves:
            for n in range(1, len(leaf) + 1):
                other = owners.get(leaf[:n])
                if other is not None and other != key and (leaf[:n] in fields or n == len(leaf)):
                    return MESSAGES["jsonl_same"].format(key=key, other=other, path=_path_text(leaf[:n]))
        for leaf in leaves:
            fields.add(leaf)
            for n in range(1, len(leaf) + 1):
                owners.setdefault(leaf[:n], key)
    return None


def _leaves(keys: tuple, value) -> Iterator[tuple]:
    """The keys of every value inside value (a nested object's, a list's items'), value's own when it has none."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves((*keys, k), v)
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves((*keys, i), v)
    else:
        yield keys


def _path_text(keys: tuple) -> str:
    """Keys as an input path: (delegation, members, 0, name) as delegation.members[0].name."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")

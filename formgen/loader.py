"""Reading a delegation file (YAML or JSON) into validated data."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import InvalidInput
from .model import validate_trip
from .yamlio import load_yaml, read_text


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refusing a key written twice (json would silently keep the last one)."""
    data = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"khóa “{key}” được ghi hai lần")
        data[key] = value
    return data


def read_data(path: str | os.PathLike) -> object:
    """The file's content as plain data; one clear error for a missing, empty or broken file."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        data = load_yaml(p)
    else:
        text = read_text(p)
        if not text.strip():
            data = None
        else:
            try:
                data = json.loads(text, object_pairs_hook=_unique_keys)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"Không đọc được tệp “{p}”: lỗi cú pháp JSON ở dòng {exc.lineno}, "
                                   f"cột {exc.colno} ({exc.msg}).") from None
            except ValueError as exc:
                raise InvalidInput(f"Không đọc được tệp “{p}”: {exc}.") from None
    if data is None:
        raise InvalidInput(f"Không đọc được tệp “{p}”: tệp rỗng.")
    return data


def load(path: str | os.PathLike) -> dict:
    """Read and validate one delegation file; raises InvalidInput listing every field error."""
    return validate_trip(read_data(path), source=str(path))

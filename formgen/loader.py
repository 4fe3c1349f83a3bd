"""Reading a delegation file (YAML or JSON) into validated data."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import InvalidInput
from .model import validate_trip
from .yamlio import load_yaml


def read_data(path: str | os.PathLike) -> object:
    """The file's content as plain data; one clear error for a missing, empty or broken file."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        return load_yaml(p)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InvalidInput("Không tìm thấy tệp.", source=str(p)) from None
    except OSError as exc:
        raise InvalidInput(f"Không đọc được tệp: {exc.strerror}.", source=str(p)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"Tệp không phải UTF-8 (byte {exc.start}).", source=str(p)) from None
    if not text.strip():
        raise InvalidInput("Tệp rỗng.", source=str(p))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"JSON lỗi ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}.", source=str(p)) from None


def load(path: str | os.PathLike) -> dict:
    """Read and validate one delegation file; raises InvalidInput listing every field error."""
    data = read_data(path)
    if data is None:
        raise InvalidInput("Tệp rỗng.", source=str(path))
    return validate_trip(data, source=str(path))

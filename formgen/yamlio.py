"""Reading YAML input files safely, with dates kept as text and errors in Vietnamese."""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from .errors import InvalidInput

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class TextSafeLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings, so our date parser sees them (2027-02-31 too)."""


TextSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: str | os.PathLike) -> object:
    """The data in a UTF-8 YAML file (BOM allowed); InvalidInput naming the file and line otherwise."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"Không đọc được tệp “{name}”: không tìm thấy tệp.") from None
    except IsADirectoryError:
        raise InvalidInput(f"Không đọc được tệp “{name}”: đây là thư mục, không phải tệp.") from None
    except OSError as exc:
        raise InvalidInput(f"Không đọc được tệp “{name}”: {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"Không đọc được tệp “{name}”: dòng {line} có byte không phải UTF-8 (byte thứ {exc.start + 1}); "
            "hãy lưu tệp với bảng mã UTF-8."
        ) from None
    try:
        return yaml.load(text, Loader=TextSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ vị trí"
        detail = exc.problem or exc.context or "cú pháp không hợp lệ"
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi cú pháp YAML ở {where} ({detail}).") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi YAML ({exc}).") from None

"""Reading YAML input files safely, with dates kept as text and errors in Vietnamese."""
from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path

import yaml

from .errors import InvalidInput

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class TextSafeLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings, so our date parser sees them (2027-02-31 too),
    and refuses a key written twice in one mapping (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue  # keys merged in with << may be overridden on purpose
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, Hashable):
                    continue  # the base class reports an unhashable key
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"khóa “{key}” được ghi hai lần", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


TextSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_text(path: str | os.PathLike) -> str:
    """The text of a UTF-8 file (BOM allowed); InvalidInput naming the file otherwise."""
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
    return text


def load_yaml(path: str | os.PathLike) -> object:
    """The data in a UTF-8 YAML file (BOM allowed); InvalidInput naming the file and line otherwise."""
    name = str(path)
    text = read_text(path)
    try:
        return yaml.load(text, Loader=TextSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ vị trí"
        detail = exc.problem or exc.context or "cú pháp không hợp lệ"
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi cú pháp YAML ở {where} ({detail}).") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi YAML ({exc}).") from None

"""Reading YAML input files safely, with dates kept as text and errors in Vietnamese."""
from __future__ import annotations

import os
import re
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


# More values than any delegation file holds: what aliases (*a) expand to beyond this is an attack
# ("billion laughs": nine aliases of nine aliases... load fast and expand to 10^8 values).
MAX_VALUES = 100_000


def expanded_size(data: object, limit: int = MAX_VALUES) -> int:
    """How many values data holds once every alias is expanded, counted without expanding (up to limit+1)."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = limit + 1  # a node that contains itself expands without end
        children = node.values() if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                break
        sizes[id(node)] = min(total, limit + 1)
        return sizes[id(node)]

    return size(data)


def load_yaml(path: str | os.PathLike) -> object:
    """The data in a UTF-8 YAML file (BOM allowed); InvalidInput naming the file and line otherwise."""
    name = str(path)
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=TextSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ vị trí"
        detail = exc.problem or exc.context or "cú pháp không hợp lệ"
        if tag := re.search(r"constructor for the tag '([^']+)'", detail):  # !!python/object and the like
            detail = (f"thẻ “{tag.group(1).replace('tag:yaml.org,2002:', '!!')}” không được phép: formgen chỉ đọc "
                      "dữ liệu (chữ, số, danh sách, mục)")
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi cú pháp YAML ở {where} ({detail}).") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"Không đọc được tệp “{name}”: lỗi YAML ({exc}).") from None
    except RecursionError:
        raise InvalidInput(f"Không đọc được tệp “{name}”: dữ liệu lồng nhau quá sâu.") from None
    if expanded_size(data) > MAX_VALUES:
        raise InvalidInput(f"Không đọc được tệp “{name}”: các tham chiếu (*alias) nở ra quá {MAX_VALUES:,} giá trị "
                           "— tệp hồ sơ đoàn không cần nhiều đến thế.".replace(",", "."))
    return data

"""Reading YAML input files safely, with dates kept as text, numbers as written, and errors in Vietnamese."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Hashable
from pathlib import Path

import yaml

from .errors import InvalidInput

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_INT, _FLOAT, _BOOL = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"


# YAML 1.1 reads `010` as 8, `0x1A` as 26, `1:30` as 90, `150.000` as 150.0 and `no` as False; JSON reads
# `150.000` as 150.0. Numbers and truth values read from a file keep the text they were written as, so
# each schema field decides what that text means (a document number `010` is ten; money is never a float).
def _remembering_text(base: type) -> type:
    """A subclass of int or float whose values carry the text they were written as (`literal`)."""

    class Literal(base):
        def __new__(cls, value, literal: str):
            self = super().__new__(cls, value)
            self.literal = literal
            return self

        def __reduce__(self):  # copies and pickles keep the text
            return type(self), (base(self), self.literal)

    return Literal


class LiteralInt(_remembering_text(int)):
    """An int read from a file, with its source text: "010", "0x1A", "1:30", "150_000"."""


class LiteralBool(LiteralInt):
    """A YAML 1.1 truth value (yes/no/on/off/true/false) with its source text; 1 or 0 as a number."""


class LiteralFloat(_remembering_text(float)):
    """A float read from a file, with its source text: "150.000", "1.5e8", "150000000.0", ".inf"."""


def literal_text(value: object) -> str | None:
    """How a number or truth value was written in its file; None for any other value."""
    return value.literal if isinstance(value, (LiteralInt, LiteralFloat)) else None


class KeyTwice(ValueError):
    """A key written twice in one JSON object."""

    def __init__(self, key: str) -> None:
        super().__init__(f"khóa “{key}” được ghi hai lần")
        self.key = key


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refusing a key written twice (json would silently keep the last one): an object_pairs_hook."""
    data = {}
    for key, value in pairs:
        if key in data:
            raise KeyTwice(key)
        data[key] = value
    return data


def json_loads(text: str, **kwargs) -> object:
    """json.loads, with every number keeping its source text (JSON `150.000` is 150.0 to json)."""
    return json.loads(text, parse_int=lambda s: LiteralInt(int(s), s),
                      parse_float=lambda s: LiteralFloat(float(s), s),
                      parse_constant=lambda s: LiteralFloat(float(s), s), **kwargs)


# libyaml's parser when PyYAML was built with it (eight times faster on the shipped profile and formats); the
# constructors and resolvers below are Python either way, so what a file means does not change with it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextSafeLoader(_SAFE_LOADER):
    """SafeLoader that leaves timestamps as strings, so our date parser sees them (2027-02-31 too),
    and refuses a key written twice in one mapping (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue  # keys merged in with << may be overridden on purpose
                key = self.key_of(key_node, deep)
                if not isinstance(key, Hashable):
                    continue  # the base class reports an unhashable key
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"khóa “{key}” được ghi hai lần", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def key_of(self, key_node, deep: bool):
        return self.construct_object(key_node, deep=deep)


TextSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class LiteralSafeLoader(TextSafeLoader):
    """TextSafeLoader whose numbers and truth values remember their text; a key is always its text."""

    def construct_mapping(self, node, deep=False):
        return {literal_text(k) or k: v for k, v in super().construct_mapping(node, deep=deep).items()}

    def key_of(self, key_node, deep: bool):
        key = super().key_of(key_node, deep)
        return literal_text(key) or key


def _keeping_text(kind: type, construct):
    def constructor(loader, node):
        return kind(construct(loader, node), node.value)
    return constructor


LiteralSafeLoader.add_constructor(_INT, _keeping_text(LiteralInt, yaml.SafeLoader.construct_yaml_int))
LiteralSafeLoader.add_constructor(_FLOAT, _keeping_text(LiteralFloat, yaml.SafeLoader.construct_yaml_float))
LiteralSafeLoader.add_constructor(_BOOL, _keeping_text(LiteralBool, yaml.SafeLoader.construct_yaml_bool))


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


def load_yaml(path: str | os.PathLike, *, literals: bool = False) -> object:
    """The data in a UTF-8 YAML file (BOM allowed); InvalidInput naming the file and line otherwise.

    With literals=True (files a user writes), numbers and truth values keep their source text
    (LiteralInt, LiteralFloat, LiteralBool) and mapping keys are always text.
    """
    return parse_yaml(read_text(path), str(path), literals=literals)


def parse_yaml(text: str, name: str, *, literals: bool = False) -> object:
    """load_yaml on text a program already holds (a file sent to the web form); name says where it came from."""
    try:
        data = yaml.load(text, Loader=LiteralSafeLoader if literals else TextSafeLoader)  # noqa: S506 - SafeLoader
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

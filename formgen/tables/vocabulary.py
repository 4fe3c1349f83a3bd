"""The header vocabulary: every column a table may carry, by its Vietnamese title, aliases and key."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Column:
    """One column a committee's table may carry: how formgen writes its header, what else it may be called,
    and the input path it fills (SPEC §5; "{doc}" is the section of the document produced)."""

    key: str                       # the register's name for it; also accepted as a header
    header: str
    path: str | None = None        # None: not an input (the register's own facts, a count)
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("id", "Số đăng ký"),
    Column("unit_name", "Đơn vị", "issuer.name", ("Cơ quan", "Tên cơ quan", "Tên đơn vị")),
    Column("unit_code", "Mã đơn vị", "issuer.abbreviation", ("Viết tắt", "Ký hiệu cơ quan")),
    Column("unit_parent", "Cơ quan cấp trên", "issuer.parent", ("Cơ quan chủ quản", "Cấp trên")),
    Column("unit_place", "Địa danh", "issuer.place"),
    Column("unit_style", "Thể thức", "issuer.style"),
    Column("policy", "Quy định", "policy"),
    Column("purpose", "Mục đích", "delegation.purpose"),
    Column("weak_point", "Khâu yếu", "delegation.weak_point"),
    Column("focus_areas", "Lĩnh vực", "delegation.focus_areas"),
    Column("type", "Loại đoàn", "delegation.type"),
    Column("depart_on", "Ngày đi", "delegation.depart_on"),
    Column("return_on", "Ngày về", "delegation.return_on"),
    Column("size", "Số người"),
    Column("leader_name", "Trưởng đoàn", "delegation.leader.name"),
    Column("leader_position", "Chức vụ trưởng đoàn", "delegation.leader.position"),
    Column("leader_rank", "Cấp trưởng đoàn", "delegation.leader.rank"),
    Column("leader_key_leader", "Trưởng đoàn là lãnh đạo chủ chốt", "delegation.leader.key_leader"),
    Column("members", "Thành viên", "delegation.members"),
    Column("stops", "Điểm đến", "delegation.stops"),
    Column("places", "Địa phương đến", None, ("Địa phương",)),
    Column("funding_source", "Nguồn kinh phí", "delegation.funding.source"),
    Column("funding_amount", "Kinh phí (đồng)", "delegation.funding.amount", ("Kinh phí", "Dự toán")),
    Column("number", "Số văn bản", "{doc}.number"),
    Column("date", "Ngày văn bản", "{doc}.date"),
    Column("recipient", "Kính gửi", "{doc}.recipient"),
    Column("signer_name", "Người ký", "{doc}.signer.name"),
    Column("signer_title", "Chức vụ người ký", "{doc}.signer.title"),
    Column("signer_authority", "Thẩm quyền ký", "{doc}.signer.authority"),
    Column("signer_on_behalf_of", "Ký thay cho", "{doc}.signer.on_behalf_of"),
    Column("cc", "Nơi nhận", "{doc}.cc"),
    Column("archive", "Lưu", "{doc}.archive"),
    Column("extra_members", "Người bổ sung", "escalation.extra_members"),
    Column("escalation_reason", "Lý do bổ sung", "escalation.reason"),
    Column("approval_number", "Số văn bản đồng ý", "approval.number"),
    Column("approved_size", "Số người được duyệt", "approval.approved_size"),
    Column("results", "Kết quả", "report.results"),
    Column("good_practices", "Kinh nghiệm hay", "report.good_practices"),
    Column("proposals", "Đề xuất, kiến nghị", "report.proposals"),
    Column("delay_reason", "Lý do chậm", "report.delay_reason"),
    Column("actual_size", "Số người đi thực tế", "report.actual_size"),
    Column("actual_members", "Người đi thực tế", "report.actual_members"),
    Column("actual_spending", "Kinh phí thực hiện (đồng)", "report.actual_spending"),
    Column("requested_on", "Ngày trình", "request.date"),
    Column("escalated_on", "Ngày trình bổ sung thành phần", "escalation.date"),
    Column("approved_on", "Ngày đồng ý bổ sung thành phần", "approval.date", ("Ngày văn bản đồng ý",)),
    Column("reported_on", "Ngày báo cáo", "report.date"),
    Column("report_on_time", "Báo cáo đúng hạn"),
    Column("state", "Trạng thái"),
    Column("source", "Tệp nguồn"),
)}
# Columns a table may carry for its readers' sake; every reader ignores them.
IGNORED_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự", "Ghi chú", "note", "notes")
DOTTED_PATH = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]+|\.\d+|\[\d+\])+")
_INDEX = re.compile(r"\.(\d+)(?=\.|$)|\[(\d+)\]")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@lru_cache(maxsize=1024)  # parsed once per column, not per row
def path_keys(path: str) -> tuple[str | int, ...]:
    """The keys of an input path, a.b[2].c as (a, b, 2, c), a.2.c too."""
    return tuple(int(index) if index else int(name) if name.isdigit() else name
                 for name, index in _PATH_PART.findall(path))


def header_key(text) -> str:
    """A header as compared: no case, no accents (đ is d), words separated by single spaces."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


_BY_KEY: dict[str, Column] = {}
for _column in COLUMNS.values():
    for _name in (_column.header, *_column.aliases, _column.key):
        _BY_KEY[header_key(_name)] = _column
_BY_PATH = {c.path: c for c in COLUMNS.values() if c.path and "{doc}" not in c.path}
_IGNORED = frozenset(header_key(h) for h in IGNORED_HEADERS)


def _schema_paths() -> frozenset[str]:
    """Every input path a dotted header may name, a list's items as [0] (SPEC §5, as model.py declares it)."""
    from marshmallow import fields as mf

    from ..model import TripSchema

    paths: set[str] = set()

    def walk(schema, prefix: str) -> None:
        for name, f in schema.fields.items():
            path = f"{prefix}{name}"
            paths.add(path)
            if isinstance(f, mf.List) and isinstance(f.inner, mf.Nested):
                walk(f.inner.schema, f"{path}[0].")
            elif isinstance(f, mf.Nested):
                walk(f.schema, f"{path}.")
    walk(TripSchema(), "")
    return frozenset(paths)


_PATHS: frozenset[str] | None = None


def input_paths() -> frozenset[str]:
    global _PATHS
    if _PATHS is None:
        _PATHS = _schema_paths()
    return _PATHS


@dataclass(frozen=True)
class Heading:
    """One titled column of a table: where it is, its title as written, and what it means."""

    index: int
    title: str
    column: Column | None      # None for a dotted input path that no column names
    path: str | None           # the input path ({doc} left in), or None


@lru_cache(maxsize=4096)  # a table asks the same headers on every row
def resolve(title: str) -> Column | str | None:
    """What a header means: a Column, a dotted input path, "" when ignored, None when unknown."""
    title = unicodedata.normalize("NFC", title).strip()
    if DOTTED_PATH.fullmatch(title) and title not in COLUMNS:
        if title in _BY_PATH:
            return _BY_PATH[title]
        shape = _INDEX.sub("[0]", title)
        return title if shape in input_paths() else None
    key = header_key(title)
    if key in _IGNORED:
        return ""
    return _BY_KEY.get(key)


@lru_cache(maxsize=4096)  # a table asks the same headers on every row
def input_path(title: str, section: str) -> str | None:
    """The input path a header stands for, in the document's section; None for a column that is not an input."""
    meaning = resolve(title)
    if isinstance(meaning, Column):
        path = meaning.path
    elif meaning:
        path = meaning
    else:
        path = None if meaning == "" else title.strip()
    return path.replace("{doc}", section) if path else None


def nearest_header(title: str) -> str:
    """The known header closest to a misspelt one (a dotted path: the closest input path).

    Closeness is difflib's, on the letters as written (accents kept) and on the words without accents, so
    “Số ngày” is nearest “Số người”, not “Số đăng ký”."""
    title = unicodedata.normalize("NFC", title).strip()
    if DOTTED_PATH.fullmatch(title):
        return max(sorted(input_paths()), key=lambda p: difflib.SequenceMatcher(None, _INDEX.sub("[0]", title), p)
                   .ratio())
    names = [name for c in COLUMNS.values() for name in (c.header, *c.aliases)]

    def closeness(name: str) -> float:
        letters = difflib.SequenceMatcher(None, title.casefold(), name.casefold()).ratio()
        words = difflib.SequenceMatcher(None, header_key(title).split(), header_key(name).split()).ratio()
        return letters + words
    return max(names, key=closeness)


def clean_cell(value):
    """A cell as read: text in NFC, each line break one LF (a CRLF, from Windows or from Word pasted into Excel, was
    two breaks in the letter), a blank cell None."""
    if isinstance(value, str):
        if not value.strip():
            return None
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if not unicodedata.is_normalized("NFC", value):
            return unicodedata.normalize("NFC", value)
    return value


def known_header(cell) -> bool:
    """Whether a cell is a header the vocabulary knows (a column, or an input path)."""
    return isinstance(cell, str) and resolve(cell) not in (None, "")


def header_index(head: list[tuple[int, list]]) -> int | None:
    """The header: the first row with two known headers; else the first row with two cells (its names are then
    checked, and the unknown ones named); None when no row looks like one."""
    for i, (_, cells) in enumerate(head):
        if sum(known_header(c) for c in cells) >= 2:
            return i
    for i, (_, cells) in enumerate(head):
        filled = [c for c in cells if clean_cell(c) is not None]
        if filled:
            return i if len(filled) >= 2 else None
    return None

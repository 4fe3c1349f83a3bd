"""Tables as Excel writes them (CSV in its dialects and encodings, XLSX), read into rows of cells under one header vocabulary.

`batch` and `register import` both read through `open_table`: the same title rows skipped above
the header, the same `STT` and `Ghi chú` columns ignored, the same headers (COLUMNS) understood,
the same refusals. A table exported from the register can be fed to batch, and back.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InvalidInput

# --- limits (README, "Tables"): checked from the zip directory before openpyxl parses anything ----------
MAX_SHEET_BYTES = 256 * 2**20     # the worksheet read, uncompressed (streamed: costs time, not memory)
MAX_PART_BYTES = 32 * 2**20       # every other XML part (shared strings, styles...), which openpyxl loads whole
MAX_CELLS = 1_000_000             # cells in the worksheet read, and shared strings (10,000 rows of 30: 300,000)
HEADER_SEARCH_ROWS = 10           # title rows may sit above the header
CSV_SAMPLE_BYTES = 64 * 1024      # what the encoding and the separator are decided from
CSV_SEPARATORS = (",", ";", "\t")  # Excel: "," (CSV UTF-8), ";" where the decimal mark is "," (Vietnamese), tab (Unicode text)


# --- the header vocabulary ----------------------------------------------------------------------------

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

    from .model import TripSchema

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


# --- messages -------------------------------------------------------------------------------------------

MESSAGES = {
    "where": "Không đọc được bảng “{path}”",
    "type": "chỉ nhận {suffixes}",
    "missing": "không tìm thấy tệp",
    "empty": "tệp rỗng",
    "not_utf8": "tệp không phải UTF-8 (dòng {line} có byte không phải UTF-8; hãy lưu dạng CSV UTF-8)",
    "not_text": "không phải văn bản UTF-8, UTF-16 hay Windows-1258",
    "bad_bytes": "có byte không phải {encoding} (hãy lưu dạng CSV UTF-8)",
    "legacy_file": ("Bảng “{path}” viết bằng chữ {encoding} (bảng mã cũ): đã đọc theo bảng mã Windows-1252 của "
                    "phông chữ đó."),
    "cp1258": ("Bảng “{path}” không phải UTF-8: đã đọc theo bảng mã Windows-1258 (tiếng Việt); hãy soát chữ có "
               "dấu, hoặc lưu lại dạng “CSV UTF-8”."),
    "no_header": ("không thấy dòng tiêu đề trong {rows} dòng đầu (cần ít nhất hai cột có trong mẫu, như "
                  "“Đơn vị”, “Ngày đi”, “Trưởng đoàn”)"),
    "unknown": "cột không có trong mẫu: {columns} — sửa tên cột, hoặc xóa cột không dùng",
    "unknown_one": "“{title}” (gần nhất: “{nearest}”)",
    "twice": "cột “{title}” có hai lần (cột {first} và {second})",
    "same": "cột “{title}” trùng nghĩa với cột “{other}” (cột {first} và {second})",
    "extra_csv": ("Dòng có {count} ô, nhiều hơn số cột tiêu đề ({width}): kiểm tra dấu phân cách và dấu ngoặc "
                  "kép."),
    "untitled": "Ô {ref} có giá trị nhưng cột {letter} không có tiêu đề: thêm tiêu đề cho cột, hoặc xóa ô.",
    "sheet_missing": "không có trang tính “{name}” (các trang: {names})",
    "sheet_hidden": "trang tính “{name}” đang ẩn — bỏ ẩn (Unhide) nếu đúng là trang cần đọc",
    "no_sheet": "không có trang tính nào đang hiện",
    "sheet_read": ("Đã đọc trang tính “{name}” (trang đang mở) trong {count} trang; trang khác: thêm "
                   "--sheet TÊN."),
    "sheet_csv": "--sheet chỉ dùng cho bảng .xlsx",
    "legacy_header": ("Dòng tiêu đề viết bằng chữ {encoding} (bảng mã cũ): đã đọc tên cột theo Unicode; ô nào còn "
                      "chữ {encoding} sẽ được nêu theo từng dòng."),
    "too_big": ("phần “{part}” của tệp giải nén ra {size} MB, quá giới hạn {limit} MB — hãy chia bảng thành "
                "nhiều tệp"),
    "too_many_cells": "trang tính có hơn {limit} ô, quá giới hạn — hãy chia bảng thành nhiều tệp",
    "too_many_strings": "phần “{part}” có hơn {limit} chuỗi, quá giới hạn — hãy chia bảng thành nhiều tệp",
    "ole2": ("tệp Excel có đặt mật khẩu hoặc là dạng .xls cũ — hãy mở bằng Excel, bỏ mật khẩu (File > Info > "
             "Protect Workbook) và lưu dạng .xlsx"),
    "not_xlsx": "không phải tệp Excel .xlsx hợp lệ ({reason})",
    "broken_sheet": "trang tính hỏng ({reason})",
    "empty_sheet": "trang tính rỗng",
    "merged_header": "ô gộp {ref} ở dòng tiêu đề: mỗi cột cần một tiêu đề riêng",
    "merged_rows": ("ô gộp {ref} ({rows}, cột {columns}): giá trị chỉ nằm ở ô đầu, các ô còn lại sẽ bị coi là "
                    "trống"),
    "unmerge": " — hãy bỏ gộp ô (Merge & Center) và điền giá trị cho từng ô.",
    "formula": ("ô công thức chưa có giá trị{more} — hãy mở bằng Excel và lưu lại, hoặc dán giá trị thay cho "
                "công thức."),
    "more": " (và {count} ô khác)",
    # cells both readers check the same way
    "not_count": "“{value}” không phải số người (số nguyên dương).",
    "size_mismatch": "Số người {size} khác số người ghi tên: trưởng đoàn và {members} thành viên.",
}

# csv's own messages, in the user's words (the first that matches).
_CSV_ERRORS = (
    ("unexpected end of data", "dấu ngoặc kép (\") mở mà không đóng, ô kéo dài đến hết tệp"),
    ("expected after", "sau dấu ngoặc kép đóng phải là dấu phân cách (ô viết sai dạng \"...\" ...)"),
    ("field larger than field limit", f"có ô dài quá {csv.field_size_limit():,} ký tự".replace(",", ".")),
    ("line contains nul", "có ký tự NUL (tệp nhị phân, không phải CSV?)"),
)


def _refuse(path, reason: str, where: str = "") -> InvalidInput:
    return InvalidInput(f"{MESSAGES['where'].format(path=path)}{where}: {reason}.")


def letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


# --- the table ------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One data row: its number as the user sees it (Excel's row), its cells by heading title, or why it is bad."""

    number: int
    values: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class Table:
    """An open table: its header row, its headings, notes on how it was read; iterate for its data rows."""

    source: Path
    header_row: int
    headings: list[Heading]
    notes: list[str]
    _rows: Iterator[tuple[int, list]]
    _width_error: Callable[[int, list, int, int], str]
    _close: Callable[[], None]
    _width: int = 0                          # cells in the header row
    _ignored: frozenset = frozenset()        # indexes of the columns every reader ignores (STT, Ghi chú)

    def __iter__(self) -> Iterator[Row]:
        titled = {h.index for h in self.headings}
        ignored = self._ignored
        for number, cells in self._rows:
            cells = [_clean(c) for c in cells]
            if all(c is None for c in cells):
                continue
            stray = [i for i, c in enumerate(cells) if c is not None and i not in titled and i not in ignored]
            if stray:
                yield Row(number, error=self._width_error(number, cells, stray[0], self._width))
                continue
            yield Row(number, {h.title: cells[h.index] if h.index < len(cells) else None for h in self.headings})

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _clean(value):
    """A cell as read: text in NFC, a blank cell None."""
    if isinstance(value, str):
        if not value.strip():
            return None
        if not unicodedata.is_normalized("NFC", value):
            return unicodedata.normalize("NFC", value)
    return value


def open_table(path, *, sheet: str | None = None, section: str | None = None) -> Table:
    """Open a .csv or .xlsx table: find its header (below any title rows), check every header, and return the
    Table to iterate. InvalidInput, one line, when the table cannot be read or has a column nobody knows.

    `section` (batch: the document's section) makes two headers meaning the same input path an error too.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise _refuse(p, MESSAGES["type"].format(suffixes=".csv, .xlsx"))
    if not p.is_file():
        raise _refuse(p, MESSAGES["missing"])
    if suffix == ".csv":
        if sheet is not None:
            raise _refuse(p, MESSAGES["sheet_csv"])
        rows, notes, close, width_error = _open_csv(p)
        merged = formulas = ()
    else:
        rows, notes, close, width_error, merged, formulas = _open_xlsx(p, sheet)
    try:
        head, broken = _head(rows)
        at = _header_index(head)
        if at is None:
            if not head or all(_clean(c) is None for number, cells in head for c in cells):
                raise _refuse(p, MESSAGES["empty"] if suffix == ".csv" else MESSAGES["empty_sheet"])
            raise _refuse(p, MESSAGES["no_header"].format(rows=HEADER_SEARCH_ROWS))
        header_row, titles = head[at]
        headings, ignored = _headings(p, header_row, titles, section, notes)
        _audit(p, header_row, headings, merged, formulas)
        body = _skip_numbering_row(itertools.chain(head[at + 1:], _raise(broken) if broken else rows))
        return Table(p, header_row, headings, notes, body, width_error, close, len(titles), ignored)
    except BaseException:
        close()
        raise


def _head(rows: Iterator[tuple[int, list]]) -> tuple[list[tuple[int, list]], InvalidInput | None]:
    """The first rows, where the header is looked for; a table that breaks among them breaks where it breaks,
    once the rows before are read (so its error is raised in turn, not before them)."""
    head = []
    try:
        for row in itertools.islice(rows, HEADER_SEARCH_ROWS):
            head.append(row)
    except InvalidInput as exc:
        if not head:
            raise
        return head, exc
    return head, None


def _raise(error: Exception) -> Iterator:
    raise error
    yield


def _known(cell) -> bool:
    """Whether a cell is a header the vocabulary knows (a column, or an input path)."""
    return isinstance(cell, str) and resolve(cell) not in (None, "")


def _header_index(head: list[tuple[int, list]]) -> int | None:
    """The header: the first row with two known headers; else the first row with two cells (its names are then
    checked, and the unknown ones named); None when no row looks like one."""
    for i, (_, cells) in enumerate(head):
        if sum(_known(c) for c in cells) >= 2:
            return i
    for i, (_, cells) in enumerate(head):
        filled = [c for c in cells if _clean(c) is not None]
        if filled:
            return i if len(filled) >= 2 else None
    return None


def _legacy_header(title: str, titles: list, notes: list[str]) -> tuple[Column, str] | None:
    """A header typed in a TCVN3 or VNI font (Excel keeps those letters as they look): the column it names, the
    encoding judged on the whole header row (one word alone is too little to tell)."""
    from .legacy import NAMES, detect, to_unicode

    encoding = detect(" ".join(str(t) for t in titles if isinstance(t, str)))
    converted = to_unicode(title, encoding) if encoding else ""
    meaning = resolve(converted) if encoding else None
    if not isinstance(meaning, Column):
        return None
    note = MESSAGES["legacy_header"].format(encoding=NAMES[encoding])
    if note not in notes:
        notes.append(note)
    return meaning, converted


def _headings(p: Path, number: int, titles: list, section: str | None,
              notes: list[str]) -> tuple[list[Heading], frozenset]:
    where = ", dòng tiêu đề" + (f" (dòng {number})" if number > 1 else "")
    headings, unknown, ignored = [], [], set()
    seen: dict[object, Heading] = {}
    for i, title in enumerate(titles):
        title = _clean(title)
        if title is None:
            continue
        text = str(title).strip()
        meaning = resolve(text)
        if meaning == "":
            ignored.add(i)
            continue
        if meaning is None:
            meaning, text = _legacy_header(text, titles, notes) or (None, text)
        if meaning is None:
            unknown.append(MESSAGES["unknown_one"].format(title=text, nearest=nearest_header(text)))
            continue
        column = meaning if isinstance(meaning, Column) else None
        heading = Heading(i, text, column, column.path if column else meaning)
        identities = [column.key if column else heading.path]
        if section and heading.path:
            identities.append(heading.path.replace("{doc}", section))
        for identity in identities:
            other = seen.get(identity)
            if other is not None:
                same = header_key(other.title) == header_key(text)
                reason = MESSAGES["twice" if same else "same"].format(
                    title=text, other=other.title, first=letter(other.index), second=letter(i))
                raise _refuse(p, reason, where)
            seen[identity] = heading
        headings.append(heading)
    if unknown:
        raise _refuse(p, MESSAGES["unknown"].format(columns=", ".join(unknown)), where)
    return headings, frozenset(ignored)


_ORDINAL = re.compile(r"\(?(\d{1,3})\)?")


def _skip_numbering_row(body: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Drop the row of column numbers (1), (2), (3)... that Vietnamese forms print under their header."""
    for number, cells in body:
        filled = [str(c).strip() for c in cells if _clean(c) is not None]
        if not filled:
            continue  # blank rows are skipped anyway; the numbering row is the first one filled
        numbers = [int(m.group(1)) for m in map(_ORDINAL.fullmatch, filled) if m]
        if not (len(filled) >= 2 and len(numbers) == len(filled)
                and numbers == list(range(numbers[0], numbers[0] + len(numbers)))):
            yield number, cells
        yield from body
        return


# --- CSV ------------------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _csv_encoding(p: Path, sample: bytes, complete: bool) -> tuple[str, list[str]]:
    """The encoding Excel wrote the file in: UTF-8 (BOM or not), UTF-16 ("Unicode text"), or Windows-1258."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", []
    if len(sample) >= 4 and sample.count(b"\x00") * 3 >= len(sample):  # UTF-16 without its BOM
        odd = sample[1::2].count(b"\x00")
        return ("utf-16-le" if odd > sample[0::2].count(b"\x00") else "utf-16-be"), []
    try:
        sample.decode("utf-8")
        return "utf-8", []
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and not complete:  # a letter the sample cut in two
            return "utf-8", []
        if _UTF8_MULTIBYTE.search(sample):  # UTF-8 with a few bad bytes: not a Windows file
            raise _refuse(p, MESSAGES["not_utf8"].format(line=sample[: exc.start].count(b"\n") + 1)) from None
    legacy = _legacy_file(sample)
    if legacy:
        return "cp1252", [MESSAGES["legacy_file"].format(path=p, encoding=legacy)]
    try:
        sample.decode("cp1258")
    except UnicodeDecodeError:
        raise _refuse(p, MESSAGES["not_text"]) from None
    return "cp1258", [MESSAGES["cp1258"].format(path=p)]


def _legacy_file(sample: bytes) -> str | None:
    """The name of the legacy font encoding (TCVN3, VNI) a file of 8-bit text reads as, its bytes taken as the
    font's (Windows-1252) letters, when that reads as more Vietnamese than Windows-1258 does; else None."""
    from .legacy import _WORD, NAMES, detect, is_syllable, to_unicode

    as_fonts = sample.decode("cp1252", errors="replace")
    encoding = detect(as_fonts)
    if encoding is None:
        return None

    def syllables(text: str) -> int:
        return sum(map(is_syllable, _WORD.findall(unicodedata.normalize("NFC", text))))
    as_windows = sample.decode("cp1258", errors="replace")
    return NAMES[encoding] if syllables(to_unicode(as_fonts, encoding)) > syllables(as_windows) else None


def _rows_of(text: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _csv_separator(sample: str, complete: bool) -> str:
    """The separator under which the header and the rows read most consistently (csv.Sniffer guesses from one
    line, and turns doubled quotes off).

    Each candidate parses the sample as Excel writes it (quotes doubled inside quoted cells); the one whose header
    row has the most known headers wins, then the one whose rows have as many cells as the header."""
    best, best_score = ",", None
    for delimiter in CSV_SEPARATORS:
        rows: list[list[str]] = []
        try:
            for row in _rows_of(io.StringIO(sample, newline=""), delimiter):
                rows.append(row)
        except csv.Error:
            pass
        if not complete and rows:
            rows.pop()  # the sample may end inside the last row
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        numbered = list(enumerate(rows))
        at = _header_index(numbered[:HEADER_SEARCH_ROWS]) or 0
        header = rows[at]
        width = len(header)
        body = rows[at + 1:]
        consistent = sum(1 for r in body if len(r) == width)
        known = sum(_known(c) for c in header)
        score = (known, consistent, width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])\r?(?:\n|$)")


class _BadBytes(Exception):
    pass


def _text_lines(f, encoding: str) -> Iterator[str]:
    """The file's lines as text (any line ending, kept as written, as csv wants); _BadBytes at a bad one."""
    errors = "surrogatepass" if encoding.startswith("utf-16") else "surrogateescape"
    text = io.TextIOWrapper(f, encoding=encoding, errors=errors, newline="")
    for line in text:
        if _SURROGATE.search(line):
            raise _BadBytes()
        yield line


def _open_csv(p: Path):
    f = open(p, "rb")
    try:
        sample = f.read(CSV_SAMPLE_BYTES)
        complete = len(sample) < CSV_SAMPLE_BYTES
        encoding, notes = _csv_encoding(p, sample, complete)
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        sample_text = decoder.decode(sample, final=complete)
        if not sample_text.strip():
            raise _refuse(p, MESSAGES["empty"])
        declared = _SEP_LINE.match(sample_text)   # Excel's own "sep=;" first line, which Excel does not show
        delimiter = declared.group(1) if declared else _csv_separator(sample_text, complete)
        f.seek(0)
    except BaseException:
        f.close()
        raise
    lines = _text_lines(f, encoding)
    if declared:
        next(lines, None)
    reader = _rows_of(lines, delimiter)
    label = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1258": "Windows-1258", "cp1252": "Windows-1252"}.get(
        encoding, "UTF-16")

    def rows() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):  # a record is a row, whatever new lines its cells hold
                yield number, cells
        except csv.Error as exc:
            text = str(exc)
            reason = next((words for key, words in _CSV_ERRORS if key in text.lower()), text)
            raise _refuse(p, reason, f", dòng {number + 1}") from None
        except _BadBytes:
            raise _refuse(p, MESSAGES["bad_bytes"].format(encoding=label), f", dòng {number + 1}") from None

    def width_error(number: int, cells: list, index: int, width: int) -> str:
        if index >= width:
            return MESSAGES["extra_csv"].format(count=len(cells), width=width)
        return MESSAGES["untitled"].format(ref=f"{letter(index)}{number}", letter=letter(index))

    return rows(), notes, f.close, width_error


# --- XLSX -----------------------------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .xlsx, or an old .xls, is an OLE2 file
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _check_parts(p: Path, archive: zipfile.ZipFile) -> None:
    """Refuse, from the zip directory alone, a part that would expand past its limit (zipfile never
    inflates a member past the size the directory declares)."""
    for info in archive.infolist():
        name = info.filename
        if not name.endswith((".xml", ".rels")) or name.startswith("xl/worksheets/"):
            continue
        if info.file_size > MAX_PART_BYTES:
            raise _refuse(p, MESSAGES["too_big"].format(part=name, size=info.file_size // 2**20,
                                                        limit=MAX_PART_BYTES // 2**20))
        if name.lower().endswith("sharedstrings.xml"):  # openpyxl builds every string at once: count them first
            _count(p, archive, name, _NS + "si", MESSAGES["too_many_strings"])


def _count(p: Path, archive: zipfile.ZipFile, part: str, tag: str, message: str) -> int:
    """The elements `tag` in a part, streamed in flat memory; refused past MAX_CELLS."""
    from xml.etree.ElementTree import ParseError, iterparse

    count = 0
    try:
        with archive.open(part) as xml:
            for _, el in iterparse(xml):
                if el.tag == tag:
                    count += 1
                    if count > MAX_CELLS:
                        raise _refuse(p, message.format(part=part, limit=f"{MAX_CELLS:,}".replace(",", ".")))
                    el.clear()
    except (ParseError, zipfile.BadZipFile, EOFError) as exc:
        raise _refuse(p, MESSAGES["not_xlsx"].format(reason=type(exc).__name__)) from None
    return count


def _choose_sheet(p: Path, book, name: str | None):
    visible = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
    if name is not None:
        wanted = unicodedata.normalize("NFC", name).strip()
        match = next((s for s in book.worksheets if s.title == wanted), None) or \
            next((s for s in book.worksheets if header_key(s.title) == header_key(wanted)), None)
        if match is None:
            raise _refuse(p, MESSAGES["sheet_missing"].format(
                name=name, names=", ".join(f"“{s.title}”" for s in visible) or "không có"))
        if match not in visible:
            raise _refuse(p, MESSAGES["sheet_hidden"].format(name=match.title))
        return match, []
    if not visible:
        raise _refuse(p, MESSAGES["no_sheet"])
    active = book.active
    sheet = active if active in visible else visible[0]
    notes = [MESSAGES["sheet_read"].format(name=sheet.title, count=len(visible))] if len(visible) > 1 else []
    return sheet, notes


def _open_xlsx(p: Path, sheet_name: str | None):
    import openpyxl
    with open(p, "rb") as f:
        if f.read(8) == _OLE2:
            raise _refuse(p, MESSAGES["ole2"])
    try:
        with zipfile.ZipFile(p) as archive:
            _check_parts(p, archive)
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)  # data_only: a formula's last value
    except InvalidInput:
        raise
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a broken file
        raise _refuse(p, MESSAGES["not_xlsx"].format(reason=type(exc).__name__)) from None
    try:
        sheet, notes = _choose_sheet(p, book, sheet_name)
        merged, formulas = _scan_sheet(p, sheet)
        sheet.reset_dimensions()  # a stale <dimension> would cut the rows and columns beyond it
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    except BaseException:
        book.close()
        raise

    def width_error(number: int, cells: list, index: int, width: int) -> str:
        return MESSAGES["untitled"].format(ref=f"{letter(index)}{number}", letter=letter(index))

    return rows, notes, book.close, width_error, merged, formulas


def _scan_sheet(p: Path, sheet) -> tuple[list[str], list[str]]:
    """One streaming pass over the sheet's XML, before openpyxl reads it: its size and cell count within the
    limits, and what read-only openpyxl cannot show (merged cells; formulas never calculated, which it gives
    as None). Measured on 10,000 rows: 45 MB resident for read-only plus this pass, 153 MB for a full load."""
    from xml.etree.ElementTree import ParseError, iterparse

    merged, uncalculated = [], []
    cells = 0
    try:
        with zipfile.ZipFile(p) as archive:
            part = sheet._worksheet_path  # openpyxl's own path to the sheet
            size = archive.getinfo(part).file_size
            if size > MAX_SHEET_BYTES:
                raise _refuse(p, MESSAGES["too_big"].format(part=part, size=size // 2**20,
                                                            limit=MAX_SHEET_BYTES // 2**20))
            with archive.open(part) as xml:
                data = None
                for event, el in iterparse(xml, events=("start", "end")):
                    if event == "start":
                        if el.tag == _NS + "sheetData":
                            data = el
                        continue
                    if el.tag == _NS + "c":
                        cells += 1
                        if cells > MAX_CELLS:
                            raise _refuse(p, MESSAGES["too_many_cells"].format(
                                limit=f"{MAX_CELLS:,}".replace(",", ".")))
                        formula, value = el.find(_NS + "f"), el.find(_NS + "v")
                        if formula is not None and (value is None or not (value.text or "").strip()):
                            uncalculated.append(el.get("r") or "")
                    elif el.tag == _NS + "row" and data is not None:
                        data.clear()  # rows already read: memory stays flat
                    elif el.tag == _NS + "mergeCell":
                        merged.append(el.get("ref") or "")
    except (KeyError, AttributeError, ParseError, zipfile.BadZipFile) as exc:
        raise _refuse(p, MESSAGES["broken_sheet"].format(reason=type(exc).__name__)) from None
    return merged, uncalculated


def _audit(p: Path, header_row: int, headings: list[Heading], merged, formulas) -> None:
    """Refuse a merged cell in the header or the data (a merged title above the header is a title), and a
    formula never calculated there."""
    from openpyxl.utils import column_index_from_string, range_boundaries

    titles = {h.index: h.title for h in headings}

    def column(index: int) -> str:
        return titles.get(index - 1) or letter(index - 1)

    def more(items) -> str:
        return MESSAGES["more"].format(count=len(items) - 1) if len(items) > 1 else ""

    merged = [ref for ref in merged if range_boundaries(ref)[3] >= header_row]
    if merged:
        first_col, first_row, last_col, last_row = range_boundaries(merged[0])
        if first_row <= header_row:
            where = MESSAGES["merged_header"].format(ref=merged[0])
        else:
            columns = ", ".join(dict.fromkeys(column(c) for c in range(first_col, last_col + 1)))
            rows = f"dòng {first_row}" + (f"–{last_row}" if last_row > first_row else "")
            where = MESSAGES["merged_rows"].format(ref=merged[0], rows=rows, columns=columns)
        raise InvalidInput(f"{MESSAGES['where'].format(path=p)}: {where}{more(merged)}{MESSAGES['unmerge']}")
    formulas = [ref for ref in formulas if int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0) >= header_row]
    if formulas:
        ref = formulas[0]
        letters = ref.rstrip("0123456789")
        raise InvalidInput(f"{MESSAGES['where'].format(path=p)}, dòng {ref[len(letters):]}, cột "
                           f"{column(column_index_from_string(letters))}: "
                           + MESSAGES["formula"].format(more=more(formulas)))

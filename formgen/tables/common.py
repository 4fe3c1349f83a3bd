"""What every table reader shares: the limits it checks before parsing, its messages, one refusal."""
from __future__ import annotations

import csv

from ..errors import InvalidInput


# --- limits (README, "Tables"): checked from the zip directory before openpyxl parses anything ----------
MAX_SHEET_BYTES = 256 * 2**20     # the worksheet read, uncompressed (streamed: costs time, not memory)
MAX_PART_BYTES = 32 * 2**20       # every other XML part (shared strings, styles...), which openpyxl loads whole
MAX_CELLS = 1_000_000             # cells in the worksheet read, and shared strings (10,000 rows of 30: 300,000)
HEADER_SEARCH_ROWS = 10           # title rows may sit above the header
CSV_SAMPLE_BYTES = 64 * 1024      # what the encoding and the separator are decided from
CSV_SEPARATORS = (",", ";", "\t")  # Excel: "," (CSV UTF-8), ";" where the decimal mark is "," (Vietnamese), tab (Unicode text)
# What Excel saves in place of a value it could not calculate: in an .xlsx a cell of type "e" (any text), in a
# CSV the error as text. openpyxl's ERROR_CODES, and the errors of Excel 365's newer functions.
EXCEL_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#PYTHON!"))


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
    "hidden_rows": ("dòng {rows} đang ẩn{how} mà có dữ liệu — hiện lại (Unhide{undo}) để soát, rồi xóa dòng nào "
                    "không cần lập văn bản"),
    "filtered": " (hoặc bị lọc bỏ)",
    "unfilter": ", bỏ lọc",
    "hidden_columns": "cột {columns} đang ẩn mà có dữ liệu — hiện lại (Unhide) để soát, rồi xóa cột nào không dùng",
    "more_rows": " và {count} dòng khác",
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
    "excel_error": ("Ô {ref} (cột “{title}”) là lỗi Excel “{code}”, không phải giá trị{more}: sửa công thức hoặc "
                    "nhập giá trị trong Excel rồi lưu lại."),
    # JSON Lines (tables.jsonlines)
    "jsonl_utf16": "tệp viết bằng UTF-16, mà JSON Lines phải là UTF-8 (hãy lưu lại với bảng mã UTF-8)",
    "jsonl_bytes": "có byte không phải UTF-8 (JSON Lines phải là UTF-8; hãy lưu lại với bảng mã UTF-8)",
    "jsonl_syntax": "JSON lỗi ở cột {column}: {reason}.",
    "jsonl_twice": "Khóa “{key}” được ghi hai lần.",
    "jsonl_digits": "JSON có số quá dài (hàng nghìn chữ số).",
    "jsonl_deep": "JSON lồng nhau quá sâu.",
    "jsonl_object": "Dòng phải là một đối tượng JSON.",
    "jsonl_same": "Khóa “{key}” trùng nghĩa với khóa “{other}” (cùng ghi {path}): chỉ giữ một.",
    # cells both readers check the same way
    "not_count": "“{value}” không phải số người (số nguyên dương).",
    "size_mismatch": "Số người {size} khác số người ghi tên: trưởng đoàn và {members} thành viên.",
}

# csv's own messages, in the user's words (the first that matches).
CSV_ERRORS = (
    ("unexpected end of data", "dấu ngoặc kép (\") mở mà không đóng, ô kéo dài đến hết tệp"),
    ("expected after", "sau dấu ngoặc kép đóng phải là dấu phân cách (ô viết sai dạng \"...\" ...)"),
    ("field larger than field limit", f"có ô dài quá {csv.field_size_limit():,} ký tự".replace(",", ".")),
    ("line contains nul", "có ký tự NUL (tệp nhị phân, không phải CSV?)"),
)


class CellError:
    """A cell whose saved value is an Excel error (#N/A, #REF!...): never read as text."""

    __slots__ = ("code",)

    def __init__(self, code) -> None:
        self.code = str(code).strip()

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"


def refuse(path, reason: str, where: str = "") -> InvalidInput:
    return InvalidInput(f"{MESSAGES['where'].format(path=path)}{where}: {reason}.")


def letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)

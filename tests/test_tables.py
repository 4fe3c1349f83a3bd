"""Tables as Excel writes them, read the same way by `batch` and `register import` (formgen.tables)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from formgen import tables
from formgen.register import Register
from helpers import docx_lines, rewrite_sheet
from test_batch import BASE
from test_register import _windows_1258


def csv_text(rows: list[list], delimiter: str = ",", newline: str = "\r\n") -> str:
    """A table as Excel saves it: quotes doubled inside quoted cells, CRLF between rows."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def base_rows(**changes) -> list[list]:
    row = dict(BASE, **changes)
    return [list(row), list(row.values())]


def batch(run_formgen, table: Path, out: Path, *extra):
    return run_formgen("batch", "request", table, "-o", out, "--jobs", "1", *extra)


def letter_text(out: Path) -> str:
    (doc,) = out.glob("*.docx")
    return "\n".join(docx_lines(doc))


def register_import(run_formgen, tmp_path, table: Path, *extra):
    return run_formgen("register", "import", table, "--register", tmp_path / "so.sqlite", "--json", *extra)


# --- CSV ---------------------------------------------------------------------------------------------


def test_a_cell_with_doubled_quotes_reaches_the_letter_as_typed(tmp_path, run_formgen):
    purpose = 'Học tập "Mô hình ""một cửa""" của Đà Nẵng, nâng cao Chỉ số cải cách hành chính.'
    (tmp_path / "bang.csv").write_text(csv_text(base_rows(**{"Mục đích": purpose})), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert purpose in letter_text(tmp_path / "out").splitlines()


def test_a_cell_holding_quotes_commas_and_new_lines_arrives_whole(tmp_path, run_formgen):
    members = ('Trần Thị Bích Ngọc | Trưởng phòng "Cải cách hành chính" | Sở Nội vụ\n'
               'Lê Hoàng Phúc | Phó Chánh Văn phòng, phụ trách tổng hợp | Sở Nội vụ')
    rows = base_rows(**{"Thành viên": members})
    rows.append(list(dict(BASE, **{"Ngày đi": "31/02/2024"}).values()))
    (tmp_path / "bang.csv").write_text(csv_text(rows), encoding="utf-8-sig")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 1
    text = letter_text(tmp_path / "out")
    assert 'Trưởng phòng "Cải cách hành chính"' in text and "Phó Chánh Văn phòng, phụ trách tổng hợp" in text
    # The bad row is named by its row as Excel shows it, though the cell above spans two lines of the file.
    assert any(line.startswith(f"{tmp_path / 'bang.csv'}, dòng 3: ") for line in result.stdout.splitlines())


def test_a_semicolon_table_whose_header_holds_a_comma_is_read_by_its_columns(tmp_path, run_formgen):
    report = {"Số văn bản": "18", "Ngày văn bản": "18/06/2024", "Kết quả": "Đoàn đã làm việc với Sở Nội vụ, "
              "thành phố Đà Nẵng.", "Kinh nghiệm hay": "Một đầu mối theo dõi chỉ số PAR INDEX.",
              "Đề xuất, kiến nghị": "Đề nghị thí điểm mô hình đầu mối; bố trí kinh phí số hóa."}
    rows = base_rows(**report)
    (tmp_path / "bang.csv").write_text(csv_text(rows, ";"), encoding="utf-8-sig")  # Excel, Vietnamese locale
    result = run_formgen("batch", "report", tmp_path / "bang.csv", "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    assert "Đề nghị thí điểm mô hình đầu mối; bố trí kinh phí số hóa." in text
    assert "Đoàn đã làm việc với Sở Nội vụ, thành phố Đà Nẵng." in text


ENCODINGS = {
    "utf-8": lambda rows: csv_text(rows).encode("utf-8"),
    "utf-8 with BOM": lambda rows: csv_text(rows).encode("utf-8-sig"),
    "UTF-16, tabs (Excel's Unicode text)": lambda rows: csv_text(rows, "\t").encode("utf-16"),
    "UTF-16 without its BOM": lambda rows: csv_text(rows, "\t").encode("utf-16-le"),
    "Windows-1258, semicolons": lambda rows: _windows_1258(csv_text(rows, ";")),
    "UTF-8, old Mac line ends": lambda rows: csv_text(rows, newline="\r").encode("utf-8"),
}


def test_one_table_in_every_encoding_excel_writes_gives_the_same_letter(tmp_path, run_formgen):
    rows = base_rows(**{"Mục đích": 'Học tập "một cửa", liên thông.', "Trưởng đoàn": "Nguyễn Thị Ngọc Huyền",
                        "Người ký": "Nguyễn Thị Ngọc Huyền"})
    letters, notes = {}, {}
    for i, (name, encode) in enumerate(ENCODINGS.items()):
        (tmp_path / f"{i}.csv").write_bytes(encode(rows))
        result = batch(run_formgen, tmp_path / f"{i}.csv", tmp_path / str(i))
        assert result.exit_code == 0, (name, result.stdout + result.stderr)
        letters[name] = letter_text(tmp_path / str(i))
        notes[name] = [line for line in result.stdout.splitlines() if line.startswith("Ghi chú:")]
    first = letters["utf-8"]
    assert 'Học tập "một cửa", liên thông.' in first and "Nguyễn Thị Ngọc Huyền" in first
    assert all(text == first for text in letters.values())
    # Only the guess is said: the file was not UTF-8, and was read as Windows-1258.
    assert notes.pop("Windows-1258, semicolons") == [
        f"Ghi chú: Bảng “{tmp_path / '4.csv'}” không phải UTF-8: đã đọc theo bảng mã Windows-1258 (tiếng Việt); "
        "hãy soát chữ có dấu, hoặc lưu lại dạng “CSV UTF-8”."]
    assert all(found == [] for found in notes.values())


def test_register_import_reads_utf16_and_windows_1258_and_says_which_it_guessed(tmp_path, run_formgen):
    rows = [["Đơn vị", "Mã đơn vị", "Địa danh", "Ngày đi", "Số người", "Trưởng đoàn"],
            ["Sở Nội vụ", "SNV", "Hậu Giang", "03/06/2024", "7", "Nguyễn Văn An"]]
    (tmp_path / "unicode.csv").write_bytes(csv_text(rows, "\t").encode("utf-16"))
    result = register_import(run_formgen, tmp_path, tmp_path / "unicode.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (json.loads(result.stdout)["added"], json.loads(result.stdout)["notes"]) == ([1], [])
    rows[1][5] = "Trần Thị Bích Ngọc"
    (tmp_path / "windows.csv").write_bytes(_windows_1258(csv_text(rows, ";")))
    result = register_import(run_formgen, tmp_path, tmp_path / "windows.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Windows-1258" in json.loads(result.stdout)["notes"][0]
    with Register(tmp_path / "so.sqlite") as reg:
        assert [r.leader_name for r in reg.list()] == ["Nguyễn Văn An", "Trần Thị Bích Ngọc"]


# --- XLSX --------------------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]], active: str | None = None, hidden=()) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    if active:
        book.active = book.sheetnames.index(active)
    book.save(path)
    return path


def test_the_sheet_open_in_excel_is_read_and_the_note_names_it(tmp_path, run_formgen):
    old = base_rows(**{"Trưởng đoàn": "Lê Văn Cũ", "Người ký": "Lê Văn Cũ"})
    path = workbook(tmp_path / "bang.xlsx", {"Năm 2023": old, "Năm 2024": base_rows()}, active="Năm 2024")
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    assert "Nguyễn Văn An" in text and "Lê Văn Cũ" not in text
    assert result.stdout.splitlines()[0] == ("Ghi chú: Đã đọc trang tính “Năm 2024” (trang đang mở) trong 2 trang; "
                                             "trang khác: thêm --sheet TÊN.")


def test_sheet_chooses_the_sheet_for_batch_and_for_register_import(tmp_path, run_formgen):
    register_rows = [["Đơn vị", "Mã đơn vị", "Địa danh", "Ngày đi", "Số người", "Trưởng đoàn"],
                     ["Sở Nội vụ", "SNV", "Hậu Giang", dt.datetime(2024, 6, 3), 5, "Lê Văn Cũ"]]
    path = workbook(tmp_path / "bang.xlsx", {"Năm 2024": base_rows(), "Năm 2023": base_rows(
        **{"Trưởng đoàn": "Lê Văn Cũ", "Người ký": "Lê Văn Cũ"}), "Sổ": register_rows}, active="Năm 2024")
    result = batch(run_formgen, path, tmp_path / "out", "--sheet", "Năm 2023")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Lê Văn Cũ" in letter_text(tmp_path / "out") and "Nguyễn Văn An" not in letter_text(tmp_path / "out")
    assert not [line for line in result.stdout.splitlines() if line.startswith("Ghi chú:")]
    result = register_import(run_formgen, tmp_path, path, "--sheet", "Sổ")
    assert result.exit_code == 0, result.stdout + result.stderr
    with Register(tmp_path / "so.sqlite") as reg:
        assert [(r.leader_name, r.size) for r in reg.list()] == [("Lê Văn Cũ", 5)]


# --- title rows, STT, numbering rows: the same for batch and register import ------------------------


def titled(rows: list[list], numbered: bool = True) -> list[list]:
    """A committee's sheet: a title, an empty row, the header with STT first, the row of column numbers."""
    width = len(rows[0]) + 1
    out = [["BẢNG TỔNG HỢP ĐOÀN ĐI HỌC TẬP KINH NGHIỆM NĂM 2024"] + [None] * (width - 1), [None] * width,
           ["STT"] + rows[0]]
    if numbered:
        out.append([f"({n})" for n in range(1, width + 1)])
    return out + [[i] + row for i, row in enumerate(rows[1:], 1)]


def test_batch_skips_title_rows_stt_and_the_numbering_row_in_csv_and_xlsx(tmp_path, run_formgen):
    rows = titled(base_rows())
    (tmp_path / "bang.csv").write_text(csv_text([["" if c is None else c for c in r] for r in rows]),
                                       encoding="utf-8-sig")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.active.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[2]))  # a centred title
    book.save(tmp_path / "bang.xlsx")
    for name in ("bang.csv", "bang.xlsx"):
        out = tmp_path / name.replace(".", "-")
        result = batch(run_formgen, tmp_path / name, out)
        assert result.exit_code == 0, result.stdout + result.stderr
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert [r["row"] for r in manifest["rows"]] == [5]   # the row as Excel numbers it
        assert "Lê Hoàng Phúc" in letter_text(out)


def test_register_import_skips_the_numbering_row_as_batch_does(tmp_path, run_formgen):
    rows = titled([["Đơn vị", "Mã đơn vị", "Địa danh", "Ngày đi", "Số người", "Trưởng đoàn"],
                   ["Sở Nội vụ", "SNV", "Hậu Giang", "03/06/2024", "7", "Nguyễn Văn An"]])
    (tmp_path / "bang.csv").write_text(csv_text([["" if c is None else c for c in r] for r in rows]),
                                       encoding="utf-8")
    result = register_import(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    with Register(tmp_path / "so.sqlite") as reg:
        (record,) = reg.list()
    assert (record.leader_name, record.size, record.source) == ("Nguyễn Văn An", 7, "bang.csv, dòng 5")


def test_a_table_exported_from_the_register_feeds_batch(tmp_path, run_formgen):
    import formgen
    trip = formgen.load(Path(__file__).parent.parent / "fixtures" / "request.yaml")
    with Register(tmp_path / "so.sqlite") as reg:
        reg.add(trip)
        reg.export_table(tmp_path / "so.xlsx")
    book = openpyxl.load_workbook(tmp_path / "so.xlsx")
    sheet = book.active
    # What a request needs and the register does not keep, added in columns of their own.
    more = {"Mục đích": "Học tập mô hình một cửa.", "Khâu yếu": "Chỉ số PAR INDEX giảm.",
            "Điểm đến": "thành phố Đà Nẵng | Sở Nội vụ Đà Nẵng | chính quyền số | 04/06/2024 | 05/06/2024",
            "Kính gửi": "Ban Thường vụ Tỉnh ủy", "Người ký": "Nguyễn Văn An", "Chức vụ người ký": "Giám đốc"}
    start = sheet.max_column
    for i, (header, value) in enumerate(more.items(), start + 1):
        sheet.cell(1, i, header)
        sheet.cell(2, i, value)
    book.save(tmp_path / "so.xlsx")
    result = batch(run_formgen, tmp_path / "so.xlsx", tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    d = trip["delegation"]
    assert d["leader"]["name"] in text and all(m["name"] in text for m in d["members"])
    assert "Học tập mô hình một cửa." in text
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in text   # “Ngày trình”, the date the register keeps


# --- the vocabulary ----------------------------------------------------------------------------------


def test_no_two_columns_of_the_vocabulary_share_a_spelling():
    spellings = [tables.header_key(name) for c in tables.COLUMNS.values() for name in {c.header, *c.aliases, c.key}]
    assert len(spellings) == len(set(spellings))
    assert all(tables.resolve(c.header) is c for c in tables.COLUMNS.values())
    assert all(tables.resolve(c.path) is c for c in tables.COLUMNS.values() if c.path and "{doc}" not in c.path)


@pytest.mark.parametrize("written, meant", [
    ("Trưởng đòan", "leader_name"),        # the old tone placement
    ("TRUONG DOAN", "leader_name"),        # no accents, capitals
    ("Kinh phí", "funding_amount"),
    ("unit_code", "unit_code"),            # the register's English key
    ("issuer.abbreviation", "unit_code"),  # the input path
])
def test_a_header_is_recognised_however_it_is_spelt(written, meant):
    assert tables.resolve(written) is tables.COLUMNS[meant]


def test_an_unknown_header_is_told_the_nearest_known_one():
    assert tables.nearest_header("Số ngày") == "Số người"
    assert tables.nearest_header("Ma DV") == "Mã đơn vị"
    assert tables.nearest_header("delegation.leader.nmae") == "delegation.leader.name"


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_a_csv_typed_in_a_legacy_font_is_read_and_its_text_converted_when_asked(tmp_path, run_formgen, encoding):
    from formgen.legacy import from_unicode
    rows = base_rows(**{"Cấp trưởng đoàn": "deputy"})
    (tmp_path / "bang.csv").write_bytes(from_unicode(csv_text(rows), encoding).encode("cp1252"))
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "refused")
    assert result.exit_code == 1   # each field in the old encoding is named, as in a UTF-8 table
    assert f"{tmp_path / 'bang.csv'}, dòng 2: [issuer.name] có vẻ là chữ {encoding}" in result.stdout
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out", "--convert-legacy")
    assert result.exit_code == 0, result.stdout + result.stderr
    notes = [line for line in result.stdout.splitlines() if line.startswith("Ghi chú:")]
    assert len(notes) == 2 and all(encoding in note for note in notes)
    text = letter_text(tmp_path / "out")
    assert "Trần Thị Bích Ngọc" in text and "Ngân sách nhà nước" in text and "Đoàn gồm 03 người" in text


def test_a_batch_table_goes_into_the_register_with_its_members_names(tmp_path, run_formgen):
    (tmp_path / "bang.csv").write_text(csv_text(base_rows()), encoding="utf-8-sig")
    result = register_import(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    with Register(tmp_path / "so.sqlite") as reg:
        (record,) = reg.list()
        members = [m["name"] for m in record.trip()["delegation"]["members"]]
    assert (record.unit_code, record.leader_name, record.size) == ("SNV", "Nguyễn Văn An", 3)
    assert members == ["Trần Thị Bích Ngọc", "Lê Hoàng Phúc"]


def test_a_csv_opening_with_excels_sep_line_uses_that_separator_and_numbers_rows_as_excel(tmp_path, run_formgen):
    rows = base_rows(**{"Đề xuất, kiến nghị": ""})
    rows.append(list(dict(BASE, **{"Ngày đi": "31/02/2024", "Đề xuất, kiến nghị": ""}).values()))
    (tmp_path / "bang.csv").write_text("sep=;\r\n" + csv_text(rows, ";"), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 1
    assert "Lê Hoàng Phúc" in letter_text(tmp_path / "out")
    assert any(line.startswith(f"{tmp_path / 'bang.csv'}, dòng 3: [delegation.depart_on]")
               for line in result.stdout.splitlines())


def test_a_count_of_people_that_is_not_the_people_named_refuses_the_row_in_batch_as_in_the_register(
        tmp_path, run_formgen):
    rows = base_rows(**{"Số người": "12"})
    rows.append(list(dict(BASE, **{"Số người": "3"}).values()))
    (tmp_path / "bang.csv").write_text(csv_text(rows), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{tmp_path / 'bang.csv'}, dòng 2: [Số người] Số người 12 khác số người ghi tên: trưởng đoàn và 2 " \
           "thành viên." in result.stdout.splitlines()
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1   # row 3 says 3: the leader and two members


# --- what a table holds is read exactly, or its row or table refused (a hostile tester's findings) ----------


def zipfile_text(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def two_rows(**second) -> list[list]:
    """A header, a good row, and a row with `second` changed (its cells in the header's order)."""
    rows = base_rows()
    rows.append(list(dict(BASE, **second).values()))
    return rows


def refusals(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if ", dòng " in line]


@pytest.mark.parametrize("code", ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"])
def test_an_xlsx_cell_holding_an_excel_error_refuses_its_row_naming_the_cell(tmp_path, run_formgen, code):
    path = workbook(tmp_path / "bang.xlsx", {"Đoàn": two_rows(**{"Chức vụ trưởng đoàn": code})})
    column = openpyxl.utils.get_column_letter(list(BASE).index("Chức vụ trưởng đoàn") + 1)
    assert f'<c r="{column}3" t="e"><v>{code}</v></c>' in zipfile_text(path, "xl/worksheets/sheet1.xml")
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert refusals(result) == [f"{path}, dòng 3: Ô {column}3 (cột “Chức vụ trưởng đoàn”) là lỗi Excel “{code}”, "
                                "không phải giá trị: sửa công thức hoặc nhập giá trị trong Excel rồi lưu lại."]
    assert code not in letter_text(tmp_path / "out") and "Phó Giám đốc Sở" in letter_text(tmp_path / "out")


def test_a_formula_whose_saved_value_is_an_error_refuses_its_row_and_register_import_refuses_the_table(
        tmp_path, run_formgen):
    path = workbook(tmp_path / "bang.xlsx", {"Đoàn": two_rows()})
    column = openpyxl.utils.get_column_letter(list(BASE).index("Kính gửi") + 1)
    rewrite_sheet(path, lambda xml: re.sub(rf'<c r="{column}2" t="inlineStr"><is><t>[^<]*</t></is></c>',
                                         f'<c r="{column}2" t="e"><f>VLOOKUP(A2,Sheet2!A:B,2,0)</f><v>#N/A</v></c>',
                                         xml))
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 1
    assert refusals(result) == [f"{path}, dòng 2: Ô {column}2 (cột “Kính gửi”) là lỗi Excel “#N/A”, không phải giá "
                                "trị: sửa công thức hoặc nhập giá trị trong Excel rồi lưu lại."]
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1
    result = run_formgen("register", "import", path, "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{path}: LỖI [dòng 2]: Ô {column}2 (cột “Kính gửi”) là lỗi Excel “#N/A”, "
                                          "không phải giá trị: sửa công thức hoặc nhập giá trị trong Excel rồi lưu lại."]
    with Register(tmp_path / "so.sqlite") as reg:
        assert reg.list() == []   # the table refused whole: not even its good row 3


def test_a_csv_saved_from_a_sheet_with_an_excel_error_refuses_that_row(tmp_path, run_formgen):
    (tmp_path / "bang.csv").write_text(csv_text(two_rows(**{"Kinh phí": "#VALUE!", "Người ký": "#REF!"})),
                                       encoding="utf-8-sig")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 1
    column = openpyxl.utils.get_column_letter(list(BASE).index("Kinh phí") + 1)
    assert refusals(result) == [f"{tmp_path / 'bang.csv'}, dòng 3: Ô {column}3 (cột “Kinh phí”) là lỗi Excel "
                                "“#VALUE!”, không phải giá trị (và 1 ô khác): sửa công thức hoặc nhập giá trị trong "
                                "Excel rồi lưu lại."]


# --- JSON Lines: each object read as a .json file is, or its row refused -----------------------------------


def jsonl_line(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def jsonl_batch(run_formgen, tmp_path, lines: list[str]):
    (tmp_path / "bang.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return batch(run_formgen, tmp_path / "bang.jsonl", tmp_path / "out")


def test_a_json_lines_key_written_twice_refuses_its_row_as_a_json_file_is_refused(tmp_path, run_formgen, trip_data):
    good = jsonl_line(trip_data)
    twice = good.replace('"number": ', '"number": "5", "number": ', 1)
    assert twice.count('"number"') == good.count('"number"') + 1
    result = jsonl_batch(run_formgen, tmp_path, [good, twice])
    assert result.exit_code == 1
    assert refusals(result) == [f"{tmp_path / 'bang.jsonl'}, dòng 2: Khóa “number” được ghi hai lần."]
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1


def test_two_json_lines_keys_naming_one_field_refuse_their_row_whatever_their_order(tmp_path, run_formgen,
                                                                                    trip_data):
    nameless = json.loads(jsonl_line(trip_data))
    leader = nameless["delegation"]["leader"].pop("name")
    cases = [
        {**nameless, "Trưởng đoàn": leader, "trưởng đoàn": "Lê Văn Khác"},    # as CSV refuses: case alone
        {"delegation.leader.name": "Lê Văn Khác", **trip_data},               # dotted, then nested
        {**trip_data, "delegation.leader.name": "Lê Văn Khác"},               # nested, then dotted
        {**trip_data, "Thành viên": "Lê Văn Khác | Chuyên viên | Sở Nội vụ"},  # a list and the list
        {**trip_data, "Số văn bản": "9"},                                      # {doc}: request.number
    ]
    result = jsonl_batch(run_formgen, tmp_path, [jsonl_line(c) for c in cases])
    assert result.exit_code == 1
    table = tmp_path / "bang.jsonl"
    assert refusals(result) == [
        f"{table}, dòng 1: Khóa “trưởng đoàn” trùng nghĩa với khóa “Trưởng đoàn” (cùng ghi delegation.leader.name): "
        "chỉ giữ một.",
        f"{table}, dòng 2: Khóa “delegation” trùng nghĩa với khóa “delegation.leader.name” (cùng ghi "
        "delegation.leader.name): chỉ giữ một.",
        f"{table}, dòng 3: Khóa “delegation.leader.name” trùng nghĩa với khóa “delegation” (cùng ghi "
        "delegation.leader.name): chỉ giữ một.",
        f"{table}, dòng 4: Khóa “Thành viên” trùng nghĩa với khóa “delegation” (cùng ghi delegation.members): chỉ "
        "giữ một.",
        f"{table}, dòng 5: Khóa “Số văn bản” trùng nghĩa với khóa “request” (cùng ghi request.number): chỉ giữ một.",
    ]
    assert not list((tmp_path / "out").glob("*.docx"))


def test_a_dotted_json_lines_key_beside_its_nested_object_fills_it_whichever_comes_first(tmp_path, run_formgen,
                                                                                        trip_data):
    leader = trip_data["delegation"].pop("leader")
    first = {"delegation.leader.name": leader["name"], "delegation.leader.position": "Phó Giám đốc Sở Mới",
             **trip_data, "delegation.leader.rank": leader["rank"]}
    result = jsonl_batch(run_formgen, tmp_path, [jsonl_line(first)])
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    assert "Phó Giám đốc Sở Mới" in text and trip_data["delegation"]["purpose"] in text


def test_a_json_lines_row_too_deep_or_with_a_number_of_thousands_of_digits_is_refused_alone(tmp_path, run_formgen,
                                                                                          trip_data):
    deep = '{"issuer": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge = jsonl_line({**trip_data, "request": {**trip_data["request"], "number": 0}}).replace(
        '"number": 0', '"number": ' + "9" * 5000)
    result = jsonl_batch(run_formgen, tmp_path, [deep, huge, jsonl_line(trip_data)])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert refusals(result) == [f"{tmp_path / 'bang.jsonl'}, dòng 1: JSON lồng nhau quá sâu.",
                                f"{tmp_path / 'bang.jsonl'}, dòng 2: JSON có số quá dài (hàng nghìn chữ số)."]
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_json_lines_byte_not_utf8_stops_there_exit_2_naming_the_line_the_rows_before_kept(tmp_path, run_formgen,
                                                                                           trip_data, jobs):
    lines = [jsonl_line({**trip_data, "request": {**trip_data["request"], "number": n}}).encode() for n in (1, 2, 3)]
    lines[2] = lines[2].replace("Sở Nội vụ".encode(), _windows_1258("Sở Nội vụ"), 1)   # a Windows-1258 line
    (tmp_path / "bang.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = run_formgen("batch", "request", tmp_path / "bang.jsonl", "-o", tmp_path / "out", "--jobs", jobs)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.err_lines == [f"Không đọc được bảng “{tmp_path / 'bang.jsonl'}”, dòng 3: có byte không phải UTF-8 "
                                "(JSON Lines phải là UTF-8; hãy lưu lại với bảng mã UTF-8). Các dòng trước đó đã xử lý: "
                                "2 dòng: 2 đã tạo, 0 bị từ chối, 0 dữ liệu lỗi, 0 lỗi môi trường."]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["row"], r["status"]) for r in manifest["rows"]] == [(1, "written"), (2, "written")]
    assert manifest["runs"][0]["state"] == "complete"
    assert len(list((tmp_path / "out").glob("*.docx"))) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_json_lines_file_in_utf16_exits_2_in_one_line_and_makes_nothing(tmp_path, run_formgen, trip_data, encoding):
    (tmp_path / "bang.ndjson").write_bytes((jsonl_line(trip_data) + "\n").encode(encoding))
    result = run_formgen("batch", "request", tmp_path / "bang.ndjson", "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 2
    assert result.err_lines == [f"Không đọc được bảng “{tmp_path / 'bang.ndjson'}”: tệp viết bằng UTF-16, mà JSON "
                                "Lines phải là UTF-8 (hãy lưu lại với bảng mã UTF-8)."]
    assert not (tmp_path / "out").exists()


# --- list cells (Thành viên, Điểm đến): every field kept, or the row refused ------------------------------


def test_a_list_item_with_more_fields_than_its_column_refuses_the_row_naming_column_and_item(tmp_path, run_formgen):
    member = "Trần Thị Bích Ngọc | Trưởng phòng | Sở Nội vụ | không | Phòng CCHC"
    stop = "thành phố Đà Nẵng | Sở Nội vụ Đà Nẵng | chính quyền số | 04/06/2024 | 05/06/2024 | 06/06/2024"
    counted = dict(BASE, **{"Số người": "3"})   # a count beside the list: the list's fault is the one told
    rows = [list(counted)] + [list(dict(counted, **change).values()) for change in (
        {}, {"Thành viên": f"Lê Hoàng Phúc | Phó Chánh Văn phòng | Sở Nội vụ; {member}"}, {"Điểm đến": stop},
        {"Thành viên": BASE["Thành viên"] + " | |"})]
    (tmp_path / "bang.csv").write_text(csv_text(rows), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert refusals(result) == [
        f"{tmp_path / 'bang.csv'}, dòng 3: [Thành viên] Mục thứ 2 (“{member}”) có 5 phần ngăn bởi “|”, nhiều hơn 4 "
        "phần của cột (họ tên | chức vụ | đơn vị | lãnh đạo chủ chốt): bỏ bớt “|” hoặc tách thành mục riêng (ngăn "
        "bởi “;”).",
        f"{tmp_path / 'bang.csv'}, dòng 4: [Điểm đến] Mục thứ 1 (“{stop}”) có 6 phần ngăn bởi “|”, nhiều hơn 5 phần "
        "của cột (nơi đến | cơ quan | mô hình | từ ngày | đến ngày): bỏ bớt “|” hoặc tách thành mục riêng (ngăn bởi "
        "“;”)."]
    assert len(list((tmp_path / "out").glob("*.docx"))) == 2   # row 2, and row 5 whose extra “|” hold nothing


# --- dotted headings (README, "Tables"): read, and refused only when two columns fill one field ------------------


def test_the_dotted_headings_the_readme_shows_are_read_into_the_letter(tmp_path, run_formgen):
    row = {k: v for k, v in BASE.items() if k not in ("Thành viên", "Người ký")}
    row.update({"delegation.members[0].name": "Trần Thị Bích Ngọc", "delegation.members[0].position": "Trưởng phòng",
                "delegation.members[0].unit": "Sở Nội vụ", "delegation.members.1.name": "Lê Hoàng Phúc",
                "delegation.members.1.position": "Phó Chánh Văn phòng", "delegation.members.1.unit": "Sở Nội vụ",
                "delegation.leader.unit": "Văn phòng UBND tỉnh", "request.number": "27", "request.signer.name": "Nguyễn Văn An"})
    (tmp_path / "bang.csv").write_text(csv_text([list(row), list(row.values())]), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    text = letter_text(tmp_path / "out")
    assert "Số: 27/TTr-SNV" in text and "Lê Hoàng Phúc" in text and "Văn phòng UBND tỉnh" in text


LEADER = ("Trưởng đoàn", "Chức vụ trưởng đoàn", "Cấp trưởng đoàn")


@pytest.mark.parametrize("other, extra, reason, drop", [
    ("request.number", "Số văn bản", "trùng nghĩa với cột “request.number”", ()),
    ("delegation.members[0].name", "delegation.members.0.name", "có hai lần", ("Thành viên",)),
    ("delegation.members[1].unit", "Thành viên", "trùng nghĩa với cột “delegation.members[1].unit”", ()),
    ("Thành viên", "delegation.members", "trùng nghĩa với cột “Thành viên”", ()),
    ("Trưởng đoàn", "delegation.leader", "trùng nghĩa với cột “Trưởng đoàn”", LEADER),
])
def test_two_headings_filling_one_field_are_still_refused_naming_both(tmp_path, run_formgen, other, extra, reason,
                                                                        drop):
    header = [h for h in BASE if h not in (extra, other, *drop)] + [other, extra]
    (tmp_path / "bang.csv").write_text(csv_text([header, ["x"] * len(header)]), encoding="utf-8")
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    first, second = (openpyxl.utils.get_column_letter(len(header) - n) for n in (1, 0))
    assert result.err_lines == [f"Không đọc được bảng “{tmp_path / 'bang.csv'}”, dòng tiêu đề: cột “{extra}” {reason} "
                                f"(cột {first} và {second})."]


# --- hidden rows and columns: never read unseen ---------------------------------------------------------------


def hidden_workbook(path: Path, rows: list[list], edit) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    edit(book.active)
    book.save(path)
    return path


def three_rows() -> list[list]:
    rows = base_rows()
    rows += [list(dict(BASE, **{"Trưởng đoàn": name, "Người ký": name}).values())
             for name in ("Lê Văn Ẩn", "Phạm Thị Dung")]
    return rows


def test_a_hidden_row_holding_data_refuses_the_table_naming_it_and_nothing_is_made(tmp_path, run_formgen):
    def hide(sheet):
        sheet.row_dimensions[3].hidden = True
        sheet.row_dimensions[9].hidden = True   # hidden, holding only its number in STT: nothing read unseen
        sheet.row_dimensions[10].hidden = True  # hidden, and empty
    rows = [["STT"] + row for row in three_rows()] + [[None]] * 4 + [[9]]
    path = hidden_workbook(tmp_path / "bang.xlsx", rows, hide)
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert result.err_lines == [f"Không đọc được bảng “{path}”: dòng 3 đang ẩn mà có dữ liệu — hiện lại (Unhide) để "
                                "soát, rồi xóa dòng nào không cần lập văn bản."]
    result = register_import(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and "dòng 3 đang ẩn mà có dữ liệu" in result.stdout


def test_rows_filtered_out_by_an_autofilter_refuse_the_table_as_hidden_rows(tmp_path, run_formgen):
    rows = three_rows() + [list(dict(BASE, **{"Trưởng đoàn": f"Người {n}", "Người ký": f"Người {n}"}).values())
                           for n in range(6)]
    def filtered(sheet):
        sheet.auto_filter.ref = f"A1:{openpyxl.utils.get_column_letter(len(BASE))}{len(rows)}"
        sheet.auto_filter.add_filter_column(7, ["Nguyễn Văn An"])   # Trưởng đoàn: only row 2 shown
        for n in range(3, len(rows) + 1):
            sheet.row_dimensions[n].hidden = True
    path = hidden_workbook(tmp_path / "bang.xlsx", rows, filtered)
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert result.err_lines == [f"Không đọc được bảng “{path}”: dòng 3, 4, 5, 6, 7 và 3 dòng khác đang ẩn (hoặc bị "
                                "lọc bỏ) mà có dữ liệu — hiện lại (Unhide, bỏ lọc) để soát, rồi xóa dòng nào không cần "
                                "lập văn bản."]


def test_a_hidden_column_holding_data_refuses_the_table_but_a_hidden_note_column_does_not(tmp_path, run_formgen):
    rows = three_rows()
    rows = [r + [c] for r, c in zip(rows, ["Ghi chú", "ghi chú riêng", "", ""])]
    funding = openpyxl.utils.get_column_letter(list(BASE).index("Kinh phí") + 1)
    note = openpyxl.utils.get_column_letter(len(BASE) + 1)

    def hide(*letters):
        def edit(sheet):
            for column in letters:
                sheet.column_dimensions[column].hidden = True
        return edit
    path = hidden_workbook(tmp_path / "bang.xlsx", rows, hide(funding, note))
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert result.err_lines == [f"Không đọc được bảng “{path}”: cột {funding} (“Kinh phí”) đang ẩn mà có dữ liệu — "
                                "hiện lại (Unhide) để soát, rồi xóa cột nào không dùng."]
    path = hidden_workbook(tmp_path / "ghi-chu.xlsx", rows, hide(note))
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert len(list((tmp_path / "out").glob("*.docx"))) == 3


# --- text as Excel shows it: _xHHHH_ escapes decoded, one line break for each -----------------------------------


def test_xlsx_text_escapes_are_decoded_and_a_pasted_carriage_return_is_one_line_break(tmp_path, run_formgen):
    path = workbook(tmp_path / "bang.xlsx", {"Đoàn": base_rows(**{"Chức vụ trưởng đoàn": "CHUCVU",
                                                                 "Mục đích": "MUCDICH"})})
    # What Excel writes for “Phó Giám đốc” + CR LF + “Sở Nội vụ” pasted from Word, and for the text “_x0041_”
    # (its underscore escaped as _x005F_): openpyxl leaves both as written.
    rewrite_sheet(path, lambda xml: xml.replace("<t>CHUCVU</t>", "<t>Phó Giám đốc_x000D_\nSở Nội vụ</t>")
                  .replace("<t>MUCDICH</t>", "<t>Học tập mô hình _x005F_x0041_ và A_x0026_B của Đà Nẵng.</t>"))
    assert "_x000D_" in zipfile_text(path, "xl/worksheets/sheet1.xml")
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = docx_lines(next((tmp_path / "out").glob("*.docx")))
    assert "Học tập mô hình _x0041_ và A&B của Đà Nẵng." in "\n".join(lines)
    assert "Phó Giám đốc\nSở Nội vụ" in lines   # the members' table: one break, as a line break typed in Excel


def test_a_csv_cell_with_a_windows_line_break_is_one_line_break_in_the_letter(tmp_path, run_formgen):
    (tmp_path / "bang.csv").write_bytes(csv_text(base_rows(**{"Chức vụ trưởng đoàn": "Phó Giám đốc\r\nSở Nội vụ"}))
                                        .encode("utf-8"))
    result = batch(run_formgen, tmp_path / "bang.csv", tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Phó Giám đốc\nSở Nội vụ" in docx_lines(next((tmp_path / "out").glob("*.docx")))


def test_an_amount_a_formula_left_with_a_binary_remainder_is_the_amount_excel_shows(tmp_path, run_formgen):
    # =150000000*1.1 is saved with the value 165000000.00000003; Excel shows it (to 15 digits) as 165.000.000
    rows = base_rows(**{"Kinh phí": 165_000_000})
    path = workbook(tmp_path / "bang.xlsx", {"Sheet1": rows})
    saved = '<f>150000000*1.1</f><v>165000000.00000003</v>'   # what Excel writes (openpyxl would round it)
    rewrite_sheet(path, lambda xml: re.sub(r'(<c r="[A-Z]+2") t="n"><v>165000000</v>', rf"\1>{saved}", xml))
    assert saved in zipfile_text(path, "xl/worksheets/sheet1.xml")
    result = batch(run_formgen, path, tmp_path / "out")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Dự toán: 165.000.000 đồng (Bằng chữ: Một trăm sáu mươi lăm triệu đồng)." in letter_text(tmp_path / "out")


def test_an_amount_with_a_real_fraction_in_xlsx_is_still_refused(tmp_path, run_formgen):
    rows = base_rows()
    rows[1][rows[0].index("Kinh phí")] = 150_000_000.5
    result = batch(run_formgen, workbook(tmp_path / "bang.xlsx", {"Sheet1": rows}), tmp_path / "out")
    assert result.exit_code == 1 and "Số tiền phải là số nguyên đồng" in result.stdout   # the row refused
    assert not list((tmp_path / "out").glob("*.docx"))

"""The Sổ đăng ký văn bản đi and the --metadata schema against the decree's own text: NĐ 30/2020 Phụ lục IV, mục I
(the book's cover and its ten columns) and Phụ lục VI, Phần II, mục I (the outgoing document's 16 fields), as the
Word files of the annexes the Government's portal published say them (docs/nd30-sources.md)."""
from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import openpyxl
from lxml import etree

import formgen
from formgen import metadata
from formgen.register import Register
from formgen.yamlio import load_yaml
from test_numbers import request_of

FIX = Path(__file__).parent.parent / "fixtures"

# Phụ lục IV, I.2 “Nội dung đăng ký văn bản đi — Tối thiểu gồm 10 nội dung”, the headings as the annex writes them
PHU_LUC_IV_COLUMNS = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản",
                      "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển",
                      "Ký nhận", "Ghi chú"]

# Phụ lục VI, Phần II, I “Thông tin đầu vào của dữ liệu quản lý văn bản đi”: STT, Trường thông tin, Tên (viết tắt
# tiếng Anh) as a path below the document, Kiểu dữ liệu, Độ dài. 1.1 and 12 are spelt “Organld”, “Signerlnfo” in the
# annex's file (13.1 spells “OrganId”): the intended names are written here.
PHU_LUC_VI_OUTGOING = [
    ("1", "Mã hồ sơ", "FileCode", None, None),
    ("1.1", "Mã định danh của cơ quan, tổ chức lập danh mục hồ sơ", "FileCode/OrganId", "String", 13),
    ("1.2", "Năm hình thành hồ sơ", "FileCode/FileCatalog", "Number", 4),
    ("1.3", "Số và ký hiệu hồ sơ", "FileCode/FileNotation", "String", 20),
    ("2", "Số thứ tự văn bản trong hồ sơ", "DocOrdinal", "Number", 3),
    ("3", "Tên loại văn bản", "TypeName", "String", 100),
    ("4", "Số của văn bản", "CodeNumber", "String", 11),
    ("5", "Ký hiệu của văn bản", "CodeNotation", "String", 30),
    ("6", "Ngày, tháng, năm văn bản", "IssuedDate", "Date", 10),
    ("7", "Tên cơ quan, tổ chức ban hành văn bản", "OrganName", "String", 200),
    ("8", "Trích yếu nội dung", "Subject", "String", 500),
    ("9", "Ngôn ngữ", "Language", "String", 30),
    ("10", "Số trang của văn bản", "PageAmount", "Number", 3),
    ("11", "Ghi chú", "Description", "String", 500),
    ("12", "Chức vụ, họ tên người ký", "SignerInfo", None, None),
    ("12.1", "Chức vụ của người ký văn bản", "SignerInfo/Position", "String", 100),
    ("12.2", "Họ và tên người ký văn bản", "SignerInfo/FullName", "String", 50),
    ("13", "Nơi nhận", "To", None, None),
    ("13.1", "Mã định danh của cơ quan, tổ chức nhận văn bản", "To/OrganId", "String", 13),
    ("13.2", "Tên cơ quan, tổ chức nhận văn bản", "To/OrganName", "String", 200),
    ("14", "Mức độ khẩn, độ mật", "Priority", "Number", 1),
    ("15", "Số lượng bản phát hành", "IssuedAmount", "Number", 3),
    ("16", "Hạn trả lời văn bản", "DueDate", "Date", 10),
]


# --- the book -----------------------------------------------------------------------------------------------


def _numbered(tmp_path: Path, trips: list[dict]) -> Path:
    db = tmp_path / "so.sqlite"
    for i, trip in enumerate(trips):
        formgen.render("request", trip, tmp_path / f"{i}.docx", register=db, source=f"{i}.yaml")
    return db


def _state_book(tmp_path: Path) -> Path:
    """Three Tờ trình of the Sở Nội vụ, 20/05, 30/05 and 09/06/2024: numbers 01 to 03."""
    return _numbered(tmp_path, [request_of(leader, days=days) for leader, days in
                                (("Nguyễn Văn An", 0), ("Lê Văn Bình", 10), ("Võ Văn Long", 20))])


def _pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _xlsx_rows(path: Path) -> list[list]:
    return [list(row) for row in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def test_the_books_headings_are_the_ten_of_phu_luc_iv_in_the_xlsx_and_the_pdf(tmp_path, run_formgen):
    db = _state_book(tmp_path)
    for suffix in ("xlsx", "pdf"):
        result = run_formgen("register", "book", "--year", "2024", "-o", tmp_path / f"so.{suffix}", "--register", db)
        assert result.exit_code == 0, result.stderr
    rows = _xlsx_rows(tmp_path / "so.xlsx")
    head = next(i for i, row in enumerate(rows) if row[0] == PHU_LUC_IV_COLUMNS[0])
    assert rows[head] == PHU_LUC_IV_COLUMNS
    assert rows[head + 1] == [f"({n})" for n in range(1, 11)]
    assert [row[0] for row in rows[head + 2:]] == ["01/TTr-SNV", "02/TTr-SNV", "03/TTr-SNV"]
    assert all(row[7] is None and row[8] is None for row in rows[head + 2:])  # Ngày chuyển, Ký nhận: by hand
    words = " ".join(_pdf_text(tmp_path / "so.pdf", 2).split())
    places = [words.index(heading) for heading in PHU_LUC_IV_COLUMNS + [f"({n})" for n in range(1, 11)]]
    assert places == sorted(places)


def test_the_book_opens_with_the_cover_of_phu_luc_iv_on_a_page_of_its_own(tmp_path, run_formgen):
    db = _state_book(tmp_path)
    cover = ["SỞ NỘI VỤ", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm: 2024", "Từ ngày 20/05/2024 đến ngày 09/06/2024",
             "Từ số 01 đến số 03", "Quyển số: ………"]
    for suffix in ("xlsx", "pdf"):
        assert run_formgen("register", "book", "--year", "2024", "-o", tmp_path / f"so.{suffix}",
                           "--register", db).exit_code == 0
    first = [line.strip() for line in _pdf_text(tmp_path / "so.pdf", 1).splitlines() if line.strip()]
    assert first == cover    # no table, no page number on the cover
    assert "Số, ký hiệu văn bản" in " ".join(_pdf_text(tmp_path / "so.pdf", 2).split())
    sheet = openpyxl.load_workbook(tmp_path / "so.xlsx").worksheets[0]
    head = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == PHU_LUC_IV_COLUMNS[0])
    assert [sheet.cell(r, 1).value for r in range(1, head) if sheet.cell(r, 1).value] == cover
    assert [b.id for b in sheet.row_breaks.brk] == [head - 1]   # printed, the cover is a page of its own
    assert sheet.print_title_rows == f"${head}:${head + 1}" and sheet.HeaderFooter.differentFirst


def test_the_cover_names_the_body_above_the_unit_when_the_register_has_its_delegation(tmp_path, run_formgen):
    db = _state_book(tmp_path)
    assert run_formgen("register", "add", FIX / "request.yaml", "--register", db).exit_code == 0
    assert run_formgen("register", "book", "--year", "2024", "-o", tmp_path / "so.pdf", "--register", db).exit_code == 0
    first = [line.strip() for line in _pdf_text(tmp_path / "so.pdf", 1).splitlines() if line.strip()]
    assert first[:3] == ["UBND TỈNH HẬU GIANG", "SỞ NỘI VỤ", "SỔ ĐĂNG KÝ VĂN BẢN ĐI"]


def test_a_party_committees_cover_gives_each_types_numbers_by_their_ky_hieu(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    for kind in ("request", "escalation", "report"):
        trip = load_yaml(FIX / "party" / f"{kind}.yaml")
        trip["issuer"]["term_start"] = "2020-10-16"
        formgen.render(kind, trip, tmp_path / f"{kind}.docx", register=db, source=f"{kind}.yaml")
    assert run_formgen("register", "book", "--year", "2024", "-o", tmp_path / "so.xlsx", "--register", db).exit_code == 0
    rows = _xlsx_rows(tmp_path / "so.xlsx")
    lines = [row[0] for row in rows[:rows.index(PHU_LUC_IV_COLUMNS)] if row[0]]
    assert lines == ["BAN TUYÊN GIÁO", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm: 2024", "Từ ngày 28/06/2024 đến ngày 12/08/2024",
                     "Từ số 47-BC/BTGTU đến số 47-BC/BTGTU", "Từ số 12-TTr/BTGTU đến số 13-TTr/BTGTU",
                     "Quyển số: ………"]


# --- the metadata -------------------------------------------------------------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"
EVERY_FIELD = {   # one document with all 16 fields, each value within Phụ lục VI's length
    "FileCode": {"OrganId": "000.00.00.H23", "FileCatalog": 2024, "FileNotation": "01.TCCB"},
    "DocOrdinal": 1, "TypeName": "Tờ trình", "CodeNumber": "05", "CodeNotation": "TTr-SNV",
    "IssuedDate": "2024-05-20", "OrganName": "Sở Nội vụ", "Subject": "Về việc xin ý kiến tổ chức đoàn",
    "Language": "Tiếng Việt", "PageAmount": 2, "Description": "Bản chính",
    "SignerInfo": {"Position": "Giám đốc", "FullName": "Nguyễn Văn An"},
    "To": [{"OrganId": "000.00.00.H23", "OrganName": "Ban Thường vụ Tỉnh ủy"}],
    "Priority": 0, "IssuedAmount": 6, "DueDate": "2024-06-01",
}


def _with(path: str, value) -> dict:
    fields = copy.deepcopy(EVERY_FIELD)
    *parents, name = path.split("/")
    place = fields
    for parent in parents:
        place = place[parent][0] if isinstance(place[parent], list) else place[parent]
    place[name] = value
    return fields


def _valid(fields: dict) -> bool:
    return metadata.schema().validate(etree.ElementTree(etree.fromstring(metadata.to_xml(fields))))


def _too_long(kind: str, length: int) -> tuple[str, str]:
    """A value of the type at its full length, and one a character longer."""
    if kind == "String":
        return "ắ" * length, "ắ" * (length + 1)
    if kind == "Number":
        return "9" * length, "0" + "9" * length
    return "2024-05-20", "2024-05-20Z"        # Date, 10


def test_the_schema_is_phu_luc_vi_s_table_of_the_outgoing_document_name_by_name_and_length_by_length():
    tree = metadata._schema_tree()
    found = []
    for element in tree.iter(f"{XS}element"):
        if element.getparent().tag == f"{XS}schema":
            continue                                           # the root, OutgoingDocument: formgen's
        names = [a.get("name") for a in element.iterancestors(f"{XS}element")][::-1][1:] + [element.get("name")]
        label = element.findtext(f"{XS}annotation/{XS}documentation")
        if names != ["SignerInfo", "Competence"]:   # formgen's: edXML's signing authority
            number, _, text = label.partition(". ")
            found.append((number, text, "/".join(names)))
    assert found == [(stt, label, path) for stt, label, path, _kind, _length in PHU_LUC_VI_OUTGOING]
    assert _valid(EVERY_FIELD), metadata.schema().error_log
    for _stt, _label, path, kind, length in PHU_LUC_VI_OUTGOING:
        if kind is None:
            continue
        fits, longer = _too_long(kind, length)
        assert _valid(_with(path, fits)), (path, metadata.schema().error_log)
        assert not _valid(_with(path, longer)), f"{path} takes {len(longer)} characters, Phụ lục VI {length}"

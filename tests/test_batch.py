"""Batch production from tables: one document per row, a manifest, bad rows never stop the others."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from formgen.batch import column_path, read_rows, run_batch, safe_name, unflatten
from formgen.errors import InvalidInput
from helpers import docx_lines

BASE = {
    "Cơ quan": "Sở Nội vụ", "Cơ quan chủ quản": "UBND tỉnh Hậu Giang", "Mã đơn vị": "SNV", "Địa danh": "Hậu Giang",
    "Mục đích": "Học tập kinh nghiệm nâng cao Chỉ số cải cách hành chính.",
    "Khâu yếu": "Chỉ số PAR INDEX của tỉnh giảm 5 bậc.", "Lĩnh vực": "cải cách hành chính",
    "Trưởng đoàn": "Nguyễn Văn An", "Chức vụ trưởng đoàn": "Phó Giám đốc Sở", "Cấp trưởng đoàn": "cấp phó",
    "Thành viên": "Trần Thị Bích Ngọc | Trưởng phòng | Sở Nội vụ; Lê Hoàng Phúc | Phó Chánh Văn phòng | Sở Nội vụ",
    "Ngày đi": "03/06/2024", "Ngày về": "07/06/2024",
    "Điểm đến": "thành phố Đà Nẵng | Sở Nội vụ Đà Nẵng | chính quyền số | 04/06/2024 | 05/06/2024",
    "Nguồn kinh phí": "Ngân sách nhà nước", "Kinh phí": "150.000.000", "Ngày văn bản": "20/05/2024",
    "Kính gửi": "Ban Thường vụ Tỉnh ủy", "Người ký": "Nguyễn Văn An", "Chức vụ người ký": "Phó Giám đốc",
    "Thẩm quyền ký": "KT", "Ký thay cho": "Giám đốc",
}
LEADERS = ["Nguyễn Văn An", "Trần Thị Bé", "Lê Văn Cường", "Phạm Thị Dung", "Hồ Minh Em"]


def table_rows(n: int) -> tuple[list[dict], dict[int, str], dict[int, str]]:
    """n rows; every 10th late (R01), every 25th with an impossible date; returns (rows, refused, invalid)."""
    rows, refused, invalid = [], {}, {}
    for i in range(n):
        row = dict(BASE, **{"Số văn bản": i + 1, "Trưởng đoàn": LEADERS[i % 5], "Người ký": LEADERS[i % 5]})
        line = i + 2  # the header is line 1
        if i % 25 == 24:
            row["Ngày đi"] = "31/02/2024"
            invalid[line] = "delegation.depart_on"
        elif i % 10 == 9:
            row["Ngày văn bản"] = "31/05/2024"
            refused[line] = "R01"
        rows.append(row)
    return rows, refused, invalid


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_three_hundred_rows_with_bad_ones_mixed_in(tmp_path):
    rows, refused, invalid = table_rows(300)
    out = tmp_path / "out"
    manifest = run_batch("request", write_csv(tmp_path / "bang.csv", rows), out, jobs=2)
    assert manifest.exit_code == 1
    by_row = {e.row: e for e in manifest.entries}
    assert sorted(by_row) == list(range(2, 302))
    assert {r for r, e in by_row.items() if e.status == "refused"} == set(refused)
    assert {r for r, e in by_row.items() if e.status == "invalid"} == set(invalid)
    assert all(by_row[r].codes == ["P01", "R01"] for r in refused)  # P01: the regulation's number unknown
    assert all("delegation.depart_on" in by_row[r].messages[0] for r in invalid)
    written = [e for e in manifest.entries if e.status == "written"]
    assert len(written) == 300 - len(refused) - len(invalid)
    docs = sorted(out.glob("*.docx"))
    assert len(docs) == len(written) and {str(d) for d in docs} == {e.outputs[0] for e in written}
    saved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["row"] for r in saved["rows"]] == list(range(2, 302))
    with open(out / "manifest.csv", encoding="utf-8-sig") as f:
        assert sum(1 for _ in csv.reader(f)) == 301


def test_one_worker_and_two_give_the_same_documents(tmp_path):
    rows, _, _ = table_rows(30)
    table = write_csv(tmp_path / "bang.csv", rows)
    one = run_batch("request", table, tmp_path / "one", jobs=1)
    two = run_batch("request", table, tmp_path / "two", jobs=2)
    assert [(e.row, e.status) for e in sorted(one.entries, key=lambda e: e.row)] == \
           [(e.row, e.status) for e in sorted(two.entries, key=lambda e: e.row)]
    for doc in sorted((tmp_path / "one").glob("*.docx")):
        assert docx_lines(doc) == docx_lines(tmp_path / "two" / doc.name)


def test_the_letter_from_a_row_holds_the_row(tmp_path):
    rows, _, _ = table_rows(1)
    manifest = run_batch("request", write_csv(tmp_path / "bang.csv", rows), tmp_path / "out", jobs=1)
    (entry,) = manifest.entries
    text = "\n".join(docx_lines(entry.outputs[0]))
    assert "Số: 01/TTr-SNV" in text and "Hậu Giang, ngày 20 tháng 5 năm 2024" in text
    assert "Lê Hoàng Phúc" in text and "- Thành phố Đà Nẵng, làm việc với Sở Nội vụ Đà Nẵng" in text
    assert Path(entry.outputs[0]).name == "request-snv-2024-06-03-nguyen-van-an.docx"


def test_names_from_data_are_made_safe_and_never_clash(tmp_path):
    rows = [dict(BASE, **{"Mã đơn vị": "../../etc", "Trưởng đoàn": "A/B\\C .. Đặng"}) for _ in range(3)]
    out = tmp_path / "out"
    out.mkdir()
    (out / "request-etc-2024-06-03-a-b-c-dang.docx").write_bytes(b"a file already there")
    manifest = run_batch("request", write_csv(tmp_path / "bang.csv", rows), out, jobs=1)
    names = sorted(Path(e.outputs[0]).name for e in manifest.entries)
    assert names == ["request-etc-2024-06-03-a-b-c-dang-2.docx", "request-etc-2024-06-03-a-b-c-dang-3.docx",
                     "request-etc-2024-06-03-a-b-c-dang-4.docx"]
    assert (out / "request-etc-2024-06-03-a-b-c-dang.docx").read_bytes() == b"a file already there"
    assert all(Path(e.outputs[0]).parent == out for e in manifest.entries)
    assert safe_name("Tờ trình: số 5/2024 ..") == "to-trinh-so-5-2024"


def test_xlsx_and_json_lines_with_dotted_columns(tmp_path):
    rows, _, _ = table_rows(2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    book.save(tmp_path / "bang.xlsx")
    assert run_batch("request", tmp_path / "bang.xlsx", tmp_path / "x", jobs=1).exit_code == 0
    nested = unflatten(rows[0], "request")
    flat = {"issuer.name": "Sở Nội vụ", "delegation.leader.name": "Nguyễn Văn An"}
    rest = json.loads(json.dumps(nested, ensure_ascii=False))   # the nested object without what flat gives
    del rest["issuer"]["name"], rest["delegation"]["leader"]["name"]
    lines = [json.dumps({**nested, "request": {**nested["request"], "number": 7}}, ensure_ascii=False),
             json.dumps({**flat, **rest}, ensure_ascii=False),
             json.dumps({**nested, **flat}, ensure_ascii=False),  # issuer.name twice: refused, not the last kept
             "{không phải json"]
    (tmp_path / "bang.jsonl").write_text("\n".join(lines), encoding="utf-8")
    manifest = run_batch("request", tmp_path / "bang.jsonl", tmp_path / "j", jobs=1)
    assert [e.status for e in sorted(manifest.entries, key=lambda e: e.row)] == ["written", "written", "invalid",
                                                                                  "invalid"]


def test_column_headers_in_vietnamese_or_dotted():
    assert column_path("Trưởng đoàn", "request") == "delegation.leader.name"
    assert column_path("  NGÀY ĐI ", "request") == "delegation.depart_on"
    assert column_path("Số văn bản", "report") == "report.number"
    assert column_path("delegation.members[2].name", "request") == "delegation.members[2].name"
    data = unflatten({"delegation.members[1].name": "B", "delegation.members.0.name": "A", "x": ""}, "request")
    assert data == {"delegation": {"members": [{"name": "A"}, {"name": "B"}]}}


@pytest.mark.parametrize("name, content, expected", [
    ("bang.txt", "a,b", "chỉ nhận .csv, .xlsx, .jsonl"),
    ("bang.csv", "", "tệp rỗng"),
    ("bang.xlsx", "không phải excel", "không phải tệp Excel .xlsx hợp lệ"),
])
def test_an_unreadable_table_is_refused_whole(tmp_path, name, content, expected):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        list(read_rows(tmp_path / name))
    assert expected in err.value.message and err.value.exit_code == 2


def test_the_batch_command_exit_statuses(tmp_path, run_formgen):
    good = write_csv(tmp_path / "good.csv", table_rows(3)[0])
    result = run_formgen("batch", "request", good, "-o", tmp_path / "a", "--jobs", "1")
    assert result.exit_code == 0 and "3 dòng: 3 đã tạo" in result.stdout
    mixed = write_csv(tmp_path / "mixed.csv", table_rows(10)[0])
    result = run_formgen("batch", "request", mixed, "-o", tmp_path / "b", "--jobs", "1", "--json")
    assert result.exit_code == 1
    counts = json.loads(result.stdout)["counts"]
    assert (counts["rows"], counts["written"], counts["refused"]) == (10, 9, 1)
    result = run_formgen("batch", "request", tmp_path / "khong-co.csv", "-o", tmp_path / "c")
    assert result.exit_code == 2 and "không tìm thấy tệp" in result.stderr
    assert not (tmp_path / "c").exists()

"""Hostile and broken input, case by case: what was tried, and what formgen answers.

Read this file as the list. Each test is one case, named as a sentence, run as a user runs formgen
(the CLI's real entry point), and asserts the exit status and the one line printed (file, row,
field), or that the input is accepted when a user would expect it to be. Exit 2 means bad input,
nothing written; 1 means some rows of a batch were refused; 0 means done.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

import formgen
from formgen.batch import read_rows
from formgen.errors import InvalidInput
from formgen.files import write_atomically
from formgen.rendering import jinja_env
from formgen.templates import builtin_templates
from helpers import docx_lines, rewrite_sheet as _rewrite_sheet
from test_batch import BASE
from test_files import read_only_folder  # noqa: F401 (a fixture)
from test_tables import workbook

ROOT = Path(__file__).parent.parent
FIXTURE = ROOT / "fixtures" / "request.yaml"
CSV_50_MB = 50 * 2**20  # the big table's size


def one_line(result) -> str:
    """The single line a refusal prints on stderr (and nothing on stdout)."""
    lines = result.err_lines
    assert len(lines) == 1, result.stderr
    return lines[0]


def render(run_formgen, path, out, *extra):
    return run_formgen("render", "request", path, "-o", out, *extra)


def written_text(path: Path) -> str:
    return "\n".join(docx_lines(path))


# --- delegation files (YAML, JSON) ----------------------------------------------------------------


def test_an_empty_yaml_file_exits_2_saying_it_is_empty(tmp_path, run_formgen):
    (tmp_path / "trip.yaml").write_text("", encoding="utf-8")
    result = render(run_formgen, tmp_path / "trip.yaml", tmp_path / "out.docx")
    assert result.exit_code == 2
    assert one_line(result) == f"Không đọc được tệp “{tmp_path / 'trip.yaml'}”: tệp rỗng."
    assert not (tmp_path / "out.docx").exists()


def test_an_empty_json_file_exits_2_saying_it_is_empty(tmp_path, run_formgen):
    (tmp_path / "trip.json").write_text("  \n", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.json")
    assert result.exit_code == 2 and one_line(result).endswith("trip.json”: tệp rỗng.")


def test_broken_yaml_exits_2_naming_line_and_column(tmp_path, run_formgen):
    (tmp_path / "trip.yaml").write_text("issuer:\n  name: [Sở Nội vụ\n  place: Hậu Giang\n", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert result.exit_code == 2
    assert re.fullmatch(r"Không đọc được tệp “.*trip\.yaml”: lỗi cú pháp YAML ở dòng \d+, cột \d+ \(.+\)\.",
                        one_line(result))


def test_broken_json_exits_2_naming_line_and_column(tmp_path, run_formgen):
    (tmp_path / "trip.json").write_text('{"issuer": {"name": "Sở Nội vụ",}\n}', encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.json")
    assert result.exit_code == 2
    assert "trip.json”: lỗi cú pháp JSON ở dòng 1, cột 33" in one_line(result)


def test_a_file_not_in_utf8_exits_2_naming_the_line_and_asking_for_utf8(tmp_path, run_formgen):
    text = FIXTURE.read_text(encoding="utf-8").replace("Nguyễn Văn An", "Tran Van Hau")
    (tmp_path / "trip.yaml").write_bytes(text.encode("utf-8").replace(b"Tran Van Hau", "Trân".encode("cp1258")))
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert result.exit_code == 2
    assert re.search(r"dòng \d+ có byte không phải UTF-8 .*hãy lưu tệp với bảng mã UTF-8\.$", one_line(result))


def test_a_yaml_python_tag_is_refused_never_run(tmp_path, run_formgen):
    marker = tmp_path / "ran"
    (tmp_path / "trip.yaml").write_text(f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert result.exit_code == 2 and not marker.exists()
    assert "thẻ “!!python/object/apply:os.system” không được phép" in one_line(result)


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path, run_formgen):
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")]
    (tmp_path / "trip.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")  # 9^9 values once expanded
    started = time.perf_counter()
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2 and "các tham chiếu (*alias) nở ra quá 100.000 giá trị" in one_line(result)


def test_json_nested_thousands_deep_exits_2_not_a_crash(tmp_path, run_formgen):
    (tmp_path / "trip.json").write_text('{"issuer": ' + "[" * 50_000 + "]" * 50_000 + "}", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.json")
    assert result.exit_code == 2 and one_line(result).endswith("trip.json”: dữ liệu lồng nhau quá sâu.")


def test_a_list_where_the_delegation_belongs_exits_2(tmp_path, run_formgen):
    (tmp_path / "trip.yaml").write_text("- Sở Nội vụ\n- Hậu Giang\n", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert result.exit_code == 2 and one_line(result).endswith("trip.yaml: LỖI: Phải là một mục (khóa: giá trị).")


def test_a_key_written_twice_exits_2_naming_it(tmp_path, run_formgen):
    (tmp_path / "trip.yaml").write_text("issuer:\n  name: Sở Nội vụ\n  name: Sở Tư pháp\n", encoding="utf-8")
    result = run_formgen("check", tmp_path / "trip.yaml")
    assert result.exit_code == 2 and "khóa “name” được ghi hai lần" in one_line(result)


def test_a_control_character_in_a_name_exits_2_naming_the_field(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["members"][2]["name"] = "Phạm Minh\x0b Đức"  # a vertical tab, pasted from Word
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert one_line(result).endswith(
        "trip.yaml: LỖI [delegation.members[2].name]: Chứa ký tự điều khiển không được phép (mã U+000B).")


def test_a_lone_surrogate_from_a_json_escape_exits_2_naming_the_field(tmp_path, run_formgen, trip_data):
    trip_data["delegation"]["purpose"] = "@@"
    text = json.dumps(trip_data, ensure_ascii=False, default=str).replace("@@", "Học tập \\ud83d kinh nghiệm")
    (tmp_path / "trip.json").write_text(text, encoding="utf-8")
    result = render(run_formgen, tmp_path / "trip.json", tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert one_line(result).endswith("LỖI [delegation.purpose]: Chứa nửa cặp UTF-16 (surrogate) đứng một mình "
                                     "không được phép (mã U+D83D).")


def test_decomposed_nfd_text_is_accepted_and_written_as_nfc(tmp_path, run_formgen, trip_data, write_trip):
    import unicodedata
    trip_data["delegation"]["leader"]["name"] = unicodedata.normalize("NFD", "Nguyễn Văn An")
    trip_data["request"]["signer"]["name"] = unicodedata.normalize("NFD", "Nguyễn Văn An")
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    text = written_text(tmp_path / "out.docx")
    assert "Nguyễn Văn An" in text and unicodedata.normalize("NFD", "Nguyễn") not in text


def test_tcvn3_text_exits_2_naming_the_encoding_and_the_field(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["leader"]["name"] = "NguyÔn V¨n An"
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert one_line(result).endswith(
        "LỖI [delegation.leader.name]: có vẻ là chữ TCVN3 (ABC) dán từ văn bản cũ (“NguyÔn V¨n An” đọc là "
        "“Nguyễn Văn An”): hãy chuyển sang Unicode (Unikey: Công cụ chuyển mã), hoặc chạy lại với "
        "--convert-legacy để formgen tự chuyển.")


def test_vni_text_exits_2_naming_the_encoding_and_the_field(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["issuer"]["name"] = "Sôû Noäi vuï"
    result = run_formgen("check", write_trip(tmp_path, trip_data))
    assert result.exit_code == 2
    assert "LỖI [issuer.name]: có vẻ là chữ VNI dán từ văn bản cũ (“Sôû Noäi vuï” đọc là “Sở Nội vụ”)" \
        in one_line(result)


def test_convert_legacy_writes_unicode_and_says_which_field_it_converted(tmp_path, run_formgen, trip_data,
                                                                        write_trip):
    trip_data["delegation"]["leader"]["name"] = "NguyÔn V¨n An"
    path = write_trip(tmp_path, trip_data)
    result = render(run_formgen, path, tmp_path / "out.docx", "--convert-legacy")
    assert result.exit_code == 0, result.stderr
    assert f"{path}: CẢNH BÁO [delegation.leader.name]: Đã chuyển chữ TCVN3 (ABC) sang Unicode: “Nguyễn Văn An”." \
        in result.stdout.splitlines()
    assert "Nguyễn Văn An" in written_text(tmp_path / "out.docx")
    checked = run_formgen("check", path, "--convert-legacy", "--json")
    findings = json.loads(checked.stdout)["findings"]
    assert checked.exit_code == 0 and findings[0]["path"] == "delegation.leader.name"


def test_a_foreign_name_with_latin1_letters_is_accepted_as_written(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["stops"][0]["host"] = "Viện François Müller – Søren & Zoë"
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert "Viện François Müller – Søren & Zoë" in written_text(tmp_path / "out.docx")


def test_jinja_syntax_in_a_value_is_printed_literally_never_run(tmp_path, run_formgen, trip_data, write_trip):
    value = "{{ 7*7 }} {% for x in range(3) %}X{% endfor %} {{ ''.__class__ }} {# c #}"
    trip_data["delegation"]["purpose"] = value
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    text = written_text(tmp_path / "out.docx")
    assert value in text and "49" not in text and "XXX" not in text


def test_xml_special_characters_in_a_value_are_printed_literally(tmp_path, run_formgen, trip_data, write_trip):
    value = 'A & B <w:p> "trích" \'dẫn\' ]]> &amp; <!-- -->'
    trip_data["delegation"]["weak_point"] = value
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert value in written_text(tmp_path / "out.docx")


def test_a_purpose_of_fifty_thousand_characters_renders_whole(tmp_path, run_formgen, trip_data, write_trip):
    value = ("Học tập kinh nghiệm cải cách hành chính. " * 1250).strip()
    trip_data["delegation"]["purpose"] = value
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert value in written_text(tmp_path / "out.docx")


def test_a_date_31_02_exits_2_naming_the_field_and_the_month_length(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["depart_on"] = "31/02/2025"
    result = run_formgen("check", write_trip(tmp_path, trip_data))
    assert result.exit_code == 2
    assert one_line(result).endswith(
        "LỖI [delegation.depart_on]: Ngày “31/02/2025” không tồn tại: tháng 2 năm 2025 chỉ có 28 ngày.")


def test_an_iso_date_that_does_not_exist_exits_2_naming_the_field(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["request"]["date"] = "2024-02-30"
    result = run_formgen("check", write_trip(tmp_path, trip_data))
    assert result.exit_code == 2
    assert one_line(result).endswith("LỖI [request.date]: Ngày “2024-02-30” không tồn tại: tháng 2 năm 2024 "
                                     "chỉ có 29 ngày.")


def test_dates_typed_dd_mm_yyyy_are_accepted(tmp_path, run_formgen, trip_data, write_trip):
    d = trip_data["delegation"]
    d["depart_on"], d["return_on"] = "03/06/2024", "7/6/2024"
    d["stops"][0]["start"], d["stops"][0]["end"] = "04-06-2024", "05.06.2024"
    trip_data["request"]["date"] = "20/05/2024"
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in written_text(tmp_path / "out.docx")


# --- tables (formgen batch) -----------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header or list(rows[0]))
        writer.writerows([list(r.values()) for r in rows])
    return path


def write_xlsx(path: Path, rows: list[list], edit=None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    book.save(path)
    return path


def table(n: int = 2) -> list[list]:
    rows = [dict(BASE, **{"Số văn bản": i + 1}) for i in range(n)]
    return [list(rows[0])] + [list(r.values()) for r in rows]


def batch(run_formgen, tmp_path, table_path, *extra):
    return run_formgen("batch", "request", table_path, "-o", tmp_path / "out", "--jobs", "1", *extra)


def test_an_empty_csv_exits_2_and_makes_nothing(tmp_path, run_formgen):
    (tmp_path / "bang.csv").write_text("", encoding="utf-8")
    result = batch(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 2 and one_line(result).endswith("bang.csv”: tệp rỗng.")
    assert not (tmp_path / "out").exists()


def test_a_csv_with_only_its_header_exits_2_and_makes_nothing(tmp_path, run_formgen):
    (tmp_path / "bang.csv").write_text(",".join(BASE) + "\n", encoding="utf-8")
    result = batch(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result).endswith("bang.csv”: bảng chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")


def test_a_csv_not_in_utf8_exits_2_naming_the_line_and_asking_for_csv_utf8(tmp_path, run_formgen):
    text = "Cơ quan,Trưởng đoàn\nSở Nội vụ,Trân\n".encode("utf-8")
    (tmp_path / "bang.csv").write_bytes(text.replace("â".encode("utf-8"), b"\xe2"))  # â as in cp1258
    result = batch(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 2 and one_line(result).endswith(
        "bang.csv”: tệp không phải UTF-8 (dòng 2 có byte không phải UTF-8; hãy lưu dạng CSV UTF-8).")


def test_a_csv_with_an_unclosed_quote_exits_2_naming_the_line_it_starts_on(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE])
    with open(path, "a", encoding="utf-8") as f:
        f.write('"Sở Tư pháp,SỞ\n' + ",".join(["x"] * len(BASE)) + "\n")
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2
    assert re.search(r"bang\.csv”, dòng 3: dấu ngoặc kép \(\"\) mở mà không đóng, ô kéo dài đến hết tệp\. "
                     r"Các dòng trước đó đã xử lý: 1 dòng: 1 đã tạo", one_line(result))


def test_a_csv_cell_longer_than_csv_allows_exits_2_naming_the_line(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE, dict(BASE, **{"Mục đích": "x" * 200_000})])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and "bang.csv”, dòng 3: có ô dài quá 131.072 ký tự." in one_line(result)


def test_a_csv_row_with_more_cells_than_headers_is_refused_alone(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE])
    with open(path, "a", encoding="utf-8") as f:
        f.write(",".join(f'"{v}"' for v in BASE.values()) + ",thừa\n")
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 1
    assert f"{path}, dòng 3: Dòng có {len(BASE) + 1} ô, nhiều hơn số cột tiêu đề ({len(BASE)}): kiểm tra dấu " \
           "phân cách và dấu ngoặc kép." in result.stdout.splitlines()


def test_a_csv_header_written_twice_exits_2_naming_both_columns(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE], header=[*list(BASE)[:-1], "Cơ quan"])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2
    assert one_line(result).endswith(f"dòng tiêu đề: cột “Cơ quan” có hai lần (cột A và "
                                     f"{openpyxl.utils.get_column_letter(len(BASE))}).")


def test_a_csv_that_breaks_far_down_stops_there_and_keeps_the_rows_before(tmp_path, run_formgen):
    padded = dict(BASE, **{"Mục đích": BASE["Mục đích"] + " Đ" * 500})  # 120 rows of 2 KB: 240 KB
    path = write_csv(tmp_path / "bang.csv", [dict(padded, **{"Số văn bản": i + 1}) for i in range(120)])
    assert path.stat().st_size > 3 * 64 * 1024
    with open(path, "ab") as f:  # past the 64 KB formgen samples: found only when read
        f.write(",".join(BASE.values()).replace("Sở Nội vụ", "Së").encode("utf-8").replace(b"S\xc3\xab", b"S\xeb"))
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2
    assert "bang.csv”, dòng 122: có byte không phải UTF-8 (hãy lưu dạng CSV UTF-8). Các dòng trước đó đã xử lý: " \
           "120 dòng: 120 đã tạo" in one_line(result)
    assert len(json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["rows"]) == 120


@pytest.mark.slow
def test_a_50_mb_csv_streams_in_bounded_memory(tmp_path):
    row = ",".join(f'"{v}"' for v in BASE.values()) + "\r\n"
    path = tmp_path / "lon.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(BASE) + "\r\n")
        f.write(row * (CSV_50_MB // len(row.encode("utf-8")) + 1))
    assert path.stat().st_size >= CSV_50_MB
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == CSV_50_MB // len(row.encode("utf-8")) + 1
    assert peak < 2 * 2**20  # bytes: a few rows and the 64 KB sample, never the table


def test_a_file_named_xlsx_that_is_not_one_exits_2(tmp_path, run_formgen):
    (tmp_path / "bang.xlsx").write_text("Cơ quan;Trưởng đoàn\n", encoding="utf-8")
    result = batch(run_formgen, tmp_path, tmp_path / "bang.xlsx")
    assert result.exit_code == 2
    assert one_line(result).endswith("bang.xlsx”: không phải tệp Excel .xlsx hợp lệ (InvalidFileException).") or \
        "không phải tệp Excel .xlsx hợp lệ" in one_line(result)


def test_a_password_protected_xlsx_exits_2_saying_how_to_remove_the_password(tmp_path, run_formgen):
    (tmp_path / "bang.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)  # OLE2, as Excel saves
    result = batch(run_formgen, tmp_path, tmp_path / "bang.xlsx")
    assert result.exit_code == 2 and "tệp Excel có đặt mật khẩu hoặc là dạng .xls cũ" in one_line(result)


def test_a_merged_header_cell_exits_2_naming_the_range(tmp_path, run_formgen):
    rows = table()
    rows[0][1] = None
    path = write_xlsx(tmp_path / "bang.xlsx", rows, lambda s: s.merge_cells("A1:B1"))
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”: ô gộp A1:B1 ở dòng tiêu đề: mỗi cột cần một tiêu đề "
                                "riêng — hãy bỏ gộp ô (Merge & Center) và điền giá trị cho từng ô.")


def test_a_cell_merged_across_data_rows_exits_2_naming_the_range_rows_and_column(tmp_path, run_formgen):
    rows = table(3)
    path = write_xlsx(tmp_path / "bang.xlsx", rows, lambda s: s.merge_cells("A2:A4"))
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”: ô gộp A2:A4 (dòng 2–4, cột Cơ quan): giá trị chỉ "
                                "nằm ở ô đầu, các ô còn lại sẽ bị coi là trống — hãy bỏ gộp ô (Merge & Center) và "
                                "điền giá trị cho từng ô.")


def _formula(path: Path, cell: str, formula: str, cached: str | None) -> Path:
    """Put a formula in cell, with Excel's cached value or without one (as a program that never calculates)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    value = f"<v>{cached}</v>" if cached is not None else ""
    sheet, n = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', f'<c r="{cell}"><f>{formula}</f>{value}</c>', sheet)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_formula_cell_never_calculated_exits_2_naming_row_and_column(tmp_path, run_formgen):
    rows = table(4)
    column = openpyxl.utils.get_column_letter(list(BASE).index("Kinh phí") + 1)
    path = _formula(write_xlsx(tmp_path / "bang.xlsx", rows), f"{column}5", "100000000+50000000", None)
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”, dòng 5, cột Kinh phí: ô công thức chưa có giá trị — "
                                "hãy mở bằng Excel và lưu lại, hoặc dán giá trị thay cho công thức.")


def test_a_formula_cell_excel_calculated_is_read_as_its_value(tmp_path, run_formgen):
    column = openpyxl.utils.get_column_letter(list(BASE).index("Kinh phí") + 1)
    path = _formula(write_xlsx(tmp_path / "bang.xlsx", table(1)), f"{column}2", "100000000+50000000", "150000000")
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 0, result.stdout + result.stderr
    (written,) = (tmp_path / "out").glob("*.docx")
    assert "150.000.000 đồng" in written_text(written)


def test_real_excel_dates_in_a_table_are_accepted(tmp_path, run_formgen):
    import datetime as dt
    rows = table(1)
    for name, day in (("Ngày đi", dt.date(2024, 6, 3)), ("Ngày về", dt.date(2024, 6, 7)),
                      ("Ngày văn bản", dt.datetime(2024, 5, 20))):
        rows[1][list(BASE).index(name)] = day
    result = batch(run_formgen, tmp_path, write_xlsx(tmp_path / "bang.xlsx", rows))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_broken_json_lines_row_is_refused_alone_naming_its_line(tmp_path, run_formgen, trip_data):
    good = json.dumps(trip_data, ensure_ascii=False, default=str)
    (tmp_path / "bang.jsonl").write_text(good + "\n{\"issuer\": \n" + good + "\n", encoding="utf-8")
    result = batch(run_formgen, tmp_path, tmp_path / "bang.jsonl")
    assert result.exit_code == 1
    assert f"{tmp_path / 'bang.jsonl'}, dòng 2: JSON lỗi ở cột 12: Expecting value." in result.stdout.splitlines()


def test_tcvn3_in_a_table_row_refuses_that_row_naming_the_field_or_converts_when_asked(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [dict(BASE, **{"Trưởng đoàn": "NguyÔn V¨n An"})])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 1
    assert any(line.startswith(f"{path}, dòng 2: [delegation.leader.name] có vẻ là chữ TCVN3 (ABC)")
               for line in result.stdout.splitlines())
    result = batch(run_formgen, tmp_path, path, "--convert-legacy")
    assert result.exit_code == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [r["messages"][0] for r in manifest["rows"] if r["run"] == 2] == [  # run 1 refused the row
        "[delegation.leader.name] Đã chuyển chữ TCVN3 (ABC) sang Unicode: “Nguyễn Văn An”."]


def test_file_names_from_the_data_cannot_leave_the_output_folder(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [dict(BASE, **{"Mã đơn vị": "../../../etc", "Trưởng đoàn": "/tmp/x"})])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 0, result.stdout
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert made == ["manifest.csv", "manifest.json", "request-etc-2024-06-03-tmp-x.docx"]


def test_batch_never_overwrites_a_document_already_in_the_folder(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE])
    assert batch(run_formgen, tmp_path, path).exit_code == 0
    assert batch(run_formgen, tmp_path, path).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.docx")) == [
        "request-snv-2024-06-03-nguyen-van-an-2.docx", "request-snv-2024-06-03-nguyen-van-an.docx"]


# --- PDFs (formgen stamp) -------------------------------------------------------------------------


def simple_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path))
    c.drawString(100, 700, "To trinh so 05/TTr-SNV")
    c.save()
    return path


def encrypted_pdf(path: Path) -> Path:
    writer = PdfWriter(clone_from=simple_pdf(path.with_suffix(".plain.pdf")))
    writer.encrypt(user_password="mat-khau")
    writer.write(path)
    return path


def truncated_pdf(path: Path) -> Path:
    whole = simple_pdf(path.with_suffix(".whole.pdf")).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def stamp(run_formgen, src: Path, out: Path, *extra):
    return run_formgen("stamp", src, "-o", out, "--depart", "03/06/2024", *extra)


def test_an_encrypted_pdf_exits_2_saying_it_is_encrypted(tmp_path, run_formgen):
    result = stamp(run_formgen, encrypted_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf")
    assert result.exit_code == 2 and not (tmp_path / "out.pdf").exists()
    assert "in.pdf" in one_line(result) and "mã hóa" in one_line(result)


def test_a_truncated_pdf_exits_2_saying_it_is_broken(tmp_path, run_formgen):
    result = stamp(run_formgen, truncated_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf")
    assert result.exit_code == 2 and not (tmp_path / "out.pdf").exists()
    assert "in.pdf" in one_line(result) and "bị hỏng hoặc bị cắt cụt" in one_line(result)


def test_a_file_that_is_not_a_pdf_exits_2_saying_so(tmp_path, run_formgen):
    (tmp_path / "in.pdf").write_text("Tờ trình số 05\n", encoding="utf-8")
    result = stamp(run_formgen, tmp_path / "in.pdf", tmp_path / "out.pdf")
    assert result.exit_code == 2 and "không phải tệp PDF" in one_line(result)


# --- templates ------------------------------------------------------------------------------------

ATTACKS = {
    "the class hierarchy": "{{ ''.__class__.__mro__ }}",
    "a global's module": "{{ cycler.__init__.__globals__ }}",
    "a file of the system": "{% include '/etc/passwd' %}",
    "lipsum's globals": "{{ lipsum.__globals__ }}",
    "an attribute through a filter": "{{ purpose|attr('__class__') }}",
    "another template": "{% import 'os' as os %}",
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_a_custom_template_reaching_out_of_its_context_exits_2_and_leaks_nothing(tmp_path, run_formgen, attack):
    builtin = {p.name: p for p in builtin_templates()}["request_state.docx"]
    (tmp_path / "mau").mkdir()
    document = docx.Document(str(builtin))
    document.add_paragraph(ATTACKS[attack])
    document.save(str(tmp_path / "mau" / "request_state.docx"))
    result = render(run_formgen, FIXTURE, tmp_path / "out.docx", "--templates", tmp_path / "mau")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert result.stdout == "" and "root:" not in result.stderr and "<class" not in result.stderr
    assert re.search(r"không được (dùng thẻ|đọc thuộc tính ẩn)|không có trong dữ liệu|is unsafe", result.stderr)


def test_the_sandbox_itself_reads_no_file_and_offers_no_global_to_call():
    env = jinja_env()
    with pytest.raises(Exception, match="/etc/passwd"):
        env.from_string("{% include '/etc/passwd' %}").render()
    assert set(env.globals) == {"range"}
    with pytest.raises(Exception, match="unsafe"):
        env.from_string("{{ x.__class__ }}").render(x="")


# --- outputs --------------------------------------------------------------------------------------


def test_render_over_an_existing_file_exits_2_and_leaves_it_untouched(tmp_path, run_formgen):
    out = tmp_path / "out.docx"
    out.write_bytes(b"the secretary's own edits")
    result = render(run_formgen, FIXTURE, out)
    assert result.exit_code == 2
    assert one_line(result) == f"Đã có tệp {out}: không ghi đè (thêm --overwrite để ghi đè)."
    assert out.read_bytes() == b"the secretary's own edits"
    assert [p.name for p in tmp_path.iterdir()] == ["out.docx"]


def test_render_with_overwrite_replaces_the_file(tmp_path, run_formgen):
    out = tmp_path / "out.docx"
    out.write_bytes(b"old")
    assert render(run_formgen, FIXTURE, out, "--overwrite").exit_code == 0
    assert "Ban Thường vụ Tỉnh ủy" in written_text(out)


def test_render_with_pdf_refuses_an_existing_pdf_before_writing_the_docx(tmp_path, run_formgen):
    (tmp_path / "out.pdf").write_bytes(b"%PDF- old")
    result = render(run_formgen, FIXTURE, tmp_path / "out.docx", "--pdf")
    assert result.exit_code == 2 and one_line(result).startswith(f"Đã có tệp {tmp_path / 'out.pdf'}: không ghi đè")
    assert not (tmp_path / "out.docx").exists()


def test_stamp_over_an_existing_file_exits_2_unless_overwrite(tmp_path, run_formgen):
    src, out = simple_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf"
    out.write_bytes(b"old")
    result = stamp(run_formgen, src, out)
    assert result.exit_code == 2 and one_line(result).startswith(f"Đã có tệp {out}: không ghi đè")
    assert out.read_bytes() == b"old"
    assert stamp(run_formgen, src, out, "--overwrite").exit_code == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_register_export_over_an_existing_file_exits_2_unless_overwrite(tmp_path, run_formgen):
    db, out = tmp_path / "so.sqlite", tmp_path / "so.csv"
    assert run_formgen("register", "add", FIXTURE, "--register", db).exit_code == 0
    out.write_text("old", encoding="utf-8")
    result = run_formgen("register", "export", out, "--register", db)
    assert result.exit_code == 2 and one_line(result).startswith(f"Đã có tệp {out}: không ghi đè")
    assert out.read_text(encoding="utf-8") == "old"
    assert run_formgen("register", "export", out, "--register", db, "--overwrite").exit_code == 0
    assert "Nguyễn Văn An" in out.read_text(encoding="utf-8-sig")


def test_templates_export_over_existing_files_exits_2_unless_overwrite(tmp_path, run_formgen):
    assert run_formgen("templates", "export", tmp_path).exit_code == 0
    result = run_formgen("templates", "export", tmp_path)
    assert result.exit_code == 2 and "không ghi đè (thêm --overwrite để ghi đè)" in one_line(result)
    assert run_formgen("templates", "export", tmp_path, "--overwrite").exit_code == 0


def test_the_library_refuses_to_overwrite_unless_asked(tmp_path):
    trip = formgen.load(FIXTURE)
    out = tmp_path / "out.docx"
    formgen.render("request", trip, out)
    with pytest.raises(InvalidInput, match="không ghi đè"):
        formgen.render("request", trip, out)
    formgen.render("request", trip, out, overwrite=True)
    src = simple_pdf(tmp_path / "in.pdf")
    formgen.stamp(src, tmp_path / "s.pdf", trip=trip)
    with pytest.raises(InvalidInput, match="không ghi đè"):
        formgen.stamp(src, tmp_path / "s.pdf", trip=trip)
    formgen.stamp(src, tmp_path / "s.pdf", trip=trip, overwrite=True)


def test_an_interrupted_write_leaves_neither_a_half_file_nor_a_temporary_one(tmp_path):
    def save_half_then_die(path):
        Path(path).write_bytes(b"PK\x03\x04 half a document")
        raise KeyboardInterrupt  # Ctrl+C, or the machine stopping, in the middle of the save

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.docx", save_half_then_die)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept.docx").write_bytes(b"whole")
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "kept.docx", save_half_then_die, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["kept.docx"]
    assert (tmp_path / "kept.docx").read_bytes() == b"whole"


def test_a_file_appearing_while_writing_is_not_replaced_without_overwrite(tmp_path):
    out = tmp_path / "out.docx"

    def save_while_someone_else_writes(path):
        Path(path).write_bytes(b"ours")
        out.write_bytes(b"theirs")

    with pytest.raises(InvalidInput, match="không ghi đè"):
        write_atomically(out, save_while_someone_else_writes, overwrite=False)
    assert out.read_bytes() == b"theirs" and [p.name for p in tmp_path.iterdir()] == ["out.docx"]


def test_an_output_folder_that_does_not_exist_exits_2(tmp_path, run_formgen):
    result = render(run_formgen, FIXTURE, tmp_path / "khong-co" / "out.docx")
    assert result.exit_code == 2 and one_line(result) == f"Thư mục đích không tồn tại: {tmp_path / 'khong-co'}."


# --- calendar (deadlines --explain / --ics, formgen calendar YEAR) -------------------------------


def test_an_ics_path_that_is_a_folder_exits_2_and_writes_nothing(tmp_path, run_formgen):
    result = run_formgen("deadlines", "--depart", "19/01/2026", "--ics", tmp_path)
    assert result.exit_code == 2
    assert f"“{tmp_path}” là thư mục; hãy ghi đường dẫn tệp, ví dụ {tmp_path / 'doan.ics'}." in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_an_ics_into_a_folder_that_does_not_exist_exits_2(tmp_path, run_formgen):
    result = run_formgen("check", FIXTURE, "--ics", tmp_path / "khong-co" / "doan.ics")
    assert result.exit_code == 2 and one_line(result) == f"Thư mục đích không tồn tại: {tmp_path / 'khong-co'}."
    assert list(tmp_path.iterdir()) == []


def test_an_existing_ics_is_kept_when_check_is_asked_to_write_it_again(tmp_path, run_formgen):
    out = tmp_path / "doan.ics"
    out.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    result = run_formgen("check", FIXTURE, "--ics", out)
    assert result.exit_code == 2 and one_line(result) == f"Đã có tệp {out}: không ghi đè (thêm --overwrite để ghi đè)."
    assert out.read_bytes() == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["doan.ics"]


@pytest.mark.parametrize("year", ["abc", "0", "2026.5", "٢٠٢٦", "10000"])
def test_a_calendar_year_that_is_not_a_year_exits_2_in_vietnamese(run_formgen, year):
    result = run_formgen("calendar", year)
    assert result.exit_code == 2
    assert f"năm “{year}” không hợp lệ; ghi năm bằng số, ví dụ 2026." in one_line(result)


def test_a_calendar_year_before_the_holidays_package_exits_2(run_formgen):
    result = run_formgen("calendar", "1900")
    assert result.exit_code == 2 and "Không tính được ngày làm việc năm 1900" in one_line(result)
# --- files: output names and output folders ------------------------------------------------------

BATCH_TABLE = ROOT / "fixtures" / "batch" / "requests.csv"


def annual_setup(tmp_path, run_formgen) -> tuple[Path, Path]:
    """A register holding one reported delegation of 2024, and the annual report's own section."""
    db, meta = tmp_path / "so.sqlite", tmp_path / "meta.yaml"
    run_formgen("register", "add", ROOT / "fixtures" / "report.yaml", "--register", db)
    meta.write_text("annual:\n  number: 245\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n",
                    encoding="utf-8")
    return db, meta


def test_render_to_a_pdf_name_exits_2_pointing_to_the_pdf_flag_and_writes_nothing(tmp_path, run_formgen):
    result = render(run_formgen, FIXTURE, tmp_path / "x.pdf")
    assert result.exit_code == 2 and one_line(result) == (
        f"Tệp đầu ra {tmp_path / 'x.pdf'} phải có đuôi .docx (formgen ghi văn bản Word .docx); muốn có bản PDF, "
        f"dùng -o {tmp_path / 'x.docx'} --pdf: bản PDF x.pdf được ghi cạnh tệp x.docx.")
    assert list(tmp_path.iterdir()) == []


def test_render_to_a_pdf_name_with_pdf_exits_2_instead_of_losing_the_docx(tmp_path, run_formgen):
    result = render(run_formgen, FIXTURE, tmp_path / "x.pdf", "--pdf")
    assert result.exit_code == 2 and f"dùng -o {tmp_path / 'x.docx'} --pdf" in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_render_to_a_name_without_docx_exits_2_and_an_uppercase_docx_is_fine(tmp_path, run_formgen):
    result = render(run_formgen, FIXTURE, tmp_path / "to-trinh")
    assert result.exit_code == 2 and one_line(result) == (
        f"Tệp đầu ra {tmp_path / 'to-trinh'} phải có đuôi .docx (formgen ghi văn bản Word .docx), "
        f"ví dụ {tmp_path / 'to-trinh.docx'}.")
    assert render(run_formgen, FIXTURE, tmp_path / "TO-TRINH.DOCX").exit_code == 0


def test_stamp_to_a_docx_name_exits_2_and_writes_nothing(tmp_path, run_formgen):
    src = simple_pdf(tmp_path / "in.pdf")
    result = run_formgen("stamp", src, "-o", tmp_path / "out.docx", "--trip", FIXTURE)
    assert result.exit_code == 2 and one_line(result) == (
        f"Tệp đầu ra {tmp_path / 'out.docx'} phải có đuôi .pdf (formgen ghi bản PDF), ví dụ {tmp_path / 'out.pdf'}.")
    assert not (tmp_path / "out.docx").exists()


def test_annual_for_one_unit_to_a_pdf_name_exits_2_naming_the_pdf_flag(tmp_path, run_formgen):
    db, meta = annual_setup(tmp_path, run_formgen)
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta, "-o", tmp_path / "bc.pdf",
                         "--register", db)
    assert result.exit_code == 2 and "--pdf" in one_line(result) and not (tmp_path / "bc.pdf").exists()


def test_batch_into_a_folder_named_like_a_document_exits_2_and_makes_no_folder(tmp_path, run_formgen):
    result = run_formgen("batch", "request", BATCH_TABLE, "-o", tmp_path / "ho-so.docx", "--jobs", "1")
    assert result.exit_code == 2 and one_line(result) == (
        f"Đầu ra {tmp_path / 'ho-so.docx'} là tên tệp (.docx), không phải thư mục: hãy ghi một thư mục, "
        f"ví dụ {tmp_path / 'ho-so'}.")
    assert not (tmp_path / "ho-so.docx").exists()


def test_templates_export_into_a_folder_named_like_a_document_exits_2(tmp_path, run_formgen):
    result = run_formgen("templates", "export", tmp_path / "mau.docx")
    assert result.exit_code == 2 and "là tên tệp (.docx), không phải thư mục" in one_line(result)
    assert not (tmp_path / "mau.docx").exists()


def test_annual_for_every_unit_into_a_folder_named_like_a_table_exits_2(tmp_path, run_formgen):
    db, meta = annual_setup(tmp_path, run_formgen)
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", meta, "-o", tmp_path / "bc.xlsx",
                         "--register", db)
    assert result.exit_code == 2 and "là tên tệp (.xlsx), không phải thư mục" in one_line(result)
    assert not (tmp_path / "bc.xlsx").exists()


def test_render_under_a_file_used_as_a_folder_exits_2_naming_that_file(tmp_path, run_formgen):
    (tmp_path / "ghi-chu.txt").write_text("x", encoding="utf-8")
    result = render(run_formgen, FIXTURE, tmp_path / "ghi-chu.txt" / "out.docx")
    assert result.exit_code == 2 and one_line(result) == (
        f"Không ghi được tệp {tmp_path / 'ghi-chu.txt' / 'out.docx'}: {tmp_path / 'ghi-chu.txt'} là một tệp, "
        "không phải thư mục.")


def test_render_into_a_read_only_folder_exits_3_naming_the_output_never_the_template(read_only_folder,
                                                                                      run_formgen):
    result = render(run_formgen, FIXTURE, read_only_folder / "out.docx")
    assert result.exit_code == 3 and one_line(result) == (
        f"Không ghi được tệp {read_only_folder / 'out.docx'}: không có quyền ghi vào thư mục {read_only_folder}.")
    assert list(read_only_folder.iterdir()) == []


def test_stamp_into_a_read_only_folder_exits_3_naming_the_output(tmp_path, read_only_folder, run_formgen):
    result = run_formgen("stamp", simple_pdf(tmp_path / "in.pdf"), "-o", read_only_folder / "s.pdf", "--trip", FIXTURE)
    assert result.exit_code == 3 and one_line(result).startswith(f"Không ghi được tệp {read_only_folder / 's.pdf'}: ")


def test_register_export_into_a_read_only_folder_exits_3_naming_the_table(tmp_path, read_only_folder,
                                                                           run_formgen):
    run_formgen("register", "add", FIXTURE, "--register", tmp_path / "so.sqlite")
    result = run_formgen("register", "export", read_only_folder / "so.xlsx", "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 3 and one_line(result).startswith(f"Không ghi được tệp {read_only_folder / 'so.xlsx'}: ")


def test_templates_export_into_a_read_only_folder_exits_3_naming_it(read_only_folder, run_formgen):
    result = run_formgen("templates", "export", read_only_folder)
    assert result.exit_code == 3 and one_line(result) == (
        f"Không ghi được vào thư mục đầu ra {read_only_folder}: không có quyền ghi vào thư mục {read_only_folder}.")


def test_batch_into_a_read_only_folder_exits_3_before_any_document(read_only_folder, run_formgen):
    result = run_formgen("batch", "request", BATCH_TABLE, "-o", read_only_folder, "--jobs", "1")
    assert result.exit_code == 3 and one_line(result).startswith(f"Không ghi được vào thư mục đầu ra {read_only_folder}: ")
    assert list(read_only_folder.iterdir()) == []


def test_batch_into_a_new_folder_under_a_read_only_one_exits_3_naming_it(read_only_folder, run_formgen):
    result = run_formgen("batch", "request", BATCH_TABLE, "-o", read_only_folder / "moi", "--jobs", "1")
    assert result.exit_code == 3 and one_line(result).startswith(
        f"Không ghi được vào thư mục đầu ra {read_only_folder / 'moi'}: ")


def test_annual_for_every_unit_into_a_read_only_folder_exits_3_naming_it(tmp_path, read_only_folder, run_formgen):
    db, meta = annual_setup(tmp_path, run_formgen)
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", meta, "-o", read_only_folder,
                         "--register", db)
    assert result.exit_code == 3 and one_line(result).startswith(f"Không ghi được vào thư mục đầu ra {read_only_folder}: ")
# --- the library and --json, as another program meets them (api) ---------------------------------

def test_a_list_passed_as_the_trip_is_invalid_input_not_a_type_error(trip_data):
    with pytest.raises(formgen.InvalidInput, match="Tham số trip phải là dữ liệu đoàn"):
        formgen.check([trip_data])


def test_a_web_forms_dict_with_dates_as_text_is_refused_naming_every_bad_field(trip_data, tmp_path):
    form = json.loads(json.dumps(trip_data, default=str))
    form["delegation"]["return_on"], form["request"]["date"] = "07/13/2024", "hôm qua"
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.render("request", form, tmp_path / "to-trinh.docx")
    assert [p.path for p in err.value.problems] == ["delegation.return_on", "request.date"]
    assert list(tmp_path.iterdir()) == []


def test_a_day_that_does_not_exist_names_the_parameter_of_deadlines():
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.deadlines("29/02/2023")
    assert err.value.message == ("Tham số depart_on: Ngày “29/02/2023” không tồn tại: tháng 2 năm 2023 "
                                 "chỉ có 28 ngày.")


def test_an_unknown_option_with_json_prints_the_envelope_on_stdout_only(run_formgen):
    result = run_formgen("check", FIXTURE, "--json", "--verbose")
    assert result.exit_code == 2 and result.stderr == ""
    document = json.loads(result.stdout)
    assert (document["ok"], document["error"], document["command"]) == (False, "usage", "check")
    assert document["message"] == "formgen: Không có tùy chọn --verbose (xem formgen --help)"


def test_a_register_command_missing_its_argument_with_json_names_the_command(run_formgen):
    document = json.loads(run_formgen("register", "show", "--json").stdout)
    assert (document["ok"], document["error"], document["command"]) == (False, "usage", "register show")
    assert document["message"] == "formgen: Thiếu tham số 'ID' (xem formgen --help)"
# --- register -------------------------------------------------------------------------------------

REPORT_FIXTURE = ROOT / "fixtures" / "report.yaml"


def other_delegation(tmp_path, name: str, depart: str, leader: str, place: str = "tỉnh Vĩnh Long",
                     number: int | None = None) -> Path:
    """Another delegation of the fixture's unit in 2024, written as a file (one stop, the day after it leaves)."""
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    day = dt.date.fromisoformat(depart)
    d = data["delegation"]
    d.update(depart_on=day, return_on=day + dt.timedelta(days=3))
    d["leader"]["name"] = leader
    d["stops"] = [{**d["stops"][0], "place": place, "start": day + dt.timedelta(days=1),
                   "end": day + dt.timedelta(days=2)}]
    data["request"].update(date=day - dt.timedelta(days=20), number=number)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def register_list(run_formgen, db) -> list[dict]:
    return json.loads(run_formgen("register", "list", "--register", db, "--json").stdout)["records"]


def test_register_add_of_a_third_delegation_in_a_year_exits_1_naming_r03_and_writes_nothing(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    assert run_formgen("register", "add", FIXTURE, other_delegation(tmp_path, "d2.yaml", "2024-09-09", "Lê Văn Bình"),
                       "--register", db).exit_code == 0
    third = other_delegation(tmp_path, "d3.yaml", "2024-11-04", "Trần Văn Hậu", place="tỉnh An Giang")
    result = run_formgen("register", "add", third, "--register", db)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.err_lines[0].startswith(f"{third}: LỖI R03 [delegation.depart_on]: Đoàn này là đoàn thứ 3 trong "
                                          "năm 2024")
    assert "--force" in result.err_lines[-1] and len(register_list(run_formgen, db)) == 2
    forced = run_formgen("register", "add", third, "--register", db, "--force")
    assert forced.exit_code == 0 and "LỖI R03" in forced.stdout and len(register_list(run_formgen, db)) == 3


def test_register_add_of_several_files_writes_none_when_one_is_refused(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    files = [other_delegation(tmp_path, f"d{m}.yaml", f"2024-{m:02d}-04", f"Trưởng đoàn {m}", place=f"tỉnh {m}")
             for m in (3, 6, 9)]
    assert run_formgen("register", "add", *files, "--register", db).exit_code == 1
    assert register_list(run_formgen, db) == []


def test_register_add_of_the_request_after_the_report_keeps_the_report(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    assert run_formgen("register", "add", REPORT_FIXTURE, "--register", db).exit_code == 0
    result = run_formgen("register", "add", FIXTURE, "--register", db)
    assert result.exit_code == 0 and result.stdout.startswith("Đã cập nhật đoàn 1: SNV, đi 03/06/2024, Đã báo cáo")
    assert "Giữ báo cáo kết quả ngày 18/06/2024 đã có trong sổ" in result.stdout
    ((record_id, state, reported),) = [(r["id"], r["state"], r["reported_on"]) for r in register_list(run_formgen, db)]
    assert (record_id, state, reported) == (1, "reported", "2024-06-18")


def test_register_add_replace_makes_the_record_what_the_file_says(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", REPORT_FIXTURE, "--register", db)
    assert run_formgen("register", "add", FIXTURE, "--register", db, "--replace").exit_code == 0
    assert [(r["id"], r["reported_on"]) for r in register_list(run_formgen, db)] == [(1, None)]


def test_register_add_of_a_delegation_whose_departure_moved_updates_its_record(tmp_path, run_formgen, trip_data,
                                                                              write_trip):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIXTURE, "--register", db)
    d = trip_data["delegation"]
    d.update(depart_on="2024-06-10", return_on="2024-06-14")
    d["stops"] = [{**s, "start": f"2024-06-1{i + 1}", "end": f"2024-06-1{i + 1}"} for i, s in enumerate(d["stops"])]
    result = run_formgen("register", "add", write_trip(tmp_path, trip_data, "doan.yaml"), "--register", db)
    assert result.exit_code == 0 and result.stdout.startswith("Đã cập nhật đoàn 1: SNV, đi 10/06/2024")
    assert "Ngày đi đổi từ 03/06/2024 thành 10/06/2024." in result.stdout
    assert [(r["id"], r["depart_on"]) for r in register_list(run_formgen, db)] == [(1, "2024-06-10")]


def test_register_add_of_a_copied_file_with_another_delegations_number_exits_2_saying_how_to_proceed(
        tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIXTURE, "--register", db)
    copied = other_delegation(tmp_path, "copy.yaml", "2024-09-09", "Lê Văn Bình", number=5)
    result = run_formgen("register", "add", copied, "--register", db)
    line = one_line(result)
    assert result.exit_code == 2 and line.startswith(f"{copied}: Tờ trình số 5 năm 2024 của đơn vị SNV đã ghi cho "
                                                     "đoàn số 1")
    assert line.endswith(f"formgen register add --id 1 {copied}") and len(register_list(run_formgen, db)) == 1
    assert run_formgen("register", "add", copied, "--id", "1", "--register", db).exit_code == 0
    assert [(r["id"], r["leader_name"]) for r in register_list(run_formgen, db)] == [(1, "Lê Văn Bình")]


def test_register_add_id_with_several_files_exits_2(tmp_path, run_formgen):
    result = run_formgen("register", "add", FIXTURE, REPORT_FIXTURE, "--id", "1", "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 2 and "--id chỉ dùng khi ghi đúng một tệp" in one_line(result)
    assert not (tmp_path / "so.sqlite").exists()


def test_register_remove_takes_one_delegation_out_and_prints_it(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIXTURE, "--register", db)
    result = run_formgen("register", "remove", "1", "--register", db)
    assert result.exit_code == 0
    assert result.stdout.startswith("Đã xóa đoàn 1: SNV, đi 03/06/2024, trưởng đoàn Nguyễn Văn An")
    assert f"({FIXTURE})" in result.stdout and register_list(run_formgen, db) == []
    again = run_formgen("register", "remove", "1", "--register", db)
    assert again.exit_code == 2 and one_line(again) == "Sổ đăng ký không có đoàn số 1."


def test_register_overdue_exits_1_when_a_report_is_late_and_0_when_none_is(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    run_formgen("register", "add", FIXTURE, "--register", db)        # back 07/06/2024: report due 21/06/2024
    late = run_formgen("register", "overdue", "--on", "2024-06-24", "--register", db)
    assert late.exit_code == 1 and "quá hạn 1 ngày làm việc" in late.stdout
    late_json = run_formgen("register", "overdue", "--on", "2024-06-24", "--register", db, "--json")
    assert late_json.exit_code == 1 and json.loads(late_json.stdout)["due"][0]["overdue"] is True
    soon = run_formgen("register", "overdue", "--on", "2024-06-20", "--register", db)
    assert soon.exit_code == 0 and "còn 1 ngày làm việc" in soon.stdout
    run_formgen("register", "add", REPORT_FIXTURE, "--register", db)
    assert run_formgen("register", "overdue", "--on", "2024-06-24", "--register", db).exit_code == 0


@pytest.mark.parametrize("where", ["sqlite:///:memory:", "sqlite://", ":memory:", ""])
def test_a_register_in_memory_or_with_an_empty_path_exits_2_in_one_line(tmp_path, run_formgen, where, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (("register", "add", FIXTURE), ("register", "list"), ("check", FIXTURE)):
        result = run_formgen(*args, "--register", where)
        assert result.exit_code == 2 and "mất hết khi lệnh kết thúc" in one_line(result)
    assert list(tmp_path.iterdir()) == []
# --- numbers, text, people --------------------------------------------------------------------------


def _literal_file(tmp_path, trip_data, put, literal, name="trip.yaml"):
    from test_text import with_literal
    return with_literal(tmp_path, trip_data, put, literal, name)


def _amount(d, v):
    d["delegation"]["funding"]["amount"] = v


def _refused(run_formgen, tmp_path, path) -> str:
    """The one line `render` prints refusing path (exit 2), having written nothing."""
    result = render(run_formgen, path, tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    return one_line(result)


def test_money_typed_150_000_in_yaml_exits_2_saying_how_to_write_it_never_150_dong(tmp_path, run_formgen, trip_data):
    path = _literal_file(tmp_path, trip_data, _amount, "150.000")
    line = _refused(run_formgen, tmp_path, path)
    assert line == (f"{path}: LỖI [delegation.funding.amount]: Số tiền “150.000” được đọc là số thập "
                    "phân, không phải số nguyên đồng; hãy viết 150000 hoặc \"150.000\" (có dấu ngoặc kép).")


def test_money_written_1_5e8_in_json_exits_2_saying_how_to_write_it(tmp_path, run_formgen, trip_data):
    path = _literal_file(tmp_path, trip_data, _amount, "1.5e8", "trip.json")
    line = _refused(run_formgen, tmp_path, path)
    assert line == (f"{path}: LỖI [delegation.funding.amount]: Số tiền “1.5e8” được đọc là số thập "
                    "phân, không phải số nguyên đồng; hãy viết 150000000 hoặc \"150.000.000\" "
                    "(có dấu ngoặc kép).")


def test_money_150_000_in_a_json_lines_row_refuses_that_row(tmp_path, run_formgen, trip_data):
    good = json.dumps(trip_data, ensure_ascii=False, default=str)
    bad = good.replace('"150.000.000"', "150.000")
    assert bad != good
    (tmp_path / "bang.jsonl").write_text(good + "\n" + bad + "\n", encoding="utf-8")
    result = batch(run_formgen, tmp_path, tmp_path / "bang.jsonl")
    assert result.exit_code == 1
    assert (f"{tmp_path / 'bang.jsonl'}, dòng 2: [delegation.funding.amount] Số tiền “150.000” được đọc là số thập "
            "phân, không phải số nguyên đồng; hãy viết 150000 hoặc \"150.000\" (có dấu ngoặc kép).") in result.stdout
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1


def test_a_document_number_written_010_is_printed_as_number_10_not_8(tmp_path, run_formgen, trip_data):
    path = _literal_file(tmp_path, trip_data, lambda d, v: d["request"].update(number=v), "010")
    result = render(run_formgen, path, tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert "Số: 10/TTr-SNV" in docx_lines(tmp_path / "out.docx")


def test_a_document_number_written_0x1a_exits_2_never_26(tmp_path, run_formgen, trip_data):
    path = _literal_file(tmp_path, trip_data, lambda d, v: d["request"].update(number=v), "0x1A")
    line = _refused(run_formgen, tmp_path, path)
    assert line == (f"{path}: LỖI [request.number]: “0x1A” không phải số nguyên viết bằng chữ số 0–9 "
                    "(YAML đọc nó thành 26); hãy viết số bằng chữ số 0–9.")


def test_an_approved_size_written_1_30_exits_2_never_90(tmp_path, run_formgen, trip_data):
    path = _literal_file(tmp_path, trip_data, lambda d, v: d.update(
        approval={"number": "12-CV/TU", "date": "2024-05-28", "approved_size": v}), "1:30")
    line = _refused(run_formgen, tmp_path, path)
    assert line == (f"{path}: LỖI [approval.approved_size]: “1:30” không phải số nguyên viết bằng chữ "
                    "số 0–9 (YAML đọc nó thành 90); hãy viết số bằng chữ số 0–9.")


def test_a_zero_width_space_in_a_member_name_exits_2_naming_the_field(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["members"][2]["name"] = "Phạm Minh\u200b Đức"  # pasted from a web page
    line = _refused(run_formgen, tmp_path, write_trip(tmp_path, trip_data))
    assert line == (f"{tmp_path / 'trip.yaml'}: LỖI [delegation.members[2].name]: Chứa ký tự vô hình "
                    "“khoảng trắng độ rộng 0” không được phép (mã U+200B) ngay sau “Phạm Minh”; "
                    "hãy xóa ký tự này.")


def test_a_right_to_left_override_in_the_purpose_exits_2_naming_the_field(tmp_path, run_formgen, trip_data,
                                                                         write_trip):
    trip_data["delegation"]["purpose"] = "Học tập \u202eđộc lập\u202c kinh nghiệm"
    line = _refused(run_formgen, tmp_path, write_trip(tmp_path, trip_data))
    assert line == (f"{tmp_path / 'trip.yaml'}: LỖI [delegation.purpose]: Chứa ký tự đổi chiều hiển thị "
                    "không được phép (mã U+202E) ngay sau “Học tập”: chữ in ra sẽ khác chữ đã gõ; "
                    "hãy xóa ký tự này.")


def test_a_lone_surrogate_in_a_json_key_exits_2_with_one_line(tmp_path, run_formgen):
    (tmp_path / "trip.json").write_text('{"\\ud800": 1}', encoding="utf-8")
    line = _refused(run_formgen, tmp_path, tmp_path / "trip.json")
    assert line == (f"{tmp_path / 'trip.json'}: LỖI [\\ud800]: Khóa chứa nửa cặp UTF-16 (surrogate) "
                    "đứng một mình (mã U+D800).")


def test_the_leader_listed_again_among_the_members_exits_2_naming_both(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["members"].append(
        {"name": "Nguyễn Văn An", "position": "Phó Giám đốc Sở Nội vụ", "unit": "Sở Nội vụ"})
    line = _refused(run_formgen, tmp_path, write_trip(tmp_path, trip_data))
    assert line == (f"{tmp_path / 'trip.yaml'}: LỖI [delegation.members[6].name]: “Nguyễn Văn An” đã có "
                    "trong đoàn (trưởng đoàn, delegation.leader.name): mỗi người chỉ ghi một lần; danh "
                    "sách thành viên (members) không ghi lại trưởng đoàn.")


def test_a_member_listed_twice_exits_2_naming_both(tmp_path, run_formgen, trip_data, write_trip):
    members = trip_data["delegation"]["members"]
    members.append(dict(members[1]))
    line = _refused(run_formgen, tmp_path, write_trip(tmp_path, trip_data))
    assert line == (f"{tmp_path / 'trip.yaml'}: LỖI [delegation.members[6].name]: “Lê Hoàng Phúc” đã có "
                    "trong đoàn (thành viên, delegation.members[1].name): mỗi người chỉ ghi một lần.")


def test_a_head_marked_not_a_key_leader_exits_2(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["leader"].update(rank="head", position="Giám đốc Sở Nội vụ", key_leader=False)
    line = _refused(run_formgen, tmp_path, write_trip(tmp_path, trip_data))
    assert line == (f"{tmp_path / 'trip.yaml'}: LỖI [delegation.leader.key_leader]: Trưởng đoàn là người "
                    "đứng đầu (rank: head) nên là lãnh đạo chủ chốt; hãy bỏ key_leader: false, hoặc sửa "
                    "cấp trưởng đoàn (rank) nếu người này không phải người đứng đầu.")


def test_a_head_led_letter_counts_the_head_among_the_key_leaders(tmp_path, run_formgen, trip_data, write_trip):
    d = trip_data["delegation"]
    d["leader"].update(rank="head", position="Giám đốc Sở Nội vụ")
    del d["leader"]["key_leader"]
    d["members"][0]["key_leader"] = False
    result = render(run_formgen, write_trip(tmp_path, trip_data), tmp_path / "out.docx")
    assert result.exit_code == 0, result.stderr
    assert "trong đoàn có 01 lãnh đạo chủ chốt của đơn vị." in written_text(tmp_path / "out.docx")


def test_an_extra_member_named_twice_in_an_escalation_exits_2_naming_both(tmp_path, run_formgen):
    data = yaml.safe_load((ROOT / "fixtures" / "escalation.yaml").read_text(encoding="utf-8"))
    extras = data["escalation"]["extra_members"]
    extras[1] = extras[0].upper()  # two over the limit, one person named twice: R12 would count two
    path = tmp_path / "bosung.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run_formgen("render", "escalation", path, "-o", tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert one_line(result) == (f"{path}: LỖI [escalation.extra_members[1]]: “{extras[1]}” đã có trong danh sách "
                                "người bổ sung (escalation.extra_members[0]): mỗi người chỉ ghi một lần.")


def test_an_annual_file_listing_one_delegation_file_twice_exits_2_naming_both(tmp_path, run_formgen):
    for name in ("annual.yaml", "report.yaml"):
        (tmp_path / name).write_text((ROOT / "fixtures" / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "annual.yaml").read_text(encoding="utf-8")
    assert "\n  - report.yaml\n" in text
    (tmp_path / "annual.yaml").write_text(text.replace("\n  - report.yaml\n", "\n  - report.yaml\n  - ./report.yaml\n"),
                                          encoding="utf-8")
    result = run_formgen("render", "annual", tmp_path / "annual.yaml", "-o", tmp_path / "out.docx")
    assert result.exit_code == 2 and not (tmp_path / "out.docx").exists()
    assert one_line(result) == (f"{tmp_path / 'annual.yaml'}: LỖI [delegations[1]]: Tệp “./report.yaml” đã có ở "
                                "delegations[0]: mỗi đoàn chỉ ghi một lần.")


def test_money_150_000_000_with_commas_in_a_csv_row_refuses_that_row_saying_why(tmp_path, run_formgen):
    english = dict(BASE, **{"Kinh phí": "150,000,000", "Trưởng đoàn": "Lê Văn Cường"})  # as an English Excel writes it
    path = write_csv(tmp_path / "bang.csv", [BASE, english])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 1
    assert (f"{path}, dòng 3: [delegation.funding.amount] Số tiền “150,000,000” dùng dấu phẩy, mà dấu phẩy là dấu thập "
            "phân (Luật Kế toán: dấu chấm ngăn cách hàng nghìn); hãy viết 150000000 hoặc 150.000.000."
            ) in result.stdout.splitlines()
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1
# --- tables: one reader for batch and register import (formgen/tables/) -----------------------------


def test_a_hidden_sheet_first_in_the_workbook_is_never_read(tmp_path, run_formgen):
    decoy = [list(BASE), list(dict(BASE, **{"Trưởng đoàn": "Lê Văn Ẩn", "Người ký": "Lê Văn Ẩn"}).values())]
    path = workbook(tmp_path / "bang.xlsx", {"Danh mục": decoy, "Đoàn": table(1)}, hidden=("Danh mục",))
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 0, result.stdout + result.stderr
    (written,) = (tmp_path / "out").glob("*.docx")
    assert "Nguyễn Văn An" in written_text(written) and "Lê Văn Ẩn" not in written_text(written)


def test_sheet_naming_a_hidden_sheet_exits_2_and_makes_nothing(tmp_path, run_formgen):
    path = workbook(tmp_path / "bang.xlsx", {"Danh mục": table(1), "Đoàn": table(1)}, hidden=("Danh mục",))
    result = batch(run_formgen, tmp_path, path, "--sheet", "Danh mục")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”: trang tính “Danh mục” đang ẩn — bỏ ẩn (Unhide) nếu "
                                "đúng là trang cần đọc.")


def test_sheet_naming_no_sheet_exits_2_listing_the_sheets_there_are(tmp_path, run_formgen):
    path = workbook(tmp_path / "bang.xlsx", {"Năm 2023": table(1), "Năm 2024": table(1)})
    result = run_formgen("register", "import", path, "--register", tmp_path / "so.sqlite", "--sheet", "2025")
    assert result.exit_code == 2
    assert one_line(result) == (f"Không đọc được bảng “{path}”: không có trang tính “2025” (các trang: “Năm 2023”, "
                                "“Năm 2024”).")


def test_sheet_given_with_a_csv_table_exits_2_rather_than_being_ignored(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [BASE])
    result = batch(run_formgen, tmp_path, path, "--sheet", "Năm 2024")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == f"Không đọc được bảng “{path}”: --sheet chỉ dùng cho bảng .xlsx."


def test_rows_and_columns_beyond_a_stale_dimension_are_read(tmp_path, run_formgen):
    rows = table(3)
    path = _rewrite_sheet(write_xlsx(tmp_path / "bang.xlsx", rows),
                          lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:C2"/>', xml))
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 0, result.stdout + result.stderr
    letters = sorted((tmp_path / "out").glob("*.docx"))
    assert len(letters) == 3
    assert all("Hậu Giang, ngày 20 tháng 5 năm 2024" in written_text(p) for p in letters)   # column Q, past C


def _with_shared_strings(path: Path, count: int) -> Path:
    """An XLSX whose shared strings are `count` one-letter strings: megabytes inflated from kilobytes."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(count // 10_000):
                f.write(b"<si><t>a</t></si>" * 10_000)
            f.write(b"</sst>")
    return path


def test_an_xlsx_inflating_past_the_limit_is_refused_from_its_zip_directory_before_loading(tmp_path, run_formgen):
    path = _with_shared_strings(write_xlsx(tmp_path / "bang.xlsx", table(1)), 2_000_000)  # 34 MB from 90 KB
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        result = batch(run_formgen, tmp_path, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”: phần “xl/sharedStrings.xml” của tệp giải nén ra 32 MB, "
                                "quá giới hạn 32 MB — hãy chia bảng thành nhiều tệp.")
    assert peak < 10 * 2**20   # bytes: openpyxl never built the strings


def test_an_xlsx_with_more_shared_strings_than_the_cell_limit_is_refused_before_loading(tmp_path, run_formgen,
                                                                                       monkeypatch):
    monkeypatch.setattr("formgen.tables.xlsxfile.MAX_CELLS", 50_000)
    path = _with_shared_strings(write_xlsx(tmp_path / "bang.xlsx", table(1)), 60_000)
    result = run_formgen("register", "import", path, "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 2
    assert one_line(result) == (f"Không đọc được bảng “{path}”: phần “xl/sharedStrings.xml” có hơn 50.000 chuỗi, "
                                "quá giới hạn — hãy chia bảng thành nhiều tệp.")


def test_a_sheet_with_more_cells_than_the_limit_is_refused_before_openpyxl_reads_it(tmp_path, run_formgen,
                                                                                   monkeypatch):
    monkeypatch.setattr("formgen.tables.xlsxfile.MAX_CELLS", 100)
    path = write_xlsx(tmp_path / "bang.xlsx", table(5))   # 6 rows of 23 cells
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”: trang tính có hơn 100 ô, quá giới hạn — hãy chia bảng "
                                "thành nhiều tệp.")


def test_an_unknown_column_is_one_line_naming_the_nearest_header_and_nothing_is_made(tmp_path, run_formgen):
    rows = [dict(BASE, **{"Số văn bản": i + 1}) for i in range(3)]
    header = [("Ngay đii" if h == "Ngày đi" else h) for h in rows[0]] + ["Số điện thoại"]
    path = write_csv(tmp_path / "bang.csv", [dict(r, phone="0293 3870 123") for r in rows], header=header)
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”, dòng tiêu đề: cột không có trong mẫu: “Ngay đii” (gần "
                                "nhất: “Ngày đi”), “Số điện thoại” (gần nhất: “Số đăng ký”) — sửa tên cột, hoặc xóa "
                                "cột không dùng.")


def test_a_misspelt_input_path_column_is_one_line_naming_the_nearest_path(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [dict(BASE, x="Trưởng phòng")],
                     header=[*BASE, "delegation.members[0].positon"])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2
    assert "“delegation.members[0].positon” (gần nhất: “delegation.members[0].position”)" in one_line(result)


def test_two_headers_meaning_one_column_exit_2_naming_both(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [dict(BASE, x="Sở Tư pháp")], header=[*BASE, "Đơn vị"])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert one_line(result) == (f"Không đọc được bảng “{path}”, dòng tiêu đề: cột “Đơn vị” trùng nghĩa với cột "
                                f"“Cơ quan” (cột A và {openpyxl.utils.get_column_letter(len(BASE) + 1)}).")


def test_two_headers_for_one_field_of_the_document_exit_2(tmp_path, run_formgen):
    path = write_csv(tmp_path / "bang.csv", [dict(BASE, x="21/05/2024")], header=[*BASE, "Ngày trình"])
    result = batch(run_formgen, tmp_path, path)
    assert result.exit_code == 2
    assert "cột “Ngày trình” trùng nghĩa với cột “Ngày văn bản”" in one_line(result)


def test_a_value_in_a_column_without_a_header_refuses_its_row_naming_the_cell(tmp_path, run_formgen):
    rows = table(2)
    rows[2].append("ghi chú lạc")
    result = batch(run_formgen, tmp_path, write_xlsx(tmp_path / "bang.xlsx", rows))
    assert result.exit_code == 1
    column = openpyxl.utils.get_column_letter(len(rows[0]) + 1)
    assert f"{tmp_path / 'bang.xlsx'}, dòng 3: Ô {column}3 có giá trị nhưng cột {column} không có tiêu đề: thêm " \
           "tiêu đề cho cột, hoặc xóa ô." in result.stdout.splitlines()
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1


def test_a_utf16_table_with_a_broken_character_exits_2_naming_its_row(tmp_path, run_formgen):
    text = "\t".join(BASE) + "\r\n" + "\t".join(BASE.values()) + "\r\n"
    data = text.encode("utf-16") + "Sở".encode("utf-16-le") + b"\x00\xd8" + "\t".join(BASE.values()).encode(
        "utf-16-le")   # a lone high surrogate
    (tmp_path / "bang.csv").write_bytes(data)
    result = batch(run_formgen, tmp_path, tmp_path / "bang.csv")
    assert result.exit_code == 2
    assert f"“{tmp_path / 'bang.csv'}”, dòng 3: có byte không phải UTF-16 (hãy lưu dạng CSV UTF-8). Các dòng trước " \
           "đó đã xử lý: 1 dòng: 1 đã tạo" in one_line(result)
# --- manifest and interrupts ----------------------------------------------------------------------
# formgen runs here as a real process (python -m formgen), marked by an environment variable so that
# every process it starts (workers, LibreOffice) can be found afterwards, with its own TMPDIR so that
# every temporary folder it makes can be seen.


# Finding a run's processes reads /proc: Linux (where LibreOffice runs headless in production).
needs_proc = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")


class Run:
    """`python -m formgen ARGS` in its own session, as a terminal or a service manager starts it."""

    def __init__(self, tmp_path: Path, *args):
        import subprocess
        import sys
        import uuid
        self.mark, self.tmp = uuid.uuid4().hex, tmp_path / "tmp"
        self.tmp.mkdir(exist_ok=True)
        env = dict(os.environ, FORMGEN_TEST_RUN=self.mark, TMPDIR=str(self.tmp), PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "formgen", *map(str, args)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def processes(self) -> list[int]:
        """Living processes of this run (a zombie has no environment left to read)."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and f"FORMGEN_TEST_RUN={self.mark}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def libreoffice(self) -> list[int]:
        found = []
        for pid in self.processes():
            try:
                if str(self.tmp).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():  # its profile is in TMPDIR
                    found.append(pid)
            except OSError:
                continue
        return found

    def stop(self, name: str, *, group: bool = False) -> tuple[int, str]:
        """Send the signal (to the whole process group, as Ctrl+C in a terminal does, with group); exit status, stderr."""
        import signal
        signum = getattr(signal, name)
        os.killpg(self.proc.pid, signum) if group else self.proc.send_signal(signum)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err.decode("utf-8")

    def all_gone(self, within: float = 10.0) -> bool:
        deadline = time.monotonic() + within
        while self.processes():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def wait_until(condition, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def listed_in_manifest(folder: Path) -> set[str]:
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {Path(out).name for row in doc["rows"] for out in row["outputs"]}


def documents_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix in (".docx", ".pdf")}


def hidden_in(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def last_run_state(folder: Path) -> str:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["runs"][-1]["state"]


# Rows long enough that a run is still going when the test stops it, with a wide margin: the whole DOCX run of
# 1,500 rows took 1.5 s (stopped at ~1.2 s), the PDF run of 4 rows 0.8 s. A stopped run reads no further rows.
LONG_ROWS, LONG_PDF_ROWS = 6000, 12


def long_table(tmp_path: Path, rows: int = LONG_ROWS) -> Path:
    return write_csv(tmp_path / "dai.csv", [dict(BASE, **{"Số văn bản": i + 1}) for i in range(rows)])


def start_batch(tmp_path: Path, *extra) -> tuple[Run, Path]:
    out = tmp_path / "out"
    run = Run(tmp_path, "batch", "request", long_table(tmp_path, LONG_PDF_ROWS if "--pdf" in extra else LONG_ROWS), "-o", out,
              *extra)
    if "--pdf" in extra:
        wait_until(run.libreoffice)  # stopped while LibreOffice converts
    else:
        wait_until(lambda: out.is_dir() and documents_in(out))  # stopped mid-run: some documents exist
    return run, out


@needs_proc
@pytest.mark.parametrize("name, group, code", [("SIGINT", True, 130), ("SIGTERM", False, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_a_batch_stopped_by_ctrl_c_or_sigterm_leaves_a_manifest_listing_exactly_the_documents_on_disk(
        tmp_path, name, group, code):
    run, out = start_batch(tmp_path, "--jobs", "1")
    status, err = run.stop(name, group=group)
    assert status == code and err.splitlines()[-1] == f"formgen: đã dừng theo tín hiệu {name} / stopped by {name}."
    assert listed_in_manifest(out) == documents_in(out) and 0 < len(documents_in(out)) < LONG_ROWS
    assert last_run_state(out) == "interrupted" and hidden_in(out) == [] and run.all_gone(0)


def staged_in(folder: Path) -> set[str]:
    """Documents a run killed outright left in its staging folder."""
    return {p.name for staging in folder.glob(".formgen-run-*") for p in staging.iterdir()}


def assert_killed_run_left_no_document_unlisted(out: Path) -> None:
    """Killed outright, a run can be cut between writing the manifest and moving what it lists into place:
    every document in the folder is listed, and whatever is listed but absent waits in the run's staging."""
    listed, on_disk = listed_in_manifest(out), documents_in(out)
    assert on_disk and on_disk <= listed and listed - on_disk <= staged_in(out)
    assert last_run_state(out) == "running"  # nobody could say otherwise: the process was killed outright


@needs_proc
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_killed_by_sigkill_lists_every_document_it_left_and_the_next_run_makes_the_record_exact(
        tmp_path, run_formgen, jobs):
    run, out = start_batch(tmp_path, "--jobs", jobs)
    assert len(run.processes()) == (1 if jobs == "1" else 3)  # formgen, and its workers
    status, _ = run.stop("SIGKILL")
    assert status == -9 and run.all_gone()  # workers stop with their parent
    assert_killed_run_left_no_document_unlisted(out)
    result = run_formgen("batch", "request", write_csv(tmp_path / "mot.csv", [BASE]), "-o", out, "--jobs", "1")
    assert result.exit_code == 0
    states = [r["state"] for r in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]]
    assert states == ["interrupted", "complete"] and hidden_in(out) == []  # the dead run's staging is gone
    assert listed_in_manifest(out) == documents_in(out)


@needs_proc
def test_a_batch_worker_killed_from_outside_stops_the_run_with_exit_3_and_an_exact_manifest(tmp_path):
    run, out = start_batch(tmp_path, "--jobs", "2")
    worker = next(pid for pid in run.processes() if pid != run.proc.pid)
    os.kill(worker, 9)  # as the kernel's out-of-memory killer does
    _, err = run.proc.communicate(timeout=30)
    assert run.proc.returncode == 3 and err.decode("utf-8").splitlines() == [
        "Một tiến trình con của formgen bị dừng giữa chừng (hết bộ nhớ, hoặc bị kết thúc từ bên ngoài): các dòng "
        "đã xong có trong danh sách."]
    assert listed_in_manifest(out) == documents_in(out) and documents_in(out)
    assert last_run_state(out) == "failed" and hidden_in(out) == [] and run.all_gone()


@needs_proc
@pytest.mark.parametrize("name, group, jobs", [("SIGINT", True, "1"), ("SIGTERM", False, "2"), ("SIGKILL", False, "1")],
                         ids=["ctrl-c", "sigterm-with-workers", "sigkill"])
def test_stopping_batch_pdf_stops_libreoffice_and_removes_its_profiles_and_staging(tmp_path, name, group, jobs):
    run, out = start_batch(tmp_path, "--pdf", "--jobs", jobs)
    run.stop(name, group=group)
    assert run.all_gone()  # no LibreOffice of this run is left, whatever the signal
    assert list(run.tmp.iterdir()) == []  # no profile, no staging, no LibreOffice temporary file
    assert listed_in_manifest(out) == documents_in(out)
    assert hidden_in(out) == [] or name == "SIGKILL"  # the staging of a killed run waits for the next one


@needs_proc
def test_stopping_render_pdf_by_sighup_stops_libreoffice_and_removes_its_profile(tmp_path):
    run = Run(tmp_path, "render", "request", FIXTURE, "-o", tmp_path / "to-trinh.docx", "--pdf")
    wait_until(run.libreoffice)
    status, err = run.stop("SIGHUP")
    assert status == 129 and err.splitlines()[-1] == "formgen: đã dừng theo tín hiệu SIGHUP / stopped by SIGHUP."
    assert run.all_gone() and list(run.tmp.iterdir()) == []
    assert not (tmp_path / "to-trinh.pdf").exists()


@needs_proc
def test_a_second_batch_into_a_folder_another_run_is_writing_exits_3_and_writes_nothing(tmp_path, run_formgen):
    first, out = start_batch(tmp_path, "--jobs", "1")
    try:
        result = run_formgen("batch", "request", write_csv(tmp_path / "mot.csv", [BASE]), "-o", out, "--jobs", "1")
        listed = listed_in_manifest(out)
    finally:
        first.stop("SIGTERM")
    assert result.exit_code == 3 and one_line(result) == (
        f"Thư mục “{out}” đang được một lần chạy formgen khác ghi vào: hãy chờ lần chạy đó xong, hoặc chọn thư mục khác.")
    assert {r["table"] for r in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]} == {
        str(tmp_path / "dai.csv")}
    assert listed_in_manifest(out) >= listed  # the first run's record went on, untouched by the second


@pytest.mark.parametrize("name", ["manifest.json", "manifest.csv"])
def test_a_symlink_planted_at_the_manifest_exits_2_and_its_target_is_untouched(tmp_path, run_formgen, name):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "victim.txt"
    target.write_text("do not touch", encoding="utf-8")
    (out / name).symlink_to(target)
    result = batch(run_formgen, tmp_path, write_csv(tmp_path / "bang.csv", [BASE]))
    assert result.exit_code == 2 and one_line(result) == (
        f"“{out / name}” là liên kết tượng trưng (symlink): formgen không ghi danh sách qua liên kết — "
        "hãy xoá liên kết này hoặc chọn thư mục khác.")
    assert target.read_text(encoding="utf-8") == "do not touch" and documents_in(out) == set()


def test_a_manifest_json_that_is_not_formgens_exits_2_and_is_kept_as_it_was(tmp_path, run_formgen):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"rows": "ghi chú của tôi"}', encoding="utf-8")
    result = batch(run_formgen, tmp_path, write_csv(tmp_path / "bang.csv", [BASE]))
    assert result.exit_code == 2 and one_line(result) == (
        f"Không đọc được danh sách {out / 'manifest.json'}: không phải danh sách của formgen — hãy đổi tên hoặc "
        "chuyển tệp này đi (formgen không xoá bản ghi các lần chạy trước).")
    assert (out / "manifest.json").read_text(encoding="utf-8") == '{"rows": "ghi chú của tôi"}'
    assert documents_in(out) == set()
# --- templates: packages that reach outside, bombs, and templates that never end -----------------
# Each hostile template is a copy of the built-in request_state.docx edited here as a zip (or with
# python-docx); `templates check` and `render --templates` must both refuse it: exit 2, one line
# naming the part and the reason, nothing written.

import http.server  # noqa: E402
import shutil  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402

from formgen.package import limits  # noqa: E402
from formgen.pdf import Converter  # noqa: E402
from formgen.pdf_workers import UnoWorker, uno_python  # noqa: E402

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RELS_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">')
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def builtin_request() -> Path:
    return {p.name: p for p in builtin_templates()}["request_state.docx"]


def edited_template(tmp_path: Path, edits: dict | None = None, body: str = "", header: str = "") -> Path:
    """tmp_path/mau/request_state.docx: the built-in one with parts replaced (name -> bytes, or a function
    of the old bytes; a new name adds the part), XML put at the end of the body or of the header."""
    edits = dict(edits or {})
    if body:
        edits["word/document.xml"] = lambda old: _before_last(old, b"<w:sectPr", body.encode())
    if header:
        edits["word/header1.xml"] = lambda old: _before_last(old, b"</w:hdr>", header.encode())
    target = tmp_path / "mau" / "request_state.docx"
    target.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(builtin_request()) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            edit = edits.pop(info.filename, None)
            out.writestr(info.filename, edit(data) if callable(edit) else (data if edit is None else edit))
        for name, data in edits.items():
            out.writestr(name, data(b"") if callable(data) else data)
    return target


def _before_last(data: bytes, marker: bytes, insert: bytes) -> bytes:
    at = data.rindex(marker)
    return data[:at] + insert + data[at:]


def with_relationship(rels: str, kind: str, target: str, external: bool = True) -> dict:
    """An edit adding one relationship to the .rels part `rels` (created when the template has none)."""
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="rIdHostile" Type="{REL}{kind}" Target="{target}"{mode}/>'.encode()

    def edit(old: bytes) -> bytes:
        return old.replace(b"</Relationships>", rel + b"</Relationships>") if old else \
            (RELS_HEAD + rel.decode() + "</Relationships>").encode()
    return {rels: edit}


def field(instruction_runs: list[str]) -> str:
    """A complex Word field whose instruction Word split over several runs."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>' for text in instruction_runs)
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}<w:r><w:fldChar w:fldCharType="separate"/>'
            '</w:r><w:r><w:t>cũ</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def refused_both_ways(run_formgen, tmp_path: Path, template: Path) -> tuple[str, str]:
    """`templates check` and `render --templates` on template: both exit 2 with one line, nothing written."""
    checked = run_formgen("templates", "check", template)
    out = tmp_path / "out.docx"
    rendered = render(run_formgen, FIXTURE, out, "--templates", template.parent)
    assert (checked.exit_code, rendered.exit_code) == (2, 2), (checked.stderr, rendered.stderr)
    assert checked.stdout == rendered.stdout == ""
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["mau"]
    return one_line(checked), one_line(rendered)


EXTERNAL = {
    "a picture linked to a web address": (with_relationship("word/_rels/document.xml.rels", "image",
                                                            "http://127.0.0.1:9/anh.png"), "word/document.xml"),
    "a picture linked to a local file": (with_relationship("word/_rels/document.xml.rels", "image",
                                                          "file:///etc/hostname"), "word/document.xml"),
    "a picture in the header linked to a web address": (with_relationship("word/_rels/header1.xml.rels", "image",
                                                                          "http://127.0.0.1:9/logo.png"),
                                                        "word/header1.xml"),
    "a picture named by URL without TargetMode": (with_relationship("word/_rels/document.xml.rels", "image",
                                                                    "http://127.0.0.1:9/anh.png", external=False),
                                                  "word/document.xml"),
    "an OLE object linked to a file": (with_relationship("word/_rels/document.xml.rels", "oleObject",
                                                         "file:///C:/bang-luong.xlsx"), "word/document.xml"),
    "a frame": (with_relationship("word/_rels/document.xml.rels", "frame", "http://127.0.0.1:9/khung.html"),
                "word/document.xml"),
    "a subdocument": (with_relationship("word/_rels/document.xml.rels", "subDocument", "file:///tmp/con.docx"),
                      "word/document.xml"),
    "an attached template in settings.xml.rels": (with_relationship("word/_rels/settings.xml.rels",
                                                                    "attachedTemplate", "http://127.0.0.1:9/t.dotx"),
                                                  "word/settings.xml"),
}


@pytest.mark.parametrize("case", EXTERNAL, ids=list(EXTERNAL))
def test_a_template_linking_outside_itself_is_refused_naming_the_part_and_the_target(tmp_path, run_formgen, case):
    edits, part = EXTERNAL[case]
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    for line in (checked, rendered):
        assert f"phần {part}," in line and "ra ngoài tệp" in line and ("http://127.0.0.1:9/" in line or
                                                                     "file:///" in line), line


def test_a_batch_with_a_template_linking_outside_itself_exits_2_before_making_anything(tmp_path, run_formgen):
    template = edited_template(tmp_path, with_relationship("word/_rels/document.xml.rels", "image",
                                                          "http://127.0.0.1:9/anh.png"))
    table = write_csv(tmp_path / "bang.csv", [BASE])
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--templates", template.parent)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert "phần word/document.xml, liên kết ảnh ra ngoài tệp (“http://127.0.0.1:9/anh.png”)" in one_line(result)


def test_a_hyperlink_to_a_web_address_is_still_allowed(tmp_path, run_formgen):
    template = edited_template(tmp_path, with_relationship("word/_rels/document.xml.rels", "hyperlink",
                                                          "https://haugiang.gov.vn/"))
    assert run_formgen("templates", "check", template).exit_code == 0
    result = render(run_formgen, FIXTURE, tmp_path / "out.docx", "--templates", template.parent)
    assert result.exit_code == 0 and "Kính gửi" in written_text(tmp_path / "out.docx")


def test_embedded_foreign_content_altchunk_is_refused_even_inside_the_package(tmp_path, run_formgen):
    edits = {**with_relationship("word/_rels/document.xml.rels", "aFChunk", "trang.html", external=False),
             "word/trang.html": b"<html><img src='http://127.0.0.1:9/x.png'></html>"}
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    assert "phần word/document.xml," in checked and "altChunk" in checked and checked == rendered


FIELDS = {
    "an INCLUDEPICTURE field split across runs": (dict(body=field(['INCLUDE', 'PICTURE "http://127.0.0.1:9/a.png"'])),
                                                  "word/document.xml", "INCLUDEPICTURE"),
    "an INCLUDETEXT simple field": (dict(body='<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;/etc/passwd&quot; ">'
                                              '<w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>'),
                                    "word/document.xml", "INCLUDETEXT"),
    "a LINK field in the header": (dict(header=field(['LINK Excel.Sheet.12 "C:\\\\luong.xlsx" "Sheet1!R1C1"'])),
                                   "word/header1.xml", "LINK"),
    "a DDEAUTO field in lower case": (dict(body=field(['ddeauto c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"'])),
                                      "word/document.xml", "DDEAUTO"),
}


@pytest.mark.parametrize("case", FIELDS, ids=list(FIELDS))
def test_a_field_reading_another_file_is_refused_naming_the_part_and_the_field(tmp_path, run_formgen, case):
    where, part, name = FIELDS[case]
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, **where))
    assert f"phần {part}, có trường {name}" in checked and checked == rendered


def _declare(old: bytes, declaration: bytes) -> bytes:
    head, rest = old.split(b"?>", 1)
    return head + b"?>" + declaration + rest


DTDS = {
    "a DOCTYPE in the body": ("word/document.xml",
                              lambda old: _declare(old, b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')),
    "an entity declaration in styles.xml": ("word/styles.xml",
                                            lambda old: _declare(old, b'<!DOCTYPE w:styles [<!ENTITY a "aaaaaaaa">]>')),
    "a DOCTYPE in [Content_Types].xml": ("[Content_Types].xml", lambda old: _declare(old, b"<!DOCTYPE Types>")),
    "a DOCTYPE in an XML part not named .xml": ("word/glossary.dat", lambda old: b'<?xml version="1.0"?>'
                                                b'<!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]><g>&x;</g>'),
    "a DOCTYPE in a part written in UTF-16": (
        "word/settings.xml",
        lambda old: _declare(old.replace(b"encoding='UTF-8'", b"encoding='UTF-16'")
                             .replace(b'encoding="UTF-8"', b'encoding="UTF-16"'),
                             b"<!DOCTYPE w:settings>").decode("utf-8").encode("utf-16")),
}


@pytest.mark.parametrize("case", DTDS, ids=list(DTDS))
def test_a_doctype_or_entity_in_any_part_is_refused_naming_the_part(tmp_path, run_formgen, case):
    part, edit = DTDS[case]
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, {part: edit}))
    assert f"phần {part}, có khai báo DOCTYPE/ENTITY" in checked and checked == rendered


def test_a_vba_project_is_refused_as_a_macro(tmp_path, run_formgen):
    edits = {**with_relationship("word/_rels/document.xml.rels", "vbaProject", "vbaProject.bin", external=False),
             "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really OLE"}
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    assert "phần word/vbaProject.bin, có macro" in checked and checked == rendered


def test_a_docm_content_type_is_refused_as_a_macro(tmp_path, run_formgen):
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    docm = b"application/vnd.ms-word.document.macroEnabled.main+xml"
    template = edited_template(tmp_path, {"[Content_Types].xml": lambda old: old.replace(main, docm)})
    checked, rendered = refused_both_ways(run_formgen, tmp_path, template)
    assert "phần [Content_Types].xml, khai báo macro" in checked and ".docm" in checked and checked == rendered


def _forge_sizes(path: Path, name: str, size: int) -> None:
    """Write `size` as the uncompressed size of member `name` in the zip's directory and local header."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into("<I", data, local + 22, size)
    central = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]  # the directory's first entry
    while True:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + length]).decode() == name:
            struct.pack_into("<I", data, central + 24, size)
            break
        extra, comment = struct.unpack_from("<HH", data, central + 30)
        central += 46 + length + extra + comment
    path.write_bytes(bytes(data))


def test_a_zip_bomb_of_3_gib_is_refused_from_the_directory_without_inflating(tmp_path, run_formgen):
    template = edited_template(tmp_path, {"word/bom.xml": b"<a/>" * 1000})
    _forge_sizes(template, "word/bom.xml", 3 * 2**30)
    tracemalloc.start()
    checked, rendered = refused_both_ways(run_formgen, tmp_path, template)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "phần word/bom.xml, giải nén ra 3.072 MB, quá giới hạn 20 MB" in checked and checked == rendered
    assert peak < 50 * 2**20


def test_a_part_inflating_beyond_its_declared_size_is_refused(tmp_path, run_formgen):
    template = edited_template(tmp_path, {"word/bom.xml": b"<a>" + b" " * 5 * 2**20 + b"</a>"})
    _forge_sizes(template, "word/bom.xml", 1000)
    checked, rendered = refused_both_ways(run_formgen, tmp_path, template)
    assert "phần word/bom.xml, không giải nén được" in checked and checked == rendered


def test_a_part_compressed_beyond_the_ratio_limit_is_refused(tmp_path, run_formgen):
    template = edited_template(tmp_path, {"word/bom.xml": b"<a>" + b"0" * 4 * 2**20 + b"</a>"})
    checked, rendered = refused_both_ways(run_formgen, tmp_path, template)
    assert re.search(r"phần word/bom\.xml, nén \d+ lần, quá giới hạn 200 lần", checked) and checked == rendered


@pytest.mark.slow
def test_parts_too_big_together_are_refused_naming_the_total(tmp_path, run_formgen):
    chunk = os.urandom(2**20).hex().encode()  # 2 MiB that compress about 2:1
    edits = {f"word/media/anh{i}.bin": chunk * 5 for i in range(6)}  # 6 x 10 MiB = 60 MiB
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    assert re.search(r"giải nén ra 6\d MB, quá giới hạn 50 MB của một mẫu", checked) and checked == rendered


def test_a_template_of_too_many_parts_is_refused(tmp_path, run_formgen):
    edits = {f"customXml/item{i}.bin": b"x" for i in range(limits()["package"]["members"])}
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    assert re.search(r"có \d+ phần, quá giới hạn 500 phần của một mẫu", checked) and checked == rendered


def test_a_part_written_twice_in_the_zip_is_refused(tmp_path, run_formgen):
    template = edited_template(tmp_path)
    with pytest.warns(UserWarning, match="Duplicate"), zipfile.ZipFile(template, "a") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    checked, rendered = refused_both_ways(run_formgen, tmp_path, template)
    assert "phần word/document.xml, có hai lần trong tệp" in checked and checked == rendered


# A template that runs for ever, eats memory or recurses: exit 2 naming the limit, never a hang or 70.

def jinja_template(tmp_path: Path, *paragraphs: str) -> Path:
    document = docx.Document(str(builtin_request()))
    for text in paragraphs:
        document.add_paragraph(text)
    (tmp_path / "mau").mkdir(exist_ok=True)
    document.save(str(tmp_path / "mau" / "request_state.docx"))
    return tmp_path / "mau" / "request_state.docx"


def render_refused(run_formgen, tmp_path: Path, template: Path) -> str:
    out = tmp_path / "out.docx"
    result = render(run_formgen, FIXTURE, out, "--templates", template.parent)
    assert result.exit_code == 2, result.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["mau"]
    return one_line(result)


@pytest.mark.parametrize("loop", ["{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
                                  "{% for i in range(10**9) %}x{% endfor %}"], ids=["nested", "a billion"])
def test_a_loop_over_range_stops_at_the_range_limit(tmp_path, run_formgen, loop):
    line = render_refused(run_formgen, tmp_path, jinja_template(tmp_path, loop))
    assert "range(...) quá 10.000 số, giới hạn của một mẫu" in line


def test_a_loop_that_never_ends_is_stopped_at_the_time_limit(tmp_path, run_formgen, monkeypatch):
    monkeypatch.setitem(limits()["render"], "seconds", 2)
    loops = "{% for a in purpose * 20 %}{% for b in purpose * 20 %}{% for c in purpose %}{% endfor %}{% endfor %}" \
            "{% endfor %}"
    started = time.monotonic()
    line = render_refused(run_formgen, tmp_path, jinja_template(tmp_path, loops))
    assert time.monotonic() - started < 10
    assert "chạy quá 2 giây, giới hạn thời gian" in line


@pytest.mark.parametrize("text", ["{{ purpose * 100000000 }}", "{{ 'x' * 100000000 }}" * 8],
                         ids=["at render", "folded by Jinja while compiling"])
def test_a_template_eating_memory_is_stopped_at_the_memory_limit(tmp_path, run_formgen, text):
    line = render_refused(run_formgen, tmp_path, jinja_template(tmp_path, text))
    assert "dùng quá 512 MB bộ nhớ" in line


def test_templates_check_folds_no_constant_outside_the_limits(tmp_path, run_formgen):
    template = jinja_template(tmp_path, "{{ 'x'|center(100000000) }}" * 8)  # Jinja computes filters of constants
    result = run_formgen("templates", "check", template)
    assert result.exit_code == 2 and "dùng quá 512 MB bộ nhớ" in one_line(result)


def test_a_macro_calling_itself_for_ever_exits_2_not_70(tmp_path, run_formgen):
    line = render_refused(run_formgen, tmp_path, jinja_template(
        tmp_path, "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}"))
    assert "lồng nhau quá sâu" in line


def test_parentheses_nested_thousands_deep_exit_2_not_70(tmp_path, run_formgen):
    line = render_refused(run_formgen, tmp_path, jinja_template(tmp_path, "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}"))
    assert "lồng nhau quá sâu" in line


def test_an_expression_failing_at_render_exits_2_naming_the_template(tmp_path, run_formgen):
    line = render_refused(run_formgen, tmp_path, jinja_template(tmp_path, "{{ 1 + purpose }}"))
    assert "request_state.docx lỗi khi dựng văn bản" in line


def test_a_field_the_template_writes_at_render_time_is_refused_before_anything_is_written(tmp_path, run_formgen):
    raw = ('</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>INCLUDEPICTURE '
           '"http://127.0.0.1:9/a.png"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>')
    template = jinja_template(tmp_path, "{{ '" + raw + "'|safe }}")
    assert run_formgen("templates", "check", template).exit_code == 0  # nothing to see before rendering
    line = render_refused(run_formgen, tmp_path, template)
    assert "Văn bản dựng từ mẫu “request_state.docx”, phần word/document.xml, có trường INCLUDEPICTURE" in line


def test_a_field_instruction_taken_from_the_data_is_refused(tmp_path, run_formgen, trip_data, write_trip):
    trip_data["delegation"]["purpose"] = 'INCLUDETEXT "/etc/passwd"'
    template = edited_template(tmp_path, body=field(["{{ purpose }}"]))
    out = tmp_path / "out.docx"
    result = render(run_formgen, write_trip(tmp_path, trip_data), out, "--templates", template.parent)
    assert result.exit_code == 2 and not out.exists()
    assert "phần word/document.xml, có trường INCLUDETEXT" in one_line(result)


# LibreOffice itself loads no linked content: a DOCX that bypasses formgen's checks, converted directly,
# by a soffice run per call and by a long-lived worker over UNO.
CONVERTERS = [Converter, pytest.param(UnoWorker, marks=[pytest.mark.slow, pytest.mark.skipif(
    uno_python() is None, reason="LibreOffice's Python `uno` (python3-uno) is not installed")])]

def linked_picture_docx(path: Path, target: str) -> Path:
    """A document whose only picture is linked (r:link, TargetMode External) to target, as Word writes one."""
    from PIL import Image
    picture = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 0, 0)).save(picture, "PNG")
    picture.seek(0)
    document = docx.Document()
    document.add_paragraph("Ảnh liên kết:")
    document.add_picture(picture)
    plain = io.BytesIO()
    document.save(plain)
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, zipfile.ZipFile(path, "w") as out:
        rels = source.read("word/_rels/document.xml.rels").decode()
        rid, media = re.search(r'Id="(rId\d+)" Type="[^"]+/image" Target="([^"]+)"', rels).groups()
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                data = rels.replace(f'Target="{media}"', f'Target="{target}" TargetMode="External"').encode()
            elif info.filename == "word/document.xml":
                data = data.replace(f'r:embed="{rid}"'.encode(), f'r:link="{rid}"'.encode())
            elif info.filename == f"word/{media}":
                continue
            out.writestr(info, data)
    return path


def pictures_in(pdf: Path) -> int:
    from pypdf import PdfReader
    return sum(len(page.images) for page in PdfReader(str(pdf)).pages)


@needs_libreoffice
@pytest.mark.parametrize("make", CONVERTERS)
def test_libreoffice_fetches_no_picture_linked_to_a_web_address(tmp_path, make):
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        doc = linked_picture_docx(tmp_path / "lienket.docx", f"http://127.0.0.1:{server.server_port}/anh.png")
        with make() as converter:
            pdf, = converter.convert([doc])
    finally:
        server.shutdown()
        server.server_close()
    assert requests == [] and "Ảnh liên kết" in pdf_text(pdf)


@needs_libreoffice
@pytest.mark.parametrize("make", CONVERTERS)
def test_libreoffice_embeds_no_local_file_a_picture_links_to(tmp_path, make):
    from PIL import Image
    secret = tmp_path / "bi-mat.png"
    Image.new("RGB", (40, 40), (0, 200, 0)).save(secret)
    doc = linked_picture_docx(tmp_path / "lienket.docx", secret.as_uri())
    with make() as converter:
        pdf, = converter.convert([doc])
    assert pictures_in(pdf) == 0 and "Ảnh liên kết" in pdf_text(pdf)


def pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader
    return "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)


# --- deadlines once, dated profile values (once) --------------------------------------------------


def test_a_report_without_a_departure_date_is_named_and_nothing_is_written(run_formgen, write_trip, tmp_path):
    data = yaml.safe_load((ROOT / "fixtures" / "report.yaml").read_text(encoding="utf-8"))
    data["delegation"]["depart_on"] = None
    path, out = write_trip(tmp_path, data), tmp_path / "bc.docx"
    result = run_formgen("render", "report", str(path), "-o", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "delegation.depart_on" in result.stderr and "ngày đi" in result.stderr
    assert not out.exists()


def test_a_profile_number_dated_the_same_day_spelt_two_ways_is_refused_not_read_as_either(run_formgen, tmp_path):
    """2025-01-01 and 01/01/2025 are one day (YAML sees two keys): neither value may win silently."""
    second = "01/01/2025"
    unit = tmp_path / "unit.yaml"
    unit.write_text("extends: hau-giang-2024\nid: hai-lan\nparameters:\n  request_lead_working_days:\n"
                    f"    values:\n      2025-01-01: {{value: 5, reference: a}}\n      {second}: {{value: 6, reference: b}}\n",
                    encoding="utf-8")
    result = run_formgen("deadlines", "--policy", str(unit), "--depart", "2025-03-03")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.stderr
    assert "2025-01-01" in result.stderr and result.stdout == ""


# --- render --metadata (NĐ 30/2020 Phụ lục VI) ----------------------------------------------------


def test_metadata_named_like_the_input_file_is_refused_even_with_overwrite(run_formgen, trip_data, write_trip,
                                                                          tmp_path):
    source = write_trip(tmp_path, trip_data, "ho-so.json")
    before = source.read_bytes()
    result = run_formgen("render", "request", source, "-o", tmp_path / "tt.docx", "--metadata", source, "--overwrite")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "tệp đầu vào" in result.stderr
    assert source.read_bytes() == before and not (tmp_path / "tt.docx").exists()


def test_metadata_through_a_symlink_to_the_input_file_is_refused_too(run_formgen, trip_data, write_trip, tmp_path):
    source = write_trip(tmp_path, trip_data, "ho-so.json")
    (tmp_path / "meta.json").symlink_to(source)
    before = source.read_bytes()
    result = run_formgen("render", "request", source, "-o", tmp_path / "tt.docx", "--metadata",
                         tmp_path / "meta.json", "--overwrite")
    assert result.exit_code == 2 and source.read_bytes() == before


def test_metadata_of_a_recipient_with_a_tab_and_xml_specials_stays_valid_and_exact(run_formgen, trip_data, write_trip,
                                                                                  tmp_path):
    """A tab and the XML specials inside a recipient: lxml escapes them, the XSD accepts the file, values exact."""
    from lxml import etree
    from formgen import metadata
    trip_data["request"]["cc"] = ["Ban A\tB & <C> ]]> \"D\""]
    result = run_formgen("render", "request", write_trip(tmp_path, trip_data), "-o", tmp_path / "tt.docx",
                         "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 0, result.stderr
    tree = etree.parse(str(tmp_path / "tt.xml"))
    assert metadata.schema().validate(tree)
    names = tree.getroot().findall(f"{{{metadata.NAMESPACE}}}To/{{{metadata.NAMESPACE}}}OrganName")
    assert names[-1].text == "Ban A\tB & <C> ]]> \"D\""
# --- outgoing numbers and the book (issue 16) -------------------------------------------------------


def _numbered_register(run_formgen, tmp_path) -> Path:
    db = tmp_path / "so.sqlite"
    assert run_formgen("render", "request", str(FIXTURE), "-o", str(tmp_path / "tt.docx"), "--register",
                       str(db)).exit_code == 0
    return db


def test_a_cancellation_with_a_blank_reason_is_refused_and_the_number_stays_issued(run_formgen, tmp_path):
    db = _numbered_register(run_formgen, tmp_path)
    result = run_formgen("register", "cancel", "--id", "1", "--reason", "   ", "--register", str(db))
    assert result.exit_code == 2 and result.err_lines == ["Hủy số văn bản phải ghi lý do (--reason)."]
    from formgen.register import Register
    with Register(db) as reg:
        assert [e.status for e in reg.outgoing(2024)] == ["issued"]


def test_a_book_into_a_missing_folder_or_of_another_type_is_one_line_and_no_file(run_formgen, tmp_path):
    db = _numbered_register(run_formgen, tmp_path)
    for out, words in ((tmp_path / "chua-co" / "so.xlsx", "thư mục không tồn tại"), (tmp_path / "so.docx", ".xlsx")):
        result = run_formgen("register", "book", "--year", "2024", "-o", str(out), "--register", str(db))
        assert result.exit_code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.stderr
        assert words in result.stderr and not out.exists()


def test_a_party_document_dated_before_its_committee_term_is_refused_naming_the_term(run_formgen, write_trip,
                                                                                     tmp_path):
    data = yaml.safe_load((ROOT / "fixtures" / "party" / "request.yaml").read_text(encoding="utf-8"))
    data["request"]["number"] = None
    data["issuer"]["term_start"] = "2025-10-20"  # the request is dated 28/06/2024, in the term before
    out = tmp_path / "tt.docx"
    result = run_formgen("render", "request", str(write_trip(tmp_path, data)), "-o", str(out), "--register",
                         str(tmp_path / "so.sqlite"))
    assert result.exit_code == 2 and len(result.err_lines) == 1
    assert "[issuer.term_start]" in result.stderr and "trước ngày đầu nhiệm kỳ 20/10/2025" in result.stderr
    assert not out.exists()


def test_a_committee_term_that_is_not_a_date_is_refused_by_the_schema(run_formgen, write_trip, tmp_path):
    data = yaml.safe_load((ROOT / "fixtures" / "party" / "request.yaml").read_text(encoding="utf-8"))
    data["issuer"]["term_start"] = "nhiệm kỳ 2020-2025"
    result = run_formgen("check", str(write_trip(tmp_path, data)))
    assert result.exit_code == 2 and "issuer.term_start" in result.stderr and "Traceback" not in result.stderr


# --- annual --number: the committee terms the clerk supplies (issue 16) ------------------------------------------


def _annual_register(run_formgen, tmp_path) -> Path:
    db = tmp_path / "so.sqlite"
    party = ROOT / "fixtures" / "party" / "report.yaml"  # BTGTU, its delegation without issuer.term_start
    assert run_formgen("register", "add", str(ROOT / "fixtures" / "report.yaml"), str(party), "--register",
                       str(db)).exit_code == 0
    return db


def _annual_meta(tmp_path, extra: str = "") -> Path:
    meta = tmp_path / "bc.yaml"
    meta.write_text("annual:\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n" + extra,
                    encoding="utf-8")
    return meta


@pytest.mark.parametrize("value", ["nhiệm kỳ 2020-2025", "{BTGTU: 31/02/2020}", "[2020-10-16]"])
def test_an_annual_term_start_that_is_not_a_date_is_one_line_naming_it_and_nothing_is_written(
        run_formgen, tmp_path, value):
    db = _annual_register(run_formgen, tmp_path)
    meta = _annual_meta(tmp_path, f"  term_start: {value}\n")
    folder = tmp_path / "nam"
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", str(meta), "-o", str(folder), "--register",
                         str(db), "--number")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.stderr
    assert "[annual.term_start]" in result.stderr and str(meta) in result.stderr
    assert not folder.exists()


def test_a_party_units_annual_numbered_without_a_known_term_is_one_line_saying_what_to_add_and_no_file(
        run_formgen, tmp_path):
    db = _annual_register(run_formgen, tmp_path)
    out = tmp_path / "bc.docx"
    result = run_formgen("annual", "--year", "2024", "--unit", "BTGTU", "--meta", str(_annual_meta(tmp_path)), "-o",
                         str(out), "--register", str(db), "--number")
    assert result.exit_code == 2 and len(result.err_lines) == 1 and "Traceback" not in result.stderr
    assert "“term_start: {BTGTU: 2020-10-16}”" in result.stderr and not out.exists()
    from formgen.register import Register
    with Register(db) as reg:
        assert reg.outgoing(2024) == []


def test_an_annual_term_start_without_number_changes_nothing_and_is_not_an_unknown_key(run_formgen, tmp_path):
    db = _annual_register(run_formgen, tmp_path)
    folder = tmp_path / "nam"
    result = run_formgen("annual", "--year", "2024", "--all", "--meta",
                         str(_annual_meta(tmp_path, "  term_start: 2020-10-16\n")), "-o", str(folder), "--register",
                         str(db))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.glob("*.docx")) == ["annual-btgtu-2024.docx", "annual-snv-2024.docx"]
    from formgen.register import Register
    with Register(db) as reg:
        assert reg.outgoing(2024) == []

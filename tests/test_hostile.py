"""Hostile and broken input, case by case: what was tried, and what formgen answers.

Read this file as the list. Each test is one case, named as a sentence, run as a user runs formgen
(the CLI's real entry point), and asserts the exit status and the one line printed (file, row,
field), or that the input is accepted when a user would expect it to be. Exit 2 means bad input,
nothing written; 1 means some rows of a batch were refused; 0 means done.
"""
from __future__ import annotations

import csv
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
from formgen.render import jinja_env, write_atomically
from formgen.templates import builtin_templates
from helpers import docx_lines
from test_batch import BASE

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
    return [list(BASE)] + [list(dict(BASE, **{"Số văn bản": i + 1}).values()) for i in range(n)]


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
    assert manifest["rows"][0]["messages"] == [
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


def test_parts_too_big_together_are_refused_naming_the_total(tmp_path, run_formgen):
    chunk = os.urandom(2**20).hex().encode()  # 2 MiB that compress about 2:1
    edits = {f"word/media/anh{i}.bin": chunk * 5 for i in range(6)}  # 6 x 10 MiB = 60 MiB
    checked, rendered = refused_both_ways(run_formgen, tmp_path, edited_template(tmp_path, edits))
    assert "giải nén ra 61 MB, quá giới hạn 50 MB của một mẫu" in checked and checked == rendered


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


# LibreOffice itself loads no linked content: a DOCX that bypasses formgen's checks, converted directly.

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
def test_libreoffice_fetches_no_picture_linked_to_a_web_address(tmp_path):
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
        with Converter() as converter:
            pdf, = converter.convert([doc])
    finally:
        server.shutdown()
        server.server_close()
    assert requests == [] and "Ảnh liên kết" in pdf_text(pdf)


@needs_libreoffice
def test_libreoffice_embeds_no_local_file_a_picture_links_to(tmp_path):
    from PIL import Image
    secret = tmp_path / "bi-mat.png"
    Image.new("RGB", (40, 40), (0, 200, 0)).save(secret)
    doc = linked_picture_docx(tmp_path / "lienket.docx", secret.as_uri())
    with Converter() as converter:
        pdf, = converter.convert([doc])
    assert pictures_in(pdf) == 0 and "Ảnh liên kết" in pdf_text(pdf)


def pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader
    return "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)

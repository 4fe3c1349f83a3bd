"""Outgoing-document numbers in the register (issue 16): a blank number gets its sequence's next, many processes
at once on SQLite and PostgreSQL never share one nor leave a gap, a typed duplicate is refused, a document
rendered again keeps its number, each year (or Party term and type) starts at 01, cancelled numbers stay in
the book, and the Sổ đăng ký văn bản đi reads back from its .xlsx and .pdf."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import formgen
import formgen.rendering
from formgen.register import Register, outgoing
from formgen.yamlio import load_yaml
from helpers import docx_lines
from test_register import location  # noqa: F401  (a fresh register on SQLite, and on PostgreSQL)

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long"]
# NĐ 30/2020 Phụ lục IV, I.2 (the Government's Word file of the annex; docs/nd30-sources.md): ten columns
NDO30_COLUMNS = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản", "Người ký",
                 "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận",
                 "Ghi chú"]


def shifted(value, days: int):
    """The data with every date moved by `days` (the delegation, its stops and its documents together)."""
    if isinstance(value, dict):
        return {k: shifted(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, days) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=days)
    return value


def request_of(leader: str = "Nguyễn Văn An", number=None, days: int = 0, base: str = "request.yaml") -> dict:
    data = shifted(load_yaml(FIX / base), days)
    data["delegation"]["leader"]["name"] = leader
    data["request"]["number"] = number
    return data


def printed_number(path: Path) -> str:
    return next(line for line in docx_lines(path) if line.startswith("Số"))


# --- many processes at once ---------------------------------------------------------------

WORKER = r"""
import sys, time, copy
from pathlib import Path
import formgen
from formgen.register import Register
from formgen.yamlio import load_yaml
where, out, p, go = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
surnames, given = {surnames!r}, {given!r}
base = load_yaml({fixture!r})
base["request"]["number"] = None
with Register(where) as reg:
    while not go.exists():   # every process starts rendering at the same moment
        time.sleep(0.01)
    for i, name in enumerate(given):
        data = copy.deepcopy(base)
        data["delegation"]["leader"]["name"] = f"{{surnames[p]}} Văn {{name}}"
        formgen.render("request", data, out / f"p{{p}}-{{i}}.docx", register=reg, source=f"p{{p}}-{{i}}")
"""


@pytest.mark.slow
def test_six_processes_rendering_eight_documents_each_get_every_number_once_without_a_gap(location, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(surnames=SURNAMES, given=GIVEN, fixture=str(FIX / "request.yaml")),
                      encoding="utf-8")
    Register(location).close()  # the schema exists before the race (its creation is tested elsewhere)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, str(script), str(location), str(tmp_path), str(p), str(go)], env=env,
                                stderr=subprocess.PIPE, text=True) for p in range(len(SURNAMES))]
    time.sleep(1.0)
    go.write_text("go")
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read()
    total = len(SURNAMES) * len(GIVEN)
    with Register(location) as reg:
        entries = reg.outgoing(2024)
    assert sorted(e.number for e in entries) == list(range(1, total + 1))
    # each document carries the number its entry records, and no two documents carry one
    printed = {e.source: printed_number(tmp_path / f"{e.source}.docx") for e in entries}
    assert printed == {e.source: f"Số: {e.number:02d}/TTr-SNV" for e in entries}
    assert len(set(printed.values())) == total


# --- a typed number, a document rendered again ----------------------------------------------


def test_a_blank_number_is_the_next_one_with_its_leading_zero_and_the_metadata_data_carry_it(tmp_path):
    db = tmp_path / "so.sqlite"
    first = formgen.render("request", request_of(), tmp_path / "a.docx", register=db)
    second = formgen.render("request", request_of("Lê Văn Bình"), tmp_path / "b.docx", register=db)
    assert (printed_number(tmp_path / "a.docx"), printed_number(tmp_path / "b.docx")) == ("Số: 01/TTr-SNV",
                                                                                           "Số: 02/TTr-SNV")
    assert (first.data["request"]["number"], second.data["request"]["number"]) == (1, 2)
    assert second.as_dict()["number"] == {"number": 2, "notation": "02/TTr-SNV", "sequence": "2024",
                                          "scope": "năm 2024", "reused": False, "typed": False}


def test_the_same_document_rendered_again_keeps_its_number(tmp_path, run_formgen, write_trip):
    db = tmp_path / "so.sqlite"
    a = write_trip(tmp_path, request_of(), "a.yaml")
    b = write_trip(tmp_path, request_of("Lê Văn Bình"), "b.yaml")
    assert run_formgen("render", "request", a, "-o", tmp_path / "a1.docx", "--register", db).exit_code == 0
    assert run_formgen("render", "request", b, "-o", tmp_path / "b.docx", "--register", db).exit_code == 0
    again = run_formgen("render", "request", a, "-o", tmp_path / "a2.docx", "--register", db)
    assert again.exit_code == 0
    assert "Số văn bản / number: 01/TTr-SNV (năm 2024, đã cấp trước đây)" in again.stdout
    assert printed_number(tmp_path / "a2.docx") == "Số: 01/TTr-SNV"
    with Register(db) as reg:
        assert [(e.number, e.source) for e in reg.outgoing(2024)] == [(1, str(a)), (2, str(b))]


def test_a_typed_number_another_document_has_is_refused_naming_it_and_nothing_is_written(
        tmp_path, run_formgen, write_trip):
    db = tmp_path / "so.sqlite"
    first = write_trip(tmp_path, request_of(number=5), "first.yaml")
    copied = write_trip(tmp_path, request_of("Lê Văn Bình", number=5), "copied.yaml")
    assert run_formgen("render", "request", first, "-o", tmp_path / "first.docx", "--register", db).exit_code == 0
    assert printed_number(tmp_path / "first.docx") == "Số: 05/TTr-SNV"
    result = run_formgen("render", "request", copied, "-o", tmp_path / "copied.docx", "--register", db)
    assert result.exit_code == 2
    assert "Số 05/TTr-SNV (năm 2024) đã cấp cho văn bản khác" in result.stderr
    assert f"tệp “{first}”" in result.stderr and "[request.number]" in result.stderr
    assert not (tmp_path / "copied.docx").exists()
    with Register(db) as reg:
        assert [e.number for e in reg.outgoing(2024)] == [5]
    # the next blank one follows the highest number given
    blank = write_trip(tmp_path, request_of("Lê Văn Bình"), "blank.yaml")
    assert run_formgen("render", "request", blank, "-o", tmp_path / "blank.docx", "--register", db).exit_code == 0
    assert printed_number(tmp_path / "blank.docx") == "Số: 06/TTr-SNV"


def test_a_typed_number_other_than_the_one_the_document_has_is_refused(tmp_path, run_formgen, write_trip):
    db = tmp_path / "so.sqlite"
    blank = write_trip(tmp_path, request_of(), "a.yaml")
    assert run_formgen("render", "request", blank, "-o", tmp_path / "a.docx", "--register", db).exit_code == 0
    typed = write_trip(tmp_path, request_of(number=7), "a7.yaml")
    result = run_formgen("render", "request", typed, "-o", tmp_path / "a7.docx", "--register", db)
    assert result.exit_code == 2
    assert "đã được cấp số 01/TTr-SNV" in result.stderr and "tệp lại ghi số 7" in result.stderr
    assert not (tmp_path / "a7.docx").exists()


def test_a_typed_number_above_the_next_is_kept_with_a_warning_naming_the_numbers_between(tmp_path):
    result = formgen.render("request", request_of(number=245), tmp_path / "a.docx", register=tmp_path / "so.sqlite")
    assert printed_number(tmp_path / "a.docx") == "Số: 245/TTr-SNV"
    assert [w.message for w in result.warnings if w.path == "request.number"] == [
        "Số 245 ghi trong tệp lớn hơn số tiếp theo của sổ (1, năm 2024): các số ở giữa không có trong sổ của formgen."]


# --- failures after the number was taken ---------------------------------------------------


def test_a_render_that_fails_after_numbering_leaves_no_number_used_and_no_record(tmp_path, monkeypatch):
    db = tmp_path / "so.sqlite"

    def broken(*args, **kwargs):
        raise formgen.EnvironmentFailed("đĩa đầy")

    monkeypatch.setattr(formgen.rendering, "render_docx", broken)  # render() imports it when it runs
    with pytest.raises(formgen.EnvironmentFailed):
        formgen.render("request", request_of(), tmp_path / "a.docx", register=db)
    monkeypatch.undo()
    with Register(db) as reg:
        assert reg.outgoing(2024) == []
    formgen.render("request", request_of("Lê Văn Bình"), tmp_path / "b.docx", register=db)
    assert printed_number(tmp_path / "b.docx") == "Số: 01/TTr-SNV"  # no gap: 01 was never used


def test_a_record_that_fails_after_the_docx_was_written_takes_the_docx_away(tmp_path, monkeypatch):
    db = tmp_path / "so.sqlite"

    def broken(conn, issue):
        raise formgen.EnvironmentFailed("mất kết nối")

    monkeypatch.setattr(outgoing, "record", broken)
    with pytest.raises(formgen.EnvironmentFailed):
        formgen.render("request", request_of(), tmp_path / "a.docx", register=db)
    assert not (tmp_path / "a.docx").exists()
    monkeypatch.undo()
    with Register(db) as reg:
        assert reg.outgoing(2024) == []


# --- sequences: the year, the Party's term and type ------------------------------------------


def test_the_first_document_of_a_new_year_is_numbered_01(tmp_path):
    db = tmp_path / "so.sqlite"
    december = formgen.render("request", request_of(days=210), tmp_path / "dec.docx", register=db)
    january = formgen.render("request", request_of("Lê Văn Bình", days=227), tmp_path / "jan.docx", register=db)
    later = formgen.render("request", request_of("Võ Văn Long", days=227), tmp_path / "jan2.docx", register=db)
    assert [r.data["request"]["date"].isoformat() for r in (december, january)] == ["2024-12-16", "2025-01-02"]
    assert [printed_number(tmp_path / f) for f in ("dec.docx", "jan.docx", "jan2.docx")] == [
        "Số: 01/TTr-SNV", "Số: 01/TTr-SNV", "Số: 02/TTr-SNV"]
    assert later.number.scope == "năm 2025"


def _party(kind: str, leader: str, term_start: str | None, days: int = 0) -> dict:
    data = shifted(load_yaml(FIX / "party" / f"{kind}.yaml"), days)
    data["delegation"]["leader"]["name"] = leader
    data[kind]["number"] = None
    if term_start:
        data["issuer"]["term_start"] = term_start
    return data


def test_a_party_committee_numbers_each_type_from_01_in_each_term_not_each_year(tmp_path):
    db = tmp_path / "so.sqlite"
    out = lambda name: tmp_path / f"{name}.docx"  # noqa: E731
    formgen.render("request", _party("request", "Trần Quốc Hùng", "2020-10-16"), out("a"), register=db)
    formgen.render("request", _party("request", "Lê Văn Tâm", "2020-10-16", days=365), out("b"), register=db)
    formgen.render("report", _party("report", "Trần Quốc Hùng", "2020-10-16"), out("c"), register=db)
    formgen.render("request", _party("request", "Võ Văn Nam", "2025-06-01", days=365), out("d"), register=db)
    assert [printed_number(out(n)) for n in "abcd"] == [
        "Số 01-TTr/BTGTU",   # 2024, term from 16/10/2020
        "Số 02-TTr/BTGTU",   # 2025, the same term: no new sequence on 1 January
        "Số 01-BC/BTGTU",    # another type: its own sequence
        "Số 01-TTr/BTGTU",   # a new term
    ]


def test_a_party_document_without_its_committee_term_is_refused_naming_the_field(tmp_path, run_formgen, write_trip):
    trip = write_trip(tmp_path, _party("request", "Trần Quốc Hùng", None), "p.yaml")
    result = run_formgen("render", "request", trip, "-o", tmp_path / "p.docx", "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 2
    assert "[issuer.term_start]" in result.stderr and "nhiệm kỳ cấp ủy (Hướng dẫn 36-HD/VPTW" in result.stderr
    assert not (tmp_path / "p.docx").exists()


def test_the_leading_zeros_are_the_formats_fact(tmp_path, monkeypatch):
    folder = tmp_path / "formats"
    folder.mkdir()
    text = (ROOT / "formgen" / "formats" / "state.yaml").read_text(encoding="utf-8")
    (folder / "state.yaml").write_text(text.replace("digits: 2", "digits: 3"), encoding="utf-8")
    monkeypatch.setenv("FORMGEN_FORMATS", str(folder))
    formgen.render("request", request_of(), tmp_path / "a.docx", register=tmp_path / "so.sqlite")
    assert printed_number(tmp_path / "a.docx") == "Số: 001/TTr-SNV"


# --- batch and the web -------------------------------------------------------------------------


def test_batch_with_a_register_numbers_every_written_row_once(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    result = run_formgen("batch", "request", FIX / "batch" / "requests.csv", "-o", tmp_path / "out", "--jobs", "2",
                         "--register", db, "--json")
    document = json.loads(result.stdout)
    written = [row for row in document["rows"] if row["status"] == "written"]
    with Register(db) as reg:
        entries = reg.outgoing(2024)
    assert sorted(e.number for e in entries) == list(range(1, len(written) + 1))
    numbers = sorted(printed_number(Path(p)) for row in written for p in row["outputs"] if p.endswith(".docx"))
    assert numbers == [f"Số: {n:02d}/TTr-SNV" for n in range(1, len(written) + 1)]
    assert {e.source for e in entries} == {f"{FIX / 'batch' / 'requests.csv'}, dòng {row['row']}" for row in written}


def test_the_web_api_numbers_a_document_once_when_the_server_has_a_register(tmp_path):
    from formgen.web import create_app
    db = tmp_path / "so.sqlite"
    app = create_app(register=str(db), secret_key="k")
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    for n in range(2):  # downloaded twice: one number
        reply = client.post("/api/render/request", json=request_of())
        assert reply.status_code == 200, reply.get_data(as_text=True)
        (tmp_path / f"{n}.docx").write_bytes(reply.data)
        assert printed_number(tmp_path / f"{n}.docx") == "Số: 01/TTr-SNV"
    with Register(db) as reg:
        assert [(e.number, e.source) for e in reg.outgoing(2024)] == [(1, "web: local")]


# --- cancelled numbers and the book ------------------------------------------------------------


def _three(tmp_path, db) -> None:
    for i, leader in enumerate(["Nguyễn Văn An", "Lê Văn Bình", "Võ Văn Long"]):
        formgen.render("request", request_of(leader), tmp_path / f"{i}.docx", register=db, source=f"{i}.yaml")


def test_a_cancelled_number_is_recorded_with_who_when_why_and_never_given_again(tmp_path, run_formgen, write_trip):
    db = tmp_path / "so.sqlite"
    _three(tmp_path, db)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    result = run_formgen("register", "cancel", "--unit", "SNV", "--year", "2024", "--number", "2", "--reason",
                         "Văn bản ban hành nhầm, đã thu hồi", "--by", "Trần Thị Văn Thư", "--register", db)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"Số 02/TTr-SNV \(văn bản ngày \d\d/\d\d/\d{4}, SNV\) — Đã hủy số ngày", result.stdout)
    with Register(db) as reg:
        cancelled = [e for e in reg.outgoing(2024) if e.status == "cancelled"]
    assert [(e.number, e.cancelled_by, e.cancel_reason) for e in cancelled] == [
        (2, "Trần Thị Văn Thư", "Văn bản ban hành nhầm, đã thu hồi")]
    assert before <= cancelled[0].cancelled_at <= dt.datetime.now(dt.timezone.utc)  # when it was cancelled, in UTC
    again = run_formgen("register", "cancel", "--id", str(cancelled[0].id), "--reason", "x", "--register", db)
    assert again.exit_code == 2 and "đã bị hủy" in again.stderr
    # the withdrawn document rendered again gets a new number; its cancelled one is not reused, nor typed
    redo = write_trip(tmp_path, request_of("Lê Văn Bình"), "redo.yaml")
    assert run_formgen("render", "request", redo, "-o", tmp_path / "redo.docx", "--register", db).exit_code == 0
    assert printed_number(tmp_path / "redo.docx") == "Số: 04/TTr-SNV"
    typed = write_trip(tmp_path, request_of("Hoàng Văn Hải", number=2), "typed.yaml")
    refused = run_formgen("render", "request", typed, "-o", tmp_path / "t.docx", "--register", db)
    assert refused.exit_code == 2 and "đã bị hủy" in refused.stderr and not (tmp_path / "t.docx").exists()


def test_cancelling_a_number_the_register_never_gave_is_refused(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    _three(tmp_path, db)
    result = run_formgen("register", "cancel", "--unit", "SNV", "--year", "2024", "--number", "9", "--reason", "x",
                         "--register", db)
    assert result.exit_code == 2
    assert "Sổ đăng ký văn bản đi không có số 9 năm 2024 của đơn vị SNV." in result.stderr


def _cancel_second(db) -> None:
    with Register(db) as reg:
        reg.cancel(unit="SNV", year=2024, number=2, reason="Thu hồi theo chỉ đạo", by="Văn thư")


def test_the_book_as_xlsx_has_the_decrees_columns_every_number_and_the_cancelled_note(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    _three(tmp_path, db)
    _cancel_second(db)
    result = run_formgen("register", "book", "--year", "2024", "-o", tmp_path / "so.xlsx", "--register", db)
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(tmp_path / "so.xlsx")
    sheet = book["SNV"]
    assert [sheet.cell(r, 1).value for r in (1, 3, 5)] == ["SỞ NỘI VỤ", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm: 2024"]
    assert [c.value for c in sheet[12]] == NDO30_COLUMNS
    assert [c.value for c in sheet[13]] == [f"({i})" for i in range(1, 11)]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=14)]
    assert [r[0] for r in rows] == ["01/TTr-SNV", "02/TTr-SNV", "03/TTr-SNV"]
    assert rows[0][1] == dt.datetime(2024, 5, 20) and sheet.cell(14, 2).number_format == "DD/MM/YYYY"
    assert rows[0][2:7] == ["Tờ trình về việc xin ý kiến tổ chức đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh",
                            "Nguyễn Văn An",
                            "Ban Thường vụ Tỉnh ủy; Thường trực Tỉnh ủy (để báo cáo); Ban Tổ chức Tỉnh ủy; Giám đốc Sở",
                            "VT, CCHC", 6]
    assert rows[0][7:] == [None, None, None] and rows[2][9] is None   # Ngày chuyển, Ký nhận: by hand
    assert re.fullmatch(r"Đã hủy số ngày \d\d/\d\d/\d{4} \(Văn thư\): Thu hồi theo chỉ đạo", rows[1][9])
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, sheet.print_title_rows) == ("landscape", 9, "$12:$13")  # 9: A4


def test_the_book_as_pdf_is_a4_landscape_and_reads_back_with_its_headings_and_notes(tmp_path, run_formgen):
    from pypdf import PdfReader
    db = tmp_path / "so.sqlite"
    _three(tmp_path, db)
    _cancel_second(db)
    result = run_formgen("register", "book", "--year", "2024", "--unit", "SNV", "-o", tmp_path / "so.pdf",
                         "--register", db)
    assert result.exit_code == 0, result.stderr
    box = PdfReader(tmp_path / "so.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "so.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    words = " ".join(text.split())
    for expected in ["SỞ NỘI VỤ", "SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm: 2024", "Người ký", "Nơi nhận văn bản", "Ghi chú",
                     "01/TTr-SNV", "02/TTr-SNV", "03/TTr-SNV", "Nguyễn Văn An", "Thu hồi theo chỉ đạo"]:
        assert expected in words, expected
    assert words.index("01/TTr-SNV") < words.index("02/TTr-SNV") < words.index("03/TTr-SNV")


def test_a_book_of_a_year_without_documents_is_refused_and_no_file_written(tmp_path, run_formgen):
    db = tmp_path / "so.sqlite"
    _three(tmp_path, db)
    result = run_formgen("register", "book", "--year", "2023", "-o", tmp_path / "so.pdf", "--register", db)
    assert result.exit_code == 2
    assert "chưa có văn bản nào năm 2023" in result.stderr
    assert not (tmp_path / "so.pdf").exists()


def test_batch_rows_typing_one_number_write_the_first_and_name_it_in_the_second_rows_error(tmp_path, run_formgen):
    rows = [request_of(number=5), request_of("Lê Văn Bình", number=5)]
    table = tmp_path / "hai.jsonl"
    table.write_text("\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in rows), encoding="utf-8")
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--jobs", "1", "--register",
                         tmp_path / "so.sqlite", "--json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [row["status"] for row in document["rows"]] == ["written", "invalid"]
    assert "Số 05/TTr-SNV (năm 2024) đã cấp cho văn bản khác" in document["rows"][1]["messages"][0]
    assert f"tệp “{table}, dòng 1”" in document["rows"][1]["messages"][0]
    assert document["rows"][1]["outputs"] == []

"""Numbers for the annual reports (`annual --number`) and in the table's row order for batch workers (issue 16):
the report prints its number, keeps it when made again, a typed one is checked; `--all` numbers each unit where
it can (a Party unit by its committee term, from its delegations or the annual section's `term_start`) and refuses
in its own row the Party unit whose term is unknown; `batch --register --jobs 2` gives row i the i-th number."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from formgen.register import Register
from formgen.yamlio import load_yaml
from helpers import docx_lines
from test_register import location  # noqa: F401  (a fresh register on SQLite, and on PostgreSQL)

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
META = "annual:\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n"


def printed_number(path: Path) -> str:
    return next(line for line in docx_lines(path) if line.startswith("Số"))


def party_unit(tmp_path: Path, write_trip, name: str, code: str, term_start: str | None = None) -> Path:
    """The Party fixture's delegation as another committee's (with its term stored, or without)."""
    data = load_yaml(FIX / "party" / "report.yaml")
    data["issuer"].update(name=name, abbreviation=code)
    if term_start:
        data["issuer"]["term_start"] = term_start
    return write_trip(tmp_path, data, f"{code}.yaml")


def meta_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "bc-nam.yaml"
    path.write_text(META + extra, encoding="utf-8")
    return path


def book_rows(run_formgen, tmp_path: Path, db) -> dict[str, list[list]]:
    out = tmp_path / "so.xlsx"
    result = run_formgen("register", "book", "--year", "2024", "-o", out, "--register", db, "--overwrite")
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    return {sheet.title: _entries(sheet) for sheet in book}


def _entries(sheet) -> list[list]:
    """The entries' first three columns: the rows under the column numbers (1)..(10), below the cover."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    first = next(i for i, row in enumerate(rows) if row[0] == "(1)") + 1
    return [row[:3] for row in rows[first:]]


def test_an_annual_report_numbered_prints_its_number_and_made_again_keeps_it(location, tmp_path, run_formgen):
    assert run_formgen("register", "add", FIX / "report.yaml", "--register", location).exit_code == 0
    meta = meta_file(tmp_path)
    plain = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta, "-o", tmp_path / "plain.docx",
                        "--register", location)
    assert plain.exit_code == 0
    with Register(location) as reg:
        assert reg.outgoing(2024) == []  # without --number: not numbered, not in the book
    for name in ("a.docx", "b.docx"):
        result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta, "-o", tmp_path / name,
                             "--register", location, "--number")
        assert result.exit_code == 0, result.stderr
        assert printed_number(tmp_path / name) == "Số: 01/BC-SNV"
    assert "Số văn bản / number: 01/BC-SNV (năm 2024, đã cấp trước đây)" in result.stdout
    assert book_rows(run_formgen, tmp_path, location) == {"SNV": [[
        "01/BC-SNV", __import__("datetime").datetime(2024, 12, 20),
        "Báo cáo tổng hợp tình hình đoàn đi học tập, trao đổi kinh nghiệm ngoài tỉnh năm 2024"]]}


def test_a_typed_annual_number_another_document_has_is_refused_naming_it(location, tmp_path, run_formgen,
                                                                          write_trip):
    assert run_formgen("register", "add", FIX / "report.yaml", "--register", location).exit_code == 0
    request = load_yaml(FIX / "request.yaml")
    request["request"]["number"] = 3
    letter = write_trip(tmp_path, request, "tt.yaml")
    assert run_formgen("render", "request", letter, "-o", tmp_path / "tt.docx", "--register", location).exit_code == 0
    out = tmp_path / "bc.docx"
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", meta_file(tmp_path, "  number: 3\n"),
                         "-o", out, "--register", location, "--number")
    assert result.exit_code == 2
    assert "Số 03/TTr-SNV (năm 2024) đã cấp cho văn bản khác" in result.stderr and f"tệp “{letter}”" in result.stderr
    assert not out.exists()
    with Register(location) as reg:
        assert [e.kind for e in reg.outgoing(2024)] == ["request"]


def test_annual_all_numbers_each_unit_it_can_and_refuses_the_party_unit_without_a_term_in_its_row(
        location, tmp_path, run_formgen, write_trip):
    files = [FIX / "report.yaml",                                               # SNV, a state body: by year
             FIX / "party" / "report.yaml",                                      # BTGTU: its term in the section
             party_unit(tmp_path, write_trip, "Ban Dân vận", "BDVTU", "2020-10-16"),  # its term stored
             party_unit(tmp_path, write_trip, "Ban Tổ chức", "BTCTU")]           # no term anywhere
    assert run_formgen("register", "add", *files, "--register", location).exit_code == 0
    meta = meta_file(tmp_path, "  term_start: {BTGTU: 16/10/2020}\n")
    folder = tmp_path / "nam"
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", meta, "-o", folder, "--register", location,
                         "--number", "--json")
    assert result.exit_code == 1  # as batch: a row invalid, the others written
    rows = {row["messages"][0].split(":")[0]: row for row in json.loads(result.stdout)["rows"]}
    assert {code: row["status"] for code, row in rows.items()} == {
        "BDVTU": "written", "BTCTU": "invalid", "BTGTU": "written", "SNV": "written"}
    assert rows["BTCTU"]["messages"] == [
        "BTCTU: Đơn vị BTCTU đánh số văn bản theo nhiệm kỳ cấp ủy (Hướng dẫn 36-HD/VPTW, Phụ lục 3) mà sổ chưa biết "
        f"ngày đầu nhiệm kỳ: ghi ngày đó (ngày liền kề sau ngày bế mạc đại hội) vào phần annual của tệp “{meta}”, "
        "dạng “term_start: {BTCTU: 2020-10-16}”; chưa cấp số, chưa lập báo cáo của đơn vị này."]
    assert not (folder / "annual-btctu-2024.docx").exists()
    assert printed_number(folder / "annual-snv-2024.docx") == "Số: 01/BC-SNV"
    assert printed_number(folder / "annual-btgtu-2024.docx") == "Số 01-BC/BTGTU"
    assert printed_number(folder / "annual-bdvtu-2024.docx") == "Số 01-BC/BDVTU"
    assert {code: [r[0] for r in rows] for code, rows in book_rows(run_formgen, tmp_path, location).items()} == {
        "BDVTU": ["01-BC/BDVTU"], "BTGTU": ["01-BC/BTGTU"], "SNV": ["01/BC-SNV"]}
    with Register(location) as reg:
        scopes = {e.unit_code: e.sequence for e in reg.outgoing(2024)}
    assert scopes == {"SNV": "2024", "BTGTU": "nk-2020-10-16|BC", "BDVTU": "nk-2020-10-16|BC"}
    # the clerk adds the missing term as one date for every Party unit: the refused one is made, the others keep
    meta.write_text(META + "  term_start: 2020-10-16\n", encoding="utf-8")
    again = run_formgen("annual", "--year", "2024", "--all", "--meta", meta, "-o", tmp_path / "lan2", "--register",
                        location, "--number")
    assert again.exit_code == 0, again.stdout
    assert [printed_number(tmp_path / "lan2" / f"annual-{c}-2024.docx") for c in ("btctu", "btgtu", "snv")] == [
        "Số 01-BC/BTCTU", "Số 01-BC/BTGTU", "Số: 01/BC-SNV"]


def test_a_term_start_in_the_section_other_than_the_stored_one_is_refused_naming_both(tmp_path, run_formgen,
                                                                                       write_trip):
    db = tmp_path / "so.sqlite"
    unit = party_unit(tmp_path, write_trip, "Ban Dân vận", "BDVTU", "2020-10-16")
    assert run_formgen("register", "add", unit, "--register", db).exit_code == 0
    out = tmp_path / "bc.docx"
    result = run_formgen("annual", "--year", "2024", "--unit", "BDVTU", "--meta",
                         meta_file(tmp_path, "  term_start: 2020-11-02\n"), "-o", out, "--register", db, "--number")
    assert result.exit_code == 2 and len(result.err_lines) == 1
    assert "ghi ngày đầu nhiệm kỳ 16/10/2020 (issuer.term_start)" in result.stderr
    assert "ghi term_start 02/11/2020" in result.stderr and not out.exists()


# --- batch: numbers in the table's row order ---------------------------------------------------------------------

ROWS = 60  # more than two chunks of the old code (25 rows each): its workers interleaved their numbers


def _table(tmp_path: Path) -> Path:
    base = load_yaml(FIX / "request.yaml")
    base["request"]["number"] = None
    lines = []
    for i in range(ROWS):
        data = copy.deepcopy(base)
        data["delegation"]["leader"]["name"] = f"Nguyễn Văn Số{i:03d}"
        lines.append(json.dumps(data, ensure_ascii=False, default=str))
    lines.insert(7, "{không phải JSON")  # a row the reader refuses takes no number and holds no other row
    table = tmp_path / "to-trinh.jsonl"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return table


@pytest.mark.slow
def test_batch_with_two_workers_gives_each_row_its_number_in_the_tables_order(location, tmp_path, run_formgen):
    table = _table(tmp_path)
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--jobs", "2", "--register", location,
                         "--json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)["rows"]
    written = sorted((row for row in rows if row["status"] == "written"), key=lambda row: row["row"])
    assert len(written) == ROWS and [row["status"] for row in rows if row["row"] == 8] == ["invalid"]
    printed = [printed_number(Path(next(p for p in row["outputs"] if p.endswith(".docx")))) for row in written]
    assert printed == [f"Số: {n:02d}/TTr-SNV" for n in range(1, ROWS + 1)]
    with Register(location) as reg:
        assert [(e.number, e.source) for e in reg.outgoing(2024)] == [
            (n, f"{table}, dòng {row['row']}") for n, row in enumerate(written, 1)]


@pytest.mark.slow
def test_a_row_whose_document_fails_after_its_turn_leaves_no_gap_and_the_next_row_takes_its_number(
        location, tmp_path, monkeypatch):
    import formgen.rendering
    from formgen.batch import run_batch
    from formgen.errors import EnvironmentFailed
    render_docx = formgen.rendering.render_docx

    def full_disk_for_one(template, context, out, **kwargs):
        if "so004" in Path(out).name:
            raise EnvironmentFailed("Đĩa đầy.")
        return render_docx(template, context, out, **kwargs)

    monkeypatch.setattr(formgen.rendering, "render_docx", full_disk_for_one)  # the workers are forked with it
    manifest = run_batch("request", _table(tmp_path), tmp_path / "out", jobs=2, register=location)
    failed = [e for e in manifest.entries if e.status == "failed"]
    assert [(e.row, e.outputs) for e in failed] == [(5, [])]
    written = sorted((e for e in manifest.entries if e.status == "written"), key=lambda e: e.row)
    assert [printed_number(Path(e.outputs[0])) for e in written] == [f"Số: {n:02d}/TTr-SNV" for n in range(1, ROWS)]
    assert not list((tmp_path / "out").glob("*so004*"))
    with Register(location) as reg:
        assert [e.number for e in reg.outgoing(2024)] == list(range(1, ROWS))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_batch_with_pdfs_and_two_workers_numbers_in_the_tables_order_too(location, tmp_path):
    from formgen.batch import run_batch
    manifest = run_batch("request", _table(tmp_path), tmp_path / "out", jobs=2, pdf=True, register=location)
    written = sorted((e for e in manifest.entries if e.status == "written"), key=lambda e: e.row)
    assert len(written) == ROWS and all(any(p.endswith(".pdf") for p in e.outputs) for e in written)
    docx = [Path(next(p for p in e.outputs if p.endswith(".docx"))) for e in written]
    assert [printed_number(p) for p in docx] == [f"Số: {n:02d}/TTr-SNV" for n in range(1, ROWS + 1)]
    with Register(location) as reg:
        assert [e.number for e in reg.outgoing(2024)] == list(range(1, ROWS + 1))

"""render, batch and annual --metadata: the document's NĐ 30/2020 Phụ lục VI metadata, checked against the text the
document prints."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

import formgen
from formgen import metadata
from formgen.vn import upper
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
NS = {"m": metadata.NAMESPACE}
FIXTURES = ["request", "escalation", "report", "annual", "party/request", "party/escalation", "party/report",
            "party/annual"]


def read_xml(path: Path) -> dict:
    """The XML file, validated against the shipped XSD, as the JSON form's dict."""
    tree = etree.parse(str(path))
    assert metadata.schema().validate(tree), metadata.schema().error_log
    return _plain(tree.getroot())


def _plain(element) -> dict:
    out: dict = {}
    for child in element:
        name = etree.QName(child).localname
        value = _plain(child) if len(child) else child.text
        if name in ("PageAmount",):
            value = int(value)
        if name == "To":
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def printed(path: Path) -> dict:
    """What a reader finds in the rendered .docx: number, date, recipients, signature, as printed."""
    lines = docx_lines(path)
    number = next(line for line in lines if re.fullmatch(r"Số:? \S*\d[/-]\S+", line))
    date = next(re.search(r"ngày (\d+) tháng (\d+) năm (\d{4})$", line) for line in lines
                if re.fullmatch(r"[^,]+, ngày \d+ tháng \d+ năm \d{4}", line))
    to = next(line for line in lines if line.startswith("Kính gửi:")).removeprefix("Kính gửi:").strip().rstrip(".")
    start = lines.index("Nơi nhận:") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("- "))
    cc = [line.removeprefix("- ").rstrip(";.") for line in lines[start:end]]
    signature = [line for line in lines[end:] if line]
    return {"lines": lines, "number": number, "date": dt.date(int(date[3]), int(date[2]), int(date[1])),
            "to": [to] + [c for c in cc if c != "Như trên" and not c.startswith("Lưu")], "signature": signature}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_metadata_says_what_the_rendered_document_prints(fixture, tmp_path, run_formgen):
    kind = fixture.split("/")[-1]
    result = run_formgen("render", kind, ROOT / "fixtures" / f"{fixture}.yaml", "-o", tmp_path / "vb.docx",
                         "--metadata", tmp_path / "vb.xml")
    assert result.exit_code == 0, result.stderr
    meta, doc = read_xml(tmp_path / "vb.xml"), printed(tmp_path / "vb.docx")
    assert re.fullmatch(rf"Số:? {meta['CodeNumber']}[/-]{re.escape(meta['CodeNotation'])}", doc["number"])
    assert dt.date.fromisoformat(meta["IssuedDate"]) == doc["date"]
    assert upper(meta["TypeName"]) in doc["lines"] and meta["TypeName"] in ("Tờ trình", "Báo cáo")
    assert meta["Subject"] in doc["lines"]
    assert upper(meta["OrganName"]) in doc["lines"]
    assert [t["OrganName"] for t in meta["To"]] == doc["to"]
    signer = meta["SignerInfo"]
    title_lines = [upper(signer["Competence"])] if "Competence" in signer else []
    assert doc["signature"] == title_lines + [upper(signer["Position"]), signer["FullName"]]
    assert meta["Language"] == "Tiếng Việt" and "PageAmount" not in meta  # no PDF: no page count


def test_the_fixture_request_gives_these_values(tmp_path, run_formgen):
    run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx",
                "--metadata", tmp_path / "tt.xml")
    meta = read_xml(tmp_path / "tt.xml")
    assert (meta["CodeNumber"], meta["CodeNotation"], meta["IssuedDate"], meta["OrganName"]) == (
        "05", "TTr-SNV", "2024-05-20", "Sở Nội vụ")
    assert meta["SignerInfo"] == {"Position": "Phó Giám đốc", "FullName": "Nguyễn Văn An", "Competence": "KT. Giám đốc"}
    assert meta["To"] == [{"OrganName": "Ban Thường vụ Tỉnh ủy"}, {"OrganName": "Thường trực Tỉnh ủy (để báo cáo)"},
                          {"OrganName": "Ban Tổ chức Tỉnh ủy"}, {"OrganName": "Giám đốc Sở"}]


def test_the_json_form_has_the_xml_fields_and_names(tmp_path, run_formgen):
    source = ROOT / "fixtures" / "party" / "request.yaml"
    run_formgen("render", "request", source, "-o", tmp_path / "a.docx", "--metadata", tmp_path / "a.xml")
    run_formgen("render", "request", source, "-o", tmp_path / "b.docx", "--metadata", tmp_path / "b.JSON")
    assert json.loads((tmp_path / "b.JSON").read_text(encoding="utf-8")) == read_xml(tmp_path / "a.xml")


def test_a_number_left_blank_for_the_van_thu_is_no_code_number(tmp_path, trip_data, write_trip, run_formgen):
    trip_data["request"].pop("number")
    result = run_formgen("render", "request", write_trip(tmp_path, trip_data), "-o", tmp_path / "tt.docx",
                         "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 0, result.stderr
    meta = read_xml(tmp_path / "tt.xml")
    assert "CodeNumber" not in meta and meta["CodeNotation"] == "TTr-SNV"


def test_a_number_given_before_rendering_is_the_one_the_metadata_carries(trip_data, tmp_path):
    """How the register's numbering calls it: the number put into the data, the context built, then of()."""
    trip = formgen.validate(trip_data)
    trip["request"]["number"] = 7
    result = formgen.render("request", trip, tmp_path / "tt.docx", metadata=tmp_path / "tt.json")
    assert result.metadata["CodeNumber"] == "07"
    assert json.loads((tmp_path / "tt.json").read_text(encoding="utf-8")) == result.metadata
    assert "Số: 07/TTr-SNV" in docx_lines(tmp_path / "tt.docx")


def test_xml_specials_and_diacritics_round_trip_exactly(tmp_path, write_trip, run_formgen):
    data = formgen.load(ROOT / "fixtures" / "report.yaml")
    raw = json.loads(json.dumps(data, default=str))
    place = unicodedata.normalize("NFD", "Đà Nẵng & <Huế> \"Quảng\" 'Trị'")  # typed decomposed: stored NFC
    raw["delegation"]["stops"][0]["place"] = place
    raw["report"]["signer"]["name"] = "Nguyễn Văn <An> & Cộng sự"
    raw["report"]["cc"] = ["Sở A & B <C>"]
    source = write_trip(tmp_path, raw, "ho-so.json")
    for out, meta in (("bc.docx", "bc.xml"), ("bj.docx", "bc.json")):
        result = run_formgen("render", "report", source, "-o", tmp_path / out, "--metadata", tmp_path / meta)
        assert result.exit_code == 0, result.stderr
    text = (tmp_path / "bc.xml").read_bytes()
    assert b"&amp; &lt;Hu" in text and b"<An>" not in text
    meta, doc = read_xml(tmp_path / "bc.xml"), printed(tmp_path / "bc.docx")
    nfc = unicodedata.normalize("NFC", place)
    assert nfc in meta["Subject"] and meta["Subject"] in doc["lines"]
    assert meta["SignerInfo"]["FullName"] == "Nguyễn Văn <An> & Cộng sự" == doc["signature"][-1]
    assert [t["OrganName"] for t in meta["To"]][-1] == "Sở A & B <C>"
    assert json.loads((tmp_path / "bc.json").read_text(encoding="utf-8")) == meta
    assert all(unicodedata.is_normalized("NFC", v) for v in re.findall(r">([^<]+)<", text.decode("utf-8")))


@pytest.mark.parametrize("name", ["meta.txt", "meta.docx", "meta.pdf", "meta"])
def test_a_metadata_file_of_another_kind_is_refused_before_anything_is_written(name, tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx",
                         "--metadata", tmp_path / name)
    assert result.exit_code == 2
    assert len(result.err_lines) == 1 and ".xml hoặc .json" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_refused_document_gets_no_metadata(tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "refused" / "request-many-violations.yaml",
                         "-o", tmp_path / "tt.docx", "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_metadata_file_is_kept_and_nothing_written_without_overwrite(tmp_path, run_formgen):
    (tmp_path / "tt.xml").write_text("của người khác", encoding="utf-8")
    args = ("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx",
            "--metadata", tmp_path / "tt.xml")
    result = run_formgen(*args)
    assert result.exit_code == 2 and "tt.xml" in result.stderr and "--overwrite" in result.stderr
    assert (tmp_path / "tt.xml").read_text(encoding="utf-8") == "của người khác"
    assert not (tmp_path / "tt.docx").exists()
    assert run_formgen(*args, "--overwrite").exit_code == 0
    assert read_xml(tmp_path / "tt.xml")["CodeNumber"] == "05"


def test_a_metadata_file_in_a_missing_folder_is_refused_before_the_document_is_written(tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx",
                         "--metadata", tmp_path / "khong-co" / "tt.xml")
    assert result.exit_code == 2 and "khong-co" in result.stderr and len(result.err_lines) == 1
    assert list(tmp_path.iterdir()) == []


LONG = {  # each input a metadata field is read from, too long for its Phụ lục VI length
    "signer's name (FullName, 50)": (("request", "signer", "name"), "Nguyễn " * 9 + "An", "SignerInfo/FullName",
                                     "request.signer.name", "65 ký tự, quá 50"),
    "recipient (To, 200)": (("request", "recipient"), "Ban " + "x" * 220, "To/OrganName", "request.recipient",
                            "224 ký tự, quá 200"),
    "a cc item (To, 200)": (("request", "cc"), ["Ban " + "x" * 220], "To/OrganName", "request.cc",
                            "224 ký tự, quá 200"),
    "issuer (OrganName, 200)": (("issuer", "name"), "Sở " + "x" * 220, "(OrganName)", "issuer.name",
                                "223 ký tự, quá 200"),
    "abbreviation (CodeNotation, 30)": (("issuer", "abbreviation"), "A" * 40, "CodeNotation",
                                        "issuer.abbreviation", "44 ký tự, quá 30"),
}


@pytest.mark.parametrize("case", LONG)
def test_a_value_longer_than_phu_luc_vi_allows_is_refused_naming_it(case, tmp_path, trip_data, write_trip,
                                                                    run_formgen):
    (*parents, key), value, field, source, sizes = LONG[case]
    node = trip_data
    for name in parents:
        node = node[name]
    node[key] = value
    if key == "name" and parents == ["request", "signer"]:
        trip_data["delegation"]["leader"]["name"] = value
    result = run_formgen("render", "request", write_trip(tmp_path, trip_data), "-o", tmp_path / "tt.docx",
                         "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 2, result.stderr
    assert len(result.err_lines) == 1 and field in result.stderr and f"[{source}]" in result.stderr
    assert sizes in result.stderr and "Phụ lục VI" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trip.yaml"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdfinfo) is not installed")
def test_with_a_pdf_the_page_amount_is_the_pdfs(tmp_path, run_formgen):
    result = run_formgen("render", "request", ROOT / "fixtures" / "request.yaml", "-o", tmp_path / "tt.docx",
                         "--pdf", "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 0, result.stderr
    info = subprocess.run(["pdfinfo", str(tmp_path / "tt.pdf")], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    assert read_xml(tmp_path / "tt.xml")["PageAmount"] == pages >= 2
    written = [Path(line.split("written: ")[1]).name for line in result.stdout.splitlines() if "written: " in line]
    assert written == ["tt.docx", "tt.pdf", "tt.xml"]  # the metadata last, once the PDF is there to count


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in rows), encoding="utf-8")
    return path


def test_batch_writes_each_documents_metadata_beside_it_and_lists_it(tmp_path, trip_data, run_formgen):
    second = json.loads(json.dumps(trip_data, default=str))
    second["request"]["number"], second["delegation"]["leader"]["name"] = 9, "Lê Văn Cường"
    second["request"]["signer"]["name"] = "Lê Văn Cường"
    too_long = json.loads(json.dumps(second))
    too_long["request"]["signer"]["name"] = too_long["delegation"]["leader"]["name"] = "Nguyễn " * 9 + "An"
    table = _jsonl(tmp_path / "bang.jsonl", [trip_data, second, too_long])
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--jobs", "1", "--metadata", "xml")
    assert result.exit_code == 1, result.stderr  # the third row is refused: its signer's name is too long
    rows = {r["row"]: r for r in json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["rows"]}
    assert rows[3]["status"] == "invalid" and "FullName" in rows[3]["messages"][0] and rows[3]["outputs"] == []
    for row in (1, 2):
        docx_path, xml_path = map(Path, rows[row]["outputs"])
        assert (docx_path.suffix, xml_path.suffix, xml_path.stem) == (".docx", ".xml", docx_path.stem)
        meta, doc = read_xml(xml_path), printed(docx_path)
        assert doc["number"] == f"Số: {meta['CodeNumber']}/{meta['CodeNotation']}"
        assert doc["signature"][-1] == meta["SignerInfo"]["FullName"]
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".csv", ".docx", ".docx", ".json", ".xml",
                                                                      ".xml"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_batch_with_pdfs_gives_each_metadata_its_pdfs_page_count(tmp_path, trip_data, run_formgen):
    table = _jsonl(tmp_path / "bang.jsonl", [trip_data])
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--jobs", "1", "--pdf",
                         "--metadata", "json")
    assert result.exit_code == 0, result.stderr
    row = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["rows"][0]
    assert [Path(p).suffix for p in row["outputs"]] == [".docx", ".pdf", ".json"]
    fields = json.loads(Path(row["outputs"][2]).read_text(encoding="utf-8"))
    assert fields["PageAmount"] == metadata.page_count(row["outputs"][1]) >= 2
    assert list(fields).index("PageAmount") == list(fields).index("Language") + 1  # the schema's order


# --- with the register's numbering (issue 16 items 1 and 4 together) -------------------------------------------


def test_the_number_the_register_gives_is_the_one_the_metadata_carries(tmp_path, trip_data, write_trip, run_formgen):
    trip_data["request"].pop("number")
    source, db = write_trip(tmp_path, trip_data), tmp_path / "so.sqlite"
    result = run_formgen("render", "request", source, "-o", tmp_path / "tt.docx", "--register", db,
                         "--metadata", tmp_path / "tt.xml")
    assert result.exit_code == 0, result.stderr
    meta, doc = read_xml(tmp_path / "tt.xml"), printed(tmp_path / "tt.docx")
    assert meta["CodeNumber"] == "01" and doc["number"] == "Số: 01/TTr-SNV"


def test_batch_with_a_register_gives_each_metadata_its_documents_number(tmp_path, trip_data, run_formgen):
    trip_data["request"].pop("number")
    second = json.loads(json.dumps(trip_data, default=str))
    second["delegation"]["leader"]["name"] = second["request"]["signer"]["name"] = "Lê Văn Cường"
    table = _jsonl(tmp_path / "bang.jsonl", [trip_data, second])
    result = run_formgen("batch", "request", table, "-o", tmp_path / "out", "--jobs", "1", "--metadata", "xml",
                         "--register", tmp_path / "so.sqlite")
    assert result.exit_code == 0, result.stderr
    rows = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["rows"]
    numbers = set()
    for row in rows:
        docx_path, xml_path = map(Path, row["outputs"])
        meta = read_xml(xml_path)
        assert printed(docx_path)["number"] == f"Số: {meta['CodeNumber']}/TTr-SNV"
        numbers.add(meta["CodeNumber"])
    assert numbers == {"01", "02"}


# --- annual --metadata: the annual reports from the register, each with its metadata ---------------------------

ANNUAL_META = "annual:\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n"


def _register_with_two_units(tmp_path: Path, run_formgen) -> Path:
    db = tmp_path / "so.sqlite"
    result = run_formgen("register", "add", ROOT / "fixtures" / "report.yaml", ROOT / "fixtures" / "party" / "report.yaml",
                         "--register", db)
    assert result.exit_code == 0, result.stderr
    return db


def test_annual_writes_one_units_metadata_beside_its_report_with_the_number_it_prints(tmp_path, run_formgen):
    db = _register_with_two_units(tmp_path, run_formgen)
    (tmp_path / "bc.yaml").write_text(ANNUAL_META, encoding="utf-8")
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", tmp_path / "bc.yaml",
                         "-o", tmp_path / "snv.docx", "--number", "--metadata", "xml", "--register", db, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outputs"] == [str(tmp_path / "snv.docx"), str(tmp_path / "snv.xml")]
    meta = read_xml(tmp_path / "snv.xml")
    number = next(line for line in docx_lines(tmp_path / "snv.docx") if line.startswith("Số"))
    assert number == f"Số: {meta['CodeNumber']}/{meta['CodeNotation']}"
    assert meta["CodeNumber"] == "01" and meta["IssuedDate"] == "2024-12-20"
    assert meta["SignerInfo"]["FullName"] == "Lê Văn Bình"
    # made again without --overwrite: the report and its metadata are refused, both left as they were
    before = (tmp_path / "snv.xml").read_bytes(), (tmp_path / "snv.docx").read_bytes()
    again = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", tmp_path / "bc.yaml",
                        "-o", tmp_path / "snv.docx", "--metadata", "xml", "--register", db)
    assert again.exit_code == 2 and "snv" in again.stderr
    assert ((tmp_path / "snv.xml").read_bytes(), (tmp_path / "snv.docx").read_bytes()) == before


def test_annual_all_writes_each_reports_metadata_beside_it_and_lists_it(tmp_path, run_formgen):
    db = _register_with_two_units(tmp_path, run_formgen)
    (tmp_path / "bc.yaml").write_text(ANNUAL_META + "  term_start: 2020-10-15\n", encoding="utf-8")
    result = run_formgen("annual", "--year", "2024", "--all", "--meta", tmp_path / "bc.yaml", "-o", tmp_path / "all",
                         "--number", "--metadata", "json", "--register", db)
    assert result.exit_code == 0, result.stderr
    rows = json.loads((tmp_path / "all" / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert [[Path(p).name for p in r["outputs"]] for r in rows] == [
        ["annual-btgtu-2024.docx", "annual-btgtu-2024.json"], ["annual-snv-2024.docx", "annual-snv-2024.json"]]
    # each as its format prints it: the Party's “Số 01-BC/BTGTU”, the State's “Số: 01/BC-SNV” (HD 36, NĐ 30)
    printed = {"annual-btgtu-2024": "Số {number}-{notation}", "annual-snv-2024": "Số: {number}/{notation}"}
    for docx_name, json_name in (r["outputs"] for r in rows):
        meta = json.loads(Path(json_name).read_text(encoding="utf-8"))
        assert (meta["CodeNumber"], meta["CodeNotation"]) == \
            {"annual-btgtu-2024": ("01", "BC/BTGTU"), "annual-snv-2024": ("01", "BC-SNV")}[Path(docx_name).stem]
        number = next(line for line in docx_lines(Path(docx_name)) if line.startswith("Số"))
        assert number == printed[Path(docx_name).stem].format(number=meta["CodeNumber"], notation=meta["CodeNotation"])


def test_annual_metadata_beside_the_report_is_never_written_over_the_section_it_was_read_from(tmp_path, run_formgen):
    db = _register_with_two_units(tmp_path, run_formgen)
    section = tmp_path / "bao-cao.json"
    section.write_text(json.dumps({"annual": {"date": "2024-12-20", "signer": {"name": "Lê Văn Bình",
                                                                               "title": "Giám đốc"}}},
                                  ensure_ascii=False), encoding="utf-8")
    before = section.read_bytes()
    result = run_formgen("annual", "--year", "2024", "--unit", "SNV", "--meta", section, "-o", tmp_path / "bao-cao.docx",
                         "--metadata", "json", "--overwrite", "--register", db)
    assert result.exit_code == 2
    assert "là tệp đầu vào" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert section.read_bytes() == before and not (tmp_path / "bao-cao.docx").exists()


def test_annual_refuses_a_metadata_format_that_does_not_exist_before_anything_is_written(tmp_path):
    from formgen.annual import annual_reports
    from formgen.errors import InvalidInput
    from formgen.register import Register
    with Register(tmp_path / "so.sqlite") as reg:
        with pytest.raises(InvalidInput, match="Siêu dữ liệu “pdf” không có; chọn: xml, json."):
            annual_reports(reg, 2024, {}, tmp_path / "all", metadata="pdf")
    assert not (tmp_path / "all").exists()

"""The library as another program calls it: plain dicts in, FormgenError for every failure, the README's snippet."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

import formgen
from formgen import model
from formgen.batch import run_batch
from helpers import docx_lines

ROOT = Path(__file__).parent.parent
FIXTURE_FILE = ROOT / "fixtures" / "request.yaml"


def as_form(data: dict) -> dict:
    """What a web form or another program sends: plain JSON values, dates as ISO text."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


@pytest.fixture
def form(trip_data) -> dict:
    return as_form(trip_data)


@pytest.fixture
def schema_loads(monkeypatch) -> list:
    """Every run of the delegation schema, counted (the expensive step batch must not do twice)."""
    calls = []
    original = model._TRIP.load

    def counted(data, *args, **kwargs):
        calls.append(1)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(model._TRIP, "load", counted)
    return calls


# --- validate, and plain dicts into check and render ------------------------------------------

def test_validate_of_a_dict_gives_what_load_gives_of_the_file(form):
    assert formgen.validate(form) == formgen.load(FIXTURE_FILE)
    assert formgen.validate(form)["delegation"]["depart_on"] == dt.date(2024, 6, 3)


@pytest.mark.parametrize("fixture", sorted(str(p.relative_to(ROOT / "fixtures"))
                                     for p in (ROOT / "fixtures").rglob("*.yaml") if "notices" not in p.parts))
def test_any_fixture_sent_as_json_validates_to_what_load_gives(fixture):
    loaded = formgen.load(ROOT / "fixtures" / fixture)
    again = formgen.validate(as_form(loaded), source=str(ROOT / "fixtures" / fixture))
    assert again == loaded and isinstance(again, formgen.Valid)


def test_validate_lists_every_error_at_once_with_its_path(form):
    form["delegation"]["depart_on"] = "31/02/2024"
    form["delegation"]["leader"]["rank"] = "chủ tịch"
    del form["issuer"]["place"]
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.validate(form)
    assert sorted(p.path for p in err.value.problems) == [
        "delegation.depart_on", "delegation.leader.rank", "issuer.place"]
    assert err.value.exit_code == 2


def test_validate_of_an_annual_dict_validates_each_inline_delegation(form):
    annual = {"issuer": form["issuer"], "year": 2024,
              "annual": {"number": 3, "date": "2024-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"}},
              "delegations": [{k: v for k, v in form.items() if k != "issuer"}]}
    valid = formgen.validate(annual)
    assert valid["delegations"][0]["delegation"]["return_on"] == dt.date(2024, 6, 7)
    annual["delegations"][0]["delegation"]["return_on"] = "hôm sau"
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.validate(annual)
    assert [p.path for p in err.value.problems] == ["delegations[0].delegation.return_on"]


def test_check_takes_a_plain_dict_with_dates_as_text(form):
    result = formgen.check(form, "request")
    assert result.ok and result.deadlines.latest_request_date == dt.date(2024, 5, 20)


def test_check_of_a_plain_dict_with_a_wrong_field_raises_invalid_input_naming_it(form):
    form["delegation"]["members"][0]["key_leader"] = "có lẽ"
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.check(form)
    assert [p.path for p in err.value.problems] == ["delegation.members[0].key_leader"]


def test_render_takes_a_plain_dict_and_writes_the_letter(form, tmp_path):
    out = tmp_path / "to-trinh.docx"
    formgen.render("request", form, out)
    assert "Hậu Giang, ngày 20 tháng 5 năm 2024" in docx_lines(out)


def test_a_plain_dict_is_validated_once_and_validated_data_never_again(form, tmp_path, schema_loads):
    formgen.check(form)
    assert len(schema_loads) == 1
    trip = formgen.validate(form)
    schema_loads.clear()
    formgen.check(trip)
    formgen.render("request", trip, tmp_path / "a.docx")
    assert schema_loads == []
    # batch, the hot path: each row through the schema once, though render() takes plain dicts now
    rows = [json.dumps({**form, "delegation": {**form["delegation"], "leader": {**form["delegation"]["leader"],
                                                                                 "name": f"Người {i}"}}},
                       ensure_ascii=False) for i in range(3)]
    (tmp_path / "bang.jsonl").write_text("\n".join(rows), encoding="utf-8")
    manifest = run_batch("request", tmp_path / "bang.jsonl", tmp_path / "out", jobs=1)
    assert [e.status for e in manifest.entries] == ["written"] * 3
    assert len(schema_loads) == 3


def test_a_copy_of_validated_data_is_plain_data_and_is_validated_again(form, schema_loads):
    trip = formgen.validate(form)
    schema_loads.clear()
    formgen.check({**trip})
    assert len(schema_loads) == 1


# --- deadlines: the dates programs have ----------------------------------------------------------

@pytest.mark.parametrize("depart, back", [
    (dt.date(2024, 6, 3), dt.date(2024, 6, 7)),
    ("2024-06-03", "2024-06-07"),
    ("03/06/2024", "7/6/2024"),
    (dt.datetime(2024, 6, 3, 8, 30), "2024-06-07"),
])
def test_deadlines_take_a_date_an_iso_string_or_dd_mm_yyyy(depart, back):
    found = formgen.deadlines(depart, back)
    assert (found.latest_request_date, found.latest_report_date) == (dt.date(2024, 5, 20), dt.date(2024, 6, 21))


def test_stamp_takes_dates_as_text_too(tmp_path):
    from reportlab.pdfgen import canvas
    src = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(src))
    page.drawString(100, 700, "scan")
    page.save()
    out = formgen.stamp(src, tmp_path / "out.pdf", depart_on="03/06/2024", return_on="2024-06-07")
    assert out.is_file() and out.read_bytes().startswith(src.read_bytes())


# --- every failure is a FormgenError, naming what to change ---------------------------------------

def _annual(form):
    return {"issuer": form["issuer"], "year": 2024,
            "annual": {"number": 3, "date": "2024-12-20", "signer": {"name": "Lê Văn Bình", "title": "Giám đốc"}},
            "delegations": []}


HOSTILE_CALLS = {
    "check of a list": (lambda f, p: formgen.check([f]), "trip"),
    "check of a string": (lambda f, p: formgen.check("fixtures/request.yaml"), "trip"),
    "check of None": (lambda f, p: formgen.check(None), "trip"),
    "check of an empty dict": (lambda f, p: formgen.check({}), "issuer"),
    "check of a dict without its delegation": (lambda f, p: formgen.check({"issuer": f["issuer"]}), "delegation"),
    "check with a section of the wrong type": (lambda f, p: formgen.check({**f, "delegation": [1]}), "delegation"),
    "check with a list as kind": (lambda f, p: formgen.check(f, ["request"]), "kind"),
    "check with an unknown kind": (lambda f, p: formgen.check(f, "tờ trình"), "kind"),
    "check as a report of a file without one": (lambda f, p: formgen.check(f, "report"), "report"),
    "check as an annual report of a delegation": (lambda f, p: formgen.check(f, "annual"), "annual"),
    "check as a request of an annual file": (lambda f, p: formgen.check(_annual(f), "request"), "request"),
    "check with a number as profile": (lambda f, p: formgen.check(f, profile=5), "profile"),
    "check with text as calendar": (lambda f, p: formgen.check(f, calendar="VN"), "calendar"),
    "check with text as history": (lambda f, p: formgen.check(f, history="so.sqlite"), "history"),
    "check with an empty entry in history": (lambda f, p: formgen.check(f, history=[{}]), "history[0]"),
    "render to None": (lambda f, p: formgen.render("request", f, None), "out"),
    "render to a number": (lambda f, p: formgen.render("request", f, 5), "out"),
    "render with a number as kind": (lambda f, p: formgen.render(1, f, p / "a.docx"), "kind"),
    "render a report the file lacks": (lambda f, p: formgen.render("report", f, p / "a.docx"), "report"),
    "render with a number as templates": (lambda f, p: formgen.render("request", f, p / "a.docx", templates=3),
                                          "templates"),
    "render of a list": (lambda f, p: formgen.render("request", [], p / "a.docx"), "trip"),
    "deadlines of words": (lambda f, p: formgen.deadlines("thứ hai"), "depart_on"),
    "deadlines of None": (lambda f, p: formgen.deadlines(None), "depart_on"),
    "deadlines of a number": (lambda f, p: formgen.deadlines(20240603), "depart_on"),
    "deadlines of a day that does not exist": (lambda f, p: formgen.deadlines("2024-02-30"), "depart_on"),
    "deadlines of a bad return date": (lambda f, p: formgen.deadlines("2024-06-03", "7-6"), "return_on"),
    "deadlines returning before leaving": (lambda f, p: formgen.deadlines("2024-06-03", "2024-06-01"),
                                           "return_on"),
    "stamp of a list as trip": (lambda f, p: formgen.stamp(p / "a.pdf", p / "b.pdf", trip=[]), "trip"),
    "stamp without a source": (lambda f, p: formgen.stamp(None, p / "b.pdf", depart_on="2024-06-03"), "src"),
    "stamp without any date": (lambda f, p: formgen.stamp(p / "a.pdf", p / "b.pdf"), "depart_on"),
    "stamp of an annual file": (lambda f, p: formgen.stamp(p / "a.pdf", p / "b.pdf", trip=_annual(f)), "trip"),
    "load of a number": (lambda f, p: formgen.load(5), "path"),
    "load_profile of a number": (lambda f, p: formgen.load_profile(5), "profile"),
    "validate of a list": (lambda f, p: formgen.validate([f]), ""),
}


@pytest.mark.parametrize("name", HOSTILE_CALLS)
def test_a_wrong_argument_is_a_formgen_error_naming_what_is_wrong(name, form, tmp_path):
    call, named = HOSTILE_CALLS[name]
    with pytest.raises(formgen.FormgenError) as err:
        call(form, tmp_path)
    assert err.value.exit_code == 2
    text = " ".join([err.value.message] + [f"{p.path} {p.message}" for p in err.value.problems])
    assert named in text
    assert "--" not in text  # the library names parameters, not the command line's options
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_names_the_overwrite_parameter_in_the_library(form, tmp_path):
    out = tmp_path / "to-trinh.docx"
    out.write_bytes(b"signed")
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.render("request", form, out)
    assert err.value.message == f"Đã có tệp {out}: không ghi đè (đặt overwrite=True để ghi đè)."
    assert out.read_bytes() == b"signed"


def test_legacy_text_names_convert_legacy_in_the_library_and_the_option_on_the_command_line(
        form, tmp_path, run_formgen, write_trip):
    form["delegation"]["leader"]["name"] = "NguyÔn V¨n An"  # TCVN3 bytes read as Latin-1
    with pytest.raises(formgen.InvalidInput) as err:
        formgen.validate(form)
    assert err.value.problems[0].message.endswith("hoặc đặt convert_legacy=True để formgen tự chuyển.")
    result = run_formgen("check", write_trip(tmp_path, form))
    assert result.exit_code == 2
    assert result.err_lines[0].endswith("hoặc chạy lại với --convert-legacy để formgen tự chuyển.")


# --- the README ----------------------------------------------------------------------------------

def test_the_readme_library_snippet_runs_as_printed(tmp_path, monkeypatch, capsys):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the snippet renders a PDF")
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "readme"})
    *findings, date = capsys.readouterr().out.splitlines()
    assert [line.split(" [")[0] for line in findings] == ["CẢNH BÁO P01"] and date == "2024-05-20"
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["fixtures", "so-theo-doi.sqlite", "to-trinh.docx", "tt-stamped.pdf", "tt.docx", "tt.pdf"]


# --- one JSON shape for every --json output ------------------------------------------------------

def _validator():
    import jsonschema
    from formgen.envelope import schema
    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


@pytest.fixture
def world(tmp_path, trip_data, write_trip, monkeypatch):
    """What the commands work on: a register with the fixture delegation, a PDF, tables, an annual section;
    stdin(text) gives the next command its standard input (a password)."""
    import io
    from reportlab.pdfgen import canvas
    w = {"db": tmp_path / "so.sqlite", "pdf": tmp_path / "scan.pdf", "meta": tmp_path / "annual.yaml",
         "stdin": lambda text: monkeypatch.setattr("sys.stdin", io.StringIO(text))}
    page = canvas.Canvas(str(w["pdf"]))
    page.drawString(100, 700, "scan")
    page.save()
    w["meta"].write_text("annual:\n  number: 245\n  date: 2024-12-20\n  signer: {name: Lê Văn Bình, title: Giám đốc}\n",
                         encoding="utf-8")
    refused = copy_of(trip_data)
    refused["delegation"]["leader"]["rank"] = "deputy"
    refused["delegation"]["members"] += [{"name": f"Người {i}", "position": "Chuyên viên"} for i in range(3)]
    w["refused"] = write_trip(tmp_path, refused, "refused.yaml")
    rows = [json.dumps(d, ensure_ascii=False, default=str) for d in (trip_data, refused)]
    (tmp_path / "mixed.jsonl").write_text("\n".join(rows), encoding="utf-8")
    (tmp_path / "good.jsonl").write_text(rows[0], encoding="utf-8")
    (tmp_path / "bad.csv").write_text("Cơ quan,Không có cột này\nSở Nội vụ,x\n", encoding="utf-8")
    (tmp_path / "broken_state.docx").write_bytes(b"not a docx")
    (tmp_path / "existing.docx").write_bytes(b"signed")
    w["tmp"] = tmp_path
    return w


def copy_of(data):
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def _add(world, run_formgen):
    assert run_formgen("register", "add", FIXTURE_FILE, "--register", world["db"]).exit_code == 0


def _numbered(world, run_formgen):
    """The fixture's request rendered with the register: its number 05 is recorded in the outgoing register."""
    assert run_formgen("render", "request", FIXTURE_FILE, "-o", world["tmp"] / "tt.docx", "--register",
                       world["db"]).exit_code == 0


def _keys(world, run_formgen):
    """A test CA's agency key as a PKCS#12 file, in world["tmp"]/pki (tests/test_sign.py builds it)."""
    from test_sign import Pki
    (world["tmp"] / "pki").mkdir(exist_ok=True)
    Pki(world["tmp"] / "pki")


def _sign_args(world, password):
    from test_sign import PASSWORD
    return ["sign", world["pdf"], "-o", world["tmp"] / "signed.pdf", "--p12", world["tmp"] / "pki" / "agency.p12",
            "--password", PASSWORD if password else "sai", "--as", "attachment", "--number", "05/TTr-SNV"]


def _signed(world, run_formgen):
    _keys(world, run_formgen)
    assert run_formgen(*_sign_args(world, True)).exit_code == 0


def _user(world, run_formgen, stdin: str = "mật-khẩu-dài\n"):
    """A user snv of SNV in the register, then `stdin` ready for the next command."""
    world["stdin"]("mật-khẩu-dài\n")
    assert run_formgen("users", "add", "snv", "--unit", "SNV", "--password-stdin", "--register",
                       world["db"]).exit_code == 0
    world["stdin"](stdin)


# name: (setup or None, args from world, expected exit status)
JSON_CASES = {
    "check compliant": (None, lambda w: ["check", FIXTURE_FILE], 0),
    "check refused": (None, lambda w: ["check", w["refused"]], 1),
    "check missing file": (None, lambda w: ["check", w["tmp"] / "nope.yaml"], 2),
    "render": (None, lambda w: ["render", "request", FIXTURE_FILE, "-o", w["tmp"] / "a.docx"], 0),
    "render refused": (None, lambda w: ["render", "request", w["refused"], "-o", w["tmp"] / "a.docx"], 1),
    "render over an existing file": (None, lambda w: ["render", "request", FIXTURE_FILE, "-o",
                                                      w["tmp"] / "existing.docx"], 2),
    "render with its metadata": (None, lambda w: ["render", "request", FIXTURE_FILE, "-o", w["tmp"] / "a.docx",
                                                  "--metadata", w["tmp"] / "a.xml"], 0),
    "render with metadata of another kind of file": (None, lambda w: ["render", "request", FIXTURE_FILE, "-o",
                                                                      w["tmp"] / "a.docx", "--metadata",
                                                                      w["tmp"] / "a.txt"], 2),
    "deadlines": (None, lambda w: ["deadlines", "--depart", "03/06/2024", "--return", "2024-06-07"], 0),
    "deadlines of a bad date": (None, lambda w: ["deadlines", "--depart", "31/02/2024"], 2),
    "deadlines explained, with a calendar file": (None, lambda w: ["deadlines", "--depart", "2026-01-19", "--explain",
                                                                   "--ics", w["tmp"] / "d.ics"], 0),
    "calendar": (None, lambda w: ["calendar", "2026"], 0),
    "calendar of a bad year": (None, lambda w: ["calendar", "hai"], 2),
    "deadlines back before leaving": (None, lambda w: ["deadlines", "--depart", "2024-06-03", "--return",
                                                       "2024-06-01"], 2),
    "stamp": (None, lambda w: ["stamp", w["pdf"], "-o", w["tmp"] / "s.pdf", "--depart", "2024-06-03"], 0),
    "stamp without dates": (None, lambda w: ["stamp", w["pdf"], "-o", w["tmp"] / "s.pdf"], 2),
    "sign": (_keys, lambda w: _sign_args(w, True), 0),
    "sign with a wrong password": (_keys, lambda w: _sign_args(w, False), 2),
    "verify": (_signed, lambda w: ["verify", w["tmp"] / "signed.pdf"], 0),
    "verify of a PDF without signatures": (None, lambda w: ["verify", w["pdf"]], 2),
    "batch": (None, lambda w: ["batch", "request", w["tmp"] / "mixed.jsonl", "-o", w["tmp"] / "out", "--jobs", "1"],
              1),
    "batch of one good row": (None, lambda w: ["batch", "request", w["tmp"] / "good.jsonl", "-o", w["tmp"] / "out",
                                               "--jobs", "1"], 0),
    "batch of an unreadable table": (None, lambda w: ["batch", "request", w["tmp"] / "nope.csv", "-o",
                                                      w["tmp"] / "out"], 2),
    "register add": (None, lambda w: ["register", "add", FIXTURE_FILE, "--register", w["db"]], 0),
    "register add of a bad file": (None, lambda w: ["register", "add", w["tmp"] / "nope.yaml", "--register",
                                                    w["db"]], 2),
    "register list": (_add, lambda w: ["register", "list", "--register", w["db"]], 0),
    "register list of a bad year": (_add, lambda w: ["register", "list", "--year", "hai", "--register", w["db"]], 2),
    "register list, a page of it": (_add, lambda w: ["register", "list", "--page", "2", "--limit", "1", "--overdue",
                                                     "--register", w["db"]], 0),
    "register list of page zero": (_add, lambda w: ["register", "list", "--page", "0", "--register", w["db"]], 2),
    "register show": (_add, lambda w: ["register", "show", "1", "--register", w["db"]], 0),
    "register show of an unknown id": (_add, lambda w: ["register", "show", "9", "--register", w["db"]], 2),
    "register overdue": (_add, lambda w: ["register", "overdue", "--on", "2024-06-10", "--within", "0",
                                          "--register", w["db"]], 0),
    "register overdue of a bad window": (_add, lambda w: ["register", "overdue", "--within", "999", "--register",
                                                          w["db"]], 2),
    "register overdue with a late report": (_add, lambda w: ["register", "overdue", "--on", "2024-07-01",
                                                             "--register", w["db"]], 1),
    "register remove": (_add, lambda w: ["register", "remove", "1", "--register", w["db"]], 0),
    "register remove of an unknown id": (_add, lambda w: ["register", "remove", "9", "--register", w["db"]], 2),
    "register export": (_add, lambda w: ["register", "export", w["tmp"] / "so.csv", "--register", w["db"]], 0),
    "register export over an existing file": (_add, lambda w: ["register", "export", w["tmp"] / "mixed.jsonl",
                                                               "--register", w["db"]], 2),
    "register import": (lambda w, r: (_add(w, r), r("register", "export", w["tmp"] / "so.csv", "--register", w["db"])),
                        lambda w: ["register", "import", w["tmp"] / "so.csv", "--register", w["tmp"] / "b.sqlite"], 0),
    "register import of a bad table": (None, lambda w: ["register", "import", w["tmp"] / "bad.csv", "--register",
                                                        w["db"]], 2),
    "render with a register": (None, lambda w: ["render", "request", FIXTURE_FILE, "-o", w["tmp"] / "n.docx",
                                                "--register", w["db"]], 0),
    "register cancel": (_numbered, lambda w: ["register", "cancel", "--unit", "SNV", "--year", "2024", "--number", "5",
                                              "--reason", "Thu hồi", "--by", "Văn thư", "--register", w["db"]], 0),
    "register cancel of a number never given": (_numbered, lambda w: ["register", "cancel", "--id", "9", "--reason",
                                                                      "Thu hồi", "--register", w["db"]], 2),
    "register book": (_numbered, lambda w: ["register", "book", "--year", "2024", "-o", w["tmp"] / "so.xlsx",
                                            "--register", w["db"]], 0),
    "register book of an empty year": (_numbered, lambda w: ["register", "book", "--year", "2023", "-o",
                                                             w["tmp"] / "so.pdf", "--register", w["db"]], 2),
    "annual for a unit": (_add, lambda w: ["annual", "--year", "2024", "--unit", "SNV", "--meta", w["meta"], "-o",
                                           w["tmp"] / "n.docx", "--register", w["db"]], 0),
    "annual for all units": (_add, lambda w: ["annual", "--year", "2024", "--all", "--meta", w["meta"], "-o",
                                              w["tmp"] / "all", "--register", w["db"]], 0),
    "annual with both unit and all": (_add, lambda w: ["annual", "--year", "2024", "--all", "--unit", "SNV",
                                                       "--meta", w["meta"], "-o", w["tmp"] / "n.docx",
                                                       "--register", w["db"]], 2),
    "templates export": (None, lambda w: ["templates", "export", w["tmp"] / "mau"], 0),
    "templates export over edited copies": (lambda w, r: r("templates", "export", w["tmp"] / "mau"),
                                            lambda w: ["templates", "export", w["tmp"] / "mau"], 2),
    "templates check": (None, lambda w: ["templates", "check", ROOT / "formgen" / "templates" / "docx" /
                                         "request_state.docx"], 0),
    "templates check of a broken file": (None, lambda w: ["templates", "check", w["tmp"] / "broken_state.docx",
                                                          "--as", "request"], 2),
    "users add": (lambda w, r: w["stdin"]("mật-khẩu-dài\n"),
                  lambda w: ["users", "add", "snv", "--unit", "SNV", "--password-stdin", "--register", w["db"]], 0),
    "users add of a short password": (lambda w, r: w["stdin"]("ngắn\n"),
                                      lambda w: ["users", "add", "snv", "--unit", "SNV", "--password-stdin",
                                                 "--register", w["db"]], 2),
    "users list": (_user, lambda w: ["users", "list", "--register", w["db"]], 0),
    "users list of a register that cannot be opened": (None, lambda w: ["users", "list", "--register",
                                                                        w["tmp"] / "khong-co" / "so.sqlite"], 2),
    "users remove": (_user, lambda w: ["users", "remove", "snv", "--register", w["db"]], 0),
    "users remove of an unknown user": (_user, lambda w: ["users", "remove", "ai", "--register", w["db"]], 2),
    "users password": (lambda w, r: _user(w, r, "mật-khẩu-mới-dài\n"),
                       lambda w: ["users", "password", "snv", "--password-stdin", "--register", w["db"]], 0),
    "users password of an unknown user": (_user, lambda w: ["users", "password", "ai", "--password-stdin",
                                                            "--register", w["db"]], 2),
    "users role": (_user, lambda w: ["users", "role", "snv", "--province", "--register", w["db"]], 0),
    "users role with both a unit and the province": (_user, lambda w: ["users", "role", "snv", "--unit", "STC",
                                                                       "--province", "--register", w["db"]], 2),
    "an unknown option": (None, lambda w: ["check", FIXTURE_FILE, "--nope"], 2),
    "a missing option": (None, lambda w: ["render", "request", FIXTURE_FILE], 2),
    "an unknown command": (None, lambda w: ["nope"], 2),
    "no command": (None, lambda w: [], 2),
}


@pytest.mark.parametrize("name", JSON_CASES)
def test_every_json_output_is_the_one_envelope(name, world, run_formgen):
    setup, args, expected = JSON_CASES[name]
    if setup:
        setup(world, run_formgen)
    result = run_formgen(*args(world), "--json")
    assert result.exit_code == expected, result.stdout + result.stderr
    document = json.loads(result.stdout)  # one JSON document, nothing else on stdout
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(document)]
    assert errors == []
    assert document["ok"] is (expected == 0)
    assert (document["error"] is None) is (expected == 0)
    words = [str(a) for a in args(world)]
    if words and words[0] in COMMANDS:
        assert document["command"] == (" ".join(words[:2]) if words[0] in {"register", "templates", "users"} else words[0])
    for path in document["outputs"]:
        assert Path(path).is_file(), path
    assert "Traceback" not in result.stderr


def _commands() -> set[str]:
    import click
    from formgen.cli import cli
    return set(cli.list_commands(click.Context(cli)))


COMMANDS = _commands()  # every top-level command: a new one is held to the envelope too


def test_every_command_with_json_is_in_the_envelope_cases_both_ways():
    """A new command with --json must show its envelope here, on success and on failure."""
    import click
    from formgen.cli import cli

    def walk(group, prefix=()):
        for name in group.list_commands(click.Context(group)):  # lazy commands too (formgen.cli.LAZY_COMMANDS)
            command = group.get_command(click.Context(group), name)
            if isinstance(command, click.Group):
                yield from walk(command, prefix + (name,))
            elif any(p.name == "as_json" for p in command.params):
                yield " ".join(prefix + (name,))

    covered = {}
    for setup, args, expected in JSON_CASES.values():
        words = [str(a) for a in args({"tmp": Path("."), "db": "", "pdf": "", "meta": "", "refused": ""})]
        if words and words[0] in COMMANDS:
            command = " ".join(words[:2]) if words[0] in {"register", "templates", "users"} else words[0]
            covered.setdefault(command, set()).add(expected == 0)
    assert {c: covered.get(c) for c in walk(cli)} == {c: {True, False} for c in walk(cli)}


def test_batch_json_carries_each_rows_result_and_counts_as_numbers(world, run_formgen):
    result = run_formgen("batch", "request", world["tmp"] / "mixed.jsonl", "-o", world["tmp"] / "out", "--jobs", "1",
                         "--json")
    document = json.loads(result.stdout)
    assert [(r["row"], r["status"], r["codes"]) for r in document["rows"]] == [(1, "written", ["P01"]),
                                                                               (2, "refused", ["P01", "R06"])]
    assert document["counts"] == {"errors": 0, "warnings": 0, "rows": 2, "written": 1, "refused": 1, "invalid": 0,
                                  "failed": 0}
    assert (document["error"], document["kind"]) == ("refused", "request")
    assert document["message"].startswith("2 dòng: 1 đã tạo, 1 bị từ chối")
    assert document["outputs"][0] == document["rows"][0]["outputs"][0]


def test_a_refused_document_and_a_checked_one_list_findings_under_one_name(world, run_formgen):
    checked = json.loads(run_formgen("check", world["refused"], "--json").stdout)
    refused = json.loads(run_formgen("render", "request", world["refused"], "-o", world["tmp"] / "a.docx",
                                     "--json").stdout)
    assert [f["code"] for f in checked["findings"]] == [f["code"] for f in refused["findings"]] == ["P01", "R06"]
    assert checked["counts"]["errors"] == refused["counts"]["errors"] == 1
    assert (checked["error"], refused["error"]) == ("refused", "refused")
    assert (checked["kind"], refused["kind"]) == ("request", "request")


def test_a_usage_error_in_json_mode_is_json_in_vietnamese(run_formgen):
    result = run_formgen("deadlines", "--depart", "31/02/2024", "--json")
    document = json.loads(result.stdout)
    assert (document["ok"], document["error"], document["command"]) == (False, "usage", "deadlines")
    assert "tháng 2 năm 2024 chỉ có 29 ngày" in document["message"]
    assert result.stderr == ""


def test_the_envelope_schema_ships_in_the_package():
    import tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = data["tool"]["setuptools"]["package-data"]["formgen"]
    assert "schemas/*.json" in shipped and (ROOT / "formgen" / "schemas" / "envelope.json").is_file()


def test_a_bug_in_json_mode_is_still_one_envelope_with_exit_70(run_formgen, monkeypatch):
    import formgen.cli
    monkeypatch.delenv("FORMGEN_DEBUG", raising=False)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(formgen.cli, "deadlines", broken)
    result = run_formgen("deadlines", "--depart", "2024-06-03", "--json")
    assert result.exit_code == 70 and result.stderr == ""
    document = json.loads(result.stdout)
    assert _validator().is_valid(document)
    assert (document["error"], document["command"]) == ("internal", "deadlines")
    assert document["message"].startswith("formgen: lỗi nội bộ / internal error: ZeroDivisionError")

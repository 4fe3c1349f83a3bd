"""A command imports only what it uses: `formgen --version`, `--help` and one letter start without the register,
PDF or spreadsheet libraries (each case a fresh interpreter, its sys.modules read after the command ran)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).parent.parent
FIX = ROOT / "fixtures"
HEAVY = ("sqlalchemy", "pypdf", "reportlab", "openpyxl")


def _loaded(*args: str, tmp_path: Path | None = None) -> tuple[int, set[str]]:
    """(exit status, modules and top-level packages in sys.modules) after `formgen ARGS` in a fresh interpreter."""
    result = _run(*args, tmp_path=tmp_path)
    return result["status"], set(result["loaded"])


def _run(*args: str, tmp_path: Path | None = None) -> dict:
    """What a fresh interpreter says after `formgen ARGS`: status, loaded (sys.modules), holidays_version."""
    code = ("import json, sys\n"
            "from formgen.cli import main\n"
            "status = 0\n"
            "if len(sys.argv) > 1:\n"
            "    try:\n"
            "        main(sys.argv[1:])\n"
            "    except SystemExit as exc:\n"
            "        status = exc.code\n"
            "print(json.dumps({'status': status, 'loaded': sorted({*sys.modules, *(n.split('.')[0] for n in sys.modules)}),\n"
            "                  'holidays_version': getattr(sys.modules.get('formgen.calendar'), 'HOLIDAYS_VERSION', None)}))\n")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path or ROOT, capture_output=True, text=True,
                          env={**_env(), "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def _env() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if k != "FORMGEN_REGISTER"}


def test_importing_the_command_line_imports_no_register_pdf_or_spreadsheet_library():
    status, loaded = _loaded()
    assert status == 0 and loaded & set(HEAVY) == set()


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["render", "--help"], ["check", "--help"],
                                  ["batch", "--help"]], ids=" ".join)
def test_version_and_help_import_no_register_pdf_or_spreadsheet_library(args):
    status, loaded = _loaded(*args)
    assert status == 0 and loaded & set(HEAVY) == set()


def test_one_letter_without_pdf_or_register_imports_neither_sqlalchemy_pypdf_nor_openpyxl(tmp_path):
    out = tmp_path / "to-trinh.docx"
    status, loaded = _loaded("render", "request", str(FIX / "request.yaml"), "-o", str(out), tmp_path=tmp_path)
    assert status == 0 and out.is_file()
    assert loaded & {"sqlalchemy", "pypdf", "openpyxl"} == set()


def _holidays_table_unfit() -> str | None:
    """Why the shipped holidays table is not this machine's (the letter then asks holidays: right, slower)."""
    from formgen import calendar
    table = json.loads((ROOT / "formgen" / calendar.PUBLIC_FILE).read_text(encoding="utf-8"))
    if table["holidays"] != calendar.HOLIDAYS_VERSION:
        return (f"public_holidays.json is holidays {table['holidays']}'s, {calendar.HOLIDAYS_VERSION} is installed: "
                "run python tools/build_public_holidays.py")
    return None


def _font_table_unfit() -> str | None:
    """Why the shipped font widths are not this machine's fonts' (the letter then asks reportlab: right, slower)."""
    from formgen import layout
    from formgen.fontconfig import fc_match
    for pattern in ("Times New Roman", "Times New Roman:bold"):
        found = fc_match(pattern)
        if layout.file_digest(found.read_bytes()) not in layout._shipped():
            return f"{found} is not in font_widths.json: run python tools/build_font_widths.py"
    return None


@pytest.fixture(scope="module")
def letter_run(tmp_path_factory) -> dict:
    """What one plain letter's render said (a fresh interpreter, run once for the tests below)."""
    tmp_path = tmp_path_factory.mktemp("letter")
    out = tmp_path / "to-trinh.docx"
    result = _run("render", "request", str(FIX / "request.yaml"), "-o", str(out), tmp_path=tmp_path)
    assert result["status"] == 0 and out.is_file()
    return result


@pytest.fixture(scope="module")
def letter_modules(letter_run) -> set[str]:
    """The modules (and their top-level packages) one plain letter's render loaded."""
    return set(letter_run["loaded"])


def test_one_letter_reads_the_installed_holidays_version_without_importing_importlib_metadata(letter_run):
    from importlib.metadata import version
    assert "importlib.metadata" not in letter_run["loaded"]  # it imports the email package: 12 ms of a letter
    assert letter_run["holidays_version"] == version("holidays")


def test_one_letter_imports_neither_the_pdf_machinery_nor_what_only_workers_use(letter_modules):
    assert letter_modules & {"formgen.pdf", "logging", "ctypes"} == set()


def test_one_letter_reads_the_public_holidays_from_the_shipped_table_without_importing_holidays(letter_modules):
    if _holidays_table_unfit():
        pytest.skip(_holidays_table_unfit())
    assert "holidays" not in letter_modules  # importing it imports its 250 countries


def test_one_letter_measures_its_rules_from_the_shipped_font_widths_without_reportlab_or_pil(letter_modules):
    if _font_table_unfit():
        pytest.skip(_font_table_unfit())
    assert letter_modules & {"reportlab", "PIL"} == set()


def test_checking_a_file_without_a_register_imports_no_register_pdf_or_rendering_library(tmp_path):
    status, loaded = _loaded("check", str(FIX / "request.yaml"), tmp_path=tmp_path)
    assert status == 0
    assert loaded & {*HEAVY, "docxtpl", "docx"} == set()


def test_a_command_loaded_on_demand_says_in_the_command_list_what_its_own_help_says():
    from formgen.cli import LAZY_COMMANDS, cli
    ctx = click.Context(cli)
    for name, (_, listed) in LAZY_COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert click.Command(name, help=listed).get_short_help_str(300) == command.get_short_help_str(300), name
        assert listed.split("/")[0].strip() in command.get_short_help_str(300), name


def test_the_command_list_shows_every_command_with_its_short_help(run_formgen):
    result = run_formgen("--help")
    listed = result.stdout.split("Commands:")[1].split()
    for name in ("annual", "batch", "calendar", "check", "deadlines", "register", "render", "serve", "sign", "stamp",
                 "templates", "users", "verify"):
        assert name in listed
    assert "Ký số PDF đúng vị trí NĐ 30/2020" in result.stdout and "Đóng dấu hạn chót lên một PDF" in result.stdout


def test_a_command_loaded_on_demand_runs_and_shows_its_own_help(run_formgen):
    result = run_formgen("sign", "--help")
    assert result.exit_code == 0 and "--pkcs11-lib" in result.stdout
    result = run_formgen("templates", "export", "--help")
    assert result.exit_code == 0 and "--overwrite" in result.stdout


def _modules_after(code: str, tmp_path: Path) -> set[str]:
    """Top-level packages in sys.modules after running code in a fresh interpreter (cwd tmp_path)."""
    code += "\nimport json, sys\nprint(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={**_env(), "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_reading_a_csv_table_imports_no_spreadsheet_library(tmp_path):
    loaded = _modules_after(f"from formgen.batch import read_rows\n"
                            f"assert len(list(read_rows({str(FIX / 'batch' / 'requests.csv')!r}))) > 1", tmp_path)
    assert "openpyxl" not in loaded


def test_a_batch_with_workers_keeps_docxtpl_pdf_and_spreadsheet_libraries_out_of_its_own_process(tmp_path):
    loaded = _modules_after(f"from formgen.batch import run_batch\n"
                            f"m = run_batch('request', {str(FIX / 'batch' / 'requests.csv')!r}, 'out', jobs=2)\n"
                            f"assert m.count('written') >= 1, m.summary()", tmp_path)
    assert loaded & {"docxtpl", "docx", "lxml", "openpyxl", "pypdf", "reportlab", "sqlalchemy"} == set()


def test_a_batch_without_stamps_imports_no_pdf_library(tmp_path):
    loaded = _modules_after(f"from formgen.batch import run_batch\n"
                            f"m = run_batch('request', {str(FIX / 'batch' / 'requests.csv')!r}, 'out', jobs=1)\n"
                            f"assert m.count('written') >= 1, m.summary()", tmp_path)
    assert "docxtpl" in loaded and loaded & {"pypdf", "openpyxl", "sqlalchemy"} == set()


GC_PROBE = """
import gc, json, sys
from pathlib import Path
if sys.argv[2] == "program":
    sys.argv[0] = "/usr/local/bin/formgen"  # as the console script runs
import formgen
after_import = (gc.isenabled(), gc.get_freeze_count())
fixture = formgen.load(sys.argv[1])
formgen.render("request", fixture, Path("first.docx"))
after_first = (gc.isenabled(), gc.get_freeze_count())
formgen.render("request", fixture, Path("second.docx"))
after_second = gc.get_freeze_count()
cycle = []
cycle.append(cycle)
del cycle
print(json.dumps({"import": after_import, "first": after_first, "second": after_second, "freed": gc.collect()}))
"""


def _gc_probe(tmp_path, how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", GC_PROBE, str(FIX / "request.yaml"), how], cwd=tmp_path,
                          capture_output=True, text=True, env={**_env(), "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_modules_a_letter_loads_are_left_out_of_later_collections_and_the_collector_runs_again(tmp_path):
    found = _gc_probe(tmp_path, "program")
    assert found["import"][0] is True and found["import"][1] > 10_000  # formgen's modules: frozen, collector on
    assert found["first"][0] is True and found["first"][1] > found["import"][1]  # the rendering libraries too
    assert found["second"] == found["first"][1]  # a later document's objects are collected as usual
    assert found["freed"] >= 1 and (tmp_path / "second.docx").is_file()


def test_formgen_imported_by_another_program_leaves_its_collector_and_heap_as_they_were(tmp_path):
    found = _gc_probe(tmp_path, "library")
    assert found["import"] == [True, 0] and found["first"] == [True, 0] and found["second"] == 0
    assert found["freed"] >= 1 and (tmp_path / "second.docx").is_file()
